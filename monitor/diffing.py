"""Readable diffs between two extracted texts. Pure functions.

``DIFFERS`` is a plain registry: name -> function(before, after) returning
``{"lines_added", "lines_removed", "diff"}``.
"""

import difflib


def line_diff(before, after, context=2):
    """A unified line diff with counts of lines added and removed."""
    a, b = before.splitlines(), after.splitlines()
    lines = list(difflib.unified_diff(a, b, "before", "after", n=context, lineterm=""))
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++"))
    removed = sum(1 for line in lines if line.startswith("-") and not line.startswith("---"))
    return {"lines_added": added, "lines_removed": removed, "diff": "\n".join(lines)}


def word_diff(before, after):
    """Words removed shown as [-word-], words added as {+word+}."""
    a, b = before.split(), after.split()
    out = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(a[i1:i2])
            continue
        if i2 > i1:
            out.append("[-" + " ".join(a[i1:i2]) + "-]")
            removed += i2 - i1
        if j2 > j1:
            out.append("{+" + " ".join(b[j1:j2]) + "+}")
            added += j2 - j1
    return {"lines_added": added, "lines_removed": removed, "diff": " ".join(out)}


DIFFERS = {"lines": line_diff, "words": word_diff}

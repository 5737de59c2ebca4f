"""Readable diffs between two extracted texts. Pure functions.

``DIFFERS`` is a plain registry: name -> function(before, after) returning
``{"lines_added", "lines_removed", "diff"}``.

Line diffs are anchored on lines that occur exactly once on each side (the
"patience" idea), and difflib only compares the short stretches between
anchors: difflib alone is quadratic on long texts of short, repeated lines
(a 1 MB table took over a second).
"""

import bisect
import collections
import difflib


def line_diff(before, after, context=2):
    """A unified line diff with counts of lines added and removed."""
    a, b = before.splitlines(), after.splitlines()
    opcodes = anchored_opcodes(a, b)
    lines = list(_unified(a, b, _grouped(opcodes, context)))
    added = sum(j2 - j1 for tag, _, _, j1, j2 in opcodes if tag in ("insert", "replace"))
    removed = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag in ("delete", "replace"))
    return {"lines_added": added, "lines_removed": removed, "diff": "\n".join(lines)}


def anchored_opcodes(a, b):
    """difflib-style opcodes for turning ``a`` into ``b``."""
    opcodes = []
    i = j = 0
    for ai, bj in _anchors(a, b) + [(len(a), len(b))]:
        opcodes += _shifted(difflib.SequenceMatcher(None, a[i:ai], b[j:bj]), i, j)
        if ai < len(a):
            opcodes.append(("equal", ai, ai + 1, bj, bj + 1))
        i, j = ai + 1, bj + 1
    return _merged(opcodes)


def _anchors(a, b):
    """(i, j) of lines unique in both, the longest run in the same order on both sides."""
    count_a, count_b = collections.Counter(a), collections.Counter(b)
    where_b = {line: j for j, line in enumerate(b) if count_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a)
             if count_a[line] == 1 and line in where_b]
    return _longest_increasing(pairs)


def _longest_increasing(pairs):
    """The longest subsequence of ``pairs`` (sorted by i) whose j also increases."""
    tails, tail_index, previous = [], [], [None] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        position = bisect.bisect_left(tails, j)
        if position == len(tails):
            tails.append(j)
            tail_index.append(index)
        else:
            tails[position], tail_index[position] = j, index
        previous[index] = tail_index[position - 1] if position else None
    run, index = [], tail_index[-1] if tail_index else None
    while index is not None:
        run.append(pairs[index])
        index = previous[index]
    return run[::-1]


def _shifted(matcher, i, j):
    return [(tag, i1 + i, i2 + i, j1 + j, j2 + j) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if i2 > i1 or j2 > j1]


def _merged(opcodes):
    merged = []
    for op in opcodes:
        if merged and merged[-1][0] == op[0] == "equal":
            merged[-1] = ("equal", merged[-1][1], op[2], merged[-1][3], op[4])
        else:
            merged.append(op)
    return merged


def _grouped(opcodes, context):
    """Hunks with ``context`` equal lines around each change, grouped exactly as difflib does."""
    return list(_Precomputed(opcodes).get_grouped_opcodes(context))


class _Precomputed(difflib.SequenceMatcher):
    """difflib's hunk grouping, fed with opcodes computed here."""

    def __init__(self, opcodes):
        super().__init__(None, [], [])
        self.precomputed = opcodes

    def get_opcodes(self):
        return list(self.precomputed)


def _unified(a, b, hunks):
    if not hunks:
        return
    yield "--- before"
    yield "+++ after"
    for hunk in hunks:
        first, last = hunk[0], hunk[-1]
        yield (f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@")
        for tag, i1, i2, j1, j2 in hunk:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            yield from ("-" + line for line in a[i1:i2])
            yield from ("+" + line for line in b[j1:j2])


def _range(start, stop):
    """difflib's unified range: 1-based start, length when not 1."""
    length = stop - start
    beginning = start + 1 if length else start
    return f"{beginning}" if length == 1 else f"{beginning},{length}"


def word_diff(before, after):
    """Words removed shown as [-word-], words added as {+word+}."""
    out, counts = [], {"same": 0, "removed": 0, "added": 0}
    for tag, text in word_changes(before, after):
        out.append({"same": "{}", "removed": "[-{}-]", "added": "{{+{}+}}"}[tag].format(text))
        counts[tag] += len(text.split())
    return {"lines_added": counts["added"], "lines_removed": counts["removed"], "diff": " ".join(out)}


def word_changes(before, after):
    """(tag, words) runs that turn ``before`` into ``after``, in order; tag is
    "same", "removed" or "added" (a replacement gives its removed run first)."""
    a, b = before.split(), after.split()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            yield "same", " ".join(a[i1:i2])
            continue
        if i2 > i1:
            yield "removed", " ".join(a[i1:i2])
        if j2 > j1:
            yield "added", " ".join(b[j1:j2])


# A removed line and the added line in its place are shown word by word when at
# least this share of their words is the same (otherwise as two whole lines).
SAME_LINE_RATIO = 0.5


def diff_rows(diff):
    """A unified diff (as ``line_diff`` writes it) as rows to show: dicts with
    ``kind`` ("same", "added", "removed" or "gap": lines left out) and ``parts``,
    a list of (changed, text). A removed line paired with the added line in its
    place has only its changed words marked, so a reader sees the words that
    changed inside a long paragraph.

    Example: ``diff_rows("@@ -1 +1 @@\n-held in May\n+held in June")`` gives a
    removed row [(False, "held in"), (True, "May")] and an added row
    [(False, "held in"), (True, "June")].
    """
    rows, removed, added = [], [], []
    for line in (diff or "").splitlines():
        if line.startswith(("+++", "---")):
            continue
        if line.startswith("-") and added or not line.startswith(("-", "+")):
            rows += _paired(removed, added)
            removed, added = [], []
        if line.startswith("@@"):
            if not line.startswith(("@@ -1,", "@@ -1 ", "@@ -0,")):
                rows.append({"kind": "gap", "parts": []})
        elif line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        else:
            rows.append({"kind": "same", "parts": [(False, line[1:])]})
    return rows + _paired(removed, added)


def _paired(removed, added):
    """Rows for a block of removed lines and the added lines that replace them."""
    pairs = [_word_rows(old, new) for old, new in zip(removed, added)]
    if not pairs or any(pair is None for pair in pairs):
        return ([{"kind": "removed", "parts": [(True, line)]} for line in removed]
                + [{"kind": "added", "parts": [(True, line)]} for line in added])
    extra = len(pairs)
    return ([old for old, _ in pairs] + [{"kind": "removed", "parts": [(True, line)]} for line in removed[extra:]]
            + [new for _, new in pairs] + [{"kind": "added", "parts": [(True, line)]} for line in added[extra:]])


def _word_rows(old, new):
    """(removed row, added row) marking changed words, or None if the lines are too different."""
    changes = list(word_changes(old, new))
    same = sum(len(text.split()) for tag, text in changes if tag == "same")
    if 2 * same < SAME_LINE_RATIO * (len(old.split()) + len(new.split())):
        return None
    side = {"removed": [(tag != "same", text) for tag, text in changes if tag != "added"],
            "added": [(tag != "same", text) for tag, text in changes if tag != "removed"]}
    return ({"kind": "removed", "parts": side["removed"]}, {"kind": "added", "parts": side["added"]})


DIFFERS = {"lines": line_diff, "words": word_diff}


def changed_lines(before, after):
    """The lines ``after`` has that ``before`` lacks, and the reverse, each once
    and in order, as two texts: what a version added and removed, for search."""
    old, new = before.splitlines(), after.splitlines()
    return _lines_missing(new, set(old)), _lines_missing(old, set(new))


def _lines_missing(lines, present):
    return "\n".join(dict.fromkeys(line for line in lines if line.strip() and line not in present))

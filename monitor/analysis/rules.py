"""The rules that turn a page's bytes into its text and marker, recorded with
every version.

A page's text depends on the page AND on how it is read: the source's `kind`,
`pages`, `content`, `ignore`, `marker` and `locale` in sources.yaml, and the
extraction code itself (``EXTRACTION_VERSION``). When they differ from the ones
that read the current version, the store re-reads that version's stored bytes
with the new rules before comparing (``monitor.store.record``), so a rule edit
is never reported as the government's edit. Pure functions, no I/O.
"""

import json

# Bump when a change to the extraction code (extract, pdf, markers, dates) changes
# what an unchanged page reads as: every page is then re-read, not alerted.
EXTRACTION_VERSION = 4  # 3: chrome never in the text (monitor.analysis.chrome); 4: cards, dates

RULE_KEYS = ("kind", "pages", "content", "ignore", "marker", "locale")


def of(source):
    """The rules reading ``source`` today, as canonical JSON (stored with each version).

    Example: ``of(source) == '{"content":null,"extraction":1,"ignore":[],...}'``.
    """
    rules = {
        "kind": source.kind, "pages": list(source.pages or ()), "locale": source.locale,
        "content": _written(source.content), "marker": _written(source.marker),
        "ignore": [_written(rule) for rule in source.ignore or ()],
        "extraction": EXTRACTION_VERSION,
    }
    return json.dumps(rules, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _written(rule):
    if rule is None:
        return None
    flags = rule.pattern.flags if rule.kind == "regex" and rule.pattern is not None else 0
    return f"{rule.kind}:{rule.value}" + (f"|{flags}" if flags else "")


def differences(before, after):
    """What changed between two ``of`` values, in words for the history.

    ``before`` None (a version stored before rules were recorded) gives [].

    Example: ``differences(old, new) == ["ignore: added /Views: \\d+/"]``.
    """
    if before is None or before == after:
        return []
    old, new = json.loads(before), json.loads(after)
    words = []
    for key in (*RULE_KEYS, "extraction"):
        if old.get(key) == new.get(key):
            continue
        if key == "ignore":
            words += [f"ignore: added {_plain(r)}" for r in new[key] if r not in old.get(key, [])]
            words += [f"ignore: removed {_plain(r)}" for r in old.get(key, []) if r not in new[key]]
        elif key == "extraction":
            words.append("dialogue-watch's own reading of pages was improved")
        else:
            words.append(f"{key}: {_plain(old.get(key))} -> {_plain(new.get(key))}")
    return words


def _plain(value):
    if value is None or value == []:
        return "(none)"
    if isinstance(value, str) and value.split(":", 1)[0] in ("selector", "regex"):
        return value.split(":", 1)[1].split("|")[0]
    return str(value)

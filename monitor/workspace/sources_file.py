"""Changing sources.yaml from the workspace: only the lines of the page added or removed
change, every other byte (comments, order, quoting) stays (ruamel.yaml's round trip tells
where each page starts), the result validated by ``monitor.config``'s own rules before it replaces the file,
written atomically (a temporary file beside it, then ``os.replace``), and never over a file
changed by someone else since the form was opened (its SHA-256 read then is compared twice:
before the change is made, and again just before the replace).
"""

import contextlib
import fcntl
import hashlib
import io
import json
import os
import re
from pathlib import Path

import yaml
from ruamel.yaml import YAML

from monitor import config
from monitor.errors import ConfigError, WorkspaceError

CHANGED_MEANWHILE = ("sources.yaml was changed by someone else since you opened this page, so "
                     "nothing was saved (their change is kept). Open the page again and redo yours.")


def fingerprint(path):
    """The SHA-256 of the file as it is now ('' when there is none)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def _yaml():
    return YAML()  # round trip: it keeps where every item starts (``lc``)


def sources(path):
    """The watched pages as sources.yaml lists them (dicts), and the file's fingerprint."""
    data = Path(path).read_bytes()
    document = _yaml().load(data) or {}
    return [dict(entry) for entry in document.get("sources") or []], hashlib.sha256(data).hexdigest()


def new_id(title, country, taken):
    """A stable short id from the country and the title: lowercase, digits and '-'."""
    words = re.sub(r"[^a-z0-9]+", "-", f"{country} {title}".lower()).strip("-")[:60].strip("-") or "page"
    candidate, n = words, 2
    while candidate in taken:
        candidate, n = f"{words}-{n}", n + 1
    return candidate


def add(path, expected, entry):
    """Append the source ``entry`` (a dict) after the last page of sources.yaml."""
    def change(text):
        lines, spans, indent = _source_spans(text)
        if not spans:
            raise WorkspaceError("sources.yaml lists no page yet: write the first one by hand "
                                 "(see sources check), then add the others here.")
        at = spans[-1][1]
        return "".join(lines[:at] + [_entry_text(entry, indent)] + lines[at:])

    _rewrite(path, expected, change)


def remove(path, expected, source_id):
    """Take the source ``source_id`` out of sources.yaml (its history stays in the database)."""
    def change(text):
        lines, spans, _ = _source_spans(text)
        ids = [entry.get("id") for entry in (_yaml().load(text) or {}).get("sources") or []]
        if source_id not in ids:
            raise WorkspaceError(f"sources.yaml has no page {source_id} any more: nothing to remove.")
        start, end = spans[ids.index(source_id)]
        return "".join(lines[:start] + lines[end:])

    _rewrite(path, expected, change)


def edit(path, expected, source_id, fields):
    """Give the source ``source_id`` these values (``{"title": ..., "url": ...}``): only the
    lines of those keys change (a comment at the end of such a line stays); a value None
    takes its key's line out."""
    def change(text):
        lines, spans, indent = _source_spans(text)
        listed = (_yaml().load(text) or {}).get("sources") or []
        ids = [entry.get("id") for entry in listed]
        if source_id not in ids:
            raise WorkspaceError(f"sources.yaml has no page {source_id} any more: nothing to change.")
        start, end = spans[ids.index(source_id)]
        current = listed[ids.index(source_id)]
        for key, value in fields.items():
            if value is None and key in current:
                end = _drop_key(lines, start, end, indent, key)
            elif value is not None and not _same(current.get(key), value):  # one left as it was keeps its line
                end = _set_key(lines, start, end, indent, key, value)
        return "".join(lines)

    _rewrite(path, expected, change)


def _same(written, value):
    """Whether a form's ``value`` is the ``written`` one: a form sends text stripped, with
    CRLF lines (notes written as a block, ``notes: >``, end with a newline)."""
    if isinstance(written, str) and isinstance(value, str):
        return written.replace("\r\n", "\n").strip() == value.replace("\r\n", "\n").strip()
    return written == value


def pause(path, expected, source_id, note=None):
    """``paused: true`` (and ``paused_note:``, or none) on the source: not checked for now."""
    edit(path, expected, source_id, {"paused": True, "paused_note": note or None})


def resume(path, expected, source_id):
    """Take ``paused`` and ``paused_note`` off the source: it is checked again."""
    edit(path, expected, source_id, {"paused": None, "paused_note": None})


LINE_VALUE = re.compile(r"""^(?P<head>.*?:[ \t]*)(?P<value>"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^#'"]*?)(?P<tail>[ \t]+#.*)?$""")


def _set_key(lines, start, end, indent, key, value):
    """Set ``key`` in the item's lines [start, end); returns the item's new end."""
    inner = indent + "  "
    for n in range(start, end):
        line = lines[n].rstrip("\n")
        if line.startswith((f"{indent}- {key}:", f"{inner}{key}:")):
            following = lines[n + 1] if n + 1 < end else ""
            match = LINE_VALUE.match(line)
            if not match or (following.startswith(inner + " ") and following.strip()):
                raise WorkspaceError(f"The {key} of this page is written over several lines in "
                                     "sources.yaml: change it there by hand.")
            lines[n] = f"{match['head']}{_scalar(value)}{match['tail'] or ''}\n"
            return end
    lines.insert(end, f"{inner}{key}: {_scalar(value)}\n")
    return end + 1


def _drop_key(lines, start, end, indent, key):
    """Take ``key``'s line out of the item's lines [start, end); returns the item's new end."""
    inner = indent + "  "
    for n in range(start + 1, end):
        if lines[n].startswith(f"{inner}{key}:"):
            following = lines[n + 1] if n + 1 < end else ""
            if following.startswith(inner + " ") and following.strip():
                break
            del lines[n]
            return end - 1
    raise WorkspaceError(f"The {key} of this page is written in a way the workspace cannot "
                         "change (first in its entry, or over several lines): change it in "
                         "sources.yaml by hand.")


def _scalar(value):
    """A YAML scalar for ``value``: a JSON string is a valid double-quoted YAML one."""
    return json.dumps(value, ensure_ascii=False)


def _source_spans(text):
    """The file's lines, each page's (first line, line after its last), and the indent of its
    dashes. Only these lines change: every other byte of the file, comments included, stays."""
    document = _yaml().load(text) or {}
    listed, lines = document.get("sources") or [], text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    keys = list(document)
    after = keys.index("sources") + 1 if "sources" in keys else len(keys)
    block_end = document.lc.key(keys[after])[0] if after < len(keys) else len(lines)
    starts = [listed.lc.item(n)[0] for n in range(len(listed))]
    spans = [(start, _last_content(lines, start, end)) for start, end in
             zip(starts, starts[1:] + [block_end])]
    indent = lines[starts[0]][:lines[starts[0]].index("-")] if starts else "  "
    return lines, spans, indent


def _last_content(lines, start, end):
    """The line after the item's last line of content (its trailing comments and blank lines
    belong to what follows)."""
    while end > start + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
        end -= 1
    return end


def _entry_text(entry, indent):
    handler = YAML()
    handler.width = 4096
    handler.indent(mapping=2, sequence=2, offset=0)
    out = io.StringIO()
    handler.dump([dict(entry)], out)
    return "".join(indent + line for line in out.getvalue().splitlines(keepends=True))


def settings_with(path, entry):
    """The text of a sources.yaml with this file's settings and defaults and only ``entry``
    (for the preview: the same reading as ``test-source``)."""
    document = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    document.pop("discover", None)
    document["sources"] = [dict(entry)]
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _rewrite(path, expected, change):
    path = Path(path)
    with _locked(path):
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != expected:
            raise WorkspaceError(CHANGED_MEANWHILE)
        text = change(data.decode("utf-8"))
        temporary = path.with_name(f".{path.name}.workspace-{os.getpid()}.tmp")
        try:
            _write(temporary, text)
            _validate(temporary, path)
            if fingerprint(path) != expected:
                raise WorkspaceError(CHANGED_MEANWHILE)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)


def _write(path, text):
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())


def _validate(temporary, path):
    try:
        config.load(temporary)
    except ConfigError as error:
        problems = "; ".join(message for _, message in error.problems)
        raise WorkspaceError(f"This would make {path.name} invalid, so nothing was saved: "
                             f"{problems}") from None


@contextlib.contextmanager
def _locked(path):
    """One workspace write at a time (two editors saving at once)."""
    with open(path.with_name(f".{path.name}.workspace.lock"), "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield

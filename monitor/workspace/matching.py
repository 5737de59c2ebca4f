"""Which subscription wants which stored event, and the words that appeared or disappeared.

Pure functions of plain values: a subscription and an event are dicts as
``monitor.store.workspace`` reads them (the event with its country, page id, kind and diff).
"""

import unicodedata

from monitor.analysis import events
from monitor.notify.alerts import DEFAULT_KINDS

# What a member may choose to hear about, in their words (the kinds alerts.yaml offers too).
KIND_CHOICES = {
    "updated": "The page changed, and so did its 'last updated' line",
    "silent_edit": "The page changed but its 'last updated' line did not",
    "changed": "The page changed (it shows no 'last updated' line)",
    "marker_only": "Only the 'last updated' line changed",
    "replaced": "The page now shows something else entirely",
    "gone": "The page disappeared",
    "documents_changed": "A document was added or removed",
    "stale": "The page still shows an old 'last updated' date",
    "new_publication": "A government published something new (found in its news or listings)",
}
MODES = {"instant": "At once, one e-mail per change", "daily": "Once a day, a digest",
         "weekly": "Once a week, a digest"}


def normal(text):
    """Text as compared: the same letters however typed (NFKC), in any case (casefold)."""
    return unicodedata.normalize("NFKC", text).casefold()


def diff_lines(diff):
    """(lines added, lines removed) of a stored unified diff."""
    added, removed = [], []
    for line in (diff or "").splitlines():
        if line.startswith(("+++", "---")):
            continue
        if line.startswith("+"):
            added.append(line[1:])
        elif line.startswith("-"):
            removed.append(line[1:])
    return added, removed


def word_changes(words, diff):
    """[(word, 'appeared' | 'disappeared', the line)] for each word the diff adds or removes:
    a word is matched inside longer words and in any script (人权, Uyghur, Tibet)."""
    added, removed = diff_lines(diff)
    found = []
    for word in words:
        wanted = normal(word)
        plus = [line for line in added if wanted in normal(line)]
        minus = [line for line in removed if wanted in normal(line)]
        more = sum(normal(line).count(wanted) for line in plus) \
            - sum(normal(line).count(wanted) for line in minus)
        if more > 0:
            found.append((word, "appeared", plus[0].strip()))
        elif more < 0:
            found.append((word, "disappeared", minus[0].strip()))
    return found


def matches(subscription, event):
    """The alerts ``subscription`` wants for ``event``: [(word, change, line)], with word ''
    for a subscription without words. A note is never alerted; a subscription with words
    hears only of its words, one without of its kinds (or alerts.yaml's default kinds)."""
    if event["kind"] in events.NOTE_KINDS:
        return []
    if subscription["countries"] and event["country"] not in subscription["countries"]:
        return []
    if subscription["sources"] and event["source_id"] not in subscription["sources"]:
        return []
    if subscription["words"] and event["kind"] in events.DISCOVERY_KINDS:
        return word_changes(subscription["words"], _as_added(event))  # a new publication
    if subscription["words"]:
        return word_changes(subscription["words"], event["diff"])
    kinds = set(subscription["kinds"]) or DEFAULT_KINDS
    return [("", None, None)] if event["kind"] in kinds else []


def _as_added(event):
    """A new publication's title and what was said of it, as lines it added."""
    text = "\n".join(part for part in (event.get("title"), event.get("detail")) if part)
    return "\n".join(f"+{line}" for line in text.splitlines())


def diff_rows(diff):
    """A stored diff's lines as (class, text) for display: 'added', 'removed' or 'same'."""
    shown = []
    for line in (diff or "").splitlines():
        if line.startswith(("+++", "---", "@@")):
            continue
        kind = {"+": "added", "-": "removed"}.get(line[:1], "same")
        shown.append((kind, line[1:]))
    return shown

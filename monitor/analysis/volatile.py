"""Volatile places: the parts of a page that change at (nearly) every check. Pure functions.

A *place* is one line of the page's text with its tokens (numbers, dates, times,
ids: any run of letters and digits that holds a digit) masked: "Views: 1,234"
and "Views: 1,235" are the same place, "Views: #". A change is *masked-equal*
when every line it changed became the same place with other tokens.

``judge(history, kind, before, after, at)`` reads one new version of a page
against its places' ``history`` (place -> ``Place``, what the store keeps):

- a place becomes volatile when it changed to a value it had not had lately at
  ``AFTER`` checks in a row, each of which found a new version (the first
  ``AFTER - 1`` changes still alert: "3 dialogues held" -> "4" can be news; a
  check that found the page unchanged in between starts it again); a value seen
  in the last ``AFTER + 1`` (A, B, A) is alternation, not volatility: the place
  starts again from zero;
- a change that touched only volatile places is a ``volatile_change`` note;
  anything else changed (any other line, a line added, removed or moved) keeps
  the event ``events.classify`` gave;
- a volatile place that stays still for ``AFTER`` new versions is forgotten, and so is a
  run of lines (``rotated``) that changed lately: until then, words it goes back to are
  doubtful (``changed_again``).

``suggest_rule`` writes the ``ignore:`` rule (a ``/regex/``, ``monitor.config``)
that removes exactly the place's changing part from the text, checked on both
texts of the change: one match, inside that line, covering what changed.
"""

import bisect
import collections
import dataclasses
import functools
import re

from monitor.analysis import matching
from monitor.analysis.matching import SequenceMatcher

AFTER = 3  # new versions in a row with a fresh value before a place counts as volatile
# Only these events become notes: a changed "last updated" line (updated,
# marker_only) or a page back from the dead (restored) is always news.
QUIETABLE = frozenset({"silent_edit", "changed"})
NOTE = "volatile_change"

# Runs of ASCII letters and digits (any script's digits: "１２３") chained by single
# separators: "1,234", "2024-03-12", "12:34", "a9F3-kQ2x", "v2.1".
CHAIN = re.compile(r"[A-Za-z_\d]+(?:[.,:/+=-][A-Za-z_\d]+)*")
DIGIT = re.compile(r"\d")
MIXED_CASE = re.compile(r"[a-z][A-Z]")  # "QmFzZTY0VG9rZW4": a token without digits
NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")
# What the suggested rule accepts in place of the changing part.
RULE_NUMBER = r"\d+(?:[.,:/-]\d+)*"
RULE_TOKEN = r"[A-Za-z_\d]+(?:[.,:/+=-][A-Za-z_\d]+)*"
# The context a suggested rule finds the changing part by, shortest first:
# (words before, words after, whether the words before stay); None: all of them;
# LINE_END: the part ends its line.
LINE_END = "end"
CONTEXTS = ((1, 0, True), (1, LINE_END, True), (1, 1, True), (1, 2, True), (0, 1, True),
            (0, 2, True), (0, 3, True), (2, 0, False), (2, LINE_END, False), (3, 0, False),
            (3, LINE_END, False), (2, 2, False), (None, None, False), (None, LINE_END, False))
SHOWN_CHARS = 160
MIN_KEPT_WORD = 4
# How a whole line's place is named (``rotated``): never a line of a page's text.
LINE_PLACE = "\x1eline"


@dataclasses.dataclass(frozen=True)
class Place:
    streak: int = 0       # new versions in a row in which it changed to a fresh value
    quiet: int = 0        # new versions in a row in which it did not change
    recent: tuple = ()    # its latest values, oldest first (at most AFTER + 1)
    since: str | None = None  # when it became volatile (the caller's time); None: not volatile

    @property
    def volatile(self):
        return self.since is not None


@dataclasses.dataclass(frozen=True)
class Change:
    """One line that became the same place with other tokens."""

    place: str        # the line, its changed tokens as "#", the others "*"; " [n]": n-th such
    before: str       # the line before
    after: str        # the line after
    line_before: int  # its index in the text before
    line: int         # its index in the text after
    slots: tuple      # which of its tokens changed
    whole: bool = False  # lines whose words changed, a run of them (``rotated``)
    anchor: str = ""  # for those: the unchanged line just above them
    span: tuple = ()  # for those: (first, end) line of the text before, then of the text after

    @property
    def old_value(self):
        return self.before if self.whole else " ".join(_split(self.before)[1][s] for s in self.slots)

    @property
    def value(self):
        return self.after if self.whole else " ".join(_split(self.after)[1][s] for s in self.slots)


@dataclasses.dataclass(frozen=True)
class Verdict:
    kind: str | None   # the event to record: NOTE, or the kind it was given
    history: dict      # place -> Place after this version
    changes: tuple     # the masked-equal changes of this version
    flagged: tuple     # those whose place became volatile with this version
    other: bool        # whether anything else changed too


def judge(history, kind, before, after, at="now", markers=(None, None), seen_still=False,
          streak=AFTER):
    """What one new version means for its page's volatile places (see the module).

    ``markers``: the page's "last updated" line before and after; a line that
    carries it while it changes is never a place (that change is always news).
    ``seen_still``: a check since the last version found the page unchanged, so
    its places did not change at every check: that counts as a version in which
    nothing changed (a number updated now and then never becomes volatile).
    ``streak``: versions in a row that make a place volatile (``AFTER``; fewer for a
    change already confirmed by a second look, ``monitor.store.confirm``)."""
    if seen_still:
        history = advance(history, (), at)
    found, other = changes(before, after, pair_others=False)
    if other:  # lines whose words changed, added or removed: runs named by where they stand
        found, other = rotated(before, after, history) or (found, other)
    ours = tuple(c for c in found if not _carries_marker(c, markers))
    found, other = ours, other or len(ours) != len(found)
    updated = advance(history, found, at, streak)
    only_volatile = bool(found) and not other and all(
        updated[c.place].volatile and not _edits_around(history.get(c.place), c) for c in found)
    flagged = tuple(c for c in found if updated[c.place].volatile
                    and not history.get(c.place, Place()).volatile)
    new_kind = NOTE if only_volatile and kind in QUIETABLE else kind
    return Verdict(new_kind, updated, found, flagged, other)


def confirmed(history, before, after, at="now"):
    """The verdict when a held change (``monitor.analysis.doubt``) changed again in the
    same places at once: those places are volatile from now on (no need to wait for
    ``AFTER`` alerted changes), and this change is a note."""
    found = (rotated(before, after, history) or changes(before, after))[0]
    updated = advance(history, found, at)
    for change in found:
        updated[change.place] = dataclasses.replace(updated[change.place], streak=AFTER,
                                                    since=updated[change.place].since or at)
    flagged = tuple(c for c in found if not history.get(c.place, Place()).volatile)
    return Verdict(NOTE, updated, found, flagged, False)


def confirmed_at_both(history, before, first, second, at="now"):
    """``confirmed`` for a change whose fetch at once showed other words again (in the same
    places, or laid out otherwise: a list reshuffled, other stories picked): the parts
    either fetch changed are volatile (a list's lines that one pick happened to keep are
    the list's too)."""
    one = confirmed(history, before, first, at)
    two = confirmed(one.history, before, second, at)
    known = {change.place for change in one.flagged}
    return dataclasses.replace(one, history=two.history, flagged=one.flagged + tuple(
        change for change in two.flagged if change.place not in known))


def flipped(history, before, after, at="now"):
    """The places when a change from ``before`` to ``after`` was undone within seconds (the
    page, fetched again at once, was as before: ``monitor.analysis.doubt.AT_ONCE``): its
    runs of lines are remembered as changed lately, so that their next change, or their
    return, waits for a look (``changed_again``); they are not volatile: a site whose
    servers disagree while an edit is published shows the edit again, and it is told."""
    found = (rotated(before, after, history) or changes(before, after))[0]
    return Verdict(None, advance(history, found, at), found, (), False)


def edited_at_both(before, first, second):
    """Whether two fetches made seconds apart (``first``, ``second``) both show the same edit
    of ``before``: a sentence neither had before and both have, or a sentence of ``before``
    that both dropped with nothing in its place. Words a site writes anew at each request
    differ between the two (each replaced the last version's with its own): they are not
    an edit, however they are laid out (a list shuffled, a tip, stories picked at random)."""
    old, one, two = _sentences(before), _sentences(first), _sentences(second)
    agreed = _agreed_in_place(one, two)
    added = collections.Counter(agreed) - collections.Counter(old)
    return bool(added) or _dropped_at_both(old, one, two, set(agreed))


def _agreed_in_place(one, two):
    """The sentences two fetches agree on, sentence for sentence, where both put them in the
    same place: a run both show, not shifted against the runs beside it. A list reshuffled
    or shifted between the two fetches, where a story comes up in both by chance at
    another rank (three of six most-read stories, headlines moved on by one), is no
    agreement; an edit is where it was, whatever words picked anew beside it took."""
    # a sentence either fetch shows more than once ("Read more.", "June." after a date cut
    # in two) tells no place: the runs are aligned without it
    repeated = {s for fetch in (one, two) for s, n in collections.Counter(fetch).items() if n > 1}
    one, two = ([s for s in fetch if s not in repeated] for fetch in (one, two))
    blocks = [block for block in SequenceMatcher(
        None, one, two, autojunk=False).get_matching_blocks() if block.size]
    # each run's shift (its place in one less its place in two); both texts begin together
    # and end together
    shifts = [0, *(block.a - block.b for block in blocks), len(one) - len(two)]
    return [sentence for k, block in enumerate(blocks, start=1)
            if shifts[k] in (shifts[k - 1], shifts[k + 1])
            for sentence in one[block.a:block.a + block.size]]


def _dropped_at_both(old, one, two, agreed):
    """Whether both fetches removed a sentence of ``old`` with nothing in its place: between
    the sentences of ``old`` around it that both fetches show in the same place
    (``agreed``), each fetch has fewer sentences than ``old`` had, and that sentence is
    nowhere in either. A list of a few stories picked at random keeps its length, whichever
    stories it lost."""
    shown = set(one) | set(two)
    bounds = [-1, *(index for index, sentence in enumerate(old) if sentence in agreed), len(old)]
    for start, end in zip(bounds, bounds[1:]):
        gone = [sentence for sentence in old[start + 1:end] if sentence not in shown]
        if not gone:
            continue
        before = old[start] if start >= 0 else None
        after = old[end] if end < len(old) else None
        runs = [_between(fetch, before, after) for fetch in (one, two)]
        if all(run is not None and len(run) < end - start - 1 for run in runs):
            return True
    return False


def _between(sentences, before, after):
    """The sentences between ``before`` and ``after`` (None: the start, the end), or None
    when they are not in that order."""
    start = sentences.index(before) + 1 if before is not None else 0
    if after is None:
        return sentences[start:]
    try:
        return sentences[start:sentences.index(after, start)]
    except ValueError:  # ``after`` is not after ``before``
        return None


def same_places(before, first, second):
    """Whether ``before`` -> ``first`` changed only values inside otherwise identical lines,
    and every one of those places changed again from ``first`` to ``second`` (a counter,
    a token); a place that changed once and then stayed (a number edited beside a counter)
    makes it False."""
    one, other_one = changes(before, first, pair_others=False)
    again, other_again = changes(first, second, pair_others=False)
    moved = {}  # line of ``first`` -> the values that changed in it again
    for change in again:
        moved.setdefault(change.line_before, set()).update(change.slots)
    return (bool(one) and not other_one and not other_again
            and all(set(c.slots) <= moved.get(c.line, set()) for c in one))


ROTATED, RETURNED = "rotated", "returned"


def changed_again(history, before, after, markers=(None, None), quiet=False):
    """Why this change of a run of lines (``rotated``) is doubtful (``monitor.analysis.doubt``),
    or None: ``ROTATED``, the run had changed at the page's version before too and now
    takes other words again (``_again``); ``RETURNED``, the run goes back to words it had
    lately (``_returned``). Words a site picks anew at each visit, from many choices or
    from two, change again when the page is fetched again; an edit, or its undoing, stays.
    ``quiet``: a check since the version before found the page unchanged."""
    found = rotated(before, after, history)
    if not found:
        return None
    runs = [change for change in found[0] if change.whole and not _carries_marker(change, markers)]
    if any(_returned(history.get(change.place), change) for change in runs):
        return RETURNED
    if quiet:  # new words after a quiet check: an edit, alerted at once
        return None
    # the lines each run brought at the version before (the runs of the page's history)
    brought = [(known, set(known.recent[-1].split("\n"))) for place, known in history.items()
               if place.startswith(LINE_PLACE) and known.recent and known.streak >= 1
               and not known.volatile]
    return ROTATED if any(_again(history.get(change.place), brought, change) for change in runs) \
        else None


def _returned(known, change):
    """The run, which changed lately (its place is remembered: ``advance``), goes back to
    words it had: an edit undone, or one of a few versions the site picks from at each
    visit (two banners in turn, a greeting of the hour); a look tells them apart."""
    return known is not None and not known.volatile and change.value in known.recent


def _again(known, brought, change):
    """The run's words were new at the version before (its place changed then, or its
    lines are lines another run brought then: an edit just above renamed it), and change
    now to words it has not had lately (back to earlier words: ``_returned``), and the
    change is not an edit of them (``_picked``)."""
    if not _picked(change):
        return False
    if known is not None:
        return known.streak >= 1 and not known.volatile and change.value not in known.recent
    lines = set(change.old_value.split("\n")) - {""}
    return any(lines and lines <= new_lines and change.value not in other.recent
               for other, new_lines in brought)


# A run that keeps at least this share of its words (of the longer of its two sides: a
# label kept in front of another tip, "Did you know?", is a small share) was edited.
KEPT_WHEN_EDITED = 0.5


def _picked(change):
    """Whether a run's change looks picked anew rather than edited: whole sentences
    replaced by others that keep few of their words (another tip, another quote, even
    inside a paragraph of the page's own), or whole lines kept but moved (a list of
    stories shifted by one), or the same words in another order (a line of links listed
    at random). A sentence reworded keeps most of its words, and sentences
    added or removed (more of one than of the other) are an edit: either is alerted at once, however soon it
    follows the last edit."""
    old, new = change.old_value.split("\n"), change.value.split("\n")
    if set(old) & set(new) - {""}:
        return True
    if sorted(change.old_value.split()) == sorted(change.value.split()):
        return True  # the same words in another order (links listed at random): moved, not written
    before, after = _sentences(change.old_value), _sentences(change.value)
    removed = [s for s in before if s not in after]
    added = [s for s in after if s not in before]
    return (bool(removed) and len(added) == len(removed)  # one for one: more is an edit
            and _kept(" ".join(removed), " ".join(added)) < KEPT_WHEN_EDITED)


def _edits_around(known, change):
    """Whether a change of a volatile run of lines (``rotated``) is more than its words
    picked anew: it removes a sentence every one of the run's recent values had (the text
    around the picked words was edited), or adds more sentences than it removes."""
    if not change.whole or known is None or not known.recent or change.value in known.recent:
        return False  # back to words it had lately: nothing new around them
    before, after = set(_sentences(change.old_value)), set(_sentences(change.value))
    removed, added = before - after, after - before
    stable = set.intersection(*(set(_sentences(value)) for value in known.recent))
    return bool(removed & stable) or len(added) > len(removed)


SENTENCE_END = re.compile(r"(?<=[.!?;:。！？；：])\s*")


def _sentences(text):
    return [s.strip() for line in text.split("\n") for s in SENTENCE_END.split(line) if s.strip()]


def _kept(before, after):
    """The share of words (characters, for a script written without spaces) kept, of the
    longer side: a label kept in front of another tip ("Did you know?") is a small share."""
    old, new = before.split(), after.split()
    if len(old) < 3:  # Japanese, Chinese: characters
        old, new = list(before), list(after)
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / (max(len(old), len(new)) or 1)


SAME, MIXED = "same", "mixed"


def lines_look(before, first, second, history=None):
    """What a later look ``second`` did with the runs of lines (``rotated``) that changed
    from ``before`` to ``first``: ``SAME`` (every one changed again, nothing else: words
    picked anew at each visit), ``MIXED`` (some changed again, others stayed: an edit beside
    them), or None (something else changed, or nothing did). ``history``: the page's
    places, so that the held change's runs are named as when it was held."""
    one = rotated(before, first, history)
    if not one:
        return None
    # the look's runs, followed to the held change's (a list shuffled again is the same list)
    again = rotated(first, second, {change.place: Place(1, 0, (change.old_value, change.value))
                                    for change in one[0] if change.whole})
    if not again:
        return None
    places = {change.place for change in one[0]}
    moved = {change.place for change in again[0]}
    whole = {change.place for change in one[0] if change.whole}
    if not moved <= places:
        return None
    return SAME if whole <= moved else MIXED


def _carries_marker(change, markers):
    before, after = markers
    return before != after and bool((before and before in change.before)
                                    or (after and after in change.after))


def advance(history, found, at="now", streak=AFTER):
    """The places after a new version whose masked-equal changes are ``found``."""
    changed = {change.place: change for change in found}
    after = {}
    for place, known in history.items():
        # a volatile place, and a run of lines that changed lately (words it goes back
        # to soon after are doubtful: ``changed_again``), are kept a while unchanged
        kept = known.volatile or place.startswith(LINE_PLACE)
        if place not in changed and kept and known.quiet + 1 < AFTER:
            after[place] = dataclasses.replace(known, streak=0, quiet=known.quiet + 1)
    for place, change in changed.items():
        after[place] = _step(history.get(place, Place()), change, at, streak)
    return after


def _step(known, change, at, needed=AFTER):
    recent = known.recent
    if not recent or recent[-1] != change.old_value:
        recent += (change.old_value,)
    fresh = change.value not in recent
    recent = (recent + (change.value,))[-(AFTER + 1):]
    if not fresh and not (change.whole and known.volatile):
        # back to a value it had lately: alternation, not volatility (words picked anew at
        # each visit, found so by a second look, come back too: they stay volatile)
        return Place(0, 0, recent, None)
    streak = known.streak + 1
    # a whole line is volatile only once a second look found it changed again
    # (``confirmed``): changed at checks in a row, it may be a page being edited
    since = known.since or (at if streak >= needed and not change.whole else None)
    return Place(streak, 0, recent, since)


# -- which lines changed, and where ---------------------------------------------


def changes(before, after, pair_others=True):
    """``(the masked-equal line changes, whether anything else changed)``.

    Only a change where every changed line kept its place (same number of lines,
    each changed one the same place with other tokens) can be masked-equal: that is
    checked line by line. Otherwise something else changed for sure, and (with
    ``pair_others``) the lines only one side has are paired by place: for the
    history (an approximation when lines repeat or move), never a reason to
    quieten an event. ``judge`` does not pair them: it reads such a change as runs of
    lines named by where they stand (``rotated``)."""
    if before == after:
        return (), False
    old, new = before.splitlines(), after.splitlines()
    pairs, other = _same_places(old, new)
    if other:
        pairs = _paired_by_place(old, new) if pair_others else []
    shapes = {}
    return tuple(_change(old, new, i, j, shapes) for i, j in pairs), other


def _same_places(old, new):
    """``(pairs, other)``: the lines that changed in place, and whether any change is
    not masked-equal (or lines were added, removed or moved)."""
    if len(old) != len(new):
        return [], True
    pairs = [(k, k) for k, (a, b) in enumerate(zip(old, new)) if a != b]
    other = not pairs or any(_shape(old[i]) != _shape(new[j]) for i, j in pairs)
    return pairs, other


def rotated(before, after, history=None):
    """``(changes, False)`` for a change where some lines' words changed (not only their
    tokens): a sentence, a quote or a list of other stories a site picks anew at each
    visit, or an edit. Each run of changed lines (lines replaced, added or removed between
    two unchanged ones) is one place named by where it stands, the unchanged line just
    above it, never by its words: a line picked anew at each visit is one place whatever it
    says, and its value is the whole run (how many lines it had and has is part of its
    name: a run that grew or shrank is another place). Lines whose tokens alone changed are
    ``changes``'s places, as there. None when only tokens changed. ``history``: the
    page's places, to follow a run whose name an edit just above it changed."""
    found = _runs_of(before, after)
    if not found:
        return None
    return _followed(history or {}, _widened(history or {}, found, before, after)), False


@functools.lru_cache(maxsize=4)
def _runs_of(before, after):
    """``rotated``'s changes before any is followed, or None. Kept for the last four pairs
    of texts: one check reads the same change for its volatile places (``judge``) and to
    weigh it (``changed_again``), each a line diff of the whole page."""
    if before == after:
        return None
    old, new = before.splitlines(), after.splitlines()
    found, shapes, names = [], {}, {}
    for tag, i1, i2, j1, j2 in _runs(old, new):
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1 and all(
                _shape(old[i1 + d]) == _shape(new[j1 + d]) for d in range(i2 - i1)):
            found += [_change(old, new, i1 + d, j1 + d, shapes) for d in range(i2 - i1)]
            continue
        found.append(_run(old, new, (i1, i2, j1, j2), names))
    if not any(change.whole for change in found):
        return None
    return tuple(found)


def _run(old, new, span, names):
    """The change of the run of lines ``span`` (first, end of ``old``; first, end of
    ``new``), named by the unchanged line above it and its lengths (``names``: the names
    given so far, to number a repeated one)."""
    i1, i2, j1, j2 = span
    anchor = old[i1 - 1][:SHOWN_CHARS] if i1 else ""
    # the run's length names it too: an edit that adds a paragraph beside words picked
    # anew makes a longer run, another place, never one already volatile
    name = f'{LINE_PLACE} {i2 - i1}:{j2 - j1} below "{anchor}"'
    names[name] = names.get(name, 0) + 1
    place = name + (f" [{names[name]}]" if names[name] > 1 else "")
    return Change(place, "\n".join(old[i1:i2]), "\n".join(new[j1:j2]), i1, j1, (), True, anchor,
                  span)


def _widened(history, found, before, after):
    """The runs of ``found`` grown over the unchanged lines around them that a volatile run
    of the page's history had lately, and named by where they then stand: a list shuffled
    or picked anew at each visit is one place, whichever of its lines happen to stay put.
    (Only volatile runs: the lines an edit brought are the page's own.)"""
    lately = {line for place, known in history.items()
              if place.startswith(LINE_PLACE) and known.volatile
              for value in known.recent for line in value.split("\n") if line}
    if not lately:
        return found
    old, new = before.splitlines(), after.splitlines()
    spans = []
    for change in (change for change in found if change.whole):
        i1, i2, j1, j2 = change.span
        while i1 and j1 and old[i1 - 1] == new[j1 - 1] and old[i1 - 1] in lately:
            i1, j1 = i1 - 1, j1 - 1
        while i2 < len(old) and j2 < len(new) and old[i2] == new[j2] and old[i2] in lately:
            i2, j2 = i2 + 1, j2 + 1
        if spans and i1 <= spans[-1][1]:  # grown into the run above: one run
            i1, j1 = spans[-1][0], spans[-1][2]
            spans.pop()
        spans.append((i1, i2, j1, j2))
    if spans == [change.span for change in found if change.whole]:
        return found
    names = {}
    return tuple(change for change in found if not change.whole) + tuple(
        _run(old, new, span, names) for span in spans)


def _followed(history, found):
    """A run whose place is new to ``history`` but whose words before are the words a
    known run last had (or any it had lately, for a volatile one: it may have changed
    inside a longer run since) is that place: the line above it was edited (a paragraph
    added just above words picked anew), which renamed it."""
    last = {value: place for place, known in history.items()
            if place.startswith(LINE_PLACE) and known.recent
            for value in (known.recent if known.volatile else known.recent[-1:])}
    return tuple(dataclasses.replace(change, place=last[change.old_value])
                 if change.whole and change.place not in history and change.old_value in last
                 and change.value.count("\n") == change.old_value.count("\n")  # as long
                 else change for change in found)


# Changed lines this close (unchanged lines between them) are one run (``rotated``): a list
# of three stories shifted by one loses its first and gains a last one, two changes two
# lines apart, and the line above the second is one of the stories.
RUN_GAP = 3


def _runs(old, new):
    """difflib's opcodes, the changes closer than ``RUN_GAP`` lines merged into one
    ("replace") with the unchanged lines between them."""
    merged = []
    for tag, i1, i2, j1, j2 in matching.opcodes(old, new):
        if merged and tag != "equal" and len(merged) >= 2 and merged[-2][0] != "equal" \
                and merged[-1][0] == "equal" and merged[-1][2] - merged[-1][1] <= RUN_GAP:
            merged.pop()  # the unchanged lines between: inside the run now
            last = merged.pop()
            merged.append(("replace", last[1], i2, last[3], j2))
            continue
        merged.append((tag, i1, i2, j1, j2))
    return merged


def _paired_by_place(old, new):
    """Each line only ``old`` has with the next line only ``new`` has of the same place."""
    old_lines, new_lines = set(old), set(new)
    removed = [i for i, line in enumerate(old) if line not in new_lines]
    added = [j for j, line in enumerate(new) if line not in old_lines]
    shapes = {j: _shape(new[j]) for j in added}
    found, start = [], 0
    for i in removed:
        shape = _shape(old[i])
        for position in range(start, len(added)):
            if shapes[added[position]] == shape:
                found.append((i, added[position]))
                start = position + 1
                break
    return found


def _change(old, new, i, j, shapes):
    literals, tokens = _split(new[j])
    before_tokens = _split(old[i])[1]
    slots = tuple(k for k, (a, b) in enumerate(zip(before_tokens, tokens)) if a != b)
    marks = ["#" if k in slots else "*" for k in range(len(tokens))]
    place = "".join(part for pair in zip(literals, marks + [""]) for part in pair)
    nth = _occurrence(new, j, _shape(new[j]), literals, shapes)
    return Change(place + (f" [{nth + 1}]" if nth else ""), old[i], new[j], i, j, slots)


PLACES = object()  # ``shapes``'s key for where the lines of a shape stand: never a line


def _occurrence(lines, index, shape, literals, shapes):
    """How many lines before ``index`` are the same place. Where each line of that place
    stands is found once per place and kept in ``shapes`` (the cache of one pair of texts,
    with each line's shape): a long page whose edit touched a thousand lines of one shape
    was scanned a thousand times (2 MB, 1,200 changed lines: 16 s). A regex of the place's
    literal parts skips the other lines quickly; the matches are split to be sure."""
    key = (PLACES, shape)
    if key not in shapes:
        could_be = re.compile(CHAIN.pattern.join(re.escape(part) for part in literals) + r"\Z")
        found = []
        for position, line in enumerate(lines):
            if could_be.match(line):
                if line not in shapes:
                    shapes[line] = _shape(line)
                if shapes[line] == shape:
                    found.append(position)
        shapes[key] = found
    return bisect.bisect_left(shapes[key], index)


def _split(line):
    """``(literal parts, tokens)``: the tokens sit between the literal parts."""
    literals, tokens, start = [], [], 0
    for match in CHAIN.finditer(line):
        word = match.group()
        if DIGIT.search(word) or (len(word) >= 16 and MIXED_CASE.search(word)):
            literals.append(line[start:match.start()])
            tokens.append(word)
            start = match.end()
    literals.append(line[start:])
    return literals, tokens


def _shape(line):
    return "\x1f".join(_split(line)[0])


# -- the ignore: rule that silences a place ---------------------------------------


def suggest_rule(change, before, after):
    """The ``/regex/`` that removes ``change``'s changing tokens from both texts (found
    by the words next to them, which stay), or None when no such rule singles it out.

    Tried from the shortest context: the word just before (a lookbehind: it is
    kept), then words after (a lookahead), then words before that go with the
    tokens, then the whole line. Kept only if it matches once in each text, inside
    that line, covering every token that changed. None for a whole line (``rotated``):
    words that are different each time hold nothing to find them by."""
    if change.whole:
        return None
    for words_before, words_after, keep_before in CONTEXTS:
        pattern = _rule_pattern(change, words_before, words_after, keep_before)
        if pattern and _removes_exactly(pattern, change, before, after):
            return f"/{pattern}/"
    return None


def _rule_pattern(change, words_before, words_after, keep_before):
    literals, tokens = _split(change.after)
    first, last = change.slots[0], change.slots[-1]
    values = [_split(change.before)[1][s] for s in change.slots] + [tokens[s] for s in change.slots]
    token = RULE_NUMBER if all(NUMBER.fullmatch(v) for v in values) else RULE_TOKEN
    head = _joined(literals[:first + 1], tokens[:first])
    middle = "".join(
        (token if k in change.slots else re.escape(tokens[k]))
        + (_flexible(literals[k + 1]) if k < last else "") for k in range(first, last + 1))
    tail = _joined(literals[last + 1:], tokens[last + 1:])
    before_part = _before(head, words_before, keep_before)
    after_part = _after(tail, words_after)
    words = before_part or (after_part if words_after != LINE_END else "")
    if before_part is None or after_part is None or not words:
        return None  # a line's end alone does not single out a number
    return before_part + middle + after_part


def _joined(literals, tokens):
    return "".join(part for pair in zip(literals, list(tokens) + [""]) for part in pair)


def _before(head, count, keep):
    """The regex for the words before the tokens: the last word as a lookbehind
    (``keep``: a fixed-width lookbehind holds one word, no spaces; it stays in the
    text), or ``count`` words removed with the tokens (all of them when None)."""
    words = head.split()
    count = len(words) if count is None else count
    if count > len(words):
        return None
    if count == 0:
        return ""
    gap = r"\s+" if head[-1:].isspace() else ""
    if keep:  # a short word ("at", "of") is found all over a page: take more words instead
        word = words[-1]
        edge = r"\b" if re.match(r"\w", word) else ""
        return f"(?<={edge}{re.escape(word)})" + gap if len(word) >= MIN_KEPT_WORD else None
    return r"\s+".join(re.escape(word) for word in words[-count:]) + gap


def _after(tail, count):
    """The regex for the ``count`` words after the tokens, as a lookahead (they stay);
    for LINE_END, "nothing but spaces until the line ends"."""
    words = tail.split()
    if count == LINE_END:
        return r"(?=[^\S\n]*(?:\n|$))" if not words else None
    count = len(words) if count is None else count
    if count > len(words):
        return None
    if count == 0:
        return ""
    gap = r"\s+" if tail[:1].isspace() else ""
    return "(?=" + gap + r"\s+".join(re.escape(word) for word in words[:count]) + ")"


def _flexible(literal):
    """A literal part as a regex: its spaces match any whitespace (the page's own text
    has tabs, non-breaking spaces and line breaks where the stored text has a space)."""
    return r"\s+".join(re.escape(piece) for piece in literal.split(" "))


def _removes_exactly(pattern, change, before, after):
    compiled = re.compile(pattern)
    return all(_one_match_on(compiled, text, index, line, change.slots)
               for text, index, line in ((before, change.line_before, change.before),
                                         (after, change.line, change.after)))


def _one_match_on(compiled, text, index, line, slots):
    """One match in the whole text, inside line ``index``, covering its changed tokens."""
    matches = list(compiled.finditer(text))
    if len(matches) != 1:
        return False
    start = sum(len(previous) + 1 for previous in text.split("\n")[:index])
    found = matches[0]
    literals, tokens = _split(line)
    inside = start <= found.start() and found.end() <= start + len(line)
    return inside and all(found.start() <= start + a and start + b <= found.end()
                          for a, b in (_token_span(literals, tokens, k) for k in slots))


def _token_span(literals, tokens, k):
    begin = sum(len(x) for x in literals[:k + 1]) + sum(len(t) for t in tokens[:k])
    return begin, begin + len(tokens[k])


# -- in words ------------------------------------------------------------------------


def note_words(found):
    """The detail of a ``volatile_change`` note."""
    return "only the part of the page that changes at every check changed: " + "; ".join(
        f"{_shown(c.after)} (was {_shown(c.before)})" for c in found)


def problem_words(change, rule, recent):
    """The detail of a ``volatile_text`` problem, with the ``ignore:`` rule to paste."""
    if change.whole:
        return _whole_problem_words(change, recent)
    seen = " → ".join(recent)
    words = (f"The line {_shown(change.after)} changed at each of the last {AFTER} checks that "
             f"reached the page, to a new value every time ({seen}). Its changes are still kept, as volatile_change "
             "notes in the history, but no longer alerted; any other change to the page still is. ")
    if rule is None:
        return words + ("No /regex/ singles it out in the text; to silence it, add a CSS "
                        "selector of its element to the source's ignore: list in sources.yaml.")
    return words + ("To silence it, add this rule to the source's ignore: list in "
                    f"sources.yaml: ignore: [{yaml_quoted(rule)}]")


def _whole_problem_words(change, recent):
    where = f"just below {_shown(change.anchor)}" if change.anchor else "at the top of the page"
    seen = " → ".join(_shown(value) for value in recent if value)
    return (f"The words {where} changed at two checks in a row, and again when the page was "
            f"fetched again minutes later: the site writes them anew at each visit (a tip, a "
            f"quote, a list of other stories), so they are not an edit ({seen}). Their changes "
            "are still kept, as volatile_change notes in the history, but no longer alerted; "
            "any other change to the page still is. No /regex/ singles out words that differ "
            "each time; to silence them, add a CSS selector of their element to the source's "
            "ignore: list in sources.yaml (for example ignore: ['.quote']).")


def yaml_quoted(rule):
    """A rule as a YAML single-quoted string: backslashes stay as they are."""
    return "'" + rule.replace("'", "''") + "'"


def _shown(line):
    line = line.replace("\n", " / ")  # a run of lines (``rotated``) on one line
    return f'"{line}"' if len(line) <= SHOWN_CHARS else f'"{line[:SHOWN_CHARS]}…"'

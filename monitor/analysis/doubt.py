"""Confirm before accusing: which changes of a page's text are judged on sight, and
which are checked again before anyone is told. Pure functions.

``judge(before, after, fetched_at)`` reads one change of the compared text:

- ``ORDINARY``: part of the page edited, most of it kept: alerted once the crawl has
  fetched the page again at once and found it still there (``AT_ONCE``);
- ``MACHINE``: the change is confined, inside otherwise identical lines, to values
  a machine writes anew at each visit (a relative time, a time or date near the
  moment of fetching, a random-looking token: ``monitor.analysis.machine``): a note,
  never an alert;
- ``DOUBTFUL``: most of the text replaced at once, the page much shorter than its
  last genuine version or only its beginning (cut short), or only numbers (or a date of today) changed inside
  otherwise identical lines, or lines whose words changed where they stand when the same
  lines had changed at the check before too (``monitor.analysis.volatile.changed_again``:
  read by ``monitor.analysis.check``, which knows the page's history).
  Such a change holds its alert and the page is fetched again soon.

None of this recognises a wall, an error page or a counter by its words: a wall
in a shape nobody has seen still replaces most of the page, and a counter still
changes again when the page is fetched again.

``resolve(genuine, held, new, ...)`` reads the check that confirms a held change:

- ``TRANSIENT``: the last genuine version is back: the interim was not the page
  (a note; staleness and "text changed" untouched);
- ``CONFIRMED``: the held text stays (values a machine writes aside): the change is
  alerted, dated when first seen;
- ``VOLATILE``: the same places changed again at ``VOLATILE_AFTER`` checks in a row: a
  counter, a token (a note, and the ``volatile_text`` problem with its ignore rule);
  before that, ``HOLD_AGAIN``: the newest text is held (a number edited twice in a row
  is then alerted once it stays);
- ``AGAIN``: something else again: the new text is judged afresh against the
  genuine one.

A change of numbers only (``numbers``) is read at each look by what its numbers did
since (``numbers_look``): all stayed (machine-made values aside), some stayed while
others moved again (a number edited beside a counter), or every one moved again (a
counter). It is alerted once it has stayed ``STEADY_LOOKS`` looks in a row, so a
counter the site refreshes only now and then (a cached one) is still seen moving
again, and is a counter: never an accusation.
"""

import dataclasses
import re

from monitor.analysis import machine, matching

ORDINARY, MACHINE, DOUBTFUL = "ordinary", "machine", "doubtful"
TRANSIENT, CONFIRMED, VOLATILE, AGAIN = "transient", "confirmed", "volatile", "again"
HOLD_AGAIN = "hold_again"
# What a later look found of a number-only change's numbers (``numbers_look``).
STAYED, MIXED, MOVED = "stayed", "mixed", "moved"
# Looks in a row that must find a number-only change's numbers unchanged before it is
# alerted (each look ``settings.confirm_after_seconds`` after the one before).
STEADY_LOOKS = 2
# A number-only change confirmed, then the same places changed again and confirmed with
# fewer than COUNTER_WITHIN checks between that found the page unchanged: at the
# COUNTER_STREAK-th such change the places are a counter (a volatile place), not news.
COUNTER_WITHIN = 6
COUNTER_STREAK = 2
# Checks in a row that find the same places changed to fresh values before they are a
# counter (a number edited twice within minutes is held once more, then alerted).
VOLATILE_AFTER = 3

# A change that keeps less than this share of the page's text replaced it.
KEPT_AT_LEAST = 0.5
# Beyond this many words (both texts), the share kept is counted by lines.
WORDS_COMPARED_AT_MOST = 40000
# A page shorter than this share of its last genuine version is doubtful.
SHORTER_THAN = 0.5
# Reasons, in words for the event's detail; REPLACED ones confirm as ``replaced``.
REPLACED_REASONS = ("most_replaced", "much_shorter")
# Reasons a fetch may not be the page at all (a wall, an error page, a page cut short).
NOT_THE_PAGE = (*REPLACED_REASONS, "cut_short")
REASON_WORDS = {
    "most_replaced": "most of the page's text was replaced at once",
    "much_shorter": "the page became much shorter than its last version",
    "cut_short": "the page stopped partway through its text, as if only part of it arrived",
    "numbers": "only numbers changed, inside lines that otherwise stayed the same",
    "rotated": "the same lines changed again, to other words, as they had at the check before",
    "returned": "lines that changed lately went back to words they had before",
    "again": "part of the page's words changed; the page was fetched again at once",
}
# Held for a change of lines' words (``monitor.analysis.volatile.changed_again``): a look
# that finds the last genuine version again means those lines change at each visit.
LINE_REASONS = ("rotated", "returned")
# Any other change of the page's own words (an ordinary edit) is held too, but only while
# the crawl fetches the page again, at once (``monitor.fetch.pipelines``): words a
# site writes anew at each request (a tip, a quote, stories picked at random, a shuffled
# menu) have changed again by then, and are a volatile part of the page before anyone is
# accused; an edit stays, and is told dated when first seen, seconds later. A look that
# finds the page as it was is a transient note, and makes nothing volatile: a site whose
# servers disagree for a few minutes while an edit is published shows it again later.
AT_ONCE = "again"
# Looks at once an edit gets in one crawl: it is told when each of them finds it again
# (the same text, or the same sentences in place while words around them changed). Words
# picked from a few versions come up the same at one look by chance (one of three: one
# time in three), at both one time in nine; the second look of an unchanged answer costs
# a request, not a reading (monitor.fetch.pipelines: the same bytes are not read again).
AT_ONCE_LOOKS = 2
# Looks in a row that must find lines gone back to earlier words unchanged before the
# change is alerted (an edit undone stays; one of two banners picked at each visit is
# found again by two looks one time in four).
RETURNED_LOOKS = 2


@dataclasses.dataclass(frozen=True)
class Judgement:
    verdict: str          # ORDINARY, MACHINE or DOUBTFUL
    reason: str | None = None  # a key of REASON_WORDS (DOUBTFUL), or the machine's words

    @property
    def words(self):
        return REASON_WORDS.get(self.reason, self.reason)

    @property
    def replaces(self):
        return self.reason in REPLACED_REASONS


def judge(before, after, fetched_at, previous_at=None, languages=None, unfinished=False):
    """The judgement of one change of the compared text from ``before`` to ``after``
    (``fetched_at``: the check's time, ISO, against which machine-written times are read;
    ``previous_at``: when the text before was first fetched, if known; ``languages``: the
    page's, for reading dates, e.g. ``monitor.analysis.dates.context(locale).langs``;
    ``unfinished``: the page's markup stopped before it closed (``analyze.unfinished``))."""
    if not before.strip():
        return Judgement(ORDINARY)
    if len(after) < SHORTER_THAN * len(before):
        return Judgement(DOUBTFUL, "much_shorter")
    if _cut_short(before, after) or (unfinished and len(after) < len(before)):
        return Judgement(DOUBTFUL, "cut_short")
    if kept_share(before, after) < KEPT_AT_LEAST:
        return Judgement(DOUBTFUL, "most_replaced")
    return _line_judgement(before, after, fetched_at, previous_at, languages)


def _line_judgement(before, after, fetched_at, previous_at, languages):
    """Lines replaced one for one, only values changed: machine-made when every value is
    one a machine writes anew, doubtful when some are plain numbers or a date of today
    (``monitor.analysis.machine``); anything else is ordinary."""
    verdict = machine.judge(before.splitlines(), after.splitlines(), fetched_at, previous_at,
                            languages)
    if verdict.kind == machine.MACHINE:
        return Judgement(MACHINE, machine.note_words(verdict))
    if verdict.kind == machine.DOUBTFUL:
        return Judgement(DOUBTFUL, "numbers")
    return Judgement(ORDINARY)


def _cut_short(before, after):
    """The text after is the beginning of the text before, stopping inside a line (a
    page delivered in part; whole paragraphs removed at the end are an edit)."""
    cut = after.rstrip()
    if not cut or len(cut) >= len(before.rstrip()) or not before.startswith(cut):
        return False
    return before[len(cut):len(cut) + 1] not in ("\n", "")


MARKER_PLACE = "[last updated]"


def without_marker(text, marker_text):
    """``text`` with its "last updated" line's words (label and date, as the marker was
    read) put aside, wherever they stand: a date bump alone is never a change of the text."""
    words = re.findall(r"\w+", marker_text or "")
    if not words:
        return text
    marker = re.compile(r"\W*".join(map(re.escape, words)))  # "Last updated | 3 March 2024"
    return "\n".join(marker.sub(MARKER_PLACE, line) for line in text.splitlines())


def only_marker_moved(before, after, marker_before, marker_after):
    """Whether the texts differ only in their "last updated" words."""
    return (bool(marker_before or marker_after)
            and without_marker(before, marker_before) == without_marker(after, marker_after))


def kept_share(before, after):
    """The share of ``before``'s words that ``after`` keeps, in order (a page whose
    every word changed keeps nothing; a sentence added to a paragraph keeps it all).
    Very long texts are compared line by line, which is faster and coarser."""
    old, new = before.split(), after.split()
    if len(old) + len(new) > WORDS_COMPARED_AT_MOST:
        old, new = before.splitlines(), after.splitlines()
    total = sum(len(piece) for piece in old) or 1
    kept = sum(len(piece) for block in matching.matching_blocks(old, new)
               for piece in old[block.a:block.a + block.size])
    return kept / total


def numbers_look(genuine, held, new, fetched_at, held_at=None, genuine_at=None, languages=None):
    """What a later look's text ``new`` did with the numbers a held change from
    ``genuine`` to ``held`` changed: ``STAYED`` (nothing but values a machine writes
    anew moved since), ``MOVED`` (every line's changed numbers moved again, and no other
    number: a counter), ``MIXED`` (some stayed while others moved: an edit beside a
    counter), or None (something else changed, a number the held change left alone among
    it: judged afresh, a change of its own dated from this look). ``fetched_at``,
    ``held_at``, ``genuine_at``: when each text was fetched (ISO), against which
    machine-written times are read."""
    since = machine.judge(held.splitlines(), new.splitlines(), fetched_at, held_at, languages)
    if since.kind in (machine.UNCHANGED, machine.MACHINE):
        return STAYED
    if since.kind != machine.DOUBTFUL:
        return None
    first = machine.judge(genuine.splitlines(), held.splitlines(), held_at or fetched_at,
                          genuine_at, languages)
    changed, again = _numbers_per_line(first.places, "line"), _numbers_per_line(
        since.places, "line_before")
    if any(line not in changed for line in again):  # a number the held change left alone
        return None  # moved too: a new change (an edit made while a counter ticked)
    return MOVED if all(again.get(line, 0) >= n for line, n in changed.items()) else MIXED


def _numbers_per_line(places, side):
    """How many plain numbers changed in each line of one text (a time of day that
    stood still while a counter moved is not a number that stayed)."""
    counts = {}
    for place in places:
        if place.reading == machine.NUMBER:
            line = getattr(place, side)
            counts[line] = counts.get(line, 0) + 1
    return counts


def resolve_numbers(look, looks=1, steady=0):
    """What a look at a held number-only change found (``numbers_look``'s ``look``;
    ``looks``: checks so far that found it; ``steady``: of them, the looks in a row
    just before this one that found its numbers unchanged)."""
    if look is None:
        return AGAIN
    if look == MOVED:
        return VOLATILE if looks + 1 >= VOLATILE_AFTER else HOLD_AGAIN
    if look == STAYED and steady + 1 < STEADY_LOOKS:
        return HOLD_AGAIN
    return CONFIRMED


def resolve(genuine_sha, held_sha, new_sha, same_places=False, like_held=False, looks=1):
    """What a check that confirms a held change found (see the module).

    ``genuine_sha``: the compared text of the page's last genuine version; ``held_sha``:
    the held change's; ``new_sha``: this check's. ``same_places``: the held change
    touched only values, and every one of them changed again by this check
    (``monitor.analysis.volatile.same_places``): a counter, or a number edited twice
    in a row; ``looks``: how many checks in a row have found those places
    changed so far: at ``VOLATILE_AFTER`` it is a counter, before it the page is held
    again (``HOLD_AGAIN``). ``like_held``: this text differs from the held one only in
    such values (a wall whose token changes at each visit is still the wall)."""
    if new_sha == genuine_sha:
        return TRANSIENT
    if new_sha == held_sha:
        return CONFIRMED
    if same_places:
        return VOLATILE if looks + 1 >= VOLATILE_AFTER else HOLD_AGAIN
    return CONFIRMED if like_held else AGAIN

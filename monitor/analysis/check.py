"""The decision of one check: which event (if any), whether a new version is stored,
which notes go with it, whether a doubtful change waits for a second look, and the
page's next state.

``decide(facts)`` is a pure function of plain inputs (``Facts``): ``monitor.store.record``
reads them first (the page's state, the version this check is compared with, the held
change, the volatile places' history), then applies the ``Verdict`` in the same
transaction. Its steps, in order:

1. ``events.classify``: the kind the texts and "last updated" lines give;
2. new rules that cannot read the last version restart the comparison (no change);
   a first check after a backfill is compared with the Internet Archive's last copy;
3. a text change that only moved the "last updated" line is ``marker_only``;
4. a change only in volatile places (``monitor.analysis.volatile``) is a note;
5. confirm before accusing (``weigh``, ``monitor.analysis.doubt``): a doubtful change is
   held; a held one is transient, confirmed (perhaps ``replaced``), volatile, or a
   change a machine made (a note);
6. a link that came or went makes a new version; a change the site's 304s hid is said.

Table-tested, one row per path, in tests/test_decide.py.
"""

import dataclasses

from monitor.analysis import doubt, events, volatile

HOLD, MACHINE = "hold", "machine"
# An edit held for a look at once (doubt.AT_ONCE) whose look found yet other words: the
# page changes at each request (a list shuffled, stories picked at random). No version is
# made of either fetch; the parts the held one changed are volatile places (a transient
# note says so), and the next check is compared with the last version, as before.
MOVING = "moving"


@dataclasses.dataclass(frozen=True)
class Held:
    """A doubtful change waiting for a second look (kept in the page's state)."""

    fetch_id: int  # the latest held fetch (its capture is the text that may be confirmed)
    text_sha256: str
    at: str  # when the held change was first seen
    reason: str
    looks: int = 1  # checks in a row that found it (or its places changed again)


@dataclasses.dataclass(frozen=True)
class Weighed:
    outcome: str | None  # HOLD, MACHINE, or doubt's TRANSIENT / CONFIRMED / VOLATILE / HOLD_AGAIN
    judgement: doubt.Judgement | None = None
    held: Held | None = None
    keep_held: bool = False  # HOLD_AGAIN of a change that stayed: its first capture stays held

    @property
    def words(self):
        return self.judgement.words if self.judgement else None


@dataclasses.dataclass(frozen=True)
class Texts:
    """This check's text and the compared version's (``before`` is "" when they are the same)."""

    before: str
    after: str
    changed: bool
    after_sha: str | None = None


@dataclasses.dataclass(frozen=True)
class Reread:
    """The compared version read again with rules that are not the ones that read it."""

    changes: tuple  # rules.differences: what changed in the rules
    reading: str  # "unreadable" (the new rules cannot read it), "same" or "other"
    version_id: int  # the version the rules_changed note names
    why: str | None = None  # why the new rules cannot read it
    last_note: tuple | None = None  # (detail, version_id) of the page's last rules_changed note


@dataclasses.dataclass(frozen=True)
class Facts:
    """What the store read before deciding: plain values only."""

    previous: events.Previous
    outcome: events.Outcome
    failing_after: int = 3
    fetched_at: str = ""
    first_check: bool = False  # the page has no state yet
    url: str = ""  # the address this check fetched
    moved_from: str | None = None  # the address the page's last check fetched
    reread: Reread | None = None
    seam: bool = False  # compared with the Internet Archive's last copy (no version of our own)
    texts: Texts | None = None  # None when the check read no text
    marker_before: str | None = None  # the compared version's "last updated" words
    marker_after: str | None = None  # this check's (a page read: outcome ok)
    compared_at: str | None = None  # when the compared version was captured
    unfinished: bool = False  # the page was read before it finished loading
    held: Held | None = None
    held_text: str | None = None  # the held capture's text (when this check may resolve it)
    genuine_text: str | None = None  # the compared version's, when this check found it again
    steady_looks: int = 0  # looks since the held capture that found its numbers unchanged
    languages: tuple = ("en",)  # the page's languages, for reading dates
    places: dict = dataclasses.field(default_factory=dict)  # volatile places' history
    unchanged_checks: int = 0  # checks since the compared version that found it unchanged
    link_kinds: tuple = ()  # links.kinds of what the page links to, compared with the version
    hid_a_change: bool = False  # this full answer proves the site's 304s hid a change
    look_at_once: bool = False  # the crawl fetches the page again at once after a held edit

    @property
    def restart(self):
        return self.reread is not None and self.reread.reading == "unreadable"


@dataclasses.dataclass(frozen=True)
class Told:
    """A note recorded before the check's own event (``moved``, ``rules_changed``)."""

    kind: str
    words: str
    version_id: int | None = None  # None: the version this check is compared with


@dataclasses.dataclass(frozen=True)
class Verdict:
    decision: events.Decision  # the event kind, the new version, the page's next state
    weighed: Weighed = Weighed(None)
    notes: tuple = ()  # Told, in order
    hold: bool = False  # a doubtful change waits: no version, no event; the state stays
    release: bool = False  # the held change is settled by this check
    transient: bool = False  # ... it was not the page: a transient note
    moving: bool = False  # ... the page fetched again at once showed other words again
    confirmed: bool = False  # ... it stays: the change is dated from its first look
    places: tuple | None = None  # (volatile.Verdict, the places' history before)
    link_kinds: tuple = ()  # link events beside the change's
    distrust: bool = False  # the site's 304s hid a change: trust them no more
    quiet: bool = False  # told by comparing with the archive's copy: never alerted
    keep_rules: bool = False  # the new rules read this check as the compared version
    words: str | None = None  # what the event says of how its change was weighed


def superseded(started_at, last_started_at, crawl_id, latest_crawl_id):
    """Stored state never goes back: was this fetch's request sent before the one the
    page's state comes from, by a crawl that started before that one's?

    The crawls' order is the database's own (their ids), never a clock: a fetch
    stamped earlier because the computer's clock went back is from a later crawl."""
    if not sent_before(started_at, last_started_at, crawl_id):
        return False
    return bool(latest_crawl_id and crawl_id < latest_crawl_id)


def sent_before(started_at, last_started_at, crawl_id):
    """Was this crawl's request sent before the one the page's state comes from? (Only
    then can it be ``superseded``: the store reads the page's latest crawl only then.)"""
    return bool(last_started_at and started_at and started_at < last_started_at and crawl_id)


def decide(facts):
    """The ``Verdict`` of one check (see the module)."""
    f = facts
    notes = tuple(note for note in (_moved(f), _rules_note(f.reread)) if note)
    decision = events.classify(f.previous, f.outcome, f.failing_after)
    page_read = f.outcome.kind in ("ok", "not_modified")
    if f.restart and decision.kind in events.ARCHIVED_KINDS:
        decision = dataclasses.replace(decision, kind=None)  # the note says why
    keep_rules = f.restart and not decision.new_version and page_read
    quiet = f.seam and f.first_check and f.outcome.kind == "ok"
    if f.seam and f.outcome.kind == "ok":  # dialogue-watch's own first version follows it
        decision = dataclasses.replace(decision, new_version=True,
                                       kind=decision.kind or "seen_in_archive")
    if decision.kind == "updated" and f.texts and doubt.only_marker_moved(
            f.texts.before, f.texts.after, f.marker_before, f.marker_after):
        decision = dataclasses.replace(decision, kind="marker_only", text_changed=False)
    places = None
    if not f.restart and not f.held:
        decision, places = _judge_volatile(f, decision)
    weighed = Weighed(None)
    if not f.restart and not f.seam and f.previous.has_version and decision.kind != volatile.NOTE:
        weighed = weigh(f, decision.kind)
    if weighed.outcome in (HOLD, doubt.HOLD_AGAIN):
        unchanged = dataclasses.replace(decision, kind=None, new_version=False, text_changed=False)
        return Verdict(unchanged, weighed, notes, hold=True, keep_rules=keep_rules)
    release = bool(weighed.held) and f.outcome.kind != "error"
    transient = release and weighed.outcome == doubt.TRANSIENT
    moving = release and weighed.outcome == MOVING
    confirmed = release and weighed.outcome == doubt.CONFIRMED
    if confirmed and weighed.judgement.replaces and decision.kind in events.WEIGHED_KINDS:
        decision = dataclasses.replace(decision, kind="replaced")
    elif (confirmed or (release and weighed.outcome is None and weighed.judgement)) \
            and not f.restart:  # the volatile places' history follows the changes told
        decision, places = _judge_volatile(f, decision, **_numbers_history(weighed))
    if moving:  # no version of words found at one fetch only; those parts are volatile
        decision = dataclasses.replace(decision, kind=None, new_version=False, text_changed=False)
        places = (volatile.confirmed_at_both(f.places, f.texts.before, f.held_text, f.texts.after,
                                             f.fetched_at), f.places)
    elif weighed.outcome == doubt.VOLATILE:  # the same places changed again: a counter, a token
        if weighed.held.reason == doubt.AT_ONCE and f.held_text:  # and what the first fetch changed
            verdict = volatile.confirmed_at_both(f.places, f.texts.before, f.held_text,
                                                 f.texts.after, f.fetched_at)
        else:
            verdict = volatile.confirmed(f.places, f.texts.before, f.texts.after, f.fetched_at)
        decision, places = dataclasses.replace(decision, kind=verdict.kind), (verdict, f.places)
    elif transient and _lines_back(f, weighed.held):
        places = (volatile.confirmed(f.places, f.genuine_text, f.held_text, f.fetched_at), f.places)
    elif transient and weighed.held.reason == doubt.AT_ONCE and f.genuine_text and f.held_text:
        places = (volatile.flipped(f.places, f.genuine_text, f.held_text, f.fetched_at), f.places)
    elif weighed.outcome == MACHINE:  # seen on sight: a note, never an alert
        decision = dataclasses.replace(decision, kind=volatile.NOTE)
    # links compared with the archive's copy (a first check after a backfill) are not news
    link_kinds = tuple(f.link_kinds) if not f.restart and not f.seam and not moving else ()
    if link_kinds and not decision.new_version:  # a link came or went: a new version
        decision = dataclasses.replace(decision, new_version=True)
    distrust = (decision.new_version and f.previous.has_version and not f.restart
                and decision.kind != "restored" and f.hid_a_change)
    return Verdict(decision, weighed, notes, release=release, transient=transient or moving,
                   moving=moving, confirmed=confirmed, places=places, link_kinds=link_kinds,
                   distrust=bool(distrust), quiet=bool(quiet), keep_rules=keep_rules,
                   words=_weighed_words(weighed, decision.kind, f.texts))


def _lines_back(f, held):
    """A change of lines' words held (``doubt.LINE_REASONS``) whose look found the page's
    last genuine version again: the lines went one way, then back, within minutes, as
    words a site picks anew at each visit do (two banners in turn): they are volatile
    places from now on (the held capture was not an edit: the transient note says so)."""
    return held.reason in doubt.LINE_REASONS and bool(f.genuine_text) and bool(f.held_text)


def _moved(f):
    if f.moved_from and f.url != f.moved_from:
        return Told("moved", f"the address changed from {f.moved_from} to {f.url}")
    return None


def _rules_note(reread):
    """A rules_changed note, once: while the new rules cannot read the page at all, the
    next checks find the same rules and the same version again and say nothing more.
    A version from before rules were recorded takes them silently."""
    if reread is None or not reread.changes:
        return None
    words = "; ".join(reread.changes)
    words = {"unreadable": f"{words}. The new rules cannot read the last version "
                           f"({reread.why}), so this check starts the comparison afresh: "
                           "no change is reported for it",
             "same": f"{words}; the page reads the same with them",
             "other": f"{words}; the last version was read again with them"}[reread.reading]
    if reread.last_note == (words, reread.version_id):
        return None
    return Told("rules_changed", words, reread.version_id)


# -- volatile places: the parts of a page that change at every check -----------


def _judge_volatile(f, decision, streak=volatile.AFTER, quiet_checks=1):
    """``(decision, (verdict, places before))`` for a new version: its event becomes a
    volatile_change note when it changed only volatile places."""
    texts = f.texts
    if not decision.new_version or not f.previous.has_version or texts is None \
            or decision.kind == "restored":
        return decision, None
    history = f.places
    if not history and not texts.changed:
        return decision, None
    before, after = (texts.before, texts.after) if texts.changed else ("", "")
    still = bool(history) and f.unchanged_checks >= quiet_checks
    verdict = volatile.judge(history, decision.kind, before, after, f.fetched_at,
                             (f.marker_before, f.marker_after), still, streak)
    if not verdict.history and not history:
        return decision, None
    return dataclasses.replace(decision, kind=verdict.kind), (verdict, history)


def _numbers_history(weighed):
    """A confirmed change of numbers only: its places are a counter at their second such
    change within ``doubt.COUNTER_WITHIN`` checks (a number updated now and then stays news)."""
    if weighed.held and weighed.held.reason == "numbers":
        return {"streak": doubt.COUNTER_STREAK, "quiet_checks": doubt.COUNTER_WITHIN}
    return {}


# -- confirm before accusing ---------------------------------------------------


def weigh(f, kind):
    """How this check weighs: a held change resolved, or a new change judged.

    ``kind``: the event ``events.classify`` gave (as adjusted so far)."""
    pending, texts, outcome = f.held, f.texts, f.outcome.kind
    if pending and outcome == "not_modified":  # the same bytes as the genuine version
        return Weighed(doubt.TRANSIENT, held=pending)
    if pending and texts is not None and outcome == "ok":
        found, stayed = _resolve(f, pending)
        if found != doubt.AGAIN:
            return Weighed(found, doubt.Judgement(doubt.DOUBTFUL, pending.reason), pending,
                           keep_held=stayed and found == doubt.HOLD_AGAIN)
    if kind not in events.WEIGHED_KINDS or texts is None or not texts.changed:
        return Weighed(None, held=pending)
    judgement = doubt.judge(doubt.without_marker(texts.before, f.marker_before),
                            doubt.without_marker(texts.after, f.marker_after), f.fetched_at,
                            f.compared_at, f.languages, f.unfinished)
    again = _changed_again(f) if judgement.verdict == doubt.ORDINARY else None
    if again:
        lines = doubt.Judgement(doubt.DOUBTFUL, again)
        if not pending:
            judgement = lines
        elif pending.looks + 1 < doubt.VOLATILE_AFTER:  # held, and something else changed too
            return Weighed(doubt.HOLD_AGAIN, lines, pending)
        # held at enough looks without settling: told as an ordinary change
    if judgement.verdict == doubt.ORDINARY and not pending and f.look_at_once:
        judgement = doubt.Judgement(doubt.DOUBTFUL, doubt.AT_ONCE)  # an edit stays seconds later
    verdict = {doubt.MACHINE: MACHINE, doubt.DOUBTFUL: HOLD}.get(judgement.verdict)
    return Weighed(verdict, judgement, pending)


def _changed_again(f):
    """Why lines whose words changed where they stand are doubtful, or None
    (``volatile.changed_again``): changed again as at the version before, with no check
    between that found the page unchanged (a sentence picked anew at each visit, or an
    edit made twice in a row), or back to words they had lately (one of a few versions
    picked at each visit, or an edit undone); a look tells them apart (an edit stays, and
    is alerted dated when first seen). New words in the same place after a quiet check are
    alerted at once: a single ``crawl`` would leave a held change to the next day's."""
    if not f.places:
        return None
    return volatile.changed_again(f.places, f.texts.before, f.texts.after,
                                  (f.marker_before, f.marker_after), quiet=f.unchanged_checks >= 1)


def _resolve(f, pending):
    """``(outcome, stayed)``: what this look found of the held change, and whether it
    found a number-only change's numbers unchanged."""
    texts = f.texts
    if not texts.changed:  # this check reads as the genuine version
        return doubt.TRANSIENT, False
    genuine, held_text = texts.before, f.held_text or ""
    if pending.reason == "numbers":
        look = doubt.numbers_look(genuine, held_text, texts.after, f.fetched_at, pending.at,
                                  f.compared_at, f.languages)
        return doubt.resolve_numbers(look, pending.looks, f.steady_looks), look == doubt.STAYED
    if pending.reason == doubt.AT_ONCE:
        found = _looked_at_once(f, genuine, held_text, pending.looks)
        return found, found == doubt.HOLD_AGAIN
    if pending.reason in doubt.LINE_REASONS:
        look = volatile.lines_look(genuine, held_text, texts.after, f.places)
        if look == volatile.MIXED:  # an edit stayed beside words picked anew: it is news
            return doubt.CONFIRMED, False
        if look == volatile.SAME:  # changed at two checks in a row, and again minutes later
            return doubt.VOLATILE, False
        if pending.reason == "returned" and texts.after_sha == pending.text_sha256 \
                and pending.looks < doubt.RETURNED_LOOKS:  # stayed: looked at once more
            return doubt.HOLD_AGAIN, True
        same = False
    else:
        same = volatile.same_places(genuine, held_text, texts.after)
    return doubt.resolve(f.previous.text_sha256, pending.text_sha256, texts.after_sha,
                         same_places=same,
                         like_held=_like(held_text, texts.after), looks=pending.looks), False


def _looked_at_once(f, genuine, held_text, looks=1):
    """What a later fetch of a crawl found of an edit held for it (``doubt.AT_ONCE``),
    seconds after the first: the edit again (the same text, values only, or a sentence both
    show in place that the last version had not, whatever words around it changed): at the
    first look, ``HOLD_AGAIN``, one more look at once (``doubt.AT_ONCE_LOOKS``: one of three
    sentences, three stories of six, can agree by chance), at the last, ``CONFIRMED``;
    other words again in the same places, nothing else: ``VOLATILE``; other
    words again, laid out otherwise (a list shuffled): ``MOVING``. The page as it was is
    ``TRANSIENT`` (``_resolve``). A fetch that is not the page (a wall, a page cut short)
    confirms nothing: ``AGAIN``, judged as such (``weigh``)."""
    after = f.texts.after
    again = doubt.CONFIRMED if looks >= doubt.AT_ONCE_LOOKS else doubt.HOLD_AGAIN
    if f.texts.after_sha == f.held.text_sha256 or _like(held_text, after):
        return again
    seen = doubt.judge(doubt.without_marker(genuine, f.marker_before),
                       doubt.without_marker(after, f.marker_after), f.fetched_at,
                       f.compared_at, f.languages, f.unfinished)
    if seen.reason in doubt.NOT_THE_PAGE:
        return doubt.AGAIN
    if volatile.edited_at_both(genuine, held_text, after):
        return again
    look = volatile.lines_look(genuine, held_text, after, f.places)
    return doubt.VOLATILE if look == volatile.SAME else MOVING


def _like(held_text, new_text):
    """Whether the new text differs from the held one only in values (the same lines)."""
    found, other = volatile.changes(held_text, new_text, pair_others=False)
    return bool(found) and not other


def _weighed_words(weighed, kind, texts):
    """What the event says of how its change was weighed."""
    if weighed.outcome == MACHINE:
        return f"only values a machine writes anew changed ({weighed.words})"
    if weighed.outcome == doubt.VOLATILE:
        return "the same part of the page changed again when it was checked again"
    if weighed.outcome == doubt.CONFIRMED and kind == "replaced":
        return replaced_words(texts.after)
    if weighed.outcome == doubt.CONFIRMED and weighed.held.reason != doubt.AT_ONCE:
        return f"confirmed by checking again ({weighed.words})"
    return None


def replaced_words(text):
    """The new page's first lines, for a ``replaced`` event."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:3]
    shown = " / ".join(line[:120] for line in lines)
    return f"the page now shows something else entirely; it begins: {shown}"

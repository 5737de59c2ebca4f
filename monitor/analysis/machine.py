"""Machine-made changes: values a site writes anew at each visit, told from edits. Pure.

``judge(before_lines, after_lines, fetched_at, previous_fetched_at=None)`` reads one
change of a page's text and returns a ``Verdict`` whose ``kind`` is one of:

- ``"unchanged"``: the lines are the same;
- ``"machine"`` (``MACHINE``): lines were only replaced one for one, and inside each,
  every value that changed is one a machine writes at each visit: a note, never an
  alert;
- ``"doubtful_numbers"`` (``DOUBTFUL``): as above, but some changed values are plain
  numbers ("Views: 1,234" -> "Views: 1,240", or "12 meetings" -> "13 meetings") or a
  date of today that cannot be proven to follow the clock: a counter or a real edit,
  which one only a second fetch soon after can tell;
- ``"ordinary"`` (``ORDINARY``): anything else, a line added, removed or moved, a word
  changed, or a date that is not near the moment of fetching ("meeting on 12 May
  2025" -> "13 May 2025").

What counts as machine-made, found by shape, not by a list of words or vendors:

- a relative time in any language that still names the same moment ("3 hours ago" ->
  "4 hours ago" an hour later, "vor 2 Tagen", "2時間前", "3天前"): dateparser reads it
  (the page's languages, else the ones it finds fit the changed lines best, and
  English) and its own English for it says "<n> <unit> ago" or "in <n> <unit>". One
  that names another moment is a number when only its number changed ("updated 1 hour
  ago" a week later "2 hours ago": doubtful), else an edit;
- a date and time, or a date, that dateparser reads as within ``NEAR`` of the moment
  of fetching, and that moved with the clock since the text before was fetched (within
  ``DRIFT``, or a day for a date alone); a time of day alone only when the fetch
  before is known ("generated on 6 Dec 2026 at 10:05", "今天是2026年12月6日");
- a random-looking token: what ``monitor.analysis.addresses`` reads as generated in a
  link's address (a hash, a uuid, a session id, a base-64 nonce), a short hexadecimal
  hash of the same length ("build 3f2a9c1"), or a token that differs only in such
  pieces ("v2.4.1+3f2a9c1d"); a time since 1970 when it follows the clock as above.

Each changed place is found by aligning the changed lines' tokens (difflib); a time is
read in a window of up to ``CONTEXT_TOKENS`` tokens around what changed (the largest
window that reads as a date or time on both sides decides). ``Verdict.places`` say
where and what changed, for the event's words (``note_words``).

``previous_fetched_at`` is when the text before was fetched (the fetch that first
produced it). Without it a relative time only has to grow older, a date with a time
only to be later and near the fetch, and a time of day alone stays doubtful.
"""

import dataclasses
import datetime as dt
import functools
import re

from monitor.analysis import addresses, matching
from monitor.analysis.matching import SequenceMatcher

UNCHANGED, ORDINARY, MACHINE, DOUBTFUL = "unchanged", "ordinary", "machine", "doubtful_numbers"
# What one changed place read as (``Place.reading``).
RELATIVE, CLOCK, TOKEN, NUMBER, DATE, EDIT = ("relative_time", "clock", "token", "number",
                                              "date", "edit")
UNPROVEN = "clock_unproven"  # a date or time of now that could not be shown to follow the clock
MACHINE_READINGS = frozenset({RELATIVE, CLOCK, TOKEN})
OTHER_MOMENT = "other_moment"  # a relative time that names another moment than before

NEAR = dt.timedelta(hours=36)      # a machine's clock value is this near the fetch (time zones)
DRIFT = dt.timedelta(minutes=15)   # how far it may lag the fetch's clock (a cached page)
CONTEXT_TOKENS = 6                 # tokens on each side of a change a time phrase may take
MAX_CHANGED = 6                    # more changed tokens than this in one place: an edit
MAX_WINDOW_CHARS = 64
MAX_DETECTED = 4                   # languages tried when the page's are not given
DETECTION_LINES, DETECTION_CHARS = 3, 300  # the changed lines they are detected in
UNITS = (dt.timedelta(days=365), dt.timedelta(days=30), dt.timedelta(weeks=1),
         dt.timedelta(days=1), dt.timedelta(hours=1), dt.timedelta(minutes=1))

# Scripts written without spaces: one token per character.
_UNSPACED = "\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKENS = re.compile(
    r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?!\d)"          # "61 897": a number in groups
    # words, numbers, dates, ids, tokens (base 64's may begin or end with + or /, hold "+/")
    rf"|(?:[+/](?=[A-Za-z0-9_]))?[A-Za-z0-9_]+(?:[.,:/+=~-]+[A-Za-z0-9_]+)*[+/]*=*"
    r"|\d+(?:[.,:]\d+)*"                              # other digits ("１２")
    rf"|[{_UNSPACED}]"
    rf"|(?:(?![{_UNSPACED}])[^\W\d_])+"               # words of other scripts
    r"|\s+|.", re.S)
PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[ .,'\u00a0\u202f]\d{3})*(?:[.,]\d+)?%?")
SHORT_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")  # "12.4": a number, not 12 April
SHORT_HASH = re.compile(r"[0-9a-f]{7,}")
PIECES = re.compile(r"([=+:/.,~-])")  # the signs a token's pieces are chained by
DIGIT, HEX_LETTER = re.compile(r"\d"), re.compile(r"[a-f]")
WORDLIKE = re.compile(r"\w")
DATED = re.compile(r"\d{4}|\d[./-]\d|\d:\d")  # a year, 5.12.2026, 12/06, 10:05
LETTER = re.compile(r"[^\W\d_]")
RELATIVE_OR_ABSOLUTE, ABSOLUTE = ("relative-time", "absolute-time"), ("absolute-time",)
# dateparser's English for a relative time: "2 day ago", "0 second ago", "in 1 day", and
# in the page's word order ("ago 4 hour": Arabic)
RELATIVE_WORDS = re.compile(r"\bin \d+ [a-z]+|\b\d+ [a-z]+ ago\b|\bago \d+ [a-z]+")


@dataclasses.dataclass(frozen=True)
class Place:
    """One changed place inside a pair of lines."""

    line_before: int  # index of the line in the text before
    line: int         # index of the line in the text after
    old: str          # what it read before ("3 hours ago")
    new: str          # what it reads now ("4 hours ago")
    reading: str      # RELATIVE | CLOCK | TOKEN (machine-made), NUMBER | UNPROVEN
    #                   (doubtful), DATE | EDIT (an edit)


@dataclasses.dataclass(frozen=True)
class Verdict:
    kind: str            # UNCHANGED | MACHINE | DOUBTFUL | ORDINARY
    places: tuple = ()   # the changed places read (for ORDINARY, up to the first edit)
    added: int = 0       # lines only the text after has (ORDINARY when not 0)
    removed: int = 0     # lines only the text before has


@dataclasses.dataclass(frozen=True)
class _Clocks:
    now: dt.datetime              # when the text after was fetched (naive UTC)
    before: dt.datetime | None    # when the text before was fetched, if known
    languages: tuple


def judge(before_lines, after_lines, fetched_at, previous_fetched_at=None, languages=None):
    """The ``Verdict`` on one change of a page's text (see the module).

    ``before_lines`` / ``after_lines``: the text's lines (a string is split into lines).
    ``fetched_at`` / ``previous_fetched_at``: datetimes (naive ones are UTC) or ISO strings.
    ``languages``: dateparser language codes of the page, most likely first (e.g.
    ``monitor.analysis.dates.context(locale).langs``); None: detected in the lines.

    Example: ``judge(["Updated 3 hours ago"], ["Updated 4 hours ago"], "2026-12-06T11:00Z",
    "2026-12-06T10:00Z").kind == "machine"``.
    """
    old, new = _lines(before_lines), _lines(after_lines)
    if old == new:
        return Verdict(UNCHANGED)
    pairs, added, removed = _paired_lines(old, new)
    if added or removed:
        return Verdict(ORDINARY, (), added, removed)
    sample = "\n".join(new[j] for _, j in pairs[:DETECTION_LINES])[:DETECTION_CHARS]
    clocks = _Clocks(_utc(fetched_at), _utc(previous_fetched_at) if previous_fetched_at else None,
                     _languages(languages, sample))
    places = []
    for i, j in pairs:
        for place in _places(old[i], new[j], i, j, clocks):
            places.append(place)
            if place.reading in (DATE, EDIT):
                return Verdict(ORDINARY, tuple(places))
    kind = MACHINE if all(p.reading in MACHINE_READINGS for p in places) else DOUBTFUL
    return Verdict(kind, tuple(places))


def note_words(verdict):
    """'only values the site writes anew at each visit changed: "4 hours ago" (was ...)'."""
    shown = "; ".join(f'"{p.new}" (was "{p.old}", {p.reading.replace("_", " ")})'
                      for p in verdict.places[:10])
    more = f"; and {len(verdict.places) - 10} more" if len(verdict.places) > 10 else ""
    return f"only values the site writes anew at each visit changed: {shown}{more}"


# -- lines -------------------------------------------------------------------------


def _lines(text):
    return text.splitlines() if isinstance(text, str) else list(text)


def _paired_lines(old, new):
    """``(pairs, added, removed)``: the changed lines replaced one for one, and the
    number of lines only one side has (a block replaced by more or fewer lines counts)."""
    pairs, added, removed = [], 0, 0
    for tag, i1, i2, j1, j2 in matching.opcodes(old, new):
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            pairs.extend(zip(range(i1, i2), range(j1, j2)))
        else:
            added, removed = added + j2 - j1, removed + i2 - i1
    return pairs, added, removed


def _utc(when):
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when.replace("Z", "+00:00"))
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when


# -- places inside a pair of lines -------------------------------------------------


def tokens(line):
    """A line's tokens: words, numbers and ids whole ("1,234", "2026-12-06T10:05",
    "a9F3-kQ2x"), one character of a script written without spaces, spaces, signs."""
    return TOKENS.findall(line)


def _places(old_line, new_line, i, j, clocks):
    """The places of one pair of lines, in order; a place a time window covered once
    is not read again."""
    old, new = tokens(old_line), tokens(new_line)
    ops = SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
    cuts = _cuts(ops)
    covered = (-1, -1)
    for op in ops:
        tag, i1, i2, j1, j2 = op
        if tag == "equal" or (i2 <= covered[0] and j2 <= covered[1]):
            continue
        place, covered = _place(old, new, op, cuts, clocks)
        yield dataclasses.replace(place, line_before=i, line=j)


def _cuts(ops):
    """Where a window may begin or end: (old index, new index) inside or at the edge of
    an unchanged run of tokens."""
    cuts = set()
    for tag, i1, i2, j1, j2 in ops:
        cuts.update({(i1, j1), (i2, j2)})
        if tag == "equal":
            cuts.update((i1 + d, j1 + d) for d in range(i2 - i1))
    return sorted(cuts)


def _place(old, new, op, cuts, clocks):
    """``(Place, (old, new) token index where what it covered ends)`` for one changed run."""
    _, i1, i2, j1, j2 = op
    was, now = _words(old[i1:i2]), _words(new[j1:j2])
    text_was, text_now = "".join(old[i1:i2]).strip(), "".join(new[j1:j2]).strip()
    if len(was) > MAX_CHANGED or len(now) > MAX_CHANGED:
        return Place(0, 0, text_was, text_now, EDIT), (i2, j2)
    if was and len(was) == len(now) and all(map(_random_token, was, now)):
        return Place(0, 0, text_was, text_now, TOKEN), (i2, j2)
    if len(was) == len(now) == 1 and _epoch_clock(was[0], now[0], clocks):
        return Place(0, 0, text_was, text_now, CLOCK), (i2, j2)
    found = _time_window(old, new, op, cuts, clocks)
    if found:
        reading, old_text, new_text, end = found
        return Place(0, 0, old_text, new_text, reading), end
    numbers = (was or now) and all(PLAIN_NUMBER.fullmatch(w) for w in was + now)
    return Place(0, 0, text_was, text_now, NUMBER if numbers else EDIT), (i2, j2)


def _words(run):
    return [token for token in run if not token.isspace()]


def _random_token(old, new):
    """Two tokens that are machine-made values: both random-looking as a whole, or
    differing only in random-looking pieces ("v2.4.1+3f2a9c1d", "token=Qw3Er5…")."""
    if _random_piece(old, new):
        return True
    old_pieces, new_pieces = PIECES.split(old), PIECES.split(new)
    differing = [(a, b) for a, b in zip(old_pieces, new_pieces) if a != b]
    return len(old_pieces) == len(new_pieces) and bool(differing) and all(
        _random_piece(a, b) for a, b in differing)


def _random_piece(old, new):
    if _hash_of_one_kind(old, new):
        return True
    if old.isdigit() or new.isdigit():
        return False  # a number, or a time since 1970: read as a time
    if addresses.generated(old) and addresses.generated(new):
        return True
    if len(old) != len(new):
        return False
    if all(SHORT_HASH.fullmatch(t) and DIGIT.search(t) and HEX_LETTER.search(t) for t in (old, new)):
        return True  # a short hash: "build 3f2a9c1"
    # one random-looking, the other of its length and mix (random text need not look it)
    return len(old) >= 16 and (addresses.generated(old) or addresses.generated(new)) and all(
        (DIGIT.search(t) and LETTER.search(t)) or (t.lower() != t and t.upper() != t)
        for t in (old, new))  # base 64 may draw no digit: "uJTSEGW+upoWrrraNnylvynM"


def _hash_of_one_kind(old, new):
    """A short hash that drew only digits, or only letters, this time ("929e2005" then
    "71234484"; "eb0984a6" then "eefddbcc": eight hex digits are all decimal about one
    time in forty): the other side, of the same length, is hex with a letter and a digit.
    A number never becomes hex letters, nor a word a string of digits."""
    return len(old) == len(new) and any(
        SHORT_HASH.fullmatch(side) and (side.isdigit() or not DIGIT.search(side))
        and SHORT_HASH.fullmatch(other) and DIGIT.search(other) and HEX_LETTER.search(other)
        for side, other in ((old, new), (new, old)))


def _epoch_clock(old, new, clocks):
    """Two times since 1970 (``addresses.EPOCH``) that follow the fetch's clock, alone or
    as the one piece that differs in a token ("ts=1796578952972")."""
    if not (addresses.EPOCH.fullmatch(old) and addresses.EPOCH.fullmatch(new)):
        old_pieces, new_pieces = PIECES.split(old), PIECES.split(new)
        differing = [(a, b) for a, b in zip(old_pieces, new_pieces) if a != b]
        if len(old_pieces) != len(new_pieces) or len(differing) != 1 or \
                (old_pieces, new_pieces) == ([old], [new]):
            return False
        return _epoch_clock(*differing[0], clocks)
    was, now = (_utc(dt.datetime.fromtimestamp(int(t[:10]), dt.timezone.utc)) for t in (old, new))
    return _clock_outcome(("time", was), ("time", now), clocks) == CLOCK


def _time_window(old, new, op, cuts, clocks):
    """The largest window around ``op`` that reads as a time on both sides, as
    ``(reading, old text, new text, end cut)``; None when none does, or when the
    largest is a relative time that names another moment (then the tokens decide)."""
    for start, end in _windows(new, op, cuts):
        old_text = "".join(old[start[0]:end[0]]).strip()
        new_text = "".join(new[start[1]:end[1]]).strip()
        reading = _read_pair(old_text, new_text, clocks)
        if reading == OTHER_MOMENT:
            return None
        if reading:
            return reading, old_text, new_text, end
    return None


def _windows(new, op, cuts):
    """The (start cut, end cut) pairs around ``op``, largest first."""
    _, i1, i2, j1, j2 = op
    starts = [c for c in cuts if c[0] <= i1 and c[1] <= j1 and _reach(new, c[1], j1)]
    ends = [c for c in cuts if c[0] >= i2 and c[1] >= j2 and _reach(new, j2, c[1])]
    pairs = [(s, e) for s in starts for e in ends
             if _edge(new, s[1], e[1]) and sum(map(len, new[s[1]:e[1]])) <= MAX_WINDOW_CHARS]
    return sorted(pairs, key=lambda p: -len(_words(new[p[0][1]:p[1][1]])))


def _reach(new, a, b):
    return len(_words(new[a:b])) <= CONTEXT_TOKENS


def _edge(new, a, b):
    """A window begins and ends with a word or a number, not a space or a sign (the
    same window without it is tried too)."""
    return a < b and WORDLIKE.match(new[a]) and WORDLIKE.match(new[b - 1])


# -- reading times -------------------------------------------------------------------


def _read_pair(old_text, new_text, clocks):
    """What a window reads as on both sides: RELATIVE or CLOCK (machine-made), UNPROVEN
    (a time of now, not shown to follow the clock), DATE (a date or time far from now),
    OTHER_MOMENT (a relative time that names another moment than before), or None (not
    a time on both sides)."""
    if SHORT_NUMBER.fullmatch(new_text) or SHORT_NUMBER.fullmatch(old_text):
        return None
    base_before = clocks.before or clocks.now
    new = _reading(new_text, clocks.now, clocks.languages, None)
    old = _reading(old_text, base_before, clocks.languages, None) if new else None
    if not new or not old or (new[0] == "relative") != (old[0] == "relative"):
        return None
    if new[0] == "relative":
        if _same_moment(old[1], new[1], base_before, clocks):
            return RELATIVE
        # "1 hour ago" -> "2 hours ago": in dateparser's English only the number changed
        return NUMBER if _digits_masked(old[2]) == _digits_masked(new[2]) else OTHER_MOMENT
    outcome = _clock_outcome(old, new, clocks)
    if outcome != CLOCK and re.search(r"\d[./-]\d", new_text):  # 06.12.2026: try each order
        for order in ("DMY", "MDY", "YMD"):
            new_o, old_o = (_reading(new_text, clocks.now, clocks.languages, order),
                            _reading(old_text, base_before, clocks.languages, order))
            if new_o and old_o and new_o[0] == old_o[0] != "relative" and \
                    _clock_outcome(old_o, new_o, clocks) == CLOCK:
                return CLOCK
    return outcome


def _same_moment(old_moment, new_moment, base_before, clocks):
    """A relative time names the same moment as before (within its unit: "3 days ago"
    is rounded to days); without the time of the fetch before, it only grew older."""
    age = max(abs(base_before - old_moment), abs(clocks.now - new_moment))
    tolerance = next((unit for unit in UNITS if unit <= age), UNITS[-1]) * 1.5
    if clocks.before is None:
        return new_moment <= old_moment + tolerance
    return abs(new_moment - old_moment) <= tolerance


def _clock_outcome(old, new, clocks):
    """CLOCK, UNPROVEN, DATE or None for two readings of a date or time (see the module)."""
    (precision, was, *_), (new_precision, now, *_) = old, new
    if precision != new_precision:
        return None
    if precision == "clock":  # a time of day: its date is not written
        return CLOCK if clocks.before and _follows_clock_daily(was, now, clocks) else UNPROVEN
    day = precision == "day"
    if not _near(now, clocks.now, day):
        return DATE
    if clocks.before is None:  # a date alone: also the one before was of about now
        return CLOCK if was <= now and (not day or _near(was, now, day)) else UNPROVEN
    if not _near(was, clocks.before, day):
        return UNPROVEN
    return CLOCK if _lag((now - was) - (clocks.now - clocks.before), day) else UNPROVEN


def _near(value, moment, day):
    if day:
        return abs((value.date() - moment.date()).days) <= 1
    return abs(value - moment) <= NEAR


def _lag(difference, day):
    return abs(difference) <= (dt.timedelta(days=1) if day else DRIFT)


def _follows_clock_daily(was, now, clocks):
    """Two times of day moved as the clock did between the fetches (modulo a day)."""
    day = dt.timedelta(days=1).total_seconds()
    moved = ((now - was).total_seconds() - (clocks.now - clocks.before).total_seconds()) % day
    return min(moved, day - moved) <= DRIFT.total_seconds()


def _digits_masked(text):
    return re.sub(r"\d+", "#", text)


@functools.lru_cache(maxsize=8192)
def _reading(text, base, languages, order):
    """``(precision, value, english)``: "relative" (the moment it names), "time" (a date
    and a time), "day" (a date) or "clock" (a time of day alone), and dateparser's
    English for it; None when it is not one. A date needs a year, a month's name or
    digits joined as dates are ("3 of 13" is no date)."""
    data = _parsed(text, languages, base, order, (), RELATIVE_OR_ABSOLUTE)
    if data.date_obj is None:
        return None
    english = _english(text, data.locale)
    if RELATIVE_WORDS.search(english):
        return "relative", _utc(data.date_obj), english
    if not (DATED.search(text) or LETTER.search(english)):
        return None
    data = _parsed(text, languages, base, order, (), ABSOLUTE)
    if data.date_obj is None or data.period not in ("time", "day"):
        return None  # "in 0.2 s", or a month or a year alone ("12", "2026"): not a time
    value = _utc(data.date_obj)
    dated = _parsed(text, languages, base, order, ("day", "month"), ABSOLUTE).date_obj
    if data.period == "time":
        return ("time" if dated else "clock"), value, english
    return ("day", value, english) if dated else None


def _parsed(text, languages, base, order, parts, parsers):
    try:
        return _parser(languages, base, order, parts, parsers).get_date_data(text)
    except (ValueError, OverflowError, TypeError):  # a date past the calendar's end
        from dateparser.date import DateData

        return DateData()


def _english(text, locale):
    """dateparser's English for a date or time it read ("vor 2 Tagen" -> "2 day ago")."""
    from dateparser.conf import settings
    from dateparser.languages.loader import default_loader

    try:
        return default_loader.get_locale(locale).translate(text, settings=settings)
    except Exception:  # noqa: BLE001 - a locale it cannot translate with: read as written
        return text


@functools.lru_cache(maxsize=256)
def _parser(languages, base, order, parts, parsers):
    from dateparser.date import DateDataParser  # slow import, only needed here

    settings = {"RELATIVE_BASE": base, "PARSERS": list(parsers),
                "RETURN_TIME_AS_PERIOD": True, "REQUIRE_PARTS": list(parts)}
    if order:
        settings.update(DATE_ORDER=order, PREFER_LOCALE_DATE_ORDER=False)
    return DateDataParser(languages=list(languages), settings=settings)


def _languages(given, text):
    """The languages to read times in: the page's, else the ones whose dateparser
    dictionaries fit the changed lines best (``MAX_DETECTED``, most spoken first); English
    last (sites write their machine parts in it)."""
    from dateparser.data import languages_info

    known = set(languages_info.language_order)
    chosen = [code for code in (given or ()) if code in known] or _detected(text)
    return tuple(dict.fromkeys([*chosen, "en"]))


@functools.lru_cache(maxsize=256)
def _detected(text):
    """The languages that fit ``text`` best, as dateparser's own detector scores them
    (it keeps only the best one; a Chinese line fits Japanese as well)."""
    from dateparser.conf import settings
    from dateparser.search.text_detection import FullTextLanguageDetector
    from dateparser.utils import normalize_unicode

    try:
        detector = FullTextLanguageDetector(_locales())
        detector.character_check(text, settings)
        lowered = normalize_unicode(text.lower())
        scores = [(tuple(language.count_applicability(lowered, strip_timezone=False,
                                                      settings=settings)), language.shortname)
                  for language in detector.languages]
    except Exception:  # noqa: BLE001 - another dateparser: its own best guess
        return (_detector().detect_language(text, None),)
    scores = [(score, code) for score, code in scores if any(score)]
    best = max((score for score, _ in scores), default=None)
    return tuple(code for score, code in scores if score == best)[:MAX_DETECTED]


@functools.lru_cache(maxsize=1)
def _locales():
    from dateparser.languages.loader import default_loader

    return list(default_loader.get_locale_map().values())


@functools.lru_cache(maxsize=1)
def _detector():
    from dateparser.search.search import DateSearchWithDetection

    return DateSearchWithDetection()

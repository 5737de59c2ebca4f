"""Reading dates as they are written on government pages, at their own precision.

Pure functions: ``date_at`` reads the date that starts at a position in a text
(numeric, with a two-digit year too: "03.04.24", "03. 04. 24", year first where the
locale writes it so: "24.04.03." in Hungarian; month names in any language via
dateparser, CJK, Japanese eras; a weekday may open it: "Mi., 03.04.24"),
``date_before`` the one that ends there ("2024年3月12日更新"), ``latest_day`` gives
the last calendar day a value can mean ("2002-11" -> 30 Nov), ``earliest_day`` the first.
``monitor.analysis.markers`` uses them to read the dates after "last updated" labels.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from email.utils import parsedate_to_datetime
from functools import lru_cache, partial
from typing import NamedTuple

YEAR_RANGE = (1990, 2100)
_FULLWIDTH = str.maketrans("０１２３４５６７８９：／．－", "0123456789:/.-")


class Context(NamedTuple):
    order: str               # "mdy" reads 03/04/2024 as 4 March, "dmy"/"ymd" as 3 April
    langs: tuple[str, ...]   # dateparser languages, most likely first
    dots_month_first: bool = False  # "mdy" reads 11.02.23 as 2 November too (else dots are day first)


def iso_date(y: int, m: int | None = None, d: int | None = None) -> tuple[str, str] | None:
    if not YEAR_RANGE[0] <= y <= YEAR_RANGE[1]:
        return None
    if m is None:
        return f"{y:04d}", "year"
    if not 1 <= m <= 12:
        return None
    if d is None:
        return f"{y:04d}-{m:02d}", "month"
    try:
        return dt.date(y, m, d).isoformat(), "day"
    except ValueError:
        return None


def to_int(s: str | None) -> int | None:
    return int(s) if s else None


_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}


def _from_era(m, ctx):
    year = _ERAS[m[1]] + (1 if m[2] == "元" else int(m[2]))
    return iso_date(year, int(m[3]), to_int(m[4]))


def _from_ymd(m, ctx):
    parts = m.groupdict()
    return iso_date(int(parts["y"]), to_int(parts.get("m")), to_int(parts.get("d")))


def _from_xxy(m, ctx):
    a, b, year = int(m["a"]), int(m["b"]), _year(m.groupdict())
    month_first = ctx.order == "mdy" and (m["s"] != "." or ctx.dots_month_first)
    month, day = (a, b) if month_first else (b, a)
    return iso_date(year, month, day) or iso_date(year, day, month)  # 3/25/2024 on a d/m page


def _from_yymd(m, ctx):
    """A two-digit year first ("24.04.03." in Hungarian, "24/04/03" in Japanese): only where
    the year comes first (``ctx.order == "ymd"``)."""
    if ctx.order != "ymd":
        return None
    return iso_date(_year({"yy": m["yy"]}), int(m["m"]), int(m["d"]))


def _year(parts: dict) -> int:
    """Four digits, or two digits read as 1990..2089 ("12.03.24" is 2024, "98" is 1998)."""
    if parts.get("yy") is None:
        return int(parts["y"])
    yy = int(parts["yy"])
    return 1900 + yy if yy >= 90 else 2000 + yy


def _from_named(m, ctx, precision):
    parts = ("day", "month", "year") if precision == "day" else ("month", "year")
    data = _dateparser(ctx.langs, parts).get_date_data(m.group(0))
    d = data.date_obj
    if d is None or data.period != precision or d.year != int(m["y"]):
        return None
    if precision == "day" and d.day != int(m["d"]):
        return None
    return iso_date(d.year, d.month, d.day if precision == "day" else None)


@lru_cache(maxsize=64)
def _dateparser(langs: tuple[str, ...], parts: tuple[str, ...]):
    from dateparser.date import DateDataParser  # slow import, only needed for month names
    settings = {"PREFER_DAY_OF_MONTH": "first", "RELATIVE_BASE": dt.datetime(2000, 1, 1),
                "REQUIRE_PARTS": list(parts), "PARSERS": ["absolute-time"]}
    try:
        return DateDataParser(languages=list(langs), settings=settings)
    except ValueError:  # a language dateparser does not know
        return DateDataParser(languages=["en"], settings=settings)


_WORD = r"[^\W\d_]{3,}\.?"                          # a month name
_WEEKDAY = r"(?:[^\W\d_]{3,}(?:-[^\W\d_]+)?\.?,?\s+)?"  # optional "Tuesday, " / "terça-feira, "
_DAY = r"(?P<d>\d{1,2})(?:st|nd|rd|th|er|º|°|\.)?"
_Y = r"(?P<y>\d{4})(?!\d)"
# (regex, converter) tried in this order at the start of a span.
_DATE_FORMS = [
    (re.compile(r"(令和|平成|昭和)\s*(元|\d{1,2})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?"),
     _from_era),
    (re.compile(r"(?P<y>\d{4})\s*[年년](?:\s*(?P<m>\d{1,2})\s*[月월](?:\s*(?P<d>\d{1,2})\s*[日일])?)?"),
     _from_ymd),
    (re.compile(r"(?P<y>\d{4})\.\s?(?P<m>\d{1,2})\.\s?(?P<d>\d{1,2})(?!\d)\.?"), _from_ymd),
    (re.compile(r"(?P<y>\d{4})\s?(?P<s>[-/])\s?(?P<m>\d{1,2})\s?(?P=s)\s?(?P<d>\d{1,2})(?!\d)"),
     _from_ymd),
    (re.compile(r"(?P<a>\d{1,2})\s?(?P<s>[-/.])\s?(?P<b>\d{1,2})\s?(?P=s)\s?" + _Y), _from_xxy),
    (re.compile(r"(?P<yy>\d{2})(?P<s>[-/.])(?:(?<=\.) )?(?P<m>\d{1,2})(?P=s)(?:(?<=\.) )?(?P<d>\d{1,2})"
                r"(?!\d|[-/.]\d)(?:(?<=\d)\.(?!\w))?"), _from_yymd),
    (re.compile(r"(?P<a>\d{1,2})(?P<s>[-/.])(?:(?<=\.) )?(?P<b>\d{1,2})(?P=s)(?:(?<=\.) )?(?P<yy>\d{2})"
                r"(?![\d.]\d)"), _from_xxy),
    (re.compile(rf"{_WEEKDAY}{_DAY}\s*(?:de\s+|of\s+)?{_WORD},?\s*(?:de\s+|del\s+)?{_Y}", re.I),
     partial(_from_named, precision="day")),
    (re.compile(rf"{_WEEKDAY}{_WORD}\s+{_DAY},?\s+{_Y}", re.I), partial(_from_named, precision="day")),
    (re.compile(rf"{_Y}\.?\s+{_WORD}\s+(?P<d>\d{{1,2}})\.?(?!\d)"), partial(_from_named, precision="day")),
    (re.compile(rf"{_WORD}\s+(?:de\s+|del\s+)?{_Y}", re.I), partial(_from_named, precision="month")),
    (re.compile(rf"{_Y}\.\s+{_WORD}(?!\w)"), partial(_from_named, precision="month")),
    (re.compile(r"(?P<y>\d{4})(?P<s>[-/.])(?P<m>\d{1,2})(?!\d)(?!(?P=s)\d)"), _from_ymd),
    (re.compile(r"(?P<m>\d{1,2})[-/.](?P<y>\d{4})(?!\d)"), _from_ymd),
    (re.compile(r"(?P<y>\d{4})(?!\d|[-/.]\d)"), _from_ymd),
]


def date_at(text: str, pos: int, ctx: Context) -> tuple[str, str, int] | None:
    """The date starting exactly at ``text[pos]``: (iso, precision, end offset). A weekday
    may open it ("Mi., 03.04.24", "onsdag 03.04.24": a weekday of ``ctx.langs``)."""
    window = text[pos:pos + 80].translate(_FULLWIDTH)
    found = _date_in(window, ctx)
    if found is None and (day := _WEEKDAY_BEFORE.match(window)) and _weekday(day["name"], ctx.langs):
        found = _date_in(window[day.end():], ctx)
        found = found and (found[0], found[1], found[2] + day.end())
    return (found[0], found[1], pos + found[2]) if found else None


def _date_in(window: str, ctx: Context) -> tuple[str, str, int] | None:
    for regex, convert in _DATE_FORMS:
        m = regex.match(window)
        if m and (value := convert(m, ctx)):
            return value[0], value[1], m.end()
    return None


_WEEKDAY_BEFORE = re.compile(r"(?P<name>[^\W\d_]{2,}(?:-[^\W\d_]+)?)\.?,?[^\S\n]+(?=\d)")


def _weekday(word: str, langs: tuple[str, ...]) -> bool:
    return word.lower() in _weekday_names(langs)


@lru_cache(maxsize=64)
def _weekday_names(langs: tuple[str, ...]) -> frozenset:
    """The names and abbreviations of the weekdays in ``langs``, lower-cased, without dots."""
    from dateparser.languages.loader import default_loader  # slow import, only needed here

    names = set()
    for lang in langs:
        try:
            info = default_loader.get_locale(lang).info
        except (ValueError, KeyError):
            continue
        for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"):
            names.update(name.lower().strip(".") for name in info.get(day, ()))
    return frozenset(names)


_TIME_BEFORE = re.compile(r"(?:[^\S\n]*\d{1,2}(?:時\d{1,2}分|:\d{2}))?[^\S\n]*$")
_DATE_START = re.compile(r"令和|平成|昭和|\d+")


def date_before(text: str, end: int, ctx: Context, reach: int = 40) -> tuple[str, str, int] | None:
    """The date that ends right before ``text[end]`` ("2024年3月12日更新": a time of day
    and spaces may come between): (iso, precision, start offset)."""
    first = max(0, end - reach)
    stop = _TIME_BEFORE.search(text, first, end).start()
    for m in _DATE_START.finditer(text, first, stop):
        found = date_at(text, m.start(), ctx)
        if found and found[2] == stop:
            return found[0], found[1], m.start()
    return None


def earliest_day(iso: str) -> dt.date:
    """The first calendar day a value can denote: "2002-11" -> 1 Nov 2002."""
    parts = [int(p) for p in iso.split("-")]
    return dt.date(*(parts + [1, 1])[:3])


def latest_day(iso: str, precision: str) -> dt.date:
    """The latest calendar day a value can denote: ("2002-11", "month") -> 2002-11-30."""
    if precision == "day":
        return dt.date.fromisoformat(iso)
    year = int(iso[:4])
    if precision == "year":
        return dt.date(year, 12, 31)
    if precision == "month":
        month = int(iso[5:7])
        return dt.date(year, month, calendar.monthrange(year, month)[1])
    raise ValueError(f"unknown precision {precision!r}")


def context(locale: str, label_lang: str | None = None) -> Context:
    lang, _, region = (locale or "en").replace("_", "-").partition("-")
    lang, region = lang.lower(), region.split("-")[-1].upper()
    order = "mdy" if region == "US" else "ymd" if lang in ("ja", "zh", "hu", "ko", "lt") else "dmy"
    dp_lang = {"no": "nb"}.get(lang, lang)
    langs = tuple(dict.fromkeys(x for x in (label_lang, dp_lang, "en") if x))
    return Context(order, langs)


def machine_date(value: str, ctx: Context) -> tuple[str, str] | None:
    """A metadata value: ISO 8601, RFC 2822, or any date form read by ``_date_at``."""
    value = value.strip()
    iso = re.match(r"(\d{4})-(\d{2})-(\d{2})", value)
    if iso:
        return iso_date(*map(int, iso.groups()))
    when = http_date(value)
    if when:
        return iso_date(when.year, when.month, when.day)
    found = date_at(value, 0, ctx)
    return found[:2] if found else None


def http_date(value: str | None) -> dt.datetime | None:
    try:
        when = parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    return as_utc(when) if when else None


def as_utc(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.timezone.utc) if when.tzinfo is None else when

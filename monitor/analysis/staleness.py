"""How stale each government's disclosure is. Pure functions over stored rows.

The state shown is the stored one (``events.STATES``) except for a page no fetch
of which ever succeeded, shown as ``never fetched`` whether it was never tried
or every try failed (the stored state stays ``new`` or ``failing``; the last
error is in ``last_error`` and in ``dialogue-watch status``). A page that
answered 404/410 from the start shows ``gone``: the site did answer. A page paused in
sources.yaml shows ``paused`` (and why), never the failing of its last checks.

``stale_level`` decides when a page's claim has grown old enough for a ``stale``
event (``stale_after`` in sources.yaml), ``stale_words`` says it in plain words.
"""

import datetime

from monitor.analysis import markers

NEVER_FETCHED = "never fetched"
PAUSED = "paused"  # sources.yaml's paused: true, as ``dialogue-watch status`` says it


def staleness(rows, today=None):
    """Rows from ``store.staleness_rows`` -> report dicts, most stale first."""
    today = today or datetime.date.today()
    report = [_entry(row, today) for row in rows]
    return sorted(report, key=lambda r: (r["days_stale"] is None, -(r["days_stale"] or 0), r["id"]))


def _entry(row, today):
    marker = None
    days = None
    if row["marker_date"]:
        marker = {"text": row["marker_text"], "date": row["marker_date"],
                  "precision": row["marker_precision"], "origin": row["marker_origin"]}
        days = (today - markers.latest_day(row["marker_date"], row["marker_precision"])).days
    return {
        "id": row["id"], "country": row["country"], "title": row["title"], "url": row["url"],
        "last_updated": marker, "days_stale": days,
        "last_changed_at": row["last_changed_at"], "last_checked_at": row["last_checked_at"],
        "state": shown_state(row), "last_error": row["last_error"],
        "baseline": _baseline(row),
    }


def shown_state(row):
    """The state to show: ``paused`` (with why) for a page sources.yaml pauses, whatever
    its last check found; ``never fetched`` until a fetch succeeds (unless gone)."""
    if row.get("paused"):
        return PAUSED + (f" ({row['paused_note']})" if row.get("paused_note") else "")
    if row["state"] != "gone" and not row["last_ok_at"]:
        return NEVER_FETCHED
    return row["state"]


def claim_words(entry):
    """What a page claims as its last update, for a table: its words, "(no date shown)",
    or "not yet checked" for a page no fetch of which has succeeded (never a finding)."""
    if entry["last_updated"]:
        return entry["last_updated"]["text"]
    return "not yet checked" if entry["state"] == NEVER_FETCHED else "(no date shown)"


def _baseline(row):
    if not row["baseline_observed"]:
        return None
    return {"observed": row["baseline_observed"], "marker": row["baseline_marker"],
            "days_stale_then": row["baseline_days_stale"]}


# -- stale events: a claim older than stale_after --------------------------------

FRESH, STALE, TWICE_STALE = 0, 1, 2


def stale_level(claimed_until, today, stale_after_days):
    """How far past ``stale_after`` a page's claim is at a check: 0 (fresh), 1 (more
    than ``stale_after_days`` old) or 2 (more than twice that).

    ``claimed_until`` is the latest day the page's "last updated" line can mean
    (``versions.marker_until``); None (no claim) and ``stale_after_days`` None
    ("never") are always fresh.

    Example: ``stale_level(date(2002, 11, 30), date(2003, 12, 5), 365) == 1``.
    """
    if claimed_until is None or not stale_after_days:
        return FRESH
    days = (today - claimed_until).days
    if days > 2 * stale_after_days:
        return TWICE_STALE
    return STALE if days > stale_after_days else FRESH


def stale_words(level, claimed_until, today, stale_after_days, marker_text, origin,
                baseline_days=None):
    """The detail of a ``stale`` event, for campaigners.

    Example: "No update for 1 year and 3 days, longer than the 1 year after which a page
    counts as stale: the page still says 'Last updated Nov 2002' (2003 report: 152 days;
    now: 368 days)".
    """
    how_long = "more than twice" if level == TWICE_STALE else "longer than"
    figures = f"now: {(today - claimed_until).days:,} days"
    if baseline_days is not None:
        figures = f"2003 report: {baseline_days:,} days; {figures}"
    return (f"No update for {age(claimed_until, today)}, {how_long} the {span(stale_after_days)} "
            f"after which a page counts as stale: {_claim(marker_text, origin)} ({figures})")


def _claim(marker_text, origin):
    origin = origin or ""
    if origin.startswith("meta:"):
        return f"the page's metadata still says '{marker_text}'"
    if origin == "http:last-modified":
        return f"the site still says it was last modified on '{marker_text}'"
    if origin == "pdf:moddate":
        return f"the PDF still says it was last modified on '{marker_text}'"
    return f"the page still says '{marker_text}'"


def age(since, today):
    """The time from ``since`` to ``today`` in calendar years and days:
    ``age(date(2002, 11, 30), date(2003, 12, 3)) == "1 year and 3 days"``."""
    years = today.year - since.year - ((today.month, today.day) < (since.month, since.day))
    years = max(years, 0)
    anniversary = _add_years(since, years)
    return _words(years, (today - anniversary).days)


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def span(days):
    """A length of time in words, counting 365 days a year: ``span(365) == "1 year"``."""
    return _words(*divmod(days, 365))


def _words(years, days):
    parts = [_count(years, "year"), _count(days, "day")]
    return " and ".join(p for p in parts if p) or "0 days"


def _count(number, noun):
    if not number:
        return ""
    return f"{number:,} {noun}" + ("" if number == 1 else "s")

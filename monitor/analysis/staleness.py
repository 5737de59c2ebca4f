"""How stale each government's disclosure is. Pure functions over stored rows.

The state shown is the stored one (``events.STATES``) except for a page no fetch
of which ever succeeded, shown as ``never fetched`` whether it was never tried
or every try failed (the stored state stays ``new`` or ``failing``; the last
error is in ``last_error`` and in ``dialogue-watch status``). A page that
answered 404/410 from the start shows ``gone``: the site did answer.
"""

import datetime

from monitor.analysis import markers

NEVER_FETCHED = "never fetched"


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
    """The state to show: ``never fetched`` until a fetch succeeds (unless gone)."""
    if row["state"] != "gone" and not row["last_ok_at"]:
        return NEVER_FETCHED
    return row["state"]


def _baseline(row):
    if not row["baseline_observed"]:
        return None
    return {"observed": row["baseline_observed"], "marker": row["baseline_marker"],
            "days_stale_then": row["baseline_days_stale"]}

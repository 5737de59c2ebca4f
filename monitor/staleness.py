"""How stale each government's disclosure is. Pure functions over stored rows."""

import datetime

from monitor import markers


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
        "state": row["state"] or "never checked", "last_error": row["last_error"],
        "baseline": _baseline(row),
    }


def _baseline(row):
    if not row["baseline_observed"]:
        return None
    return {"observed": row["baseline_observed"], "marker": row["baseline_marker"],
            "days_stale_then": row["baseline_days_stale"]}

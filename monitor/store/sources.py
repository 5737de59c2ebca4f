"""Writes: the watched sources (sources.yaml mirrored into the ``sources`` table)."""

from monitor.analysis import markers
from monitor.store.connection import immediate_transaction, iso, now, writes


@writes
def sync_sources(db, sources):
    """Mirror sources.yaml into the sources table; removed entries become inactive."""
    stamp = iso(now())
    with immediate_transaction(db):
        before = {row[0]: row[1:] for row in db.execute("SELECT id, country, url FROM sources")}
        # a fetch row without an address was made at its page's url: a page given a new
        # url keeps the old one in those rows (``_address``)
        old_urls = [(before[s.id][1], s.id) for s in sources
                    if s.id in before and before[s.id][1] != s.url]
        db.conn.executemany("UPDATE fetches SET url = ? WHERE source_id = ? AND url IS NULL", old_urls)
        db.execute("UPDATE sources SET active = 0")
        db["sources"].upsert_all([source_row(s, stamp) for s in sources], pk="id", alter=False)
        # a page whose entry now names another country (a corrected entry): its events follow
        moved = [(s.country, s.id) for s in sources if before.get(s.id, (s.country,))[0] != s.country]
        db.conn.executemany("UPDATE events SET country = ? WHERE source_id = ?", moved)


def source_row(source, stamp):
    baseline = source.baseline or {}
    parsed = markers.parse_date(baseline["marker"], source.locale) if baseline.get("marker") else None
    observed = baseline.get("observed")
    days = None
    if parsed and observed:
        days = (observed - markers.latest_day(*parsed)).days
    return {
        "id": source.id, "country": source.country, "title": source.title, "url": source.url,
        "kind": source.kind, "locale": source.locale, "cited_as": source.cited_as,
        "baseline_observed": observed.isoformat() if observed else None,
        "baseline_marker": baseline.get("marker"),
        "baseline_date": parsed[0] if parsed else None,
        "baseline_precision": parsed[1] if parsed else None,
        "baseline_days_stale": days,
        "baseline_transparency": baseline.get("transparency"),
        "stale_after_days": source.stale_after,
        "archive_changes": int(bool(getattr(source, "archive_changes", False))),
        "notes": source.notes, "active": 1, "updated_at": stamp,
        "paused": int(bool(getattr(source, "paused", False))),
        "paused_note": getattr(source, "paused_note", None),
    }

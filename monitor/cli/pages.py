"""``dialogue-watch stale``, ``history`` and ``diff``: reading what is stored."""

import json
from pathlib import Path

import click

from monitor import store
from monitor.analysis import diffing, events, staleness
from monitor.cli.base import cli, table
from monitor.errors import NotFoundError


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def stale(obj, as_json):
    """How stale each page's "last updated" claim is, most stale first.

    Days stale count from the latest day the claim can mean: "Nov 2002"
    counts from 30 Nov 2002.

    Example: dialogue-watch stale --json
    """
    config = obj.config()
    report = staleness.staleness(_listed_rows(store.staleness_rows(obj.db(read_only=True)), config))
    if as_json:
        keys = ("id", "country", "url", "last_updated", "days_stale", "last_changed_at",
                "last_checked_at", "state")
        click.echo(json.dumps([{k: r[k] for k in keys} for r in report], indent=2, ensure_ascii=False))
        return
    click.echo(table(["days stale", "country", "id", "claims last updated", "state",
                      "text changed", "last checked", "2003 report"],
                     [_stale_cells(r) for r in report]))


def _listed_rows(stored, config):
    """The stored rows of the pages sources.yaml lists now, and a 'not yet checked' row for
    each listed page the database does not know yet: read without writing (the sources
    table changes only when a crawl stores what sources.yaml says). Whether a page is
    paused is what the file says now."""
    rows = {row["id"]: row for row in stored}
    empty = dict.fromkeys(STALENESS_COLUMNS)
    return [{**(rows.get(s.id) or {**empty, "id": s.id, "country": s.country, "title": s.title,
                                   "url": s.url, "baseline_marker": (s.baseline or {}).get("marker")}),
             "paused": s.paused, "paused_note": s.paused_note}
            for s in config.sources]


STALENESS_COLUMNS = ("id", "country", "title", "url", "baseline_marker", "baseline_days_stale",
                     "baseline_observed", "state", "last_checked_at", "last_changed_at",
                     "first_seen_at", "last_error", "last_ok_at", "marker_text", "marker_date",
                     "marker_precision", "marker_origin", "marker_until")


def _stale_cells(row):
    baseline = row["baseline"] or {}
    return [
        "?" if row["days_stale"] is None else str(row["days_stale"]),
        row["country"], row["id"], staleness.claim_words(row),
        row["state"], (row["last_changed_at"] or "-")[:10], (row["last_checked_at"] or "never")[:10],
        baseline.get("marker") or "",
    ]


@cli.command()
@click.argument("source_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def history(obj, source_id, as_json):
    """The events of one page, oldest first.

    Example: dialogue-watch history canada-relations-2002
    """
    if not Path(obj.db_path).exists():  # nothing stored yet: no database made to say so
        obj.config().select([source_id])  # an id sources.yaml lacks: said, with the nearest
        raise NotFoundError(f"No history for '{source_id}' yet. Run 'dialogue-watch crawl {source_id}' first.")
    db = obj.db(read_only=True)
    rows = store.history(db, source_id)
    keys = ("at", "kind", "marker_before", "marker_after", "lines_added", "lines_removed", "origin")
    if as_json:  # a documents_changed / links_changed event lists the links that came and went
        changed = store.links.changes_of_page(db, source_id)
        click.echo(json.dumps([{**{k: r[k] for k in keys}, **_links_of(changed, r)} for r in rows],
                              indent=2, ensure_ascii=False))
        return
    if not rows:
        obj.config().select([source_id])  # an id sources.yaml lacks: said, with the nearest
        raise NotFoundError(f"No history for '{source_id}' yet. Run 'dialogue-watch crawl {source_id}' first.")
    click.echo(table(["at", "event", "last updated: before -> after", "+lines", "-lines", "from"],
                     [_history_cells(r) for r in rows], limit=60))
    click.echo("\nEvents: " + "; ".join(f"{k} = {v}" for k, v in events.KINDS.items()
                                       if k in {r["kind"] for r in rows}))


def _links_of(changed, row):
    found = changed.get((row["version_id"], row["kind"]))
    return {"links": found} if found else {}


def _history_cells(row):
    markers = f"{row['marker_before'] or '-'} -> {row['marker_after'] or '-'}"
    return [row["at"], row["kind"], markers, row["lines_added"] or "", row["lines_removed"] or "",
            ORIGIN_WORDS.get(row["origin"], row["origin"] or "")]


# Where an event came from, in history's last column (none: dialogue-watch's own check).
ORIGIN_WORDS = {"archive": "Internet Archive"}


@cli.command()
@click.argument("source_id", metavar="ID")
@click.option("--from", "from_seq", type=int, help="Version number to compare from (default: the one before --to).")
@click.option("--to", "to_seq", type=int, help="Version number to compare to (default: the latest).")
@click.option("--words", is_flag=True, help="Show changed words inline instead of changed lines.")
@click.pass_obj
def diff(obj, source_id, from_seq, to_seq, words):
    """A readable diff between two stored versions of a page.

    Example: dialogue-watch diff canada-relations-2002 --from 1 --to 3
    """
    db = obj.db(read_only=True)
    all_versions = store.versions(db, source_id)
    if len(all_versions) < 2 and not (from_seq and to_seq):
        raise NotFoundError(f"'{source_id}' has {len(all_versions)} stored version(s); a diff needs two.")
    to_seq = to_seq or all_versions[-1]["seq"]
    from_seq = from_seq or max(1, to_seq - 1)
    before, after = store.version(db, source_id, from_seq), store.version(db, source_id, to_seq)
    result = diffing.DIFFERS["words" if words else "lines"](
        store.text_of(db, before["text_sha256"]), store.text_of(db, after["text_sha256"]))
    click.echo(f"{source_id}: version {from_seq} ({before['at']}) -> version {to_seq} ({after['at']})")
    click.echo(f"'last updated': {before['marker_text'] or '-'} -> {after['marker_text'] or '-'}")
    click.echo(f"{result['lines_added']} added, {result['lines_removed']} removed\n")
    click.echo(result["diff"] or "(the texts are identical)")

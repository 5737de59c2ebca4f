"""The ``dialogue-watch`` command: a thin click layer over the library.

Every typed error (``monitor.errors``) becomes a plain message and exit
status 1 in ``main``; nothing else prints errors.
"""

import collections
import json
import sys
import unicodedata

import click

from monitor import config as config_module
from monitor import store
from monitor.analysis import diffing, events, staleness
from monitor.errors import CrawlError, DialogueWatchError, NotFoundError


class Context:
    def __init__(self, sources, db, shard=None):
        self.sources_path = sources
        self.db_path = db
        self.shard = shard  # (K, N): only this node's share of sources.yaml (monitor.shards)

    def config(self):
        from monitor import shards

        return shards.select(config_module.load(self.sources_path), self.shard)

    def db(self):
        return store.open_db(self.db_path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--sources", default="sources.yaml", show_default=True, metavar="PATH",
              help="The list of watched pages.")
@click.option("--db", default="db/monitor.db", show_default=True, metavar="PATH",
              help="The SQLite database holding every capture, diff and event.")
@click.option("--shard", metavar="K/N", callback=lambda ctx, param, value: _shard(value),
              help="Only the pages of shard K of N (split by site; one database per node).")
@click.version_option(package_name="dialogue-watch")
@click.pass_context
def cli(ctx, sources, db, shard):
    """Watch governments' official pages about their human-rights dialogues
    with China: keep every version, flag every change to the text or to the
    page's "last updated" line, and show how stale each disclosure is.

    Example: dialogue-watch crawl; dialogue-watch stale
    """
    ctx.obj = Context(sources, db, shard)


def _shard(value):
    from monitor import shards

    try:
        return shards.parse(value) if value else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


# -- sources ------------------------------------------------------------------


@cli.group()
def sources():
    """Work with sources.yaml."""


@sources.command("check")
@click.pass_obj
def sources_check(obj):
    """Validate sources.yaml; exit 3 listing every problem (file, line, fix).

    Example: dialogue-watch sources check
    """
    config = obj.config()
    countries = collections.Counter(s.country for s in config.sources)
    click.echo(f"{config.path}: {len(config.sources)} sources for {len(countries)} countries, all valid.")
    for country, count in sorted(countries.items()):
        ids = ", ".join(s.id for s in config.sources if s.country == country)
        click.echo(f"  {country} ({count}): {ids}")


# -- crawl --------------------------------------------------------------------


@cli.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines, only the summary.")
@click.option("--alerts", "alerts_path", default="alerts.yaml", show_default=True, metavar="PATH",
              help="Subscribers whose alerts this crawl queues (none if the file is absent).")
@click.pass_obj
def crawl(obj, ids, quiet, alerts_path):
    """Fetch the pages now (all, or the ids given), store and report.

    A site that fails is recorded and reported; it never stops the crawl.
    Alerts for alerts.yaml's subscribers are queued with the events;
    'dialogue-watch run' or 'dialogue-watch alerts deliver' sends them.

    Example: dialogue-watch crawl canada-relations-2002
    """
    from monitor.fetch import crawler
    from monitor.notify import dispatch

    config = obj.config()
    settings = dispatch.load_settings(obj, alerts_path, required=False)
    for warning in settings.warning_lines():
        click.echo(warning, err=True)
    count = len(config.select(ids))
    click.echo(f"Crawling {count} page(s), politely (one request at a time per site)...", err=True)
    try:
        _, results = crawler.crawl(config, obj.db_path, ids, progress=not quiet,
                                   subscribers=settings.subscribers)
    except CrawlError as error:
        if error.results:
            click.echo(crawl_summary(error.results))
        raise
    click.echo(crawl_summary(results))
    sys.exit(crawler.exit_code(results, count))


def crawl_summary(results):
    from monitor.fetch import crawler

    return crawler.summary(results)


# -- test-source --------------------------------------------------------------


@cli.command("test-source")
@click.argument("source_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def test_source(obj, source_id, as_json):
    """Fetch and analyse one page without storing anything.

    Example: dialogue-watch test-source uk-govuk-dialogue-2016 --json
    """
    from monitor.analysis import reanalyse
    from monitor.fetch import crawler

    config = obj.config()
    report = crawler.test_source(config, source_id)
    if report is None:
        raise DialogueWatchError(f"The fetch of {source_id} produced no result (the crawl process failed).")
    history = _history_with_rules(obj, config.source(source_id))
    if as_json:
        if history:
            count, removed, added, _ = history
            report["stored_history"] = {"captures": count, "events_removed": removed,
                                        "events_added": added}
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    for key, value in report.items():
        click.echo(f"{key:>14}: {value}")
    if history:
        count, removed, added, _ = history
        click.echo("\n" + reanalyse.describe(source_id, count, removed, added))


def _history_with_rules(obj, source):
    """The stored history replayed with the rules in sources.yaml (nothing written)."""
    from pathlib import Path

    from monitor.analysis import reanalyse

    if not Path(obj.db_path).exists():
        return None
    result = reanalyse.source(obj.db(), source, write=False)
    return result if result[0] else None


@cli.command("reanalyse")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.pass_obj
def reanalyse_command(obj, ids):
    """Read every stored capture again with today's rules (all pages, or the ids given).

    The site's history and diffs then show what the current rules see; what the
    old rules read is kept (table 'readings'). Events already raised stay in the
    history; the report says which ones today's rules would not raise, or would.

    Example: dialogue-watch reanalyse canada-relations-2002
    """
    from monitor.analysis import reanalyse
    from monitor.fetch import locks

    config = obj.config()
    with locks.database_lock(obj.db_path, "reanalyse"):
        db = obj.db()
        for source in config.select(ids):
            count, removed, added, changed = reanalyse.source(db, source)
            click.echo(reanalyse.describe(source.id, count, removed, added))
            click.echo(f"  {changed} version(s) now read differently; their diffs were recomputed.")


# -- stale --------------------------------------------------------------------


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
    db = obj.db()
    store.sync_sources(db, config.sources)
    report = staleness.staleness(store.staleness_rows(db))
    if as_json:
        keys = ("id", "country", "url", "last_updated", "days_stale", "last_changed_at",
                "last_checked_at", "state")
        click.echo(json.dumps([{k: r[k] for k in keys} for r in report], indent=2, ensure_ascii=False))
        return
    click.echo(_table(["days stale", "country", "id", "claims last updated", "state",
                       "text changed", "last checked", "2003 report"],
                      [_stale_cells(r) for r in report]))


def _stale_cells(row):
    baseline = row["baseline"] or {}
    return [
        "?" if row["days_stale"] is None else str(row["days_stale"]),
        row["country"], row["id"], staleness.claim_words(row),
        row["state"], (row["last_changed_at"] or "-")[:10], (row["last_checked_at"] or "never")[:10],
        baseline.get("marker") or "",
    ]


def _table(headers, rows, limit=48):
    rows = [[str(c)[:limit] for c in row] for row in rows]
    widths = [max(_width(str(x)) for x in column) for column in zip(headers, *rows)]
    lines = [_row(headers, widths), "  ".join("-" * w for w in widths)]
    lines += [_row(row, widths) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _row(cells, widths):
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths))


def _width(text):
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# -- history and diff ---------------------------------------------------------


@cli.command()
@click.argument("source_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def history(obj, source_id, as_json):
    """The events of one page, oldest first.

    Example: dialogue-watch history canada-relations-2002
    """
    rows = store.history(obj.db(), source_id)
    keys = ("at", "kind", "marker_before", "marker_after", "lines_added", "lines_removed", "origin")
    if as_json:  # a documents_changed / links_changed event lists the links that came and went
        changed = store.links.changes_of_page(obj.db(), source_id)
        click.echo(json.dumps([{**{k: r[k] for k in keys}, **_links_of(changed, r)} for r in rows],
                              indent=2, ensure_ascii=False))
        return
    if not rows:
        obj.config().select([source_id])  # an id sources.yaml lacks: said, with the nearest
        raise NotFoundError(f"No history for '{source_id}' yet. Run 'dialogue-watch crawl {source_id}' first.")
    click.echo(_table(["at", "event", "last updated: before -> after", "+lines", "-lines", "from"],
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
    db = obj.db()
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


# -- demo ---------------------------------------------------------------------


@cli.command()
@click.option("--db", "demo_db", default="db/demo.db", show_default=True, metavar="PATH",
              help="Where the demo database goes (kept apart from your real one).")
@click.option("--rounds", default=None, type=int, help="Stop after this many rounds.")
def demo(demo_db, rounds):
    """Run dialogue-watch offline on a local replica of the partners' pages.

    Serves replica pages on 127.0.0.1, crawls them over several rounds in
    which they change (a marker bumped, a silent edit, a page removed and
    restored, a PDF updated, a site failing), and leaves a database with
    every kind of event.

    Example: dialogue-watch demo
    """
    from monitor import demo as demo_module

    demo_module.run(demo_db, rounds=rounds, echo=click.echo)


# -- merge --------------------------------------------------------------------


@cli.command()
@click.argument("out", metavar="OUT.db", type=click.Path(dir_okay=False))
@click.argument("nodes", nargs=-1, required=True, metavar="NODE.db...",
                type=click.Path(exists=True, dir_okay=False))
def merge(out, nodes):
    """Combine the nodes' databases into OUT.db, for the site and the feeds.

    Each capture, event and diff is added once: merging a node again adds only
    what it stored since. Merge copies of the nodes' databases, made while no
    crawl runs there (e.g. with sqlite3's .backup). Every copy is checked first
    (SQLite's integrity check, each capture against its SHA-256): a damaged
    one is refused, naming the capture, and nothing is merged.

    Example: dialogue-watch merge site.db node1.db node2.db
    """
    from monitor.fetch import locks
    from monitor.store import merge as merging

    with locks.database_lock(out, "merge"):
        checked = [merging.check_node(node) for node in nodes]  # every copy sound, before any write
        db = store.open_db(out)
        for node in checked:
            added, updated = merging.merge(db, node)
            words = ", ".join(f"{count} {table}" for table, count in added.items()) or "nothing new"
            changed = f"; brought {sum(updated.values())} row(s) up to date" if updated else ""
            click.echo(f"{node.path}: added {words}{changed}.")


# -- commands that live in their own modules ---------------------------------
# (each module defines a click command or group; register it here)

from monitor import scheduler  # noqa: E402
from monitor.notify import dispatch  # noqa: E402
from monitor.publish import site  # noqa: E402
from monitor.archive import commands as archive_commands  # noqa: E402

cli.add_command(scheduler.run)
cli.add_command(scheduler.status)
cli.add_command(dispatch.alerts_group)
cli.add_command(site.serve)
cli.add_command(archive_commands.backfill)
cli.add_command(archive_commands.archive_changes)
cli.add_command(archive_commands.export)


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="dialogue-watch", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Stopped.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except DialogueWatchError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)


if __name__ == "__main__":
    main()

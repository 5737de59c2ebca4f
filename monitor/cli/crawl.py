"""``dialogue-watch crawl``, ``test-source`` and ``reanalyse``: checking pages now."""

import json
import sys
from pathlib import Path

import click

from monitor.cli.base import alerts_option, cli, load_settings
from monitor.errors import CrawlError, DialogueWatchError


@cli.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines, only the summary.")
@alerts_option("Subscribers whose alerts this crawl queues (none if the file is absent).")
@click.pass_obj
def crawl(obj, ids, quiet, alerts_path):
    """Fetch the pages now (all, or the ids given), store and report.

    A site that fails is recorded and reported; it never stops the crawl.
    Alerts for alerts.yaml's subscribers are queued with the events;
    'dialogue-watch run' or 'dialogue-watch alerts deliver' sends them.

    Example: dialogue-watch crawl canada-relations-2002
    """
    _start_fork_server(obj.db_path)
    from monitor.fetch import crawler, processes, session

    processes.stacks_on_request()

    config = obj.config()
    settings = load_settings(obj, alerts_path, required=False)
    for warning in settings.warning_lines():
        click.echo(warning, err=True)
    count = len(config.select(ids))
    feeds = f" and {len(config.discover)} discovery source(s)" if config.discover and not ids else ""
    click.echo(f"Crawling {count} page(s){feeds}, politely (one request at a time per site)...",
               err=True)
    try:
        _, results = crawler.crawl(config, obj.db_path, ids, progress=not quiet,
                                   subscribers=settings.subscribers)
    except CrawlError as error:
        if error.results:
            click.echo(session.summary(error.results))
        raise
    click.echo(session.summary(results))
    sys.exit(session.exit_code(results, count))


def _start_fork_server(db_path):
    """Start the crawl's fork server now (``monitor.fetch.forking``): its imports, about a
    second, then run beside this command's own (the crawl code, sources.yaml, the lock).
    Not for a database another command is using (the crawl will be refused): asked of the
    lock file's words, never of the lock itself, which only the crawl takes."""
    from monitor.fetch import forking, locks

    if not locks.named_holder_alive(db_path):
        forking.start_early()


@cli.command("test-source")
@click.argument("source_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def test_source(obj, source_id, as_json):
    """Fetch and analyse one page without storing anything.

    Example: dialogue-watch test-source uk-govuk-dialogue-2016 --json
    """
    from monitor import reanalyse
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
    from monitor import reanalyse

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
    from monitor import reanalyse
    from monitor.fetch import locks

    config = obj.config()
    with locks.database_lock(obj.db_path, "reanalyse"):
        db = obj.db()
        for source in config.select(ids):
            count, removed, added, changed = reanalyse.source(db, source)
            click.echo(reanalyse.describe(source.id, count, removed, added))
            click.echo(f"  {changed} version(s) now read differently; their diffs were recomputed.")

"""``dialogue-watch backfill``, ``archive-changes`` and ``export`` (``monitor.archive``)."""

import sys

import click

from monitor.cli.base import cli


@cli.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--from", "start", metavar="DATE", help="Only copies made on or after this date (YYYY, YYYYMM or YYYYMMDD).")
@click.option("--to", "end", metavar="DATE", help="Only copies made on or before this date.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar, only the summary.")
@click.pass_obj
def backfill(obj, ids, start, end, quiet):
    """Import the Internet Archive's copies of the pages (all, or the ids given).

    Lists the copies of each page's url and cited_as address, oldest first, and
    reads each different one like a check, dated when the archive made it.
    Events from the archive are marked so and never alerted. Polite (one listing
    every settings.archive_delay_seconds) and resumable: run it again after a stop
    and it goes on where it stopped. A page whose listing cannot be read, or
    whose stored captures are damaged, is reported and left; the others go on
    (exit status 1).

    Example: dialogue-watch backfill canada-relations-2002 --from 2002 --to 2010
    """
    from monitor.archive import backfill as backfill_module
    from monitor.fetch import locks

    config = obj.config()
    sources = config.select(ids)
    click.echo(f"Asking {config.settings['archive_url']} for the copies of {len(sources)} "
               "page(s)...", err=True)
    with locks.database_lock(obj.db_path, "backfill"):
        results = backfill_module.backfill(obj.db(), config, sources, _date(start), _date(end),
                                           progress=None if quiet else _progress_bar)
    for result in results:
        click.echo(result.words())
    sys.exit(backfill_module.exit_code(results))


def _progress_bar(steps, label, shown):
    """The progress of one page's archive copies, on stderr."""
    return click.progressbar(steps, label=f"{label}: archive copies", file=sys.stderr,
                             show_pos=True, item_show_func=shown)


def _date(value):
    """``2002-10-15`` / ``2002-10`` / ``2002`` -> the archive's ``20021015`` form."""
    if value is None:
        return None
    digits = value.replace("-", "")
    if not digits.isdigit() or len(digits) not in (4, 6, 8):
        raise click.BadParameter(f"'{value}' is not a date. Write YYYY, YYYY-MM or YYYY-MM-DD.")
    return digits


@cli.command("archive-changes")
@click.pass_obj
def archive_changes(obj):
    """Send the changes waiting for Save Page Now to the archive, then exit.

    A page with archive_changes: true in sources.yaml has each change copied by
    the Internet Archive (settings.archive_url): an independent copy anyone can
    check. The requests wait in the database; a refused one is tried again later.

    Example: dialogue-watch archive-changes
    """
    from monitor.archive import savepagenow
    from monitor.fetch import locks
    from monitor.store import archive as archive_store

    config = obj.config()
    with locks.database_lock(obj.db_path, "archive-changes"):
        db = obj.db()
        archive_store.release_requests(db)
        counts = savepagenow.deliver(db, config.settings)
        waiting = [r for r in archive_store.requests(db) if r["status"] != "sent"]
    click.echo(f"Copied {counts['saved']} change(s); {len(waiting)} waiting"
               + (f" (next attempt {min(r['next_attempt_at'] for r in waiting)}: "
                  f"{waiting[0]['last_error'] or 'not tried yet'})" if waiting else "") + ".")


@cli.command()
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--out", "out", required=True, metavar="FILE",
              help="The file to write: FILE.warc.gz, or FILE.wacz (WARC, index and page list).")
@click.pass_obj
def export(obj, ids, out):
    """Write every stored capture (all pages, or the ids given) as WARC records.

    Each capture: a request and a response record with the address, the fetch
    time, the site's headers as stored, the bytes and their SHA-256 as the
    database keeps it. Opens in ReplayWeb.page and pywb (as .wacz). The database
    and each capture are checked first; a damaged capture, a missing folder or
    a full disk stops it, and no partial file is left.

    Example: dialogue-watch export canada-relations-2002 --out canada.warc.gz
    """
    from monitor.archive import export as export_module

    config = obj.config()
    source_ids = [s.id for s in config.select(ids)] if ids else []
    count = export_module.export(obj.db(), out, source_ids)
    click.echo(f"Wrote {count} capture(s) to {out}.")

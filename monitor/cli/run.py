"""``dialogue-watch run`` and ``status``: the scheduler (``monitor.scheduler``)."""

import json
import logging
import sys

import click

from monitor import logs, scheduler, store
from monitor.cli.base import alerts_option, cli, load_settings, text_table
from monitor.fetch import locks, processes
from monitor.notify import dispatch

log = logging.getLogger("monitor.scheduler")


@cli.command()
@click.option("--once", is_flag=True, help="Do the work that is due now, then exit (for cron).")
@alerts_option()
@click.pass_obj
def run(obj, once, alerts_path):
    """Check pages on schedule and deliver alerts, until stopped.

    Pages are checked as sources.yaml says ('every:'), continuing from the
    stored last checks; pages due together are checked in one crawl. Stop it
    with Ctrl-C or SIGTERM: the work in hand is finished first.

    Example: dialogue-watch run --alerts alerts.yaml
    """
    logs.log_to_stderr()
    processes.stacks_on_request()
    daemon = scheduler.Daemon(obj.config, lambda config: load_settings(obj, alerts_path, False),
                              obj.db_path)
    daemon.refresh()
    if not daemon.settings.subscribers:
        log.info("No subscribers in %s: changes are recorded, nobody is alerted (see "
                 "alerts.example.yaml).", alerts_path)
    scheduler.stop_on_signals(daemon)
    with locks.database_lock(obj.db_path, "run --once" if once else "run"):
        dispatch.recover(store.open_db(obj.db_path))
        if once:
            scheduler.once(daemon)
            sys.exit(daemon.exit_code)
        log.info("Running: %d page(s), %d subscriber(s). Stop with Ctrl-C.",
                 len(daemon.config.sources), len(daemon.settings.subscribers))
        scheduler.serve(daemon, daemon.config.defaults["jitter_seconds"])


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def status(obj, as_json):
    """Each page's last check, next check, state and last error; when the last check
    really happened, and a warning when pages are overdue. Only reads.

    Example: dialogue-watch status
    """
    config, db = obj.config(), obj.db(read_only=True)
    now = store.now()
    found = {row["id"]: row for row in store.check_rows(db, [s.id for s in config.sources])}
    rows = [scheduler.status_row(found.get(s.id, {"id": s.id, "country": s.country}), s, now)
            for s in config.sources]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    holder = locks.holder(obj.db_path)
    click.echo(_lock_line(holder))
    click.echo(scheduler.last_check_line(rows, now))
    warning = scheduler.overdue_warning(rows, now, holder, store.crawl_in_progress(db))
    if warning:
        click.echo(warning)
    waiting, digests = store.undelivered(db)
    click.echo(f"Alerts not delivered yet: {len(waiting) + len(digests)} "
               "(see 'dialogue-watch alerts pending').\n")
    headers = ["page", "every", "state", "last check", "next check", "last error"]
    click.echo(text_table(headers, [[r[k] or "" for k in (
        "id", "every", "state", "last_checked_at", "next_check_at", "last_error")] for r in rows]))


def _lock_line(holder):
    if holder is None:
        return "Scheduler: not running. Start it with 'dialogue-watch run'."
    if holder.get("doing") == "run":
        return f"Scheduler: running (pid {holder['pid']})."
    return (f"Scheduler: not running; 'dialogue-watch {holder.get('doing')}' (pid "
            f"{holder['pid']}) is working on the database now.")

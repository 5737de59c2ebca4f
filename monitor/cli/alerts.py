"""``dialogue-watch alerts check | test | pending | deliver`` (``monitor.notify``)."""

import click

from monitor import logs, store
from monitor.cli.base import alerts_option, cli, text_table
from monitor.errors import DialogueWatchError
from monitor.fetch import locks
from monitor.notify import alerts, dispatch


@cli.group("alerts")
def alerts_group():
    """Alerts to subscribers: check, test, list and deliver them."""


@alerts_group.command("check")
@alerts_option()
@click.pass_obj
def alerts_check(obj, alerts_path):
    """Validate alerts.yaml and its variables; list the subscribers.

    A source id or country that sources.yaml does not have is a warning (it
    is left out; crawls and alerts go on): they are listed, and the exit
    status stays 0. Any other problem exits 3.

    Example: dialogue-watch alerts check --alerts alerts.yaml
    """
    settings = alerts.load(alerts_path, obj.config())
    count = len(settings.subscribers)
    if settings.warnings:
        click.echo(f"{settings.path}: {count} subscriber(s), valid, with {len(settings.warnings)} "
                   "warning(s); dialogue-watch carries on without what they name:")
        click.echo("\n".join(settings.warning_lines()))
    else:
        click.echo(f"{settings.path}: {count} subscriber(s), all valid.")
    for subscriber in settings.subscribers:
        click.echo(f"  {subscriber.name}: {subscriber.describe()}")


@alerts_group.command("test")
@click.argument("name", required=False, metavar="[SUBSCRIBER]")
@alerts_option()
@click.pass_obj
def alerts_test(obj, name, alerts_path):
    """Send a test message to one subscriber (or to all) now.

    Example: dialogue-watch alerts test ngo-team-email
    """
    settings = alerts.load(alerts_path, obj.config())
    chosen = [s for s in settings.subscribers if name in (None, s.name)]
    if not chosen:
        raise DialogueWatchError(f"No subscriber '{name}' in {settings.path}. Subscribers: "
                                 f"{', '.join(s.name for s in settings.subscribers) or 'none'}.")
    failed = [s.name for s in chosen if not _test_one(s, settings)]
    if failed:
        raise DialogueWatchError(f"The test message did not reach: {', '.join(failed)}.")


def _test_one(subscriber, settings):
    error = dispatch.send(subscriber, alerts.render_test(subscriber, settings.site_url))
    click.echo(f"{subscriber.name}: " + ("sent" if error is None else f"FAILED: {error}"))
    return error is None


@alerts_group.command("pending")
@click.pass_obj
def alerts_pending(obj):
    """List the alerts not delivered yet, with their last error.

    Example: dialogue-watch alerts pending
    """
    waiting, digests = store.undelivered(obj.db())
    if not waiting and not digests:
        click.echo("Every alert has been delivered.")
        return
    headers = ["id", "subscriber", "event", "page", "tries", "next try", "last error"]
    click.echo(text_table(headers, [[a["id"], a["subscriber"], f"{a['kind']} ({a['at'][:10]})",
                                 a["source_id"], a["attempts"], a["next_attempt_at"],
                                 a["last_error"] or ""] for a in waiting]))
    for digest in digests:
        click.echo(f"Digest {digest['period']} for {digest['subscriber']} ({digest['events']} "
                   f"event(s)): {digest['attempts']} tries; {digest['last_error'] or 'waiting'}")


@alerts_group.command("deliver")
@alerts_option()
@click.pass_obj
def alerts_deliver(obj, alerts_path):
    """Deliver the alerts and digests due now, then exit.

    'dialogue-watch run' does this on its own; use this when it is not running.

    Example: dialogue-watch alerts deliver
    """
    from monitor.archive import savepagenow  # first: the alerts then show the copies

    settings = alerts.load(alerts_path, obj.config())
    logs.log_to_stderr()
    with locks.database_lock(obj.db_path, "alerts deliver"):
        db = obj.db()
        dispatch.recover(db)
        savepagenow.deliver(db, obj.config().settings)
        counts = dispatch.deliver(db, settings)
    click.echo(f"Sent {counts['sent']}; {counts['failed']} failed and will be tried again.")

"""Delivers the alerts outbox through Apprise, one alert at a time.

Every alert (and every digest) goes through the same three steps:

1. **claim**: in one transaction the oldest due row becomes ``sending``
   under a fresh claim token (``store.claim_next``);
2. **send** it through Apprise, labelled with its idempotency key
   (``dialogue-watch-event-<event id>-<subscriber>``);
3. **mark** it ``sent``, or put it back to ``pending`` with the error and the
   time of the next attempt: the delay doubles from ``retry_seconds`` up to
   ``retry_max_seconds`` and an alert is never given up, so a channel that is
   down for hours gets everything once it is back.

The rule for the kill window: only one dispatcher runs per database (it holds
the database's lock, ``monitor.fetch.locks``), so a ``sending`` row found when the lock is taken was left by a
dispatcher that died between claim and mark (SIGKILL, power cut, OOM). It may
or may not have reached the channel, so it is sent again, titled "(possible
repeat)", with the same idempotency key (an ``X-Dialogue-Watch-Key`` header
for webhooks and email, ``idempotency_key`` in the JSON body, "Alert key:" in
every message). An alert is never lost; at most one alert per dispatcher death
can arrive twice, and a receiver that honours the key shows it once.
SIGTERM/SIGINT never cause this: the dispatcher finishes the alert in hand.

A send whose outcome is unknown is treated the same way: no answer within the
channel's timeout, or a connection dropped after the message went out
(``maybe_sent``). The channel may have it, so the next attempt is titled
"(possible repeat)", with the same key. A send that surely sent nothing (the
connection refused, the name not found) is retried as it was.
"""

import contextlib
import dataclasses
import datetime
import logging

from monitor import store
from monitor.notify import alerts

log = logging.getLogger(__name__)
DIGEST_MODES = ("daily", "weekly")


# -- one dispatcher per database ----------------------------------------------
# The database's lock (``monitor.fetch.locks``) is held by every dispatcher.


def recover(db):
    """Call once the run lock is held: put back what a dead dispatcher left 'sending'."""
    count = store.release_interrupted(db)
    from monitor.store import archive as archive_store  # Save Page Now's queue, likewise

    archive_store.release_requests(db)
    if count:
        log.warning("%d alert(s) were being sent when dialogue-watch last stopped; they are sent "
                    "again, marked as a possible repeat.", count)
    return count


# -- delivering ---------------------------------------------------------------


def deliver(db, settings, moment=None, should_stop=lambda: False):
    """Open the digests that are due, then deliver every due alert and digest.

    Returns ``{"sent": n, "failed": n}``. A subscriber whose channel fails is
    skipped for the rest of this pass.
    """
    moment = moment or store.now()
    open_digests(db, settings, moment)
    counts, down = {"sent": 0, "failed": 0}, set()
    passes = (("alert_outbox", settings.names("immediate")),
              ("alert_digests", settings.names("immediate", *DIGEST_MODES)))
    for table, names in passes:
        while not should_stop():
            claim = store.claim_next(db, table, [n for n in names if n not in down], store.iso(moment))
            if claim is None:
                break
            if _deliver_one(db, settings, table, claim, moment):
                counts["sent"] += 1
            else:
                counts["failed"] += 1
                down.add(claim["subscriber"])
    return counts


def open_digests(db, settings, moment):
    for subscriber in settings.subscribers:
        if subscriber.mode in DIGEST_MODES:
            period = alerts.digest_period(subscriber.mode, moment, settings.digest_time,
                                          settings.digest_weekday)
            if store.open_digest(db, subscriber.name, period, store.iso(moment)):
                log.info("The %s digest %s for %s is ready to send.", subscriber.mode, period,
                         subscriber.name)


def _deliver_one(db, settings, table, claim, moment):
    subscriber = settings.subscriber(claim["subscriber"])
    try:
        message, key, extras = COMPOSERS[table](db, settings, claim, subscriber)
        error = send(subscriber, message, key, extras)
    except Exception as problem:  # a bug must not leave the alert 'sending'
        message, error = None, f"dialogue-watch could not write it ({type(problem).__name__}: {problem})"
    if error is None:
        store.mark_sent(db, table, claim)
        log.info("Sent to %s: %s", subscriber.name, message.title)
        return True
    delay = alerts.retry_delay(claim["attempts"], settings.retry_seconds, settings.retry_max_seconds)
    retry_at = store.iso(moment + datetime.timedelta(seconds=delay))
    maybe = isinstance(error, Failure) and error.maybe_sent
    store.mark_failed(db, table, claim, str(error), retry_at, maybe_sent=maybe)
    log.warning("Could not send to %s (%s). Its alerts wait; next attempt at %s%s.",
                subscriber.name, error, retry_at, ", marked as a possible repeat" if maybe else "")
    return False


def _compose_event(db, settings, claim, subscriber):
    alert = store.alert_details(db, claim["id"])
    extras = {"event_id": alert["event_id"], "kind": alert["kind"], "source_id": alert["source_id"],
              "country": alert["country"], "page_url": alert["url"],
              "event_url": alerts.event_link(settings.site_url, alert["event_id"]),
              "possible_repeat": bool(alert["interrupted"])}
    key = alerts.idempotency_key(alert["event_id"], subscriber.name)
    return alerts.render_event(alert, settings.site_url), key, extras


def _compose_digest(db, settings, claim, subscriber):
    from monitor.analysis import staleness  # here: the markers bring lxml (issue 27)

    rows = [r for r in store.staleness_rows(db) if subscriber.wants_source(r["id"], r["country"])]
    message = alerts.render_digest(subscriber, claim["period"], store.digest_alerts(db, claim["id"]),
                                   staleness.staleness(rows), settings.site_url,
                                   claim["interrupted"])
    extras = {"digest": claim["period"], "possible_repeat": bool(claim["interrupted"])}
    return message, alerts.digest_key(subscriber.name, claim["period"]), extras


COMPOSERS = {"alert_outbox": _compose_event, "alert_digests": _compose_digest}


# -- one message through Apprise ----------------------------------------------


@dataclasses.dataclass(frozen=True)
class Failure:
    """Why a message was not delivered (``reason``, in words), and whether the channel
    may have it all the same (``maybe_sent``)."""

    reason: str
    maybe_sent: bool = False

    def __str__(self):
        return self.reason


def send(subscriber, message, key=None, extras=None):
    """Send one message; None when the channel took it, else a ``Failure``."""
    import apprise

    plugin = apprise.Apprise.instantiate(subscriber.url, asset=_asset(), suppress_exceptions=True)
    if plugin is None:
        return Failure("Apprise cannot use this subscriber's url (check it in alerts.yaml)")
    _label(plugin, key, extras or {})
    with _apprise_log() as logged:
        try:
            accepted = plugin.notify(body=message.body, title=message.title,
                                     body_format=apprise.NotifyFormat.TEXT)
        except Exception as error:  # a channel plugin failing in a way Apprise did not catch
            reason = f"the channel failed ({type(error).__name__})"
            return _failure(reason, [f"{type(error).__name__}: {error}"], logged)
    return None if accepted else _failure(_reason(logged), _socket_errors(logged), logged)


# How a send failed, in the words of Python's HTTP and SMTP clients (Apprise logs them
# as "Socket Exception: ..."). Before anything went out: the channel has nothing.
NOTHING_SENT = ("max retries exceeded", "connect timeout", "connection refused",
                "name or service not known", "failed to resolve", "no route to host",
                "network is unreachable")
# Once the message may have gone out: no answer in time, or the connection dropped.
MAYBE_SENT = ("timed out", "connection aborted", "connection reset", "broken pipe",
              "remote end closed", "connection unexpectedly closed", "server disconnected")
MAYBE_SENT_WORDS = "it may have arrived all the same, so the next attempt is marked as a possible repeat"


def maybe_sent(socket_errors):
    """Whether a send that failed this way may have reached the channel all the same.

    Example: ``maybe_sent(["...: Read timed out. (read timeout=4)"])`` is True;
    ``maybe_sent(["...: [Errno 111] Connection refused"])`` is False. When in doubt, yes:
    a copy labelled "(possible repeat)" that was not one costs nothing.
    """
    text = " ".join(socket_errors).lower()
    return any(w in text for w in MAYBE_SENT) and not any(w in text for w in NOTHING_SENT)


def _failure(reason, socket_errors, logged):
    """A failure after one target of the url took the message (an email to two
    addresses, one refused) may have arrived too."""
    partly = any(level == logging.INFO and text.startswith("Sent") for level, text in logged)
    if not (partly or maybe_sent(socket_errors)):
        return Failure(reason)
    detail = f" ({socket_errors[0]})" if socket_errors else ""
    return Failure(f"{_cut(reason + detail, 200)}; {MAYBE_SENT_WORDS}", True)


@contextlib.contextmanager
def _apprise_log():
    """Apprise's log records, ``(level, message)``, while one message is sent: its
    warnings say why a channel refused, its debug lines how a connection failed."""
    records, logger = [], logging.getLogger("apprise")
    handler = _Collect(records)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class _Collect(logging.Handler):
    def __init__(self, records):
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record):
        self.records.append((record.levelno, record.getMessage()))


def _socket_errors(logged):
    prefix = "Socket Exception:"
    return [text[len(prefix):].strip() for _, text in logged if text.startswith(prefix)]


def _asset():
    import apprise

    return apprise.AppriseAsset(app_id="dialogue-watch", app_desc="dialogue-watch alerts",
                                storage_mode="memory")


def _label(plugin, key, extras):
    """Put the idempotency key where the channel can see it (headers, JSON body)."""
    if key and isinstance(getattr(plugin, "headers", None), dict):
        plugin.headers["X-Dialogue-Watch-Key"] = key
    if key and isinstance(getattr(plugin, "payload_extras", None), dict):
        plugin.payload_extras.update({"idempotency_key": key, **extras})


def _reason(logged):
    """Apprise's warnings (and errors), once each, in one line."""
    lines = [line.strip() for level, text in logged if level >= logging.WARNING
             for line in text.splitlines() if line.strip()]
    return _cut("; ".join(dict.fromkeys(lines)) or "the channel did not accept the message")


def _cut(text, limit=300):
    return text if len(text) <= limit else text[:limit - 3] + "..."

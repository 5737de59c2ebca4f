"""Sending the workspace's alerts by e-mail, through the operator's mail server.

The operator gives one Apprise e-mail address once (``--mail-url``, e.g.
``mailtos://user:password@smtp.example.org?from=watch@example.org``); each message goes to the
subscription's address with a signed one-click unsubscribe link in its body and in the
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers (RFC 8058).
"""

import datetime
import threading
import urllib.parse

from monitor import store
from monitor.errors import DialogueWatchError
from monitor.fetch import locks
from monitor.notify.alerts import HEADLINES, possessive, when_words
from monitor.store import workspace as rows
from monitor.workspace import matching, tokens

DIGEST_DAYS = {"daily": 1, "weekly": 7}


def run_once(db_path, mail_url, workspace_url, site_url="", moment=None):
    """Queue the alerts of newly stored events, then send what is due. Returns (queued, sent).

    One pass at a time per database (``locks.held_if_free``): while another pass works (a
    second workspace started on the same database, one stopping while the next starts),
    this one does nothing and returns (0, 0). Otherwise an e-mail it is handing to the mail
    server would look cut off (``rows.release_interrupted``) and go out twice."""
    with locks.held_if_free(db_path, "mail") as free:
        if not free:
            return 0, 0
        db = store.open_db(db_path)
        try:
            queued = rows.queue_alerts(db, matching.matches)
            sent = deliver(db, mail_url, workspace_url, site_url, moment) if mail_url else 0
        finally:
            db.close()
    return queued, sent


def deliver(db, mail_url, workspace_url, site_url="", moment=None):
    """Send every subscription's due alerts; returns how many e-mails went out."""
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    rows.release_interrupted(db)
    secret, sent = rows.secret(db), 0
    for subscription in rows.subscriptions(db):
        pending = rows.pending_alerts(db, subscription["id"], moment)
        if not pending or not _due(subscription, pending, moment):
            continue
        link = unsubscribe_link(workspace_url, secret, subscription)
        groups = [pending] if subscription["mode"] in DIGEST_DAYS else _by_event(pending)
        for alerts in groups:
            title, body = compose(subscription, alerts, link, site_url)
            rows.claim_alerts(db, [a["id"] for a in alerts])
            error = send(mail_url, subscription["email"], title, body, link)
            rows.mark_alerts(db, subscription["id"], [a["id"] for a in alerts], error, moment)
            sent += error is None
    return sent


def problems(db_path, retry=False):
    """The e-mails that could not be sent yet (``store.workspace.mail_problems``); with
    ``retry``, the failed ones are first put back to be sent at the next pass. Returns
    (how many were put back, the problems left)."""
    db = store.open_db(db_path)
    try:
        again = rows.retry_failed(db) if retry else 0
        return again, rows.mail_problems(db)
    finally:
        db.close()


def problem_line(row):
    """One e-mail that could not be sent, in words."""
    if row["status"] == "failed":
        state = f"FAILED after {row['attempts']} tries (send it again: workspace mail --retry)"
    else:  # no next_try_at: it failed before the retries were kept (m034), tried at once
        when = row["next_try_at"].replace("T", " ") if row["next_try_at"] else "the workspace's next pass"
        state = f"tried {row['attempts']} time(s), tried again at {when}"
    return (f"alert {row['id']} (change {row['event_id']}) to {row['email']} ({row['user']}): "
            f"{state}; the last error: {row['last_error']}")


def _due(subscription, pending, moment):
    days = DIGEST_DAYS.get(subscription["mode"])
    if days is None:
        return True
    since = subscription["last_sent_at"] or pending[0]["created_at"]
    started = datetime.datetime.fromisoformat(since.replace("Z", "+00:00"))
    return moment - started >= datetime.timedelta(days=days)


def _by_event(pending):
    groups = {}
    for alert in pending:
        groups.setdefault(alert["event_id"], []).append(alert)
    return list(groups.values())


def unsubscribe_link(workspace_url, secret, subscription):
    token = tokens.make(secret, subscription)
    return f"{workspace_url.rstrip('/')}/-/unsubscribe?{urllib.parse.urlencode({'t': token})}"


def compose(subscription, alerts, unsubscribe, site_url=""):
    """(subject, plain-text body) of one alert or one digest."""
    if subscription["mode"] in DIGEST_DAYS:
        title = f"dialogue-watch: {len(alerts)} change{'s' * (len(alerts) != 1)} you follow"
    else:
        title = _headline(alerts[0])
    if any(alert.get("last_error") == rows.INTERRUPTED for alert in alerts):
        title = f"(possible repeat) {title}"
    paragraphs = [_paragraph(alert, site_url) for alert in alerts]
    footer = (f"You receive this because you subscribed in your team's dialogue-watch workspace.\n"
              f"To stop these e-mails, open: {unsubscribe}")
    return title, "\n\n".join(paragraphs + [footer]) + "\n"


# The workspace's own words where alerts.yaml's would mislead a member: a new publication
# matched the team's discovery rules, not "the words you watch" of this subscription.
OWN_HEADLINES = {"new_publication": "{whose} government published something new: {title}"}


def _headline(alert):
    if alert["word"]:
        where = f"{possessive(alert['country'])} page"
        return f"'{alert['word']}' {alert['change']} on {where}: {alert['title']}"
    words = OWN_HEADLINES.get(alert["kind"]) or HEADLINES.get(alert["kind"], "{whose} page changed")
    return words.format(whose=possessive(alert["country"]), title=alert["title"])


def _paragraph(alert, site_url):
    lines = [_headline(alert), f"Page: {alert['title']} ({alert['country']})", f"Address: {alert['url']}",
             f"Seen: {when_words(alert['at'])}"]
    if alert["word"]:
        lines.append(f"The line: {alert['line']}")
    if alert["kind"] == "new_publication" and alert["detail"]:  # its date, where it was listed
        lines.append(f"What was found: {alert['detail']}")
    if site_url:
        lines.append(f"See the change: {site_url.rstrip('/')}/monitor/events/{alert['event_id']}")
    return "\n".join(lines)


def send(mail_url, to, title, body, unsubscribe):
    """Send one e-mail; None when the server took it, else why not, in words."""
    import apprise

    plugin = apprise.Apprise.instantiate(_to(mail_url, to), suppress_exceptions=True)
    if plugin is None:
        return ("The workspace's mail address (--mail-url) is not one Apprise can use: "
                "check it, e.g. mailtos://user:password@smtp.example.org?from=watch@example.org")
    plugin.headers.update({"List-Unsubscribe": f"<{unsubscribe}>",
                           "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    try:
        accepted = plugin.notify(body=body, title=title, body_format=apprise.NotifyFormat.TEXT)
    except Exception as error:  # a failure Apprise did not catch
        return f"the mail server could not be used ({type(error).__name__}: {error})"
    return None if accepted else "the mail server did not accept the e-mail; it is tried again later"


def _to(mail_url, address):
    """The operator's mail URL with ``to`` set to this subscriber."""
    parts = urllib.parse.urlsplit(mail_url)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k != "to"] + [("to", address)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


class Sender:
    """Queue and send every ``every`` seconds in a thread of its own, until ``stop``."""

    def __init__(self, db_path, mail_url, workspace_url, site_url="", every=60):
        self.args = (db_path, mail_url, workspace_url, site_url)
        self.every, self.stopping = every, threading.Event()
        self.thread = threading.Thread(target=self._loop, name="workspace-mail", daemon=True)
        self.problem = None  # the last pass's failure, in words

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=30)

    def _loop(self):
        while not self.stopping.is_set():
            try:
                run_once(*self.args)
                self.problem = None
            except DialogueWatchError as error:  # the database busy or full: the next pass retries
                self.problem = str(error)
            self.stopping.wait(self.every)

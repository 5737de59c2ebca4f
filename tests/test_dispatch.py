"""Delivering alerts to REAL channels on 127.0.0.1: an SMTP server (aiosmtpd)
and a JSON webhook (Apprise json://). Faults: a channel down then up, the
dispatcher killed with SIGKILL mid-delivery, a restarted run."""

import collections
import datetime
import email
import email.policy
import http.server
import json
import random
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from aiosmtpd.controller import Controller

from monitor import store
from monitor.fetch import crawler
from monitor.notify import alerts, dispatch
from tests.commands import cli
from tests.loopback import stop

BODY = ("The eleventh round of the human rights dialogue was held in Ottawa. Officials "
        "discussed freedom of expression, the rights of minorities and prison conditions.")


def page(text=BODY, marker="Last updated Oct 2002"):
    return (f"<html><head><title>Canada-China relations</title></head><body><main>"
            f"<h1>Canada-China relations</h1><p>{text}</p><p>Second paragraph about the dialogue "
            f"and its follow-up meetings with non-governmental organisations.</p></main>"
            f"<footer><p>{marker}</p></footer></body></html>")


# -- real channels on loopback -------------------------------------------------


class Webhook:
    """A JSON webhook receiver. ``posts``: every POST it read; ``accepted``: those
    it answered 2xx. ``status`` is what it answers; ``hold_at`` = n makes the
    n-th POST wait (after reading it) until ``release`` is set; ``drop`` = n closes
    the connection of the next n POSTs, after reading them, without an answer."""

    def __init__(self, port=0):
        self.posts, self.accepted, self.status, self.hold_at = [], [], 200, None
        self.delay, self.drop = 0.0, 0  # seconds each POST takes to answer; POSTs to drop
        self.arrived, self.release = threading.Event(), threading.Event()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path="/hook"):
        return f"json://127.0.0.1:{self.server.server_address[1]}{path}"

    def keys(self, posts=None):
        return [p["idempotency_key"] for p in (self.posts if posts is None else posts)]

    def _handler(self):
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                payload["header_key"] = self.headers.get("X-Dialogue-Watch-Key")
                hook.posts.append(payload)
                if hook.drop:
                    hook.drop -= 1
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if len(hook.posts) == hook.hold_at:
                    hook.arrived.set()
                    hook.release.wait(30)
                time.sleep(hook.delay)
                status = hook.status
                if status < 300:  # recorded before answering: the sender returns on the answer
                    hook.accepted.append(payload)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender was killed while we held its request
                    if status < 300:
                        hook.accepted.remove(payload)

            def log_message(self, *args):
                pass

        return Handler

    def close(self):
        self.release.set()
        stop(self.server)


class Mailbox:
    def __init__(self):
        self.messages, self.refuse = [], set()  # refuse: addresses whose RCPT is refused

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.url = f"mailto://127.0.0.1:{port}?from=watch@example.org&to=campaigner@example.org&mode=insecure"
    yield mailbox
    controller.stop()


@pytest.fixture
def write_alerts(tmp_path):
    def write(*subscribers, **top):
        lines = [f"{key}: {json.dumps(value)}" for key, value in
                 {"site_url": "https://example.org/dw", **top}.items()] + ["subscribers:"]
        for subscriber in subscribers:
            lines += [f"  - {key}: {json.dumps(value)}" if n == 0 else f"    {key}: {json.dumps(value)}"
                      for n, (key, value) in enumerate(subscriber.items())]
        path = tmp_path / "alerts.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    return write


def crawl_with_alerts(cfg, db_path, settings):
    crawler.crawl(cfg, db_path, subscribers=settings.subscribers)


def wait_until(condition, seconds):
    """Wait for ``condition()`` to hold (a busy machine makes fixed sleeps miss their moment)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s in vain"
        time.sleep(0.02)


def later(hours):
    return store.now() + datetime.timedelta(hours=hours)


# -- delivery -------------------------------------------------------------------


def test_an_email_says_what_changed_and_links_to_it(replica, make_config, db_path, open_db, smtp,
                                                     write_alerts):
    cfg = make_config({"id": "canada", "path": "/ca", "title": "Canada-China relations"})
    settings = alerts.load(write_alerts({"name": "mail", "url": smtp.url}), cfg)
    replica.set("/ca", page())
    crawl_with_alerts(cfg, db_path, settings)
    replica.set("/ca", page(BODY.replace("Ottawa", "Beijing")))
    crawl_with_alerts(cfg, db_path, settings)
    assert dispatch.deliver(open_db(), settings) == {"sent": 2, "failed": 0}
    first, second = smtp.messages
    assert first["Subject"] == "Canada's page is now watched"
    assert second["Subject"] == "Canada's page changed but its 'last updated' line did not"
    assert (second["To"], second["From"]) == ("campaigner@example.org", "watch@example.org")
    text = second.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Page: Canada-China relations\n      " + replica.url("/ca") in text
    assert "'Last updated' line: Last updated Oct 2002 → Last updated Oct 2002 (unchanged)" in text
    assert "- The eleventh round of the human rights dialogue was held in Ottawa." in text
    assert "+ The eleventh round of the human rights dialogue was held in Beijing." in text
    assert "See the change: https://example.org/dw/monitor/events/2" in text
    assert second["X-Dialogue-Watch-Key"] == "dialogue-watch-event-2-mail"
    assert dispatch.deliver(open_db(), settings) == {"sent": 0, "failed": 0}
    assert len(smtp.messages) == 2


def test_a_webhook_gets_json_with_the_idempotency_key(replica, make_config, db_path, open_db,
                                                       webhook, write_alerts):
    cfg = make_config({"id": "canada", "path": "/ca"})
    settings = alerts.load(write_alerts({"name": "hook", "url": webhook.url()}), cfg)
    replica.set("/ca", page())
    crawl_with_alerts(cfg, db_path, settings)
    dispatch.deliver(open_db(), settings)
    (post,) = webhook.accepted
    assert post["idempotency_key"] == post["header_key"] == "dialogue-watch-event-1-hook"
    assert (post["kind"], post["source_id"], post["country"]) == ("new", "canada", "Canada")
    assert post["event_url"] == "https://example.org/dw/monitor/events/1"
    assert post["title"] == "Canada's page is now watched" and post["possible_repeat"] is False


def test_a_channel_down_for_hours_gets_everything_once_it_is_back(
        replica, make_config, db_path, open_db, webhook, write_alerts):
    cfg = make_config({"id": "canada", "path": "/ca"}, {"id": "japan", "path": "/jp", "country": "Japan"})
    settings = alerts.load(write_alerts({"name": "hook", "url": webhook.url()}), cfg)
    replica.set("/ca", page())
    replica.set("/jp", page(marker="Last updated Nov 2002"))
    crawl_with_alerts(cfg, db_path, settings)
    webhook.status = 500
    assert dispatch.deliver(open_db(), settings) == {"sent": 0, "failed": 1}  # then it waits
    assert dispatch.deliver(open_db(), settings, later(0)) == {"sent": 0, "failed": 0}  # back-off
    pending = cli(cfg, db_path, "alerts", "pending").stdout
    assert "hook" in pending and "Internal server error., error=500" in pending and pending.count("new (") == 2
    for hours in (1, 2, 3):  # down for hours: one try per back-off step, nothing dropped
        assert dispatch.deliver(open_db(), settings, later(hours)) == {"sent": 0, "failed": 1}
    webhook.status = 200
    assert dispatch.deliver(open_db(), settings, later(5)) == {"sent": 2, "failed": 0}
    assert dispatch.deliver(open_db(), settings, later(6)) == {"sent": 0, "failed": 0}
    assert sorted(webhook.keys(webhook.accepted)) == ["dialogue-watch-event-1-hook",
                                                      "dialogue-watch-event-2-hook"]
    assert len(webhook.posts) == 6  # 4 refused tries of the oldest alert, then both
    assert cli(cfg, db_path, "alerts", "pending").stdout == "Every alert has been delivered.\n"


def test_sigkill_mid_delivery_loses_nothing_and_repeats_only_the_alert_in_flight(
        replica, make_config, db_path, open_db, webhook, write_alerts):
    cfg = make_config(*({"id": name, "path": f"/{name}"} for name in ("a", "b", "c")))
    path = write_alerts({"name": "hook", "url": webhook.url()})
    settings = alerts.load(path, cfg)
    for name in "abc":
        replica.set(f"/{name}", page(BODY + f" Page {name}."))
    crawl_with_alerts(cfg, db_path, settings)
    webhook.hold_at = 2
    dispatcher = subprocess.Popen([sys.executable, "-m", "monitor", "--sources", cfg.path, "--db",
                                   str(db_path), "alerts", "deliver", "--alerts", str(path)],
                                  stderr=subprocess.PIPE, text=True)
    assert webhook.arrived.wait(30)
    dispatcher.send_signal(signal.SIGKILL)  # the second alert is on the wire
    assert dispatcher.wait(30) == -signal.SIGKILL
    webhook.release.set()
    restarted = cli(cfg, db_path, "alerts", "deliver", "--alerts", str(path), timeout=60)
    assert restarted.returncode == 0, restarted.stderr
    assert "sent again, marked as a possible repeat" in restarted.stderr
    keys = webhook.keys()
    in_flight = keys[1]
    assert sorted(set(keys)) == [f"dialogue-watch-event-{n}-hook" for n in (1, 2, 3)]  # none lost
    assert collections.Counter(keys) == {k: 1 + (k == in_flight) for k in set(keys)}
    repeat = webhook.posts[2]  # the only repeat: the alert in flight, with the same key
    assert repeat["idempotency_key"] == in_flight and repeat["possible_repeat"] is True
    assert repeat["title"].startswith("(possible repeat) ")
    rows = list(open_db().query("SELECT status, attempts FROM alert_outbox ORDER BY id"))
    assert [r["status"] for r in rows] == ["sent"] * 3
    assert sum(r["attempts"] for r in rows) == 4


def test_twenty_random_sigkills_lose_nothing_and_repeat_only_flagged_alerts(
        replica, make_config, db_path, webhook, write_alerts):
    pages = [f"p{n}" for n in range(30)]
    cfg = make_config(*({"id": name, "path": f"/{name}"} for name in pages))
    path = write_alerts({"name": "hook", "url": webhook.url()}, {"name": "hook2", "url": webhook.url("/two")})
    for name in pages:
        replica.set(f"/{name}", page(BODY + f" Page {name}."))
    crawl_with_alerts(cfg, db_path, alerts.load(path, cfg))
    webhook.delay = 0.25  # 60 alerts: about 15 s of sending, spread over the 20 runs
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path),
               "alerts", "deliver", "--alerts", str(path)]
    rng, kills = random.Random(11), 0
    for round_ in range(20):
        posted = len(webhook.posts)
        dispatcher = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if round_ % 4 == 0:  # before it sends: start-up takes ~1 s, more on a busy machine
            time.sleep(rng.uniform(0.0, 0.8))
        else:  # while it sends, however long its start-up took: after this run's first post
            wait_until(lambda posted=posted, dispatcher=dispatcher:
                       len(webhook.posts) > posted or dispatcher.poll() is not None, 60)
            time.sleep(rng.uniform(0.0, 0.6))  # a POST takes 0.25 s: kills land before, in, after one
        if dispatcher.poll() is None:
            dispatcher.send_signal(signal.SIGKILL)
            kills += 1
        dispatcher.wait(30)
    assert kills >= 10 and webhook.posts, "the kills must land while alerts are being sent"
    finished = cli(cfg, db_path, "alerts", "deliver", "--alerts", str(path), timeout=120)
    assert finished.returncode == 0, finished.stderr
    keys = webhook.keys()
    assert sorted(set(keys)) == sorted(f"dialogue-watch-event-{n}-{name}"
                                       for n in range(1, 31) for name in ("hook", "hook2"))  # none lost
    plain = collections.Counter(p["idempotency_key"] for p in webhook.posts if not p["possible_repeat"])
    assert max(plain.values()) == 1  # never sent twice without the repeat flag
    assert len(keys) - len(set(keys)) <= kills  # at most the one alert in flight per kill


@pytest.mark.parametrize("fault", ["slower than the timeout", "connection dropped"])
def test_a_send_with_no_answer_is_retried_as_a_possible_repeat_with_the_same_key(
        fault, replica, make_config, db_path, open_db, webhook, write_alerts):
    """The webhook got the alert but the sender never heard so: the retry says it may be
    a repeat, with the same key (a receiver that honours the key shows it once)."""
    cfg = make_config({"id": "canada", "path": "/ca"})
    settings = alerts.load(write_alerts({"name": "hook", "url": webhook.url() + "?rto=0.5"}), cfg)
    replica.set("/ca", page())
    crawl_with_alerts(cfg, db_path, settings)
    if fault == "connection dropped":
        webhook.drop = 1
    else:
        webhook.delay = 2.0  # answers 200, after Apprise stopped waiting (0.5 s)
    assert dispatch.deliver(open_db(), settings) == {"sent": 0, "failed": 1}
    (row,) = open_db().query("SELECT status, interrupted, last_error FROM alert_outbox")
    assert (row["status"], row["interrupted"]) == ("pending", 1)
    assert row["last_error"].endswith(
        "; it may have arrived all the same, so the next attempt is marked as a possible repeat")
    assert ("Read timed out" if fault.startswith("slower") else "Connection aborted") in row["last_error"]
    webhook.delay = 0.0
    assert dispatch.deliver(open_db(), settings, later(1)) == {"sent": 1, "failed": 0}
    first, second = webhook.posts
    assert webhook.keys() == ["dialogue-watch-event-1-hook"] * 2
    assert first["header_key"] == second["header_key"] == "dialogue-watch-event-1-hook"
    assert not first["title"].startswith("(possible repeat)") and first["possible_repeat"] is False
    assert second["title"] == "(possible repeat) Canada's page is now watched"
    assert second["possible_repeat"] is True and "ignore this copy" in second["message"]
    assert dispatch.deliver(open_db(), settings, later(2)) == {"sent": 0, "failed": 0}


def test_a_refused_connection_is_retried_without_the_repeat_mark(
        replica, make_config, db_path, open_db, write_alerts):
    """Nothing listening: the alert surely did not arrive, so its retry is plain."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cfg = make_config({"id": "canada", "path": "/ca"})
    settings = alerts.load(write_alerts({"name": "hook", "url": f"json://127.0.0.1:{port}/hook"}), cfg)
    replica.set("/ca", page())
    crawl_with_alerts(cfg, db_path, settings)
    assert dispatch.deliver(open_db(), settings) == {"sent": 0, "failed": 1}
    (row,) = open_db().query("SELECT interrupted, last_error FROM alert_outbox")
    assert row["interrupted"] == 0 and "possible repeat" not in row["last_error"]
    hook = Webhook(port)  # the channel is back
    try:
        assert dispatch.deliver(open_db(), settings, later(1)) == {"sent": 1, "failed": 0}
    finally:
        hook.close()
    (post,) = hook.posts
    assert post["title"] == "Canada's page is now watched" and post["possible_repeat"] is False
    assert post["idempotency_key"] == "dialogue-watch-event-1-hook"
    assert "ignore this copy" not in post["message"]


def test_an_email_only_some_addresses_took_is_retried_as_a_possible_repeat(
        replica, make_config, db_path, open_db, smtp, write_alerts):
    """One address took the alert, the other refused it: the retry goes to both (Apprise
    sends the url's message whole), and says it may be a repeat."""
    cfg = make_config({"id": "canada", "path": "/ca"})
    url = smtp.url.replace("to=campaigner@example.org", "to=campaigner@example.org,desk@example.org")
    settings = alerts.load(write_alerts({"name": "mail", "url": url}), cfg)
    replica.set("/ca", page())
    crawl_with_alerts(cfg, db_path, settings)
    smtp.refuse.add("desk@example.org")
    assert dispatch.deliver(open_db(), settings) == {"sent": 0, "failed": 1}
    smtp.refuse.clear()
    assert dispatch.deliver(open_db(), settings, later(1)) == {"sent": 1, "failed": 0}
    subjects = [(m["To"], m["Subject"]) for m in smtp.messages]
    assert subjects[0] == ("campaigner@example.org", "Canada's page is now watched")
    assert sorted(subjects[1:]) == [
        (to, "(possible repeat) Canada's page is now watched")
        for to in ("campaigner@example.org", "desk@example.org")]
    assert {m["X-Dialogue-Watch-Key"] for m in smtp.messages} == {"dialogue-watch-event-1-mail"}


@pytest.mark.parametrize("logged, maybe", [
    ("HTTPConnectionPool(host='127.0.0.1', port=8): Read timed out. (read timeout=4.0)", True),
    ("('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))",
     True),
    ("('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))", True),
    ("timed out", True),  # SMTP: the socket's own words
    ("Connection unexpectedly closed", True),  # SMTP, smtplib.SMTPServerDisconnected
    ("HTTPConnectionPool(host='127.0.0.1', port=8): Max retries exceeded with url: /hook (Caused "
     "by NewConnectionError(\"...: Failed to establish a new connection: [Errno 111] Connection "
     "refused\"))", False),
    ("HTTPConnectionPool(host='10.9.9.9', port=80): Max retries exceeded with url: / (Caused by "
     "ConnectTimeoutError(..., 'Connection to 10.9.9.9 timed out. (connect timeout=4.0)'))", False),
    ("... Failed to resolve 'nowhere.invalid' ([Errno -2] Name or service not known)", False),
    ("[Errno 111] Connection refused", False),
])
def test_which_failures_may_have_reached_the_channel(logged, maybe):
    assert dispatch.maybe_sent([logged]) is maybe


def test_a_digest_gathers_the_events_and_the_staleness_table(replica, make_config, db_path,
                                                              open_db, webhook, write_alerts):
    cfg = make_config({"id": "canada", "path": "/ca"}, {"id": "japan", "path": "/jp", "country": "Japan"})
    settings = alerts.load(write_alerts({"name": "weekly", "url": webhook.url(), "mode": "weekly",
                                         "countries": ["Canada"]}), cfg)
    replica.set("/ca", page())
    replica.set("/jp", page(marker="Last updated Nov 2002"))
    crawl_with_alerts(cfg, db_path, settings)
    replica.set("/ca", page(BODY + " A new paragraph.", "Last updated Mar 2024"))
    crawl_with_alerts(cfg, db_path, settings)
    assert dispatch.deliver(open_db(), settings) == {"sent": 1, "failed": 0}
    (digest,) = webhook.accepted
    period = alerts.digest_period("weekly", store.now(), settings.digest_time)
    assert digest["title"] == f"dialogue-watch weekly digest {period}: 2 events"
    assert "Canada's page is now watched" in digest["message"]
    assert "Canada's page changed, and so did its 'last updated' line" in digest["message"]
    assert "canada  Last updated Mar 2024" in digest["message"] and "japan" not in digest["message"]
    assert digest["idempotency_key"] == f"dialogue-watch-digest-weekly-{period}"
    assert dispatch.deliver(open_db(), settings) == {"sent": 0, "failed": 0}  # once per week
    statuses = [r["status"] for r in open_db().query("SELECT status FROM alert_outbox")]
    assert statuses == ["sent", "sent"]


def test_alerts_test_sends_a_test_message(make_config, db_path, smtp, write_alerts):
    cfg = make_config({"id": "canada", "url": "https://canada.example/page"})
    path = write_alerts({"name": "mail", "url": smtp.url, "countries": ["Canada"]})
    result = cli(cfg, db_path, "alerts", "test", "mail", "--alerts", str(path))
    assert result.returncode == 0 and result.stdout == "mail: sent\n"
    (message,) = smtp.messages
    assert message["Subject"] == "dialogue-watch test message"
    assert "immediate alerts for Canada" in message.get_body(("plain",)).get_content()
    unknown = cli(cfg, db_path, "alerts", "test", "nobody", "--alerts", str(path))
    assert unknown.returncode == 1 and "No subscriber 'nobody'" in unknown.stderr


def test_a_restarted_run_crawls_nothing_early_and_sends_nothing_twice(
        replica, make_config, db_path, open_db, webhook, write_alerts):
    cfg = make_config({"id": "canada", "path": "/ca"}, {"id": "japan", "path": "/jp", "country": "Japan"})
    path = write_alerts({"name": "hook", "url": webhook.url()})
    replica.set("/ca", page())
    replica.set("/jp", page(marker="Last updated Nov 2002"))
    first = cli(cfg, db_path, "run", "--once", "--alerts", str(path), timeout=60)
    assert "Checking 2 page(s) now: canada, japan" in first.stderr
    assert "Alerts: 2 sent, 0 failed" in first.stderr
    second = cli(cfg, db_path, "run", "--once", "--alerts", str(path), timeout=60)
    assert second.returncode == 0 and "Checking" not in second.stderr
    assert "Done. Next check due at" in second.stderr
    assert len(replica.requests_for("/ca")) == len(replica.requests_for("/jp")) == 1
    assert sorted(webhook.keys()) == ["dialogue-watch-event-1-hook", "dialogue-watch-event-2-hook"]

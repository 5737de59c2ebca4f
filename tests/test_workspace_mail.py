"""The workspace's e-mails when the mail server says no (issue 25): a refused or unreachable
send is tried again later, after a longer wait each time, never lost and never sent twice;
after the last try it is marked failed and `dialogue-watch workspace mail` says so. And the
e-mail a campaigner receives for a new publication, read as they would read it."""

import datetime
import asyncio
import re
import sqlite3
import subprocess
import sys
import threading

import pytest
import yaml
from playwright.sync_api import expect

from monitor import config, store
from monitor.fetch import crawler, locks
from monitor.store import workspace as rows
from monitor.workspace import mail
from tests import site_fixtures
from tests.conftest import FAST
from tests.workspace_fixtures import (AFTER, ARTIFACTS, Mailbox, add_team, body_of,  # noqa: F401
                                      browser, log_in, mailbox, page_with, served, serving, watched)

T0 = datetime.datetime(2030, 1, 1, 9, 0, tzinfo=datetime.timezone.utc)


class MoodyMailbox(Mailbox):
    """A real SMTP server that answers 451 ('try again later') while ``refusing``."""

    def __init__(self):
        super().__init__()
        self.refusing, self.tries = True, 0

    async def handle_DATA(self, server, session, envelope):
        self.tries += 1
        if self.refusing:
            return "451 4.3.0 Mail server busy, try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def moody():
    yield from served(MoodyMailbox())


class SlowMailbox(Mailbox):
    """A real SMTP server that takes ``seconds`` to accept each e-mail, as a busy one does."""

    seconds = 0.3

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow():
    yield from served(SlowMailbox())


def alert_row(db_path):
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        return dict(db.execute("SELECT status, attempts, next_try_at, last_error FROM workspace_alerts").fetchone())


def one_change_alerted(db_path, watched, replica, crawl):
    db = store.open_db(db_path)
    rows.save_subscription(db, "ben", "ben@example.org", "instant", words=["人权"])
    db.close()
    replica.set("/dialogue.html", page_with(AFTER))
    crawl(watched)


def test_a_refused_email_is_tried_again_later_then_sent_once(watched, replica, crawl, db_path, moody):
    one_change_alerted(db_path, watched, replica, crawl)
    assert mail.run_once(db_path, moody.url, "http://ws", moment=T0) == (1, 0)
    assert moody.tries == 1 and moody.messages == []
    assert alert_row(db_path) == {"status": "pending", "attempts": 1, "next_try_at": "2030-01-01T09:01:00Z",
                                  "last_error": alert_row(db_path)["last_error"]}
    assert "tried again later" in alert_row(db_path)["last_error"]

    # before its time: not tried; at its time, refused again: the next wait is longer
    assert mail.run_once(db_path, moody.url, "http://ws", moment=T0 + datetime.timedelta(seconds=50)) == (0, 0)
    assert moody.tries == 1
    mail.run_once(db_path, moody.url, "http://ws", moment=T0 + datetime.timedelta(minutes=1))
    assert moody.tries == 2 and alert_row(db_path)["next_try_at"] == "2030-01-01T09:06:00Z"

    moody.refusing = False
    assert mail.run_once(db_path, moody.url, "http://ws", moment=T0 + datetime.timedelta(minutes=3)) == (0, 0)
    assert mail.run_once(db_path, moody.url, "http://ws", moment=T0 + datetime.timedelta(minutes=6)) == (0, 1)
    [message] = moody.wait_for(1)
    assert message["Subject"] == "'人权' appeared on Canada's page: Canada's dialogue page"
    assert alert_row(db_path)["status"] == "sent"
    later = T0 + datetime.timedelta(days=2)
    assert mail.run_once(db_path, moody.url, "http://ws", moment=later) == (0, 0)
    assert moody.tries == 3 and len(moody.messages) == 1  # sent once, never twice


def test_the_waits_grow_and_are_capped():
    waits = [rows.retry_after(n) for n in range(1, 9)]
    assert waits[:5] == [datetime.timedelta(minutes=m) for m in (1, 5, 30, 120, 360)]
    assert waits[5:] == [datetime.timedelta(hours=6)] * 3


def test_a_server_that_never_answers_fails_the_email_and_the_operator_is_told(
        watched, replica, crawl, db_path, mailbox):
    one_change_alerted(db_path, watched, replica, crawl)
    down = f"mailto://127.0.0.1:{site_fixtures.free_port()}?from=watch@example.org&mode=insecure"
    moment = T0
    for attempt in range(1, rows.MAX_ATTEMPTS + 1):
        assert mail.run_once(db_path, down, "http://ws", moment=moment)[1] == 0
        row = alert_row(db_path)
        assert row["attempts"] == attempt
        if attempt < rows.MAX_ATTEMPTS:
            assert row["status"] == "pending"
            moment += rows.retry_after(attempt)
    assert row["status"] == "failed" and row["next_try_at"] is None
    assert mail.run_once(db_path, down, "http://ws", moment=moment + datetime.timedelta(days=30)) == (0, 0)
    assert alert_row(db_path)["attempts"] == rows.MAX_ATTEMPTS  # a failed one is not tried again

    command = [sys.executable, "-m", "monitor", "--db", str(db_path), "workspace", "mail"]
    told = subprocess.run(command, capture_output=True, text=True)
    assert told.returncode == 1
    assert re.search(r"to ben@example.org \(ben\): FAILED after 6 tries", told.stdout), told.stdout
    assert "the last error: the mail server did not accept the e-mail" in told.stdout
    assert "dialogue-watch workspace mail --retry" in told.stderr

    again = subprocess.run(command + ["--retry"], capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout.startswith("1 failed e-mail(s) will be sent again")
    assert mail.run_once(db_path, mailbox.url, "http://ws") == (0, 1)  # the operator fixed --mail-url
    assert mailbox.wait_for(1)[0]["To"] == "ben@example.org"
    assert subprocess.run(command, capture_output=True, text=True).stdout.startswith("Every alert e-mail")


def test_an_email_refused_before_the_retries_existed_is_listed(watched, replica, crawl, db_path):
    """An alert whose send failed before migration m034 is pending with attempts but no
    next_try_at: 'workspace mail' lists it (it failed with a traceback)."""
    one_change_alerted(db_path, watched, replica, crawl)
    down = f"mailto://127.0.0.1:{site_fixtures.free_port()}?from=watch@example.org&mode=insecure"
    assert mail.run_once(db_path, down, "http://ws", moment=T0)[1] == 0
    with sqlite3.connect(db_path) as db:  # as m034 leaves such an alert
        db.execute("UPDATE workspace_alerts SET next_try_at = NULL")
    command = [sys.executable, "-m", "monitor", "--db", str(db_path), "workspace", "mail"]
    told = subprocess.run(command, capture_output=True, text=True)
    assert told.returncode == 0 and "Traceback" not in told.stderr, told.stderr
    assert re.search(r"to ben@example.org \(ben\): tried 1 time\(s\), tried again at the "
                     r"workspace's next pass", told.stdout), told.stdout


# -- the e-mail of a new publication, as a campaigner reads it ----------------------

RELEASE = "<html><body><main><h1>{0}</h1><p>{0}: the text of the release.</p></main></body></html>"
NEW = ("19. Menschenrechtsdialog Schweiz–China in Bern", "/press/2024")
OLD = ("Menschenrechtsdialog Schweiz-China 2023", "/press/2023")


def rss(replica, *items):
    entries = "".join(f"<item><title>{title}</title><link>{replica.url(path)}</link>"
                      f"<pubDate>Fri, 03 May 2024 10:00:00 +0200</pubDate></item>"
                      for title, path in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{entries}</channel></rss>'


def discovery_config(tmp_path, replica):
    replica.set("/home", RELEASE.format("Home"))
    document = {"settings": FAST, "defaults": {"stale_after": "never"},
                "sources": [{"id": "home", "country": "Switzerland", "title": "Home", "kind": "html",
                             "url": replica.url("/home")}],
                "discover": [{"id": "ch-news", "country": "Switzerland", "title": "Swiss news",
                              "url": replica.url("/feed.xml"), "type": "feed",
                              "match": ["Menschenrechtsdialog"]}]}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return config.load(path)


def test_the_email_of_a_new_publication_reads_as_a_campaigner_needs(tmp_path, replica, db_path,
                                                                    mailbox, browser):
    replica.set(OLD[1], RELEASE.format(OLD[0]))
    replica.set("/feed.xml", rss(replica, OLD), content_type="application/rss+xml")
    cfg = discovery_config(tmp_path, replica)
    crawler.crawl(cfg, db_path)  # the feed's first read: what it lists now is not news
    add_team(db_path)
    with serving(db_path, mail_url=mailbox.url) as base:
        page = browser.new_context().new_page()
        log_in(page, base, "ben", "/-/subscriptions")
        page.fill("#email", "ben@example.org")
        page.get_by_label("A government published something new").check()
        page.get_by_role("button", name="Subscribe").click()
        expect(page.locator(".ws-list")).to_contain_text("new_publication")

        replica.set(NEW[1], RELEASE.format(NEW[0]))
        replica.set("/feed.xml", rss(replica, NEW, OLD), content_type="application/rss+xml")
        crawler.crawl(cfg, db_path)
        [message] = mailbox.wait_for(1)
    text = body_of(message)
    assert message["To"] == "ben@example.org"
    assert message["Subject"] == f"Switzerland's government published something new: {NEW[0]}"
    headline, page_line, address, seen, what = text.split("\n\n")[0].splitlines()[:5]
    assert headline == message["Subject"]
    assert page_line == f"Page: {NEW[0]} (Switzerland)"
    assert address == f"Address: {replica.url(NEW[1])}"
    assert seen.startswith("Seen: ")
    assert what.startswith(f"What was found: “{NEW[0]}” (2024-05-03), listed in Swiss news")
    assert what.endswith(f"The page is now watched at {replica.url(NEW[1])}")
    for jargon in ("new_publication", "discovery", "None", "{"):
        assert jargon not in text.split("You receive this")[0], (jargon, text)
    assert re.search(r"To stop these e-mails, open: http://127\.0\.0\.1:\d+/-/unsubscribe\?t=", text)
    assert message["List-Unsubscribe"].startswith(f"<{base}/-/unsubscribe?t=")
    (ARTIFACTS / "workspace-email-new-publication.txt").write_text(
        f"Subject: {message['Subject']}\n\n{text}", encoding="utf-8")


def test_two_senders_at_once_send_each_email_once(watched, replica, crawl, db_path, slow):
    """Two workspaces on one database (one stopping while the next starts) each send every
    few moments: while one hands an e-mail to a slow mail server, the other's pass must
    neither take that e-mail for one cut off and send it again, nor send it alongside."""
    db = store.open_db(db_path)
    for name in ("ben", "ann", "li"):
        rows.save_subscription(db, name, f"{name}@example.org", "instant", words=["人权"])
    db.close()
    replica.set("/dialogue.html", page_with(AFTER))
    crawl(watched)
    stop, passes = threading.Event(), []

    def sender():
        while not stop.is_set():
            passes.append(mail.run_once(db_path, slow.url, "http://ws"))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        slow.wait_for(3)
        stop.wait(3 * slow.seconds + 1)  # time enough for a repeat to arrive
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert sorted(m["To"] for m in slow.messages) == ["ann@example.org", "ben@example.org", "li@example.org"]
    assert not any(m["Subject"].startswith("(possible repeat)") for m in slow.messages)
    assert sum(sent for _, sent in passes) == 3 and len(passes) > 4  # both kept passing
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT status, count(*) FROM workspace_alerts GROUP BY status").fetchall() == [("sent", 3)]


def test_an_email_cut_off_by_a_dead_sender_goes_again_marked_a_possible_repeat(
        watched, replica, crawl, db_path, mailbox):
    one_change_alerted(db_path, watched, replica, crawl)
    db = store.open_db(db_path)
    assert rows.queue_alerts(db, mail.matching.matches) == 1
    [alert_id] = [r["id"] for r in db.query("SELECT id FROM workspace_alerts")]
    rows.claim_alerts(db, [alert_id])  # a sender hands it to the mail server...
    db.close()
    with locks.held_if_free(db_path, "mail") as mine:  # ...and is still at work
        assert mine
        assert mail.run_once(db_path, mailbox.url, "http://ws") == (0, 0)
        assert alert_row(db_path)["status"] == "sending" and mailbox.messages == []
    # that sender died mid-send (the kernel let its lock go): the e-mail may not have
    # arrived, so it goes once more, saying it may be a repeat
    assert mail.run_once(db_path, mailbox.url, "http://ws") == (0, 1)
    [message] = mailbox.wait_for(1)
    assert message["Subject"].startswith("(possible repeat) ")
    assert mail.run_once(db_path, mailbox.url, "http://ws") == (0, 0)
    assert alert_row(db_path)["status"] == "sent" and len(mailbox.messages) == 1

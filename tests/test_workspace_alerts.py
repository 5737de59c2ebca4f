"""Subscribing in the workspace (issue 25): a member chooses words in a real Chromium, a crawl
stores the change, the alert arrives through a real SMTP server on 127.0.0.1 with its line, and
the signed unsubscribe link works once."""

import datetime
import re
import sqlite3
import urllib.error
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from monitor import store
from monitor.store import workspace as rows
from monitor.workspace import mail, matching
from tests.workspace_fixtures import (AFTER, ARTIFACTS, BEFORE, body_of, browser, log_in,  # noqa: F401
                                      mailbox, page_with, serving, watched)

def test_words_alert_by_email_and_unsubscribe_once(watched, replica, crawl, db_path, mailbox, browser):
    with serving(db_path, mail_url=mailbox.url) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        log_in(page, base, "ben", "/-/subscriptions")
        page.fill("#email", "ben@example.org")
        page.fill("#words", "Tibet\n人权\nUyghur")
        page.get_by_label("Canada").check()
        page.screenshot(path=ARTIFACTS / "workspace-subscribe-1280.png", full_page=True)
        page.get_by_role("button", name="Subscribe").click()
        expect(page.locator(".ws-list")).to_contain_text("Tibet, 人权, Uyghur")

        replica.set("/dialogue.html", page_with(AFTER))
        assert crawl(watched)["ca-dialogue"][1] in {"changed", "updated", "silent_edit"}
        [message] = mailbox.wait_for(1)
        text = body_of(message)
        assert message["To"] == "ben@example.org"
        assert "'Tibet' disappeared" in text and BEFORE[0] in text
        assert "'人权' appeared" in text and AFTER[1] in text
        assert "Uyghur" not in text.split("To stop")[0]
        link = re.search(r"To stop these e-mails, open: (\S+)", text)[1]
        assert message["List-Unsubscribe"] == f"<{link}>"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

        # exactly once: another pass queues and sends nothing
        assert mail.run_once(db_path, mailbox.url, base) == (0, 0)
        assert len(mailbox.messages) == 1

        # the link, opened in a browser that is not logged in
        stranger = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        stranger.goto(link)
        stranger.screenshot(path=ARTIFACTS / "workspace-unsubscribe-390.png", full_page=True)
        stranger.get_by_role("button", name="Unsubscribe").click()
        expect(stranger.get_by_role("status")).to_contain_text("ben@example.org will receive no more")
        assert sqlite3.connect(db_path).execute("SELECT count(*) FROM workspace_subscriptions").fetchone() == (0,)

        # replayed, and forged: refused
        token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["t"][0]
        assert post(base + "/-/unsubscribe", {"t": token}) == 400
        forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
        assert post(base + "/-/unsubscribe", {"t": forged}) == 400
        stranger.goto(base + "/-/unsubscribe?t=" + forged)
        expect(stranger.get_by_role("alert")).to_contain_text("not valid, or it was already used")
        context.close()
    audit = [r[0] for r in sqlite3.connect(db_path).execute("SELECT action FROM workspace_audit")]
    assert audit[-2:] == ["subscribed", "unsubscribed"]


def post(url, fields):
    """A POST with no cookies, as a mail program's one-click unsubscribe sends it."""
    try:
        with urllib.request.urlopen(url, data=urllib.parse.urlencode(fields).encode(), timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_one_click_unsubscribe_from_the_mail_program(watched, db_path):
    db = store.open_db(db_path)
    number = rows.save_subscription(db, "ben", "ben@example.org", "instant", countries=["Canada"])
    link = mail.unsubscribe_link("http://x", rows.secret(db), rows.subscription(db, number))
    db.close()
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)["t"][0]
    with serving(db_path) as base:
        assert post(base + "/-/unsubscribe?" + urllib.parse.urlencode({"t": token}),
                    {"List-Unsubscribe": "One-Click"}) == 200
        assert post(base + "/-/unsubscribe?" + urllib.parse.urlencode({"t": token}),
                    {"List-Unsubscribe": "One-Click"}) == 400


def test_kinds_and_a_daily_digest(watched, replica, crawl, db_path, mailbox):
    """A subscription without words hears of its kinds; a daily one waits a day, then one digest."""
    db = store.open_db(db_path)
    rows.save_subscription(db, "ben", "ben@example.org", "daily", countries=["Canada"])
    rows.save_subscription(db, "amina", "amina@example.org", "instant", countries=["Japan"])
    db.close()
    replica.set("/dialogue.html", page_with(AFTER))
    crawl(watched)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert mail.run_once(db_path, mailbox.url, "http://ws") == (1, 0)
    assert mail.run_once(db_path, mailbox.url, "http://ws", moment=now + datetime.timedelta(days=1, minutes=1)) == (0, 1)
    [digest] = mailbox.wait_for(1)
    assert digest["Subject"] == "dialogue-watch: 1 change you follow"
    assert "Canada's dialogue page" in body_of(digest)


@pytest.mark.parametrize("words, diff, expected", [
    (["Tibet"], "--- a\n+++ b\n-Tibet was raised\n+It was raised", [("Tibet", "disappeared", "Tibet was raised")]),
    (["人权"], "--- a\n+++ b\n+双方就人权问题交换了意见", [("人权", "appeared", "双方就人权问题交换了意见")]),
    (["uyghur"], "+The UYGHUR region", [("uyghur", "appeared", "The UYGHUR region")]),
    (["Tibet"], "-Tibet, said A\n+Tibet, said B", []),  # the line changed, the word stayed
    (["ｔｉｂｅｔ"], "+Tibet", [("ｔｉｂｅｔ", "appeared", "Tibet")]),  # full-width letters typed
    (["Tibet"], "+Tibet and Tibet\n-Tibet", [("Tibet", "appeared", "Tibet and Tibet")]),
    (["Xinjiang"], "+nothing here", []),
])
def test_word_changes(words, diff, expected):
    assert matching.word_changes(words, diff) == expected


def test_notes_and_other_countries_are_not_alerted():
    subscription = {"countries": ["Canada"], "sources": [], "kinds": [], "words": []}
    event = {"kind": "changed", "country": "Canada", "source_id": "a", "diff": "+x"}
    assert matching.matches(subscription, event) == [("", None, None)]
    assert matching.matches(subscription, {**event, "kind": "volatile_change"}) == []
    assert matching.matches(subscription, {**event, "country": "Japan"}) == []
    assert matching.matches({**subscription, "kinds": ["gone"]}, event) == []


def test_a_new_publication_is_matched_by_its_title_and_chosen_as_a_kind():
    event = {"kind": "new_publication", "country": "Japan", "source_id": "japan-mofa-press-ab12",
             "diff": None, "title": "第20回日中人権対話の開催",
             "detail": "a new publication matching the words watched for appeared"}
    words = {"countries": [], "sources": [], "kinds": [], "words": ["人権"]}
    assert matching.matches(words, event) == [("人権", "appeared", "第20回日中人権対話の開催")]
    assert matching.matches({**words, "words": ["Tibet"]}, event) == []
    assert "new_publication" in matching.KIND_CHOICES
    kinds = {"countries": [], "sources": [], "kinds": ["new_publication"], "words": []}
    assert matching.matches(kinds, event) == [("", None, None)]


def test_without_a_mail_server_my_alerts_says_so(watched, db_path, browser):
    with serving(db_path) as base:
        page = browser.new_context().new_page()
        log_in(page, base, "ben", "/-/subscriptions")
        expect(page.get_by_role("status")).to_contain_text("E-mail is not set up on this workspace yet")


def test_an_alert_cut_mid_send_is_sent_again_as_a_possible_repeat(watched, replica, crawl, db_path, mailbox):
    db = store.open_db(db_path)
    rows.save_subscription(db, "ben", "ben@example.org", "instant", words=["人权"])
    replica.set("/dialogue.html", page_with(AFTER))
    crawl(watched)
    assert rows.queue_alerts(db, matching.matches) == 1
    # the workspace stopped after handing the e-mail over, before writing it down
    [alert] = rows.pending_alerts(db, 1)
    rows.claim_alerts(db, [alert["id"]])
    db.close()
    assert mail.run_once(db_path, mailbox.url, "http://ws") == (0, 1)
    [message] = mailbox.wait_for(1)
    assert message["Subject"].startswith("(possible repeat) '人权' appeared")
    assert mail.run_once(db_path, mailbox.url, "http://ws") == (0, 0)

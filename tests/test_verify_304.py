"""A 304 is trusted, but verified: every Nth check of a page (settings
``verify_unchanged_every``), and at least weekly, goes without ETag /
If-Modified-Since. A site whose 304s hid a change is never sent validators again."""

import sqlite3

from monitor import store
from monitor.fetch import crawler
from monitor.notify import alerts
from monitor.replica import send
from tests.test_crawl import BODY, page
from tests.test_rules import lying_304

EVERY_3 = {"verify_unchanged_every": 3}
HIDDEN = ("the site kept answering 'not modified' although the page had changed; "
          "dialogue-watch no longer trusts its 'not modified' answers and fetches every "
          "page on 127.0.0.1 in full from now on")


def conditional(replica, path):
    """For each request the server got for ``path``: did it carry validators?"""
    return ["If-None-Match" in r["headers"] or "If-Modified-Since" in r["headers"]
            for r in replica.requests_for(path)]


def events_of(db_path):
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT source_id, kind, detail FROM events ORDER BY id").fetchall()


def distrusted(db_path):
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT host, source_id FROM distrusted_sites").fetchall()


def lying_by_date(body):
    """A server that sends only Last-Modified, never moves it, and answers 304 to
    any If-Modified-Since."""
    stamp = {"Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}

    def serve(handler):
        if handler.headers.get("If-Modified-Since"):
            return send(handler, 304, stamp, b"")
        send(handler, 200, {**stamp, "Content-Type": "text/html; charset=utf-8"}, body)
    return serve


def test_a_change_hidden_by_lying_304s_is_caught_and_the_site_is_never_trusted_again(
        replica, make_config, crawl, db_path, open_db):
    replica.set("/ca", b"", handler=lying_304(page().encode()))
    replica.set("/other", page("Another page of the same ministry."))
    cfg = make_config({"id": "canada", "path": "/ca"}, {"id": "other", "path": "/other"},
                      settings=EVERY_3)
    assert crawl(cfg, "canada") == {"canada": ("ok", "new")}
    assert crawl(cfg, "canada") == {"canada": ("not_modified", None)}
    replica.set("/ca", b"", handler=lying_304(page(BODY + " A new paragraph.").encode()))
    assert crawl(cfg) == {"canada": ("not_modified", None), "other": ("ok", "new")}  # hidden

    everyone = alerts.Subscriber("everyone", "json://localhost/x")
    _, results = crawler.crawl(cfg, db_path, subscribers=[everyone])  # the 3rd check: verified
    assert {r["source_id"]: (r["outcome"], r["event"]) for r in results} == {
        "canada": ("ok", "silent_edit"), "other": ("not_modified", None)}
    assert events_of(db_path) == [("canada", "new", None), ("other", "new", None),
                                  ("canada", "silent_edit", HIDDEN)]
    assert distrusted(db_path) == [("127.0.0.1", "canada")]
    db = open_db()
    (outbox_id,) = [r["id"] for r in db.query("SELECT id FROM alert_outbox")]
    message = alerts.render_event(store.alert_details(db, outbox_id))
    assert f"What dialogue-watch saw: {HIDDEN}" in message.body

    # from now on every page of the site is fetched in full, "other" too (its own
    # count would have sent validators at its 3rd check), and a change shows at once
    assert crawl(cfg) == {"canada": ("not_modified", None), "other": ("not_modified", None)}
    replica.set("/ca", b"", handler=lying_304(page(BODY + " Another paragraph.").encode()))
    assert crawl(cfg) == {"canada": ("ok", "silent_edit"), "other": ("not_modified", None)}
    # each change's two fetches at once (doubt.AT_ONCE) are full ones too
    assert conditional(replica, "/ca") == [False, True, True, False, False, False, False, False,
                                           False, False]
    assert conditional(replica, "/other") == [False, True, False, False]
    assert events_of(db_path)[-1] == ("canada", "silent_edit", None)  # said once, when found


def test_an_honest_site_is_verified_without_events_and_keeps_its_validators(
        replica, make_config, crawl, db_path):
    replica.set("/ca", page())
    cfg = make_config({"id": "canada", "path": "/ca"}, settings=EVERY_3)
    assert crawl(cfg) == {"canada": ("ok", "new")}
    for _ in range(4):  # the 4th check is a full fetch of the same bytes
        assert crawl(cfg) == {"canada": ("not_modified", None)}
    assert conditional(replica, "/ca") == [False, True, True, False, True]
    assert events_of(db_path) == [("canada", "new", None)]
    assert distrusted(db_path) == []
    with sqlite3.connect(db_path) as db:
        statuses = [r[0] for r in db.execute("SELECT status FROM fetches ORDER BY id")]
        (same_bytes,) = db.execute("SELECT headers, body_sha256, error FROM fetches "
                                   "WHERE id = 4").fetchall()
    assert statuses == [200, 304, 304, 200, 304]
    assert same_bytes == (None, None, None)  # the full fetch of an unchanged page stores no bytes


def test_a_page_that_changed_just_before_its_full_fetch_leaves_an_honest_site_trusted(
        replica, make_config, crawl, db_path):
    replica.set("/ca", page())
    cfg = make_config({"id": "canada", "path": "/ca"}, settings={"verify_unchanged_every": 2})
    crawl(cfg)
    assert crawl(cfg) == {"canada": ("not_modified", None)}
    replica.set("/ca", page(BODY + " A new paragraph."))  # a new ETag: the 304 was true then
    assert crawl(cfg) == {"canada": ("ok", "silent_edit")}
    assert crawl(cfg) == {"canada": ("not_modified", None)}
    assert conditional(replica, "/ca") == [False, True, False, False, False, True]  # the change 3 times
    assert events_of(db_path)[-1] == ("canada", "silent_edit", None)
    assert distrusted(db_path) == []


def test_a_site_whose_last_modified_never_moves_is_caught_too(replica, make_config, crawl,
                                                              db_path):
    replica.set("/ca", b"", handler=lying_by_date(page().encode()))
    cfg = make_config({"id": "canada", "path": "/ca"}, settings={"verify_unchanged_every": 2})
    crawl(cfg)
    assert crawl(cfg) == {"canada": ("not_modified", None)}
    replica.set("/ca", b"", handler=lying_by_date(page(BODY + " A new paragraph.").encode()))
    assert crawl(cfg) == {"canada": ("ok", "silent_edit")}
    assert conditional(replica, "/ca") == [False, True, False, False, False]
    assert events_of(db_path)[-1] == ("canada", "silent_edit", HIDDEN)
    assert distrusted(db_path) == [("127.0.0.1", "canada")]


def test_a_page_is_fetched_in_full_at_least_once_a_week(replica, make_config, crawl, db_path):
    replica.set("/ca", page())
    cfg = make_config({"id": "canada", "path": "/ca"}, settings={"verify_unchanged_every": 0})
    crawl(cfg)
    assert crawl(cfg) == {"canada": ("not_modified", None)}
    with sqlite3.connect(db_path) as db:  # the last full fetch, years ago
        db.execute("UPDATE fetches SET at = '2020-01-01T00:00:00Z' WHERE status = 200")
        db.execute("UPDATE source_state SET last_full_at = '2020-01-01T00:00:00Z'")
    assert crawl(cfg) == {"canada": ("not_modified", None)}
    assert crawl(cfg) == {"canada": ("not_modified", None)}
    assert conditional(replica, "/ca") == [False, True, False, True]
    assert events_of(db_path) == [("canada", "new", None)]

"""Save Page Now: each change of a page with archive_changes is copied by the archive,
from a durable queue written with the event (real crawls of the replica, the local
stand-in for the Wayback Machine in tests/archive_server.py)."""

import datetime

import pytest
from click.testing import CliRunner

from monitor import cli, store
from monitor.archive import backfill, savepagenow
from monitor.notify import alerts
from monitor.store import archive as archive_store
from tests.test_backfill import EVERYONE, page

UTC = datetime.timezone.utc
ONE = page("The sixth round was held in Beijing.", "3 February 2007")
TWO = page("The sixth round was held in Beijing. A seventh is planned.", "3 February 2007")


@pytest.fixture
def cfg(make_config, archive):
    def make(source=None, **settings):
        entry = {"id": "canada", "path": "/canada", "archive_changes": True, **(source or {})}
        return make_config(entry, settings={"archive_url": archive.base_url,
                                            "archive_delay_seconds": 0,
                                            "archive_save_delay_seconds": 0,
                                            "archive_backoff_seconds": 60, **settings})
    return make


def changed_twice(replica, crawl, config):
    replica.set("/canada", ONE)
    assert crawl(config)["canada"] == ("ok", "new")
    replica.set("/canada", TWO)
    assert crawl(config)["canada"] == ("ok", "silent_edit")
    assert crawl(config)["canada"][1] is None


def test_a_change_is_copied_once(cfg, archive, replica, crawl, open_db):
    config = cfg()
    changed_twice(replica, crawl, config)
    db = open_db()
    (request,) = archive_store.requests(db)
    event = db.execute("SELECT id, version_id FROM events WHERE kind = 'silent_edit'").fetchone()
    assert (request["event_id"], request["version_id"], request["status"]) == (*event, "pending")
    assert request["url"] == config.sources[0].url
    assert savepagenow.deliver(db, config.settings) == {"saved": 1, "failed": 0}
    assert archive.saved == [config.sources[0].url]
    copy = db.execute("SELECT archive_copy_url FROM versions WHERE id = ?", [event[1]]).fetchone()[0]
    assert copy.startswith(f"{archive.base_url}/web/") and copy.endswith(config.sources[0].url)
    assert savepagenow.deliver(db, config.settings) == {"saved": 0, "failed": 0}
    assert len(archive.requests_for("/save/")) == 1  # exactly once


def test_the_daemon_asks_for_the_copies_even_without_subscribers(cfg, archive, replica, crawl,
                                                                 open_db, db_path):
    from monitor import config as config_module
    from monitor import scheduler

    config = cfg()
    changed_twice(replica, crawl, config)
    daemon = scheduler.Daemon(lambda: config_module.load(config.path), lambda _: alerts.NO_ALERTS,
                              str(db_path))
    daemon.refresh()
    assert daemon.deliver() is None  # no subscribers: no alerts, but the copy is asked for
    assert archive.saved == [config.sources[0].url]
    assert archive_store.requests(open_db())[0]["status"] == "sent"


def test_pages_without_archive_changes_queue_nothing(cfg, replica, crawl, open_db):
    changed_twice(replica, crawl, cfg(source={"archive_changes": False}, archive_changes=True))
    assert archive_store.requests(open_db()) == []


def test_the_setting_turns_it_on_for_every_page(make_config, archive, replica, crawl, open_db):
    config = make_config({"id": "canada", "path": "/canada"},
                         settings={"archive_url": archive.base_url, "archive_changes": True})
    assert config.sources[0].archive_changes is True
    changed_twice(replica, crawl, config)
    assert len(archive_store.requests(open_db())) == 1


def test_refused_and_slow_requests_wait_longer_each_time(cfg, archive, replica, crawl, open_db):
    config = cfg(timeout_seconds=1)
    changed_twice(replica, crawl, config)
    db = open_db()
    archive.save_behaviour = ["refuse", "slow", "ok"]
    archive.save_delay = 2.5
    start = datetime.datetime(2030, 1, 1, tzinfo=UTC)
    assert savepagenow.deliver(db, config.settings, start) == {"saved": 0, "failed": 1}
    (request,) = archive_store.requests(db)
    assert request["next_attempt_at"] == "2030-01-01T00:01:00Z" and "refused" in request["last_error"]
    assert savepagenow.deliver(db, config.settings, start + datetime.timedelta(seconds=59)) == \
        {"saved": 0, "failed": 0}  # not due yet: nothing asked
    later = start + datetime.timedelta(seconds=60)
    assert savepagenow.deliver(db, config.settings, later) == {"saved": 0, "failed": 1}
    (request,) = archive_store.requests(db)
    assert request["next_attempt_at"] == "2030-01-01T00:03:00Z"  # twice as long
    assert "did not answer within 1 s" in request["last_error"]
    done = savepagenow.deliver(db, config.settings, later + datetime.timedelta(seconds=120))
    assert done == {"saved": 1, "failed": 0} and len(archive.requests_for("/save/")) == 3
    assert archive_store.requests(db)[0]["attempts"] == 3


def test_a_request_left_sending_by_a_dead_sender_is_asked_again(cfg, archive, replica, crawl,
                                                                  open_db):
    config = cfg()
    changed_twice(replica, crawl, config)
    db = open_db()
    assert archive_store.claim_request(db, "2100-01-01T00:00:00Z") is not None  # then it "died"
    assert savepagenow.deliver(db, config.settings) == {"saved": 0, "failed": 0}
    assert archive_store.release_requests(db) == 1
    assert savepagenow.deliver(db, config.settings) == {"saved": 1, "failed": 0}


def test_the_alert_and_the_site_show_the_independent_copy(cfg, archive, replica, crawl, open_db,
                                                         db_path, tmp_path):
    import urllib.request

    from monitor.fetch import crawler
    from tests import site_fixtures

    config = cfg()
    replica.set("/canada", ONE)
    crawler.crawl(config, db_path, subscribers=[EVERYONE])
    replica.set("/canada", TWO)
    crawler.crawl(config, db_path, subscribers=[EVERYONE])
    runner = CliRunner()
    done = runner.invoke(cli.cli, ["--sources", str(tmp_path / "sources.yaml"), "--db",
                                   str(db_path), "archive-changes"], catch_exceptions=False)
    assert done.output.startswith("Copied 1 change(s); 0 waiting")
    db = open_db()
    copy = db.execute("SELECT archive_copy_url FROM versions WHERE archive_copy_url IS NOT NULL"
                      ).fetchone()[0]
    outbox_id, event_id = db.execute("SELECT o.id, e.id FROM alert_outbox o JOIN events e ON "
                                     "e.id = o.event_id WHERE e.kind = 'silent_edit'").fetchone()
    message = alerts.render_event({**store.alert_details(db, outbox_id), "subscriber": "everyone"})
    assert f"Independent copy: {copy}" in message.body
    db.close()
    port = site_fixtures.free_port()
    with site_fixtures.running(site_fixtures.serve_command(db_path, port), port) as base:
        change = urllib.request.urlopen(f"{base}/monitor/change?event={event_id}").read().decode()
        assert "Independent copy:" in change and copy in change


def test_archive_events_and_the_first_check_after_a_backfill_ask_for_nothing(
        cfg, archive, replica, crawl, open_db):
    config = cfg()
    url = config.sources[0].url
    archive.add(url, "20070101000000", ONE)
    archive.add(url, "20080101000000", TWO)
    db = open_db()
    backfill.backfill(db, config, config.sources)
    assert [e["kind"] for e in store.history(db, "canada")] == ["new", "silent_edit"]
    replica.set("/canada", ONE)  # the live page differs from the archive's last copy
    assert crawl(config)["canada"] == ("ok", "silent_edit")
    assert archive_store.requests(db) == []
    replica.set("/canada", TWO.replace("A seventh is planned.", "A seventh is planned for May."))
    assert crawl(config)["canada"] == ("ok", "silent_edit")  # a live change: copied
    assert len(archive_store.requests(db)) == 1


def test_retry_delay_table():
    assert [savepagenow.retry_delay(n, 60) for n in (1, 2, 3, 20)] == [60, 120, 240, 86400]
    assert savepagenow.retry_delay(1, 60, savepagenow.Failure("429", retry_after=600)) == 600

"""``dialogue-watch backfill``: the Internet Archive's copies imported as versions,
against a local stand-in for the Wayback Machine (tests/archive_server.py), with
real crawls of a real server (the ``replica``) before and after."""

import json

import pytest
from click.testing import CliRunner

from monitor import cli, store
from monitor.analysis import events
from monitor.archive import backfill, cdx
from monitor.errors import ArchiveError
from monitor.fetch import crawler
from monitor.notify import alerts

EVERYONE = alerts.Subscriber("everyone", "json://localhost/x", kinds=frozenset(events.KINDS))


def page(text, marker):
    return (f"<html><head><title>Canada-China</title></head><body><main><h1>Dialogue</h1>"
            f"<p>{text}</p><p>Officials discussed freedom of expression and the rights of "
            f"minorities with non-governmental organisations.</p></main>"
            f"<footer><p class='stamp'>Last updated: {marker}</p></footer></body></html>")


A = page("The first round was held in Ottawa in 1997.", "15 October 2002")
B = page("The sixth round was held in Beijing.", "3 February 2007")
C = page("The sixth round was held in Beijing. A seventh is planned.", "3 February 2007")


@pytest.fixture
def cfg(make_config, archive, replica):
    def make(**settings):
        return make_config({"id": "canada", "path": "/canada"},
                           settings={"archive_url": archive.base_url, "archive_delay_seconds": 0,
                                     "archive_backoff_seconds": 0.05, **settings})
    return make


def fill(archive, url):
    """Twelve listed captures: three different copies, and every kind the import skips."""
    archive.add(url, "20021020083000", A, headers={"Last-Modified": "Tue, 15 Oct 2002 09:00:00 GMT"})
    archive.add(url, "20030301000000", A)  # the same digest: skipped unread
    archive.add(url, "20040101000000", "<h1>Not Found</h1>", status=404)
    archive.add(url, "20050101000000", "", status=302)
    archive.add(url, "20060101000000", B, kind="block")  # listed as 200, the copy is a block page
    archive.add(url, "20060601000000", B, kind="error_page")  # an error page sent as 200
    archive.add(url, "20070210000000", B, kind="redirect", to="20070211120000")
    archive.add(url, "20070211120000", B, listed=False)  # where the archive redirects
    archive.add(url, "20080101000000", C)
    archive.add(url, "20090101000000", C)  # the same again


def run(db, config, **kwargs):
    return backfill.backfill(db, config, config.sources, **kwargs)


def test_backfill_imports_each_different_copy_oldest_first(cfg, archive, replica, open_db):
    config = cfg()
    url = config.sources[0].url
    fill(archive, url)
    archive.rate_limit("cdx")  # the first listing is refused: the import waits and lists again
    db = open_db()
    (result,) = run(db, config)
    versions = [dict(v) for v in store.versions(db, "canada")]
    assert [(v["seq"], v["at"], v["origin"], v["archive_timestamp"]) for v in versions] == [
        (1, "2002-10-20T08:30:00Z", "archive", "2002-10-20T08:30:00Z"),
        (2, "2007-02-11T12:00:00Z", "archive", "2007-02-11T12:00:00Z"),
        (3, "2008-01-01T00:00:00Z", "archive", "2008-01-01T00:00:00Z")]
    assert versions[1]["memento_url"] == f"{archive.base_url}/web/20070211120000id_/{url}"
    assert all(v["archive_status"] == 200 for v in versions)
    history = [(e["at"], e["kind"]) for e in store.history(db, "canada")]
    assert history == [("2002-10-20T08:30:00Z", "new"), ("2007-02-11T12:00:00Z", "updated"),
                       ("2008-01-01T00:00:00Z", "silent_edit")]
    assert {e["origin"] for e in db.query("SELECT origin FROM events")} == {"archive"}
    assert db.execute("SELECT count(*) FROM alert_outbox").fetchone()[0] == 0
    assert versions[0]["marker_date"] == "2002-10-15"
    fetched = [r["path"] for r in archive.requests_for("/web/")]
    assert all("id_/" in path for path in fetched)  # raw copies, never the rewritten page
    assert not any("20030301" in p or "20040101" in p or "20090101" in p
                   for p in fetched)  # skipped from the listing alone
    assert len(archive.requests_for("/cdx")) == 2  # the 429, then the listing
    assert result.skipped[cdx.SAME] == 2
    assert result.skipped["the archive recorded status 404"] == 1
    assert result.skipped["the archive answered 302 for this copy"] == 1  # leading nowhere
    assert sum(n for why, n in result.skipped.items() if "own page" in why or "block" in why
               or "answered 403" in why) == 2
    headers = json.loads(db.execute("SELECT headers FROM fetches WHERE at LIKE '2002%'").fetchone()[0])
    assert headers["Last-Modified"] == "Tue, 15 Oct 2002 09:00:00 GMT"  # the site's, as captured


def test_history_shows_archive_events_dated_at_the_capture(cfg, archive, db_path, tmp_path):
    config = cfg()
    fill(archive, config.sources[0].url)
    runner = CliRunner()
    args = ["--sources", str(tmp_path / "sources.yaml"), "--db", str(db_path)]
    done = runner.invoke(cli.cli, [*args, "backfill", "canada"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "3 read (1 new, 1 silent_edit, 1 updated)" in done.output
    shown = runner.invoke(cli.cli, [*args, "history", "canada"], catch_exceptions=False).output
    first = next(line for line in shown.splitlines() if line.startswith("2002"))
    assert "2002-10-20T08:30:00Z" in first and "new" in first and "Internet Archive" in first
    as_json = json.loads(runner.invoke(cli.cli, [*args, "history", "canada", "--json"]).output)
    assert as_json[0]["at"].startswith("2002") and as_json[0]["origin"] == "archive"


def test_backfill_after_live_crawls_makes_no_false_change_at_the_seam(cfg, archive, replica, crawl,
                                                                       open_db, db_path):
    config = cfg()
    replica.set("/canada", C)  # today's page reads like the archive's last copy
    assert crawl(config) == {"canada": ("ok", "new")}
    replica.set("/canada", C.replace("A seventh is planned.", "A seventh was held in 2024."))
    assert crawl(config)["canada"] == ("ok", "silent_edit")
    fill(archive, config.sources[0].url)
    db = open_db()
    run(db, config)
    rows = [(v["seq"], v["origin"]) for v in store.versions(db, "canada")]
    assert rows == [(1, "archive"), (2, "archive"), (3, "archive"), (4, None), (5, None)]
    kinds = [(e["kind"], e["origin"]) for e in store.history(db, "canada")]
    assert kinds == [("new", "archive"), ("updated", "archive"), ("silent_edit", "archive"),
                     ("seen_in_archive", "archive"), ("silent_edit", None)]
    current = db.execute("SELECT v.seq FROM source_state s JOIN versions v "
                         "ON v.id = s.current_version_id").fetchone()[0]
    assert current == 5  # the live state is untouched
    assert crawl(config)["canada"] == ("not_modified", None)  # the next check goes on as before


def test_a_live_page_unlike_the_archive_is_the_change_it_shows(cfg, archive, replica, crawl, open_db):
    config = cfg()
    replica.set("/canada", page("The dialogue was suspended.", "1 March 2020"))
    assert crawl(config) == {"canada": ("ok", "new")}
    fill(archive, config.sources[0].url)
    db = open_db()
    run(db, config)
    seam = db.execute("SELECT kind, origin, marker_before, diff_id, lines_added FROM events "
                      "WHERE version_id = (SELECT id FROM versions WHERE seq = 4)").fetchone()
    assert seam[:3] == ("updated", "archive", "Last updated: 3 February 2007")
    assert seam[3] is not None and seam[4] >= 1


def test_live_checks_after_a_backfill_follow_the_archive_without_alerting(cfg, archive, replica,
                                                                           open_db, db_path):
    config = cfg()
    fill(archive, config.sources[0].url)
    run(open_db(), config)
    replica.set("/canada", C)
    _, results = crawler.crawl(config, db_path, subscribers=[EVERYONE])
    assert [r["event"] for r in results] == ["seen_in_archive"]
    db = open_db()
    assert db.execute("SELECT count(*) FROM alert_outbox").fetchone()[0] == 0
    assert [v["seq"] for v in store.versions(db, "canada")] == [1, 2, 3, 4]
    replica.set("/canada", C.replace("A seventh is planned.", "A seventh was held."))
    _, results = crawler.crawl(config, db_path, subscribers=[EVERYONE])
    assert [r["event"] for r in results] == ["silent_edit"]  # a live change alerts as ever
    assert db.execute("SELECT count(*) FROM alert_outbox").fetchone()[0] == 1
    assert db.execute("SELECT origin FROM events ORDER BY id DESC").fetchone()[0] is None


def test_a_stopped_backfill_goes_on_where_it_stopped(cfg, archive, open_db):
    config = cfg()
    fill(archive, config.sources[0].url)
    archive.fail("20080101000000", times=1)  # the archive fails on the third copy
    db = open_db()
    with pytest.raises(ArchiveError, match="goes on where it stopped"):
        run(db, config)
    assert [v["at"][:4] for v in store.versions(db, "canada")] == ["2002", "2007"]
    before = len(archive.requests_for("/web/"))
    (result,) = run(db, config)
    assert [v["at"][:4] for v in store.versions(db, "canada")] == ["2002", "2007", "2008"]
    again = [r["path"] for r in archive.requests_for("/web/")][before:]
    assert again == [f"/web/20080101000000id_/{config.sources[0].url}"]  # nothing read twice
    assert result.imported == {"silent_edit": 1}
    assert [e["kind"] for e in store.history(db, "canada")] == ["new", "updated", "silent_edit"]
    (result,) = run(db, config)  # a third run finds nothing left to do
    assert sum(result.imported.values()) == 0


def test_dates_limit_the_listing(cfg, archive, open_db):
    config = cfg()
    fill(archive, config.sources[0].url)
    db = open_db()
    backfill.backfill(db, config, config.sources, start="2007", end="2008")
    assert [v["at"][:4] for v in store.versions(db, "canada")] == ["2007", "2008"]


def test_cited_as_address_is_listed_too(make_config, archive, open_db):
    config = make_config({"id": "canada", "url": "https://example.org/canada-china",
                          "cited_as": "http://www.example.org/canada_china.htm"},
                         settings={"archive_url": archive.base_url, "archive_delay_seconds": 0})
    archive.add("http://www.example.org/canada_china.htm", "20030101000000", A)
    archive.add("https://example.org/canada-china", "20150101000000", C)
    db = open_db()
    run(db, config)
    assert [(v["at"][:4], v["memento_url"].split("id_/")[1]) for v in store.versions(db, "canada")] \
        == [("2003", "http://www.example.org/canada_china.htm"),
            ("2015", "https://example.org/canada-china")]


def test_cdx_waits_longer_after_each_429(cfg, archive):
    config = cfg(archive_backoff_seconds=0.5)
    archive.rate_limit("cdx", times=2)
    waits = []
    client = cdx.session(config.settings)
    import wayback

    captures = cdx.list_captures(wayback.WaybackClient(client), archive.base_url,
                                 "https://example.org/x", backoff=0.5, sleep=waits.append)
    assert captures == [] and waits == [0.5, 1.0]


@pytest.mark.parametrize("steps, expected", [
    # (timestamp, status) -> fetched (None) or why not
    ([("2002", 200), ("2003", 404), ("2004", 302), ("2005", None), ("2006", 500)],
     [None, "the archive recorded status 404", None, "the archive recorded status none",
      "the archive recorded status 500"]),
])
def test_plan_table(steps, expected):
    captures = [cdx.Capture(ts + "0101000000", "http://e.org/", status, "d") for ts, status in steps]
    assert [s.skip for s in cdx.plan(captures)] == expected


@pytest.mark.parametrize("digest, last_read, same", [
    ("a", "a", True), ("a", "b", False), ("a", None, False), (None, None, False)])
def test_same_as_before_table(digest, last_read, same):
    assert cdx.same_as_before(cdx.Capture("20020101000000", "http://e.org/", 200, digest),
                              last_read) is same


def test_plan_keeps_to_the_window_and_what_was_looked_at():
    captures = [cdx.Capture(f"{y}0101000000", "http://e.org/", 200, str(y)) for y in (2001, 2002, 2003, 2004)]
    steps = cdx.plan(captures, looked_at={("20010101000000", "http://e.org/")},
                     after="2001-06-01T00:00:00Z", before="2004-01-01T00:00:00Z")
    assert [s.skip is None for s in steps] == [False, True, True, False]
    assert not steps[0].noted and "own first check" in steps[3].skip


def test_the_site_and_its_feeds_mark_archive_events(cfg, archive, open_db, db_path):
    import urllib.request

    from tests import site_fixtures

    config = cfg()
    fill(archive, config.sources[0].url)
    db = open_db()
    run(db, config)
    first = db.execute("SELECT id FROM events ORDER BY at LIMIT 1").fetchone()[0]
    memento = db.execute("SELECT memento_url FROM versions WHERE seq = 1").fetchone()[0]
    db.close()
    port = site_fixtures.free_port()
    with site_fixtures.running(site_fixtures.serve_command(db_path, port), port) as base:
        def get(path):
            return urllib.request.urlopen(base + path, timeout=10).read().decode()

        history = get("/monitor/history?source=canada")
        assert history.count("from the Internet Archive") == 3 and memento in history
        change = get(f"/monitor/change?event={first}")
        assert "Told from the Internet Archive" in change and memento in change
        assert get("/monitor/recent_changes").count("from the Internet Archive") == 3
        feed = get("/monitor/feed.atom")
        assert feed.count("[from the Internet Archive, not alerted]") == 3


def test_an_unreachable_archive_is_said_in_plain_words(make_config, tmp_path, db_path):
    from tests.site_fixtures import free_port

    make_config({"id": "canada", "url": "https://example.org/canada"},
                settings={"archive_url": f"http://127.0.0.1:{free_port()}", "archive_delay_seconds": 0})
    done = CliRunner().invoke(cli.cli, ["--sources", str(tmp_path / "sources.yaml"), "--db",
                                        str(db_path), "backfill", "-q"])
    assert isinstance(done.exception, ArchiveError)
    assert "could not be reached" in str(done.exception) and "archive_url" in str(done.exception)


def test_the_history_table_names_the_archive(cfg, archive, db_path, tmp_path):
    config = cfg()
    fill(archive, config.sources[0].url)
    args = ["--sources", str(tmp_path / "sources.yaml"), "--db", str(db_path)]
    CliRunner().invoke(cli.cli, [*args, "backfill", "-q"], catch_exceptions=False)
    shown = CliRunner().invoke(cli.cli, [*args, "history", "canada"]).output
    assert shown.count("Internet Archive") == 3


def test_reanalyse_reads_the_archive_copies_too(cfg, archive, replica, crawl, open_db):
    from monitor import reanalyse

    config = cfg()
    fill(archive, config.sources[0].url)
    db = open_db()
    run(db, config)
    replica.set("/canada", C)
    crawl(config)
    count, removed, added, changed = reanalyse.source(db, config.sources[0])
    assert (count, removed, added, changed) == (4, [], [], 0)
    assert [e["kind"] for e in store.history(db, "canada")] == [
        "new", "updated", "silent_edit", "seen_in_archive"]


def test_a_second_backfill_tells_the_seam_again_and_drops_unsent_alerts(cfg, archive, replica,
                                                                         open_db, db_path):
    config = cfg()
    url = config.sources[0].url
    archive.add(url, "20020101000000", A)
    replica.set("/canada", C)
    crawler.crawl(config, db_path, subscribers=[EVERYONE])  # its "new" alert waits, unsent
    db = open_db()
    assert db.execute("SELECT count(*) FROM alert_outbox").fetchone()[0] == 1
    run(db, config)
    seam = "SELECT kind, diff_id FROM events WHERE version_id = (SELECT id FROM versions WHERE origin IS NULL)"
    kind, first_diff = db.execute(seam).fetchone()
    assert kind == "updated" and db.execute("SELECT count(*) FROM alert_outbox").fetchone()[0] == 0
    archive.add(url, "20080101000000", C)  # a later copy, still before the first check
    run(db, config)
    assert db.execute(seam).fetchone()[0] == "seen_in_archive"
    assert db.execute("SELECT count(*) FROM diffs WHERE id = ?", [first_diff]).fetchone()[0] == 0
    assert [v["origin"] for v in store.versions(db, "canada")] == ["archive", "archive", None]


def test_listings_keep_to_the_archive_delay(make_config, archive, open_db):
    config = make_config({"id": "canada", "url": "https://example.org/canada-china",
                          "cited_as": "http://www.example.org/canada_china.htm"},
                         settings={"archive_url": archive.base_url, "archive_delay_seconds": 0.6})
    run(open_db(), config)
    first, second = (r["at"] for r in archive.requests_for("/cdx"))
    assert second - first >= 0.45  # 0.6 s between the sends; arrival times jitter a little


def test_a_copy_refused_with_429_is_asked_again_later_not_sooner(cfg, archive, open_db):
    config = cfg(archive_backoff_seconds=0.3)
    archive.add(config.sources[0].url, "20021020083000", A)
    archive.rate_limit("web")
    db = open_db()
    run(db, config)
    first, second = (r["at"] for r in archive.requests_for("/web/"))
    assert second - first >= 0.25  # 0.3 s after the 429 arrived
    assert [e["kind"] for e in store.history(db, "canada")] == ["new"]


def test_a_page_gone_today_gets_its_history_from_the_archive(cfg, archive, replica, open_db,
                                                             db_path):
    config = cfg()
    replica.remove("/canada")
    _, results = crawler.crawl(config, db_path, subscribers=[EVERYONE])
    assert [r["event"] for r in results] == ["gone"]
    fill(archive, config.sources[0].url)
    db = open_db()
    run(db, config)
    assert [(e["kind"], e["origin"]) for e in store.history(db, "canada")] == [
        ("new", "archive"), ("updated", "archive"), ("silent_edit", "archive"), ("gone", None)]
    replica.set("/canada", C)  # back, as the archive last saw it
    _, results = crawler.crawl(config, db_path, subscribers=[EVERYONE])
    assert [r["event"] for r in results] == ["restored"]  # live news: alerted
    assert [v["origin"] for v in store.versions(db, "canada")] == ["archive"] * 3 + [None]
    assert db.execute("SELECT count(*) FROM alert_outbox o JOIN events e ON e.id = o.event_id "
                      "WHERE e.kind = 'restored'").fetchone()[0] == 1


def test_a_copy_that_is_a_not_found_page_is_noted_not_stored(cfg, archive, open_db):
    config = cfg()
    url = config.sources[0].url
    archive.add(url, "20020101000000", A)
    archive.add(url, "20030101000000", "<html><body><h1>Page not found</h1></body></html>")
    archive.add(url, "20040101000000", C)
    db = open_db()
    (result,) = run(db, config)
    assert [e["kind"] for e in store.history(db, "canada")] == ["new", "updated"]
    assert db.execute("SELECT count(*) FROM fetches").fetchone()[0] == 2  # no failed "check"
    (noted,) = db.execute("SELECT outcome FROM archive_imports WHERE timestamp LIKE '2003%'").fetchone()
    assert noted.startswith("skipped: ") and "not found" in noted
    assert sum(result.skipped.values()) == 1


def test_a_redirect_the_archive_recorded_is_followed_to_the_copy_it_led_to(make_config, archive,
                                                                           open_db):
    new, old = "https://example.org/canada-china", "http://www.example.org/canada_china.htm"
    config = make_config({"id": "canada", "url": new, "cited_as": old},
                         settings={"archive_url": archive.base_url, "archive_delay_seconds": 0})
    archive.add(old, "20030101000000", "", status=302, kind="redirect", to="20030101000007",
                to_url=new)
    archive.add(new, "20030101000007", A, listed=False)
    archive.add(old, "20040101000000", "", status=301, kind="redirect", to="20030101000007",
                to_url=new, digest="ANOTHERREDIRECT")  # leads back in time: not imported again
    archive.add(new, "20150101000000", C)
    db = open_db()
    (result,) = run(db, config)
    versions = store.versions(db, "canada")
    assert [(v["at"], v["memento_url"].split("id_/")[1]) for v in versions] == [
        ("2003-01-01T00:00:07Z", new), ("2015-01-01T00:00:00Z", new)]
    fetch = db.execute("SELECT url, final_url FROM fetches WHERE at LIKE '2003%'").fetchone()
    assert fetch == (old, new)  # asked at the old address, the page came from the new one
    assert any("not later than the copies imported" in why for why in result.skipped)

"""Discovery in the crawl, on the replica: feeds, sitemaps and listings the test rewrites
between crawls. A new matching release is alerted once and then watched; a
non-matching one is not; the first read is quiet; pagination; a listing whose
addresses carry a new session token at every visit; hostile answers."""

import asyncio
import datetime
import gzip

import pytest
import yaml
from click.testing import CliRunner

from monitor import cli, clock, config, store
from monitor.fetch import crawler
from monitor.notify import alerts
from monitor.publish.site import make_datasette
from monitor.store import discovery as store_discovery
from tests.conftest import FAST

EVERYONE = alerts.Subscriber("everyone", "json://localhost/x")
PAGE = "<html><body><main><h1>{0}</h1><p>{0}: the text of the release.</p></main></body></html>"


@pytest.fixture
def setup(tmp_path, replica, db_path):
    """(write sources.yaml with these discover: entries -> Config, crawl -> results)."""

    def write(*entries):
        found = [{"country": "Switzerland", "title": e["id"], **e,
                  "url": replica.url(e["url"])} for e in entries]
        home = {"id": "home", "country": "Switzerland", "title": "Home", "kind": "html",
                "url": replica.url("/home")}
        replica.set("/home", PAGE.format("Home"))
        document = {"settings": FAST, "defaults": {"stale_after": "never"}, "sources": [home],
                    "discover": found}
        path = tmp_path / "sources.yaml"
        path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        return config.load(path)

    def crawl(cfg):
        _, results = crawler.crawl(cfg, db_path, subscribers=(EVERYONE,))
        return {r["source_id"]: (r["outcome"], r["event"]) for r in results}

    return write, crawl


def rss(replica, *items):
    entries = "".join(f"<item><title>{title}</title><link>{replica.url(path)}</link>"
                      f"<pubDate>Fri, 03 May 2024 10:00:00 +0200</pubDate></item>"
                      for title, path in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{entries}</channel></rss>'


def events_of(db, kind):
    return list(db.query("SELECT e.source_id, e.detail, s.url, s.discovered_from FROM events e "
                         "JOIN sources s ON s.id = e.source_id WHERE e.kind = ? ORDER BY e.id",
                         [kind]))


def alerted(db, kind, source_id=None):
    return db.execute("SELECT count(*) FROM alert_outbox o JOIN events e ON e.id = o.event_id "
                      "WHERE e.kind = ? AND e.source_id = coalesce(?, e.source_id)",
                      [kind, source_id]).fetchone()[0]


def test_a_new_matching_release_is_told_once_then_watched(setup, replica, open_db, db_path):
    write, crawl = setup
    old = ("Menschenrechtsdialog Schweiz-China 2023", "/press/2023")
    replica.set("/press/2023", PAGE.format(old[0]))
    replica.set("/feed.xml", rss(replica, old), content_type="application/rss+xml")
    cfg = write({"id": "ch-news", "url": "/feed.xml", "type": "feed",
                 "match": ["Menschenrechtsdialog", {"near": ["China", "human rights"]}]})
    crawl(cfg)  # first read: a baseline, nothing told, nothing adopted
    db = open_db()
    assert events_of(db, "new_publication") == []
    assert db.execute("SELECT baseline FROM discovery_items").fetchall() == [(1,)]

    new = ("19. Menschenrechtsdialog Schweiz–China in Bern", "/press/2024")
    trade = ("Trade mission to Japan", "/press/trade")
    replica.set("/press/2024", PAGE.format(new[0]))
    replica.set("/press/trade", PAGE.format(trade[0]))
    replica.set("/feed.xml", rss(replica, new, trade, old), content_type="application/rss+xml")
    results = crawl(cfg)
    db = open_db()
    (told,) = events_of(db, "new_publication")
    assert told["url"] == replica.url("/press/2024") and told["discovered_from"] == "ch-news"
    assert "19. Menschenrechtsdialog" in told["detail"] and "2024-05-03" in told["detail"]
    assert alerted(db, "new_publication") == 1
    assert results[told["source_id"]] == ("ok", "new")  # captured the day it was found
    assert alerted(db, "new", told["source_id"]) == 0  # its first capture is not told a second time
    (outbox_id,) = db.execute("SELECT o.id FROM alert_outbox o JOIN events e ON e.id = o.event_id "
                              "WHERE e.kind = 'new_publication'").fetchone()
    message = alerts.render_event(store.alert_details(db, outbox_id))
    assert message.title.startswith("Switzerland's government published something new")
    assert "“19. Menschenrechtsdialog Schweiz–China in Bern” (2024-05-03), listed in ch-news" \
        in message.body and replica.url("/press/2024") in message.body
    assert len(replica.requests_for("/press/trade")) == 0  # not matching: not watched

    replica.set("/press/2024", PAGE.format(new[0] + ", with the delegation's names"))
    results = crawl(cfg)
    db = open_db()
    assert results[told["source_id"]][1] == "changed"  # watched like any page
    assert len(events_of(db, "new_publication")) == 1  # told once

    replica.set("/feed.xml", rss(replica, trade, old), content_type="application/rss+xml")
    results = crawl(cfg)
    db = open_db()
    (note,) = events_of(db, "delisted")
    assert note["source_id"] == told["source_id"] and alerted(db, "delisted") == 0
    assert told["source_id"] in results  # still watched

    shown = CliRunner().invoke(cli.cli, ["--sources", cfg.path, "--db", str(db_path), "discover"],
                               catch_exceptions=False).output
    (row,) = [line for line in shown.splitlines() if "ch-news" in line]
    assert row.split()[1:3] == ["ch-news", "feed"] and row.split()[-3:] == ["2", "0", "1"]


def listing(replica, items, next_page=None):
    rows = "".join(f'<li><a href="{path}"><h3>{title}</h3></a><span>{date}</span></li>'
                   for title, path, date in items)
    more = f'<a class="next" href="{next_page}">Next</a>' if next_page else ""
    return (f'<html><body><nav><a href="/">Home</a></nav><ul class="news">{rows}</ul>{more}'
            f"</body></html>")


def test_a_listing_is_read_over_its_pages_within_its_budget(setup, replica, open_db):
    write, crawl = setup
    for n in range(1, 5):
        items = [(f"Item {n}-{i}", f"/p/{n}-{i}", "03.05.2024") for i in range(3)]
        replica.set(f"/list?page={n}", listing(replica, items, f"/list?page={n + 1}" if n < 4 else None))
    cfg = write({"id": "ch-list", "url": "/list?page=1", "type": "listing", "items": ".news li",
                 "next": "a.next", "pages": 3, "match": ["human rights dialogue"]})
    crawl(cfg)
    db = open_db()
    assert db.execute("SELECT count(*) FROM discovery_items").fetchone()[0] == 9
    assert len(replica.requests_for("/list?page=4")) == 0  # pages: 3
    (check,) = db.query("SELECT pages, complete FROM discovery_checks")
    assert check == {"pages": 3, "complete": 0}

    # page 2 now lists a matching release in a language and width of its own
    items = [("ＥＵ–China Human Rights Dialogue: joint statement", "/p/hrd", "04.05.2024"),
             *[(f"Item 2-{i}", f"/p/2-{i}", "03.05.2024") for i in range(3)]]
    replica.set("/list?page=2", listing(replica, items, "/list?page=3"))
    replica.set("/p/hrd", PAGE.format("Joint statement"))
    crawl(cfg)
    db = open_db()
    (told,) = events_of(db, "new_publication")
    assert told["url"] == replica.url("/p/hrd") and "2024-05-04" in told["detail"]
    # an incomplete read (page 4 unread) delists nothing
    assert events_of(db, "delisted") == []
    assert db.execute("SELECT count(*) FROM discovery_items WHERE delisted_at IS NOT NULL").fetchone()[0] == 0


def test_session_tokens_in_item_addresses_are_not_new_items(setup, replica, open_db):
    write, crawl = setup
    tokens = iter(f"{n:04d}9F2C3A4B5C6D7E8F9A0B1C2D" for n in range(100))

    def answer(handler):
        token = next(tokens)
        items = [(f"Press release {i}", f"/r/{i};jsessionid={token}", "") for i in range(5)]
        body = listing(replica, items).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    replica.set("/tokens", b"", handler=answer)
    cfg = write({"id": "ch-tokens", "url": "/tokens", "type": "listing", "items": ".news li"})
    for _ in range(3):
        crawl(cfg)
    db = open_db()
    assert db.execute("SELECT count(*) FROM discovery_items").fetchone()[0] == 5
    assert events_of(db, "new_publication") == []
    assert [row["fresh"] for row in db.query("SELECT fresh FROM discovery_checks")] == [0, 0, 0]


def test_a_sitemap_index_with_gzip_sitemaps_and_a_limit(setup, replica, open_db):
    write, crawl = setup

    def sitemap(*paths):
        urls = "".join(f"<url><loc>{replica.url(p)}</loc><lastmod>2024-05-03</lastmod></url>"
                       for p in paths)
        return gzip.compress(f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                             f"{urls}</urlset>".encode())

    replica.set("/sitemap.xml", (
        f"<sitemapindex><sitemap><loc>{replica.url('/s-new.xml.gz')}</loc><lastmod>2024-05-01"
        f"</lastmod></sitemap><sitemap><loc>{replica.url('/s-old.xml.gz')}</loc><lastmod>"
        f"2010-01-01</lastmod></sitemap></sitemapindex>"), content_type="application/xml")
    replica.set("/s-old.xml.gz", sitemap("/en/about"), content_type="application/gzip")
    replica.set("/s-new.xml.gz", sitemap("/en/news/trade"), content_type="application/gzip")
    cfg = write({"id": "ch-sitemap", "url": "/sitemap.xml", "type": "sitemap", "limit": 2,
                 "match": ["human rights dialogue"]})
    crawl(cfg)
    paths = [f"/en/news/human-rights-dialogue-{n}" for n in range(3)]
    for path in paths:
        replica.set(path, PAGE.format(path))
    replica.set("/s-new.xml.gz", sitemap("/en/news/trade", *paths), content_type="application/gzip")
    crawl(cfg)
    db = open_db()
    assert len(events_of(db, "new_publication")) == 2  # limit: 2
    (check,) = db.query("SELECT note FROM discovery_checks ORDER BY id DESC LIMIT 1")
    assert "1 more matching publication" in check["note"] and "raise limit:" in check["note"]


@pytest.mark.parametrize("body, words", [
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
     b"<rss><channel><item><title>&b;</title></item></channel></rss>", "entities"),
    (gzip.compress(b"<rss>" + b" " * (55 * 2**20) + b"</rss>"), "more than 50 MB"),
    (b"<html><body>Maintenance</body></html>", "not a news feed (it is <html>"),
    (b"<html><body>Maintenance<br></body></html>", "not well-formed"),
])
def test_a_hostile_or_broken_answer_is_an_error_in_words(setup, replica, open_db, body, words):
    write, crawl = setup
    replica.set("/feed.xml", rss(replica, ("Human rights dialogue", "/a")))
    cfg = write({"id": "ch-news", "url": "/feed.xml", "type": "feed"})
    crawl(cfg)
    replica.set("/feed.xml", body, content_type="application/rss+xml")
    crawl(cfg)
    db = open_db()
    (check,) = db.query("SELECT error, complete FROM discovery_checks ORDER BY id DESC LIMIT 1")
    assert words in check["error"] and check["complete"] == 0
    assert events_of(db, "delisted") == [] and events_of(db, "new_publication") == []


def test_new_publications_per_partner_for_the_site(setup, replica, open_db, db_path):
    write, crawl = setup
    replica.set("/feed.xml", rss(replica))
    cfg = write({"id": "ch-news", "url": "/feed.xml", "type": "feed"})
    crawl(cfg)
    replica.set("/feed.xml", rss(replica, ("Any release", "/any")))
    replica.set("/any", PAGE.format("Any"))
    crawl(cfg)
    found = store_discovery.new_publications(open_db())
    assert [row["title"] for row in found["Switzerland"]] == ["Any release"]
    site = make_datasette(db_path)
    html = asyncio.run(site.client.get("/")).text
    part = html[html.index('id="new-publications"'):]
    assert "<h3>Switzerland</h3>" in part and "Any release" in part
    assert f'href="{replica.url("/any")}"' in part and "/monitor/history?source=ch-news-" in part


def test_a_crawl_of_some_pages_reads_discovery_once_a_day(setup, replica, open_db, db_path):
    """``run`` crawls the pages due by their ids: a discovery source, and each page it
    gave, is checked with them when it was not for defaults.every (24h)."""
    write, _ = setup
    replica.set("/feed.xml", rss(replica, ("Human rights dialogue", "/a")))
    cfg = write({"id": "ch-news", "url": "/feed.xml", "type": "feed"})
    for _ in range(2):
        crawler.crawl(cfg, db_path, ["home"])
    assert len(replica.requests_for("/feed.xml")) == 1
    assert open_db().execute("SELECT count(*) FROM discovery_checks").fetchone()[0] == 1
    replica.set("/feed.xml", rss(replica, ("Human rights dialogue", "/a"), ("New release", "/b")))
    replica.set("/b", PAGE.format("New release"))
    later = clock.current() + datetime.timedelta(days=1, minutes=1)
    with clock.set_to(later):  # a day later: the feed again, and the page it gave
        crawler.crawl(cfg, db_path, ["home"])
    with clock.set_to(later + datetime.timedelta(hours=1)):  # within the day: neither
        crawler.crawl(cfg, db_path, ["home"])
    with clock.set_to(later + datetime.timedelta(days=1, minutes=1)):  # the page, and the feed
        _, results = crawler.crawl(cfg, db_path, ["home"])
    (adopted,) = [r["source_id"] for r in results if r["source_id"].startswith("ch-news-")]
    assert len(replica.requests_for("/feed.xml")) == 3 and len(replica.requests_for("/b")) == 2


def test_nested_sitemap_indexes_that_loop_stop_at_the_page_budget(setup, replica, open_db):
    write, crawl = setup

    def index(*paths):
        return "<sitemapindex>" + "".join(f"<sitemap><loc>{replica.url(p)}</loc></sitemap>"
                                          for p in paths) + "</sitemapindex>"

    replica.set("/a.xml", index("/b.xml", "/a.xml"), content_type="application/xml")  # itself
    replica.set("/b.xml", index("/a.xml", *[f"/c{n}.xml" for n in range(20)]),
                content_type="application/xml")
    for n in range(20):
        replica.set(f"/c{n}.xml", index(f"/c{n + 1}.xml"), content_type="application/xml")
    cfg = write({"id": "ch-sitemap", "url": "/a.xml", "type": "sitemap", "pages": 4})
    crawl(cfg)
    fetched = sum(len(replica.requests_for(p)) for p in ["/a.xml", "/b.xml",
                                                         *[f"/c{n}.xml" for n in range(21)]])
    assert fetched == 4 and len(replica.requests_for("/a.xml")) == 1
    (check,) = open_db().query("SELECT pages, complete FROM discovery_checks")
    assert check == {"pages": 4, "complete": 0}


def test_each_discovery_source_is_read_by_exactly_one_shard(setup, replica, tmp_path):
    """``--shard K/N`` splits the discover: list by the same rule as the pages (the
    listing's own site): two nodes read the two feeds once between them."""
    write, _ = setup
    replica.set("/feed.xml", rss(replica, ("Human rights dialogue", "/a")))
    cfg = write({"id": "ch-local", "url": "/feed.xml", "type": "feed"},
                {"id": "ch-named", "url": "/feed.xml", "type": "feed"})
    document = yaml.safe_load(open(cfg.path, encoding="utf-8"))
    named = replica.url("/feed.xml").replace("127.0.0.1", "localhost")
    document["discover"][1]["url"] = named
    with open(cfg.path, "w", encoding="utf-8") as out:
        yaml.safe_dump(document, out, allow_unicode=True)
    cfg = config.load(cfg.path)
    assert {d.id: d.url for d in cfg.discover}["ch-named"] == named
    read_by = {}
    for number in (1, 2):
        path = tmp_path / f"node{number}.db"
        done = CliRunner().invoke(cli.cli, ["--sources", cfg.path, "--db", str(path),
                                            "--shard", f"{number}/2", "crawl", "-q"])
        assert done.exit_code == 0, done.output
        read_by[number] = [row[0] for row in store.open_db(path).execute(
            "SELECT discovery_id FROM discovery_checks")]
    assert read_by == {1: ["ch-local"], 2: ["ch-named"]}  # localhost is shard 2 of 2
    assert len(replica.requests_for("/feed.xml")) == 2


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_the_shipped_discovery_sources_split_into_shards_without_overlap(count):
    from monitor import shards

    shipped = config.load("sources.yaml")
    parts = [shards.select(shipped, (number, count)).discover for number in range(1, count + 1)]
    ids = [each.id for part in parts for each in part]
    assert sorted(ids) == sorted(each.id for each in shipped.discover)  # each once
    again = [shards.select(shipped, (number, count)).discover for number in range(1, count + 1)]
    assert parts == again  # the same split every time

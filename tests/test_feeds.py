"""The Atom feeds as a feed reader gets them: valid Atom (feedparser and
xml.etree), absolute links that open on the running site, an author, a link to
the site, the first lines added and removed, and the country in a country
feed's title. On the database a real crawl of the local replica left."""

import asyncio
import urllib.request
import xml.etree.ElementTree as ElementTree

import feedparser
import pytest
import yaml

from monitor.publish import datasette_plugin, site
from tests import site_fixtures

ATOM = "{http://www.w3.org/2005/Atom}"
UK_FEED = "/monitor/country_feed.atom?country=United%20Kingdom"
UK_ADDED = "China: the UK-China dialogue was suspended and resumed. last updated 2004"
UK_REMOVED = "China: the UK-China dialogue met in London and Gansu. last updated 2002"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    return site_fixtures.demo_db(tmp_path_factory)


@pytest.fixture(scope="module")
def served(demo_path):
    """`dialogue-watch serve` on the demo database, on a free port."""
    port = site_fixtures.free_port()
    with site_fixtures.running(site_fixtures.serve_command(demo_path, port), port) as base:
        yield base


def fetch(url, headers=None):
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as r:
        return r.status, r.headers.get("content-type"), r.read()


def parsed(body):
    """The feed as feedparser reads it, after checking that xml.etree reads it too."""
    assert ElementTree.fromstring(body).tag == f"{ATOM}feed"
    feed = feedparser.parse(body)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def alternate(feed):
    (link,) = [k.href for k in feed.feed.links if k.rel == "alternate"]
    return link


def test_every_link_of_the_feed_is_absolute_and_opens_on_the_running_site(served):
    status, content_type, body = fetch(served + "/monitor/feed.atom")
    assert status == 200 and "xml" in content_type
    feed = parsed(body)
    assert feed.feed.title == "dialogue-watch: every change on every watched page"
    assert feed.feed.author == "dialogue-watch" and feed.feed.author_detail.href == served + "/"
    assert alternate(feed) == served + "/monitor/recent_changes"
    assert feed.feed.id == served + "/monitor/feed.atom"
    assert [k.href for k in feed.feed.links if k.rel == "self"] == [served + "/monitor/feed.atom"]
    links = {entry.link for entry in feed.entries}
    assert len(feed.entries) > 20 and all(e.author == "dialogue-watch" for e in feed.entries)
    assert all(link.startswith(served + "/monitor/change?event=") for link in links)
    for link in links | {alternate(feed), feed.feed.author_detail.href}:
        assert fetch(link)[0] == 200, link


def test_a_country_feed_is_named_after_its_country_and_quotes_the_lines(served):
    feed = parsed(fetch(served + UK_FEED)[2])
    assert feed.feed.title == "dialogue-watch: every change on United Kingdom's pages"
    assert alternate(feed) == served + "/monitor/recent_changes?country=United+Kingdom"
    assert fetch(alternate(feed))[0] == 200
    assert feed.feed.id == served + UK_FEED
    updated = next(e for e in feed.entries if "'last updated' line)" in e.title
                   and e.title.startswith("United Kingdom: FCO annual report"))
    html = updated.content[0].value
    assert updated.content[0].type == "text/html"
    added, removed = html.index("<strong>Added:</strong>"), html.index("<strong>Removed:</strong>")
    assert added < html.index(UK_ADDED) < removed < html.index(UK_REMOVED)
    assert "1 line(s) added, 1 removed." in html
    assert "'Last updated' line: last updated 2002 → last updated 2004" in html
    assert fetch(updated.link)[0] == 200
    canada = parsed(fetch(served + "/monitor/country_feed.atom?country=Canada")[2])
    assert canada.feed.title == "dialogue-watch: every change on Canada's pages"
    assert all(e.title.startswith("Canada: ") for e in canada.entries)


def test_a_feed_for_an_unknown_country_is_valid_and_links_the_staleness_page(served):
    feed = parsed(fetch(served + "/monitor/country_feed.atom?country=Narnia")[2])
    assert feed.feed.title == "dialogue-watch: every change on Narnia's pages"
    (only,) = feed.entries
    assert only.title == "No events yet for Narnia"
    assert only.link == served + "/monitor/staleness" and fetch(only.link)[0] == 200


def test_behind_a_proxy_the_links_use_the_public_address(served):
    """The proxy of the README's "Behind a reverse proxy" sends Host and X-Forwarded-Proto;
    `serve` trusts them from 127.0.0.1."""
    headers = {"Host": "watch.example.org", "X-Forwarded-Proto": "https"}
    feed = parsed(fetch(served + UK_FEED, headers)[2])
    assert feed.feed.id == "https://watch.example.org" + UK_FEED
    assert all(e.link.startswith("https://watch.example.org/monitor/change?event=")
               for e in feed.entries)
    assert feed.feed.author_detail.href == "https://watch.example.org/"


def get(datasette, path):
    response = asyncio.run(datasette.client.get(path))
    assert response.status_code == 200, response.text[:500]
    return response.content


def test_the_links_keep_datasette_s_base_url(demo_path):
    prefixed = site.make_datasette(demo_path, base_url="/watch/")
    feed = parsed(get(prefixed, "/monitor/feed.atom"))  # the client adds /watch/
    assert feed.feed.id == "http://localhost/watch/monitor/feed.atom"
    assert alternate(feed) == "http://localhost/watch/monitor/recent_changes"
    assert all(e.link.startswith("http://localhost/watch/monitor/change?event=") for e in feed.entries)


def test_a_configured_site_url_wins(demo_path):
    """A published copy behind a proxy that rewrites the address names its public address:
    `plugins: {dialogue-watch: {site_url: ...}}` in the metadata (or datasette publish
    --plugin-secret dialogue-watch site_url URL)."""
    from datasette.app import Datasette
    from datasette.database import Database

    metadata = yaml.safe_load(site.METADATA.read_text(encoding="utf-8"))
    metadata.setdefault("plugins", {})["dialogue-watch"] = {"site_url": "https://example.org/dw"}
    published = Datasette(metadata=metadata, template_dir=str(site.TEMPLATES))
    published.add_database(Database(published, path=str(demo_path)), name="monitor")
    feed = parsed(get(published, UK_FEED))
    assert feed.feed.id == "https://example.org/dw" + UK_FEED
    assert feed.feed.author_detail.href == "https://example.org/dw/"
    assert alternate(feed) == "https://example.org/dw/monitor/recent_changes?country=United+Kingdom"
    assert all(e.link.startswith("https://example.org/dw/monitor/") for e in feed.entries)


def test_the_home_page_still_links_the_latest_changes_on_the_site(demo_path):
    html = get(site.make_datasette(demo_path), "/").decode()
    assert html.count('href="/monitor/change?event=') == 8


# -- the lines quoted in an entry ------------------------------------------------------


def test_an_entry_quotes_the_first_three_lines_each_way_escaped_and_cut():
    diff = "\n".join(["--- before", "+++ after", "@@ -1,5 +1,5 @@", " same",
                      "-<b>old</b> & gone", "--- looks like a header", "+" + "x" * 400,
                      "+two", "+three", "+four", "+five"])
    html = datasette_plugin.diff_html(diff)
    assert html.startswith("<p><strong>Added:</strong></p><ul><li>" + "x" * 300 + "…</li>")
    assert "<li>two</li><li>three</li><li>… and 2 more</li></ul>" in html
    assert "four" not in html and "same" not in html
    assert html.endswith("<p><strong>Removed:</strong></p><ul><li>&lt;b&gt;old&lt;/b&gt; &amp; gone</li>"
                         "<li>-- looks like a header</li></ul>")


def test_an_entry_without_changed_lines_quotes_none():
    assert datasette_plugin.diff_html(None) is None
    assert datasette_plugin.diff_html("") is None


def test_before_the_first_check_every_page_answers_and_the_feed_says_so(tmp_path):
    """A new site (the database created, nothing crawled yet): no page may fail, and a
    campaigner who subscribes now gets a valid feed saying there is nothing yet."""
    from monitor import store

    path = tmp_path / "monitor.db"
    store.open_db(path).conn.close()
    datasette = site.make_datasette(path)
    for page in ("/", "/monitor/staleness", "/monitor/recent_changes", "/monitor/health",
                 "/monitor/search?q=Tibet", "/monitor/baseline_2003", "/monitor/feed.atom",
                 "/monitor/country_feed.atom?country=Canada", "/monitor/history?source=x",
                 "/monitor/change?event=1", "/monitor/capture?version=1",
                 "/monitor/compare?source=x&from=1&to=2"):
        assert asyncio.run(datasette.client.get(page)).status_code == 200, page
    feed = feedparser.parse(asyncio.run(datasette.client.get("/monitor/feed.atom")).text)
    assert not feed.bozo and [e.title for e in feed.entries] == ["No events yet"]
    assert "No events yet" not in asyncio.run(datasette.client.get("/")).text  # not a change

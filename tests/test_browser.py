"""The published site in a real headless browser: Debian's chromium driven by
Playwright, against a real server on 127.0.0.1. Screenshots go to test-artifacts/.

Chromium comes from the system (``apt-get install chromium``), never from
``playwright install``.
"""

import json
import re
import urllib.request
import xml.etree.ElementTree as ElementTree

import pytest
from playwright.sync_api import expect

from tests import site_fixtures
from tests.site_fixtures import ARTIFACTS, browser  # noqa: F401 (the shared Chromium)

# A captured page trying everything: a live script, an event handler, a
# javascript: link, and the same markup written out as text.
HOSTILE = """<!doctype html><html><head><meta charset="utf-8"><title>Hostile</title>
<script>document.title = 'PWNED'; window.__pwned = 'script'; alert('script');</script></head>
<body><main><h1>Human rights dialogue &lt;script&gt;window.__pwned='text'&lt;/script&gt;</h1>
<p>The delegations met in Beijing. <img src="x" onerror="window.__pwned='onerror'; document.title='PWNED'">
Read <a href="javascript:window.__pwned='link'">the joint statement</a> online.</p>
<p>Quoted markup: &lt;img src=x onerror="window.__pwned='img'"&gt; and
&lt;a href="javascript:window.__pwned='a'"&gt;a link&lt;/a&gt;.</p>
<p>Last updated: 12 March 2024</p></main></body></html>"""
ADDED = "<p>&lt;script&gt;window.__pwned='diff'&lt;/script&gt; was added to the page.</p>"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The demo database, served by `datasette` as the README publishes it."""
    db_path = site_fixtures.demo_db(tmp_path_factory)
    port = site_fixtures.free_port()
    with site_fixtures.running(site_fixtures.datasette_command(db_path, port), port) as base:
        yield base


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()

ATOM = "{http://www.w3.org/2005/Atom}"


def screenshot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def json_rows(url):
    with urllib.request.urlopen(url + ("&" if "?" in url else "?") + "_shape=array") as response:
        return json.load(response)


# -- what a campaigner sees -----------------------------------------------------------


def test_home_page_shows_the_stale_partners_and_leads_to_the_staleness_page(page, base_url):
    page.goto(base_url + "/")
    assert page.locator("h1").inner_text().startswith("dialogue-watch")
    assert page.locator("g.dw-partner").count() == 12
    assert page.locator("g.dw-partner").first.text_content().strip().startswith("Australia")
    events = len(json_rows(base_url + "/monitor/feed.json"))
    assert page.locator("ul.dw-latest li").count() == min(8, events)  # the feed holds 100
    screenshot(page, "home")
    page.get_by_role("link", name="Staleness", exact=True).click()
    page.wait_for_url(base_url + "/monitor/staleness")


def test_staleness_page_lists_every_page_most_stale_first_with_the_chart(page, base_url):
    page.goto(base_url + "/monitor/staleness")
    assert page.locator("h1").inner_text() == "How stale is each disclosure?"
    table_rows = page.locator("table.dw-staleness tbody tr")
    assert table_rows.count() == len(json_rows(base_url + "/monitor/staleness.json"))
    days = [text.replace(",", "") for text in page.locator("td.dw-days").all_inner_texts()]
    numbers = [int(d) for d in days if d.isdigit()]
    assert numbers == sorted(numbers, reverse=True) and days[-1] == "–"
    dated = {r["country"] for r in json_rows(base_url + "/monitor/staleness_chart.json") if r["points"]}
    assert page.locator("svg.dw-panel").count() == len(dated)  # a panel per partner with a date
    assert page.locator("#chart-partners").is_visible()
    screenshot(page, "staleness")
    table_rows.filter(has_text="Canada").get_by_role("link").first.click()
    expect(page.locator("h1")).to_have_text("Canada-China Bilateral Human Rights Dialogue")


def test_a_change_highlights_added_and_removed_words(page, base_url):
    page.goto(base_url + "/monitor/recent_changes?source_id=demo-uk-report-p34&kind=updated")
    page.get_by_role("link", name="see the change").click()
    page.wait_for_url("**/monitor/change?event=*")
    added, removed = page.locator(".dw-diff .dw-add"), page.locator(".dw-diff .dw-del")
    assert "suspended and resumed" in added.inner_text()
    assert "met in London and Gansu" in removed.inner_text()
    assert added.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(230, 255, 236)"
    assert removed.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 235, 233)"
    struck = removed.locator("del").first  # only the words removed: "met in London", "Gansu."
    assert struck.inner_text() == "met in London"
    assert struck.evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
    assert removed.evaluate("e => getComputedStyle(e).textDecorationLine") == "none"  # the rest plain
    assert added.locator("ins").first.inner_text() == "was suspended"
    screenshot(page, "change")
    page.get_by_role("link", name="version 1").click()
    expect(page.locator("h1")).to_contain_text("version 1")


def test_search_from_the_home_page_marks_what_it_found(page, base_url):
    page.goto(base_url + "/")
    page.fill("#dw-q", "Tibet")
    page.press("#dw-q", "Enter")
    page.wait_for_url("**/monitor/search?q=Tibet")
    assert page.locator("table.dw-results tbody tr").count() == 1
    assert page.locator(".dw-snippet mark").inner_text() == "Tibet"
    assert page.get_by_role("link", name="EU-China Human Rights Dialogue").is_visible()
    screenshot(page, "search")


def test_facets_narrow_the_recent_changes(page, base_url):
    page.goto(base_url + "/monitor/recent_changes")
    page.locator(".facet-info").filter(has_text="country").get_by_role("link", name="Norway").click()
    page.wait_for_url("**/monitor/recent_changes?country=Norway")
    expect(page.locator("table.dw-changes tbody tr")).to_have_count(4)  # new, stale, failing, recovered
    # Norway's feed: announced to feed readers, and its address on the Follow page
    feed = page.locator('link[rel="alternate"][title="dialogue-watch: Norway"]')
    assert feed.get_attribute("href").endswith("/country_feed.atom?country=Norway")
    page.locator("p.dw-feeds").get_by_role("link", name="Follow the changes in a feed reader").click()
    page.wait_for_url("**/monitor/follow")
    assert page.get_by_label("Feed address: Norway").input_value().endswith(
        "/monitor/country_feed.atom?country=Norway")
    screenshot(page, "recent-changes-norway")


def test_a_capture_downloads_its_original_file_without_opening_it(page, base_url):
    (updated,) = json_rows(base_url + "/monitor/recent_changes.json?source_id=demo-canada&kind=updated")
    page.goto(base_url + f"/monitor/capture?version={updated['version_id']}")
    assert "A new round was held this year" in page.locator("pre.dw-capture").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the original file").click()
    assert download.value.suggested_filename.startswith("demo-canada-v2-")
    assert download.value.suggested_filename.endswith(".html")
    with open(download.value.path(), "rb") as original:
        assert b"<main><h1>Canada-China Bilateral Human Rights Dialogue</h1>" in original.read()
    assert "/monitor/capture?version=" in page.url


# -- a hostile captured page ------------------------------------------------------------


def assert_inert(page, where):
    assert page.evaluate("window.__pwned") is None, where
    assert page.title() != "PWNED", where
    assert not page.dialogs, where
    assert page.locator("img[onerror], [onerror], [onclick]").count() == 0, where
    assert page.locator('a[href^="javascript:"]').count() == 0, where
    scripts = page.evaluate("[...document.scripts].map(s => s.textContent).join(' ')")
    assert "__pwned" not in scripts, where


def test_a_hostile_capture_never_runs_or_renders_as_html(browser, page, replica, make_config,
                                                          crawl, db_path):
    cfg = make_config({"id": "hostile", "path": "/hostile", "title": "A hostile page"})
    replica.set("/hostile", HOSTILE)
    crawl(cfg)
    replica.set("/hostile", HOSTILE.replace("<p>Quoted markup", ADDED + "<p>Quoted markup"))
    crawl(cfg)
    port = site_fixtures.free_port()
    with site_fixtures.running(site_fixtures.serve_command(db_path, port), port) as base:
        changes = json_rows(base + "/monitor/recent_changes.json")
        assert [c["kind"] for c in changes] == ["silent_edit", "new"]
        later = changes[0]
        visits = {
            "capture": f"/monitor/capture?version={later['version_id']}",
            "change": f"/monitor/change?event={later['id']}",
            "history": "/monitor/history?source=hostile",
            "search": "/monitor/search?q=__pwned",
            "recent-changes": "/monitor/recent_changes",
            "texts-table": "/monitor/texts",
            "texts-row": "/monitor/texts/" + json_rows(base + "/monitor/texts.json")[0]["sha256"],
        }
        for name, path in visits.items():
            page.goto(base + path)
            page.wait_for_timeout(100)  # give any injected handler its chance
            assert_inert(page, name)
            screenshot(page, f"hostile-{name}")
        page.goto(base + visits["capture"])
        text = page.locator("pre.dw-capture").inner_text()
        assert "<script>window.__pwned='text'</script>" in text  # shown as the words it is
        assert "<img src=x onerror=" in text
        page.goto(base + visits["change"])
        added = page.locator(".dw-add").inner_text()
        assert "<script>window.__pwned='diff'</script> was added" in added
        page.goto(base + visits["capture"])
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the original file").click()
        assert download.value.suggested_filename.startswith("hostile-v2-")
        assert_inert(page, "after the download")
        feed = urllib.request.urlopen(base + "/monitor/feed.atom").read().decode()
        contents = [c.text or "" for c in ElementTree.fromstring(feed).iter(f"{ATOM}content")]
        assert contents and all(c.get("type") == "html" for c in
                                ElementTree.fromstring(feed).iter(f"{ATOM}content"))
        # the HTML a feed reader renders holds the captured markup only as escaped text
        assert not any(re.search(r"<\s*(script|img|iframe|svg)", c, re.I) for c in contents)

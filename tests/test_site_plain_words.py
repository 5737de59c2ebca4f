"""The demo's site as a campaigner first sees it (issue 24), in Chromium at a phone's
and a desktop's width: the 2003 story is told (grey 2003 bars on the home chart, the
"2003 report: N days" figure of a stale page), durations read in years and days, and no
public page shows a setting name or Datasette's machinery. Screenshots of every page go to
test-artifacts/issue24-after-<page>-<width>.png."""

import re

import pytest

from tests import site_fixtures
from tests.site_fixtures import ARTIFACTS, browser  # noqa: F401 (the shared Chromium)

WIDTHS = (390, 1280)
# What a campaigner must never have to read: setting names, files, Datasette's machinery.
FORBIDDEN = ("sources.yaml", "alerts.yaml", "stale_after", "follow_limit", "follow:", "render:",
             "ignore:", "failing_after", "selector", "_sqlite_migrations", "Powered by",
             "Queries took", "Datasette", "not alerted unless")
PAGES = {
    "home": "/",
    "staleness": "/monitor/staleness",
    "changes": "/monitor/recent_changes?kind__notin=new,stale",
    "every-event": "/monitor/recent_changes",
    "history": "/monitor/history?source=demo-australia",
    "documents": "/monitor/documents?source=demo-chile",
    "search": "/monitor/search?q=%E4%BA%BA%E6%A8%A9",
    "health": "/monitor/health",
    "baseline": "/monitor/baseline_2003",
    "follow": "/monitor/follow",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    db_path = site_fixtures.demo_db(tmp_path_factory)
    port = site_fixtures.free_port()
    with site_fixtures.running(site_fixtures.serve_command(db_path, port), port) as base:
        yield base


@pytest.fixture(scope="module")
def walked(site, browser):
    """Every public page at both widths: {(name, width): (status, visible text)}, plus the
    change page of the first text change the home page lists."""
    seen = {}
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": 900})
        pages = dict(PAGES)
        for name, path in list(pages.items()):
            response = page.goto(site + path)
            seen[name, width] = (response.status, page.inner_text("body"), _chart(page, name))
            page.screenshot(path=str(ARTIFACTS / f"issue24-after-{name}-{width}.png"),
                            full_page=True)
            if name == "home":
                pages["change"] = page.get_attribute(".dw-latest a", "href")
        response = page.goto(site + pages["change"])
        seen["change", width] = (response.status, page.inner_text("body"), None)
        page.screenshot(path=str(ARTIFACTS / f"issue24-after-change-{width}.png"), full_page=True)
        page.close()
    return seen


def _chart(page, name):
    """The home chart's bars (home), the feed addresses offered (follow)."""
    if name == "follow":
        return page.eval_on_selector_all("input.dw-copy", "boxes => boxes.map(b => b.value)")
    if name != "home":
        return None
    return page.eval_on_selector_all(".dw-partner", """groups => groups.map(g => ({
        country: g.dataset.country,
        grey: [...g.querySelectorAll('rect.then')].map(r => r.getBoundingClientRect().width),
        label: (g.querySelector('.dw-then-days') || {}).textContent || null,
        now: (g.querySelector('.dw-days-now') || {}).textContent || null}))""")


@pytest.mark.parametrize("width", WIDTHS)
def test_every_public_page_answers_in_plain_words(walked, width):
    for (name, at), (status, text, _) in walked.items():
        if at != width:
            continue
        assert status == 200, name
        found = [word for word in FORBIDDEN if word.lower() in text.lower()]
        assert not found, (name, width, found)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_home_chart_shows_the_grey_2003_bars_in_years_and_days(walked, width):
    chart = {row["country"]: row for row in walked["home", width][2]}
    cited = {"Australia", "Canada", "European Union", "United Kingdom"}  # their 2003 'last updated'
    assert {country for country, row in chart.items() if row["grey"]} == cited
    for country in cited:
        assert chart[country]["grey"][0] > 0, country
        assert re.fullmatch(r"2003 report: \d+ days", chart[country]["label"]) or \
            re.fullmatch(r"2003 report: \d+ years? \d+ days?", chart[country]["label"]), chart[country]
    assert chart["Australia"]["now"].startswith("24 years")  # 'Last updated Nov 2002', in words
    assert not any(re.search(r"\d,\d{3} days", row["now"] or "") for row in chart.values())


@pytest.mark.parametrize("width", WIDTHS)
def test_a_stale_page_gives_the_2003_report_figure(walked, width):
    text = walked["history", width][1]
    assert re.search(r"2003 report: [\d,]+ days; now: [\d,]+ days", text), text[:2000]


def test_the_feed_link_leads_to_a_page_a_campaigner_can_read(walked):
    _, text, addresses = walked["follow", 390]
    assert "feed reader" in text and "United Kingdom" in text
    assert addresses[0].endswith("/monitor/feed.atom") and addresses[0].startswith("http://127.0.0.1:")
    assert any(a.endswith("country_feed.atom?country=United%20Kingdom") for a in addresses)
    home = walked["home", 1280][1]
    assert "Follow the changes in a feed reader" in home and "All the data" not in home


def test_recent_changes_keep_first_captures_and_stale_reminders_apart(walked):
    changes = walked["changes", 1280][1]
    assert "Pages first watched and reminders that a page is still stale are left out" in changes
    listed = re.search(r"(\d+) changes, newest first", changes)
    every = re.search(r"(\d+) events, newest first", walked["every-event", 1280][1])
    assert listed and every and int(listed.group(1)) < int(every.group(1))
    assert "\nStale\n" not in changes and "\nNew\n" not in changes


def test_pages_never_reached_say_not_yet_checked(replica, make_config, crawl, db_path):
    """After an offline crawl the site does not read a failure as a finding: the home
    chart and the staleness list say 'not yet checked', not 'no dated page online' or
    'no change since first seen'."""
    import asyncio
    import concurrent.futures

    from monitor.publish import site as site_module

    cfg = make_config({"id": "dead", "url": "http://127.0.0.1:9/x", "country": "Japan"})
    crawl(cfg)
    datasette = site_module.make_datasette(db_path)
    # in a thread of its own: this module's Chromium (Playwright) keeps an event loop running here
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        home, listed = (thread.submit(asyncio.run, datasette.client.get(path)).result().text
                        for path in ("/", "/monitor/staleness"))
    chart = re.search(r'data-country="Japan">(.*?)</g>', home, re.S).group(1)
    assert "not yet checked" in chart and "no dated page online" not in chart
    assert "not yet checked" in listed and "no change since first seen" not in listed

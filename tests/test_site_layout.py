"""Every page of the published site at phone and desktop width, in real Chromium:
nothing wider than the screen (only inside a deliberate sideways-scrolling box),
each stacked label beside its own value, chart text legible. Screenshots go to
test-artifacts/layout-<page>-<phone|desktop>.png.
"""

import re
import urllib.parse

import pytest

from tests import site_fixtures
from tests.test_browser import base_url, browser, json_rows, screenshot  # noqa: F401 (fixtures)

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}

# Every page of the site table in docs/guide.md, on the demo database ({event} and {version}
# are filled from it). test_every_page_of_the_readme_table_is_here keeps the two in step.
PAGES = {
    "home": "/",
    "staleness": "/monitor/staleness",
    "recent-changes": "/monitor/recent_changes",
    "recent-changes-narrowed": "/monitor/recent_changes?country=Germany&kind=silent_edit",
    "history": "/monitor/history?source=demo-uk-report-p34",
    "change": "/monitor/change?event={event}",
    "compare": "/monitor/compare?source=demo-uk-report-p34&from=1&to=2",
    "capture": "/monitor/capture?version={version}",
    "search": "/monitor/search?q=Tibet",
    "health": "/monitor/health",
    "baseline-2003": "/monitor/baseline_2003",
    "follow": "/monitor/follow",
    "all-tables": "/monitor",
}

# Anything whose right edge passes the screen's, outside a deliberate scroll box (and
# outside a visually hidden box of a few pixels, like CodeMirror's hidden input).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth, found = [];
  const hidden = el => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible" && up.getBoundingClientRect().width < 5) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    if (el.parentElement.closest(".dw-scroll") || hidden(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width && box.height && box.right > width + 0.5 && box.left < width) {
      found.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(box.right)}px`);
    }
  }
  return found;
}"""

# The size each chart label is drawn at on screen, in CSS pixels.
CHART_TEXT = """() => [...document.querySelectorAll("svg.dw-chart text")].map(t => ({
  text: t.textContent.trim(),
  px: parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a,
}))"""

# Stacked tables: each cell's label must be its own column's heading.
MISLABELLED = """() => {
  const wrong = [];
  for (const table of document.querySelectorAll("table.dw-stack")) {
    const heads = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
    for (const row of table.querySelectorAll("tbody tr")) {
      [...row.children].forEach((cell, i) => {
        if (cell.colSpan > 1) return;
        const label = cell.dataset.label;
        if (label !== heads[i]) wrong.push(`${label} under ${heads[i]}`);
        const shown = getComputedStyle(cell, "::before").content;
        if (matchMedia("(max-width: 640px)").matches && label && shown !== JSON.stringify(label)) {
          wrong.push(`${label} shown as ${shown}`);
        }
      });
    }
  }
  return wrong;
}"""

# A table of more than four columns must stack on phones or scroll in its own box.
WIDE_TABLES_LEFT_AS_THEY_ARE = """() => [...document.querySelectorAll("table")]
  .filter(t => t.querySelectorAll("thead th").length > 4)
  .filter(t => !t.matches(".dw-stack") && !t.closest(".dw-scroll"))
  .map(t => t.className)"""


@pytest.fixture(scope="module")
def addresses(base_url):  # noqa: F811
    (updated,) = json_rows(base_url + "/monitor/recent_changes.json?source_id=demo-uk-report-p34&kind=updated")
    return {name: path.format(event=updated["id"], version=updated["version_id"])
            for name, path in PAGES.items()}


def readme_site_paths():
    """The paths (without query) of the campaigner's guide's table of the published site."""
    section = (site_fixtures.ROOT / "docs" / "guide.md").read_text().split("## The published site")[1]
    table = re.search(r"^\|.*?(?=\n\n)", section, re.M | re.S)[0]
    paths = re.findall(r"`(/[^`]*)`", table)
    return {urllib.parse.urlsplit(p).path for p in paths if "/-/original/" not in p}


def test_every_page_of_the_readme_table_is_here():
    assert readme_site_paths() == {urllib.parse.urlsplit(p).path for p in PAGES.values()}


@pytest.mark.parametrize("device", VIEWPORTS)
@pytest.mark.parametrize("name", PAGES)
def test_page_fits_the_screen_with_legible_charts(browser, addresses, base_url, name, device):  # noqa: F811
    context = browser.new_context(viewport=VIEWPORTS[device])
    page = context.new_page()
    try:
        page.goto(base_url + addresses[name])
        screenshot(page, f"layout-{name}-{device}")
        width = page.evaluate("window.innerWidth")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.evaluate(OVERFLOWING) == []
        small = [t for t in page.evaluate(CHART_TEXT) if t["px"] < 10]
        assert small == [], f"chart text under 10 px: {small[:5]}"
        assert page.evaluate(MISLABELLED) == []
        assert page.evaluate(WIDE_TABLES_LEFT_AS_THEY_ARE) == []
    finally:
        context.close()


def test_wide_tables_scroll_sideways_inside_a_labelled_box(browser, base_url):  # noqa: F811
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    page = context.new_page()
    try:
        page.goto(base_url + "/monitor/baseline_2003")
        box = page.locator(".dw-scroll").first
        assert box.get_attribute("role") == "region" and box.get_attribute("aria-label")
        assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    finally:
        context.close()

"""The campaigner's pages speak words, not Datasette: plain titles, human dates,
kinds of change and facets in words, diff sizes explained. The raw tables stay
one link away for researchers."""

import asyncio
import html as html_module
import re

import pytest

from monitor.publish import site
from tests import site_fixtures


@pytest.fixture(scope="module")
def datasette(tmp_path_factory):
    return site.make_datasette(site_fixtures.demo_db(tmp_path_factory))


def page(datasette, path):
    response = asyncio.run(datasette.client.get(path))
    assert response.status_code == 200, response.text[:500]
    return html_module.unescape(response.text)


def facet_counts(datasette, column):
    data = asyncio.run(datasette.client.get("/monitor/recent_changes.json")).json()
    return {r["value"]: r["count"] for r in data["facet_results"][column]["results"]}


def count_sentence(html):
    words = re.search(r'<p class="dw-count">(.*?)</p>', html, re.S)[1]
    return " ".join(re.sub(r"<[^>]+>", "", words).split())


def title(html):
    return re.search(r"<title>(.*?)</title>", html, re.S)[1].strip()


def test_recent_changes_has_none_of_datasettes_machinery(datasette):
    html = page(datasette, "/monitor/recent_changes")
    assert "(view)" not in html
    assert "sorted by" not in html and not re.search(r"\d+ rows?\b", html)
    assert "- column -" not in html and "_filter_column" not in html and 'class="filters"' not in html
    assert "CREATE VIEW" not in html and "wrapped-sql" not in html
    assert "Advanced export" not in html
    events = sum(facet_counts(datasette, "kind").values())
    # every event: the page's own link (from the menu and the home page) leaves first
    # captures and stale reminders apart, and then counts changes (tests/test_site_plain_words)
    assert count_sentence(html) == f"{events:,} events, newest first."


def test_recent_changes_keeps_the_raw_data_for_researchers(datasette):
    html = page(datasette, "/monitor/recent_changes?country=Norway")
    assert 'href="/monitor/events"' in html and 'href="/monitor/event_kinds"' in html
    assert 'href="/monitor/recent_changes.json?country=Norway"' in html
    assert 'href="/monitor/recent_changes.csv?country=Norway' in html


def test_facets_are_titled_and_labelled_in_words(datasette):
    html = page(datasette, "/monitor/recent_changes")
    facets = html.split('class="facet-results dw-facets"')[1].split("</div>\n</div>")[0]
    assert "<strong>Country</strong>" in facets and "<strong>Kind of change</strong>" in facets
    kinds = facet_counts(datasette, "kind")
    assert f">Silent edit</a>: {kinds['silent_edit']}" in facets
    assert f">Marker only</a>: {kinds['marker_only']}" in facets
    assert not re.search(r">[a-z]+_[a-z_]+</a>", facets)  # no codes like silent_edit
    narrowed = page(datasette, "/monitor/recent_changes?kind=silent_edit")
    assert f"Silent edit: {kinds['silent_edit']} · " in narrowed and "show all</a>" in narrowed
    assert count_sentence(narrowed) == (f"{kinds['silent_edit']} events of the kind “Silent edit”,"
                                        " newest first. Show every change")


def test_counts_of_lines_are_told_in_words(datasette):
    html = page(datasette, "/monitor/recent_changes")
    assert not re.search(r"\+\d+ −\d+", html)
    assert "1 line added, 1 removed" in html or "lines added" in html
    assert "text unchanged" in html  # a change of the 'last updated' line only
    history = page(datasette, "/monitor/history?source=demo-uk-report-p34")
    assert not re.search(r"\+\d+ −\d+", history) and '<td data-label="Text">1 line added, 1 removed' in history


def test_dates_are_written_as_people_write_them(datasette):
    html = page(datasette, "/monitor/recent_changes")
    cells = re.findall(r'<td data-label="When"><time datetime="[^"]+">([^<]+)</time>', html)
    assert cells and all(re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d UTC", c) for c in cells)


def test_page_titles_are_plain(datasette):
    assert title(page(datasette, "/monitor/recent_changes")) == "Recent changes · dialogue-watch"
    assert title(page(datasette, "/monitor/recent_changes?country=Germany&kind=silent_edit")) == \
        "Recent changes: Germany: silent edit · dialogue-watch"
    assert title(page(datasette, "/monitor/recent_changes?source_id=demo-canada")) == \
        "Recent changes: Canada-China Bilateral Human Rights Dialogue · dialogue-watch"
    assert page(datasette, "/monitor/recent_changes?source_id=demo-canada").count(
        "on “Canada-China Bilateral Human Rights Dialogue”") == 1
    change = title(page(datasette, "/monitor/change?event=1"))
    assert "_" not in change and re.search(r" on \d{1,2} [A-Z][a-z]+ \d{4}$", change)


def test_phones_get_labels_of_their_own_not_datasettes_column_names(datasette):
    html = page(datasette, "/monitor/recent_changes")
    assert "rows-and-columns" not in html.split("<body")[1]  # Datasette's phone labels key on it
    assert '<td data-label="Text">' in html and '<td data-label="When">' in html

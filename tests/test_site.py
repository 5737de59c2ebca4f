"""The published site: every page, query, facet and feed, through Datasette's
own test client, on the database a real crawl of the local replica left."""

import asyncio
import datetime
import hashlib
import json
import re
import urllib.parse
import xml.etree.ElementTree as ElementTree

import pytest
from click.testing import CliRunner

from monitor import demo, store
from monitor.analysis import search_lines, search_words, staleness
from monitor.cli import site as site_command
from monitor.publish import datasette_plugin, site
from tests import site_fixtures

ATOM = "{http://www.w3.org/2005/Atom}"
# The demo's round 2 bumps Canada's and Japan's dates to a week before that round's day
BUMPED = demo.round_times()[1].date() - demo.ONE_WEEK
CANADA_BUMP = f"Date modified: {BUMPED}"
JAPAN_BUMP = demo.japanese_date(BUMPED)


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory):
    return site_fixtures.demo_db(tmp_path_factory)


@pytest.fixture(scope="module")
def datasette(demo_path):
    return site.make_datasette(demo_path)


def get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def page(datasette, path):
    response = get(datasette, path)
    assert response.status_code == 200, response.text[:500]
    return response.text


def rows(datasette, path):
    joiner = "&" if "?" in path else "?"
    response = get(datasette, f"{path}{joiner}_shape=array")
    assert response.status_code == 200, response.text[:500]
    return response.json()


def count(datasette, sql):
    return rows(datasette, "/monitor.json?sql=" + sql)[0]["n"]


def event(datasette, source_id, kind):
    (found,) = rows(datasette, f"/monitor/recent_changes.json?source_id={source_id}&kind={kind}")
    return found


# -- home, metadata -------------------------------------------------------------


def test_home_page_says_what_this_is_and_shows_the_chart(datasette):
    html = page(datasette, "/")
    assert "<h1>dialogue-watch: governments&#39; human-rights dialogues with China</h1>" in html
    assert "keeps every version" in html
    for link in ("/monitor/staleness", "/monitor/recent_changes", "/monitor/baseline_2003",
                 "/monitor/health", "/monitor/feed.atom", 'action="/monitor/search"'):
        assert link in html
    assert len(re.findall(r'<g class="dw-partner" data-country=', html)) == 12
    events = count(datasette, "select count(*) as n from events")
    assert html.count('href="/monitor/change?event=') == min(8, events)  # the latest changes
    assert 'type="application/atom+xml"' in html


def test_metadata_has_title_description_source_and_licence(datasette):
    metadata = get(datasette, "/-/metadata.json").json()
    assert metadata["title"].startswith("dialogue-watch")
    assert metadata["license"].startswith("CC BY 4.0") and metadata["license_url"]
    assert "checked every day" in metadata["source"] and "Behind Closed Doors" in metadata["source"]
    assert "sources.yaml" not in metadata["source"]  # shown in every page's footer: plain words
    tables = metadata["databases"]["monitor"]["tables"]
    for name in ("sources", "source_state", "fetches", "versions", "diffs", "events", "texts",
                 "bodies", "report_2003", "event_kinds", "crawls"):
        assert tables[name]["description"], name
    assert "marker_until" in tables["versions"]["columns"]
    html = page(datasette, "/monitor/versions")
    assert "The latest day the line can mean" in html  # column descriptions are shown


# -- staleness --------------------------------------------------------------------


def test_staleness_is_most_stale_first_with_the_cli_figures(datasette, demo_path):
    found = rows(datasette, "/monitor/staleness.json")
    assert len(found) == count(datasette, "select count(*) as n from sources")
    days = [r["days_stale"] for r in found]
    dated = [d for d in days if d is not None]
    assert dated == sorted(dated, reverse=True) and days[-1] is None  # Brazil shows no date
    today = datetime.datetime.now(datetime.timezone.utc).date()
    cli = staleness.staleness(store.staleness_rows(store.open_db(demo_path)), today=today)
    assert {r["source_id"]: r["days_stale"] for r in found} == {r["id"]: r["days_stale"] for r in cli}
    australia = next(r for r in found if r["source_id"] == "demo-australia")
    assert (australia["claims_last_updated"], australia["claimed_date"],
            australia["claimed_precision"]) == ("Last updated Nov 2002", "2002-11", "month")
    assert australia["report_2003_transparency"] == "www.Dfat.gov; Last updated Nov 2002"
    canada = next(r for r in found if r["source_id"] == "demo-canada")
    assert canada["last_text_change"] and canada["state"] == "ok"


def test_staleness_page_links_each_history_and_the_2003_report(datasette):
    html = page(datasette, "/monitor/staleness")
    assert "<h1>How stale is each disclosure?</h1>" in html
    assert html.count("<tr data-source=") == count(datasette, "select count(*) as n from sources")
    assert 'href="/monitor/history?source=demo-australia"' in html
    assert "Last updated Nov 2002" in html and "2002-11 (to the month)" in html
    assert "no change since first seen" in html and "no date shown" in html
    assert 'href="/monitor/baseline_2003#Australia"' in html


def test_staleness_chart_draws_days_stale_per_partner_and_over_time(datasette):
    chart = rows(datasette, "/monitor/staleness_chart.json")
    ranks = {r["country"]: r["partner_rank"] for r in chart}
    assert len(ranks) == 12 and ranks["Australia"] == 1 and ranks["Brazil"] == 12
    canada = next(r for r in chart if r["source_id"] == "demo-canada")
    heights = [float(point.split(",")[1]) for point in canada["points"].split()]
    assert heights[0] < heights[-1]  # SVG y grows downwards: far fewer days stale at the end
    assert next(r for r in chart if r["country"] == "Brazil")["points"] is None
    html = page(datasette, "/monitor/staleness")
    assert html.count('<g class="dw-partner"') == 12
    assert html.count('<polyline class="page"') == len([r for r in chart if r["points"]])
    assert "no dated page online" in html  # Brazil


def test_the_2003_baseline_shows_beside_staleness_and_in_the_chart(replica, make_config, crawl,
                                                                    db_path):
    cfg = make_config({"id": "canada-relations-2002", "path": "/ca", "baseline": {
        "observed": datetime.date(2003, 4, 2), "marker": "Last updated Oct 2002",
        "transparency": "www.dfait-maeci.gc.ca/china/relation-en.asp; Last updated Oct 2002"}})
    replica.set("/ca", "<html><body><main><h1>Canada-China relations</h1><p>The dialogue met "
                "in Ottawa and covered prisoners and minorities.</p><p>Last updated Oct 2002"
                "</p></main></body></html>")
    crawl(cfg)
    datasette = site.make_datasette(db_path)
    (found,) = rows(datasette, "/monitor/staleness.json")
    assert (found["claimed_in_2003"], found["days_stale_in_2003"]) == ("Last updated Oct 2002", 153)
    html = page(datasette, "/monitor/staleness")
    assert '"Last updated Oct 2002": 153 days stale on 2 April 2003' in html
    (point,) = rows(datasette, "/monitor/staleness_chart.json")
    assert point["partner_days_stale_2003"] == 153 and point["baseline_x"] == "0.0"
    assert point["chart_from"] == "2003-04-02"
    assert '<circle class="baseline"' in html


# -- recent changes ----------------------------------------------------------------


def test_recent_changes_facets_by_country_and_kind(datasette):
    data = get(datasette, "/monitor/recent_changes.json").json()
    facets = data["facet_results"]
    countries = {r["value"]: r["count"] for r in facets["country"]["results"]}
    kinds = {r["value"]: r["count"] for r in facets["kind"]["results"]}
    assert kinds == {r["kind"]: r["n"] for r in rows(
        datasette, "/monitor.json?sql=select kind, count(*) as n from events group by kind")}
    assert {"new", "updated", "silent_edit", "changed", "marker_only", "gone", "restored",
            "failing", "recovered"} <= set(kinds)
    assert len(countries) == 12 and countries["Norway"] >= 3 and countries["Australia"] >= 3
    assert data["filtered_table_rows_count"] == count(datasette, "select count(*) as n from events")
    ats = [r["at"] for r in rows(datasette, "/monitor/recent_changes.json")]
    assert ats == sorted(ats, reverse=True)  # newest first


def test_recent_changes_filtered_by_country_and_kind(datasette):
    norway = rows(datasette, "/monitor/recent_changes.json?country=Norway")
    assert [r["kind"] for r in norway] == ["recovered", "failing", "stale", "new"]  # dated 2010
    silent = rows(datasette, "/monitor/recent_changes.json?kind=silent_edit")
    assert {r["source_id"] for r in silent} == {"demo-germany", "demo-switzerland"}
    assert silent[0]["meaning"] == "the text changed but its 'last updated' line did not"


def test_recent_changes_page_links_each_change_and_the_feeds(datasette):
    html = page(datasette, "/monitor/recent_changes?country=Canada")
    assert html.count('">see the change</a>') == 4  # new, stale (dated 2002), updated, stale again
    assert 'href="/monitor/history?source=demo-canada"' in html
    assert 'href="/monitor/feed.atom"' in html
    assert 'href="/monitor/country_feed.atom?country=Canada"' in html  # for feed readers
    assert 'href="/monitor/follow">Follow the changes in a feed reader</a>' in html  # for people
    assert f"<del>Date modified: 2002-10-15</del> → {CANADA_BUMP}" in html


# -- one page's history, one change, one capture ---------------------------------------


def test_page_history_is_a_timeline_of_events_and_markers(datasette):
    timeline = rows(datasette, "/monitor/history.json?source=demo-australia")
    assert [r["kind"] for r in timeline] == ["restored", "gone", "stale", "new"]
    assert {r["marker_text"] for r in timeline} == {"Last updated Nov 2002"}
    html = page(datasette, "/monitor/history?source=demo-australia")
    assert "<h1>Australia-China Human Rights Dialogue</h1>" in html
    assert "the page disappeared (404/410" in html and "the site answered 404" in html
    assert html.count("<tr data-event=") == 4
    assert 'href="/monitor/country_feed.atom?country=Australia"' in html  # for feed readers
    assert "Follow Australia's changes in a feed reader</a>" in html  # for people


def test_page_history_of_an_unknown_page_says_so(datasette):
    html = page(datasette, "/monitor/history?source=demo-narnia")
    assert 'No watched page is called "demo-narnia".' in html
    assert "Pick a page on" in page(datasette, "/monitor/history")


def test_a_change_shows_the_diff_readably_with_both_captures(datasette):
    updated = event(datasette, "demo-canada", "updated")
    (change,) = rows(datasette, f"/monitor/change.json?event={updated['id']}")
    assert (change["from_seq"], change["to_seq"]) == (1, 2)
    html = page(datasette, f"/monitor/change?event={updated['id']}")
    assert ('<div class="dw-add"><ins>A new round was held this year; a summary is published '
            'below.</ins></div>') in html
    assert '<div class="dw-same">The dialogue covered freedom of expression' in html
    assert "1 line added (green, +)" in html
    for version_id in (change["from_version_id"], change["to_version_id"]):
        assert f'href="/monitor/capture?version={version_id}"' in html
        assert f'href="/monitor/-/original/{version_id}"' in html
    assert f"<td>Date modified: 2002-10-15</td><td>{CANADA_BUMP}</td>" in html


def test_an_edited_line_strikes_through_only_the_words_removed(datasette):
    pdf = event(datasette, "demo-uk-report-p34", "updated")
    html = page(datasette, f"/monitor/change?event={pdf['id']}")
    assert ('<div class="dw-del">China: the UK-China dialogue <del>met in London</del> and '
            '<del>Gansu.</del>') in html
    assert '<div class="dw-add">China: the UK-China dialogue <ins>was suspended</ins> and' in html


def test_a_marker_only_change_says_the_text_is_the_same(datasette):
    japan = event(datasette, "demo-japan", "marker_only")
    (change,) = rows(datasette, f"/monitor/change.json?event={japan['id']}")
    assert change["from_seq"] == 1 and change["to_seq"] == 2 and change["diff"] is None
    html = page(datasette, f"/monitor/change?event={japan['id']}")
    assert 'The text is the same; only the "last updated" line changed.' in html
    assert "更新日：令和6年3月12日" in html and f"{JAPAN_BUMP}" in html
    assert "There is no event 99999" in page(datasette, "/monitor/change?event=99999")


def test_a_capture_shows_the_extracted_text_as_plain_text(datasette):
    updated = event(datasette, "demo-canada", "updated")
    html = page(datasette, f"/monitor/capture?version={updated['version_id']}")
    text = re.search(r'<pre class="dw-capture">(.*?)</pre>', html, re.S).group(1)
    assert "A new round was held this year" in text and "<p>" not in text
    assert "Download the original file" in html and "never opened in this site" in html
    assert 'href="/monitor/capture?version=' in html  # the previous version


def test_the_original_bytes_download_as_an_attachment(datasette):
    updated = event(datasette, "demo-canada", "updated")
    response = get(datasette, f"/monitor/-/original/{updated['version_id']}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith('attachment; filename="demo-canada-v2-')
    assert response.headers["content-disposition"].endswith('.html"')
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    (version,) = rows(datasette, f"/monitor/versions.json?id={updated['version_id']}")
    assert hashlib.sha256(response.content).hexdigest() == version["body_sha256"]
    assert b"A new round was held this year" in response.content


def test_a_pdf_downloads_as_the_pdf_it_was(datasette):
    pdf = event(datasette, "demo-eu-report-p31", "updated")
    response = get(datasette, f"/monitor/-/original/{pdf['version_id']}")
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-disposition"].endswith('.pdf"')


PUBLISHED = """
import asyncio, sys, yaml
sys.modules["monitor"] = None  # a published copy has no dialogue-watch installed,
sys._called_from_test = True  # so Datasette must not load it as an installed plugin either
from datasette.app import Datasette
from datasette.database import Database
site = Datasette(metadata=yaml.safe_load(open(sys.argv[2])), plugins_dir=sys.argv[3])
site.add_database(Database(site, path=sys.argv[1]), name="monitor")
version = sys.argv[4]
capture = asyncio.run(site.client.get("/monitor/capture.json?_shape=array&version=" + version))
original = asyncio.run(site.client.get("/monitor/-/original/" + version))
compare = asyncio.run(site.client.get("/monitor/compare.json?_shape=array&source=demo-canada&from=1&to=2"))
print(capture.json()[0]["text"]); print(original.content[:100]); print(compare.json()[0]["diff"])
found = asyncio.run(site.client.get("/monitor/search.json?_shape=array&q=new+ROUND+was"))
print("found:", sorted(row["source_id"] for row in found.json()))
"""


def test_the_published_copy_reads_and_searches_captures_with_the_plugin_files(demo_path, tmp_path, datasette):
    """The README's publishing recipe: datasette_plugin.py, blobs.py, diffing.py and
    search_lines.py in a plugins folder are all a published site needs to unpack texts
    and originals, compare versions and search."""
    import shutil
    import subprocess
    import sys

    plugins = tmp_path / "plugins"
    plugins.mkdir()
    for name in ("monitor/publish/datasette_plugin.py", "monitor/store/blobs.py",
                     "monitor/analysis/diffing.py", "monitor/analysis/search_lines.py"):
        shutil.copy(site_fixtures.ROOT / name, plugins)
    updated = event(datasette, "demo-canada", "updated")
    shown = subprocess.run([sys.executable, "-c", PUBLISHED, str(demo_path), str(site.METADATA),
                            str(plugins), str(updated["version_id"])],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    assert "A new round was held this year" in shown.stdout
    assert "<!doctype html>" in shown.stdout  # the original HTML bytes
    assert "\n+A new round was held this year" in shown.stdout  # diffing.py beside the plugin
    assert "found: ['demo-canada']" in shown.stdout  # search_lines.py beside the plugin


@pytest.mark.parametrize("value, shown", [
    ("2026-12-01T10:30:00Z", "1 December 2026, 10:30 UTC"),
    ("2026-12-01T10:30:05.250Z", "1 December 2026, 10:30 UTC"),
    ("2026-03-09", "9 March 2026"),
    ("2002-11", "November 2002"),
    ("2002", "2002"),
    ("2026-13-01", "2026-13-01"),  # not a date: shown as it is
    ("soon", "soon"),
    (None, None),
])
def test_dates_are_shown_as_people_write_them(value, shown):
    assert datasette_plugin.human_date(value) == shown


def test_pages_show_human_dates_and_kinds_in_words(datasette):
    japan = event(datasette, "demo-japan", "marker_only")
    html = page(datasette, f"/monitor/change?event={japan['id']}")
    assert f'<time datetime="{japan["at"]}">{datasette_plugin.human_date(japan["at"])}</time>' in html
    assert ">Marker only</span>" in html and ">marker_only<" not in html


def test_an_unknown_version_has_no_download(datasette):
    assert get(datasette, "/monitor/-/original/99999").status_code == 404
    assert get(datasette, "/nowhere/-/original/1").status_code == 404


# Addresses of a download that name no capture (issue 21: "abc" answered 500).
BAD_NUMBERS = ["abc", "-1", "0", "99999999", "", "9" * 30, str(2**63), "1.json", "1e3", "%20",
               "%D9%A3", "1/2"]


@pytest.mark.parametrize("number", BAD_NUMBERS)
def test_a_download_address_that_names_no_capture_is_a_plain_404(datasette, number):
    response = asyncio.run(datasette.client.get(f"/monitor/-/original/{number}", follow_redirects=True))
    assert response.status_code == 404, response.text[:300]
    said = response.json()["error"] if number.endswith(".json") else response.text
    assert ("There is no capture with that number" in said or "No original bytes" in said
            or "There is no page at this address" in said), said[:500]


@pytest.mark.parametrize("path", ["/a/b/c/d", "/a/b/c/d.json", "/a.b/c", "/monitor/-/screenshot/abc.png",
                                  "/monitor/-/screenshot/" + "0" * 64 + ".png"])
def test_an_address_that_leads_nowhere_is_a_plain_404(datasette, path):
    """Datasette 0.65 answered these 500 where the ``rich`` package is installed."""
    response = get(datasette, path)
    assert response.status_code == 404
    assert "There is no page at this address" in response.text or "No picture" in response.text


# -- search ---------------------------------------------------------------------------


def test_search_finds_words_in_any_language_and_marks_them(datasette):
    (tibet,) = rows(datasette, "/monitor/search.json?q=Tibet")
    assert tibet["source_id"] == "demo-eu" and "\x02Tibet\x03" in tibet["snippet"]
    html = page(datasette, "/monitor/search?q=Tibet")
    assert "<mark>Tibet</mark>" in html and 'href="/monitor/history?source=demo-eu"' in html
    (japan,) = rows(datasette, "/monitor/search.json?q=" + "人権対話")
    assert japan["source_id"] == "demo-japan"
    assert {r["source_id"] for r in rows(datasette, "/monitor/search.json?q=menschenrechtsdialog")} \
        == {"demo-germany", "demo-switzerland"}  # case does not matter, nor word boundaries


def test_search_covers_texts_captured_after_the_index_was_made(datasette, demo_path):
    later = rows(datasette, "/monitor/search.json?q=Nova rodada de consultas")  # round 3
    assert [(r["source_id"], r["first_seq"], r["removed_seq"]) for r in later] == [("demo-brazil", 2, None)]
    db = store.open_db(demo_path)
    for version in db.query("SELECT id, source_id, seq, text_sha256 FROM versions"):
        lines = store.text_of(db, version["text_sha256"]).splitlines()
        for line in [line for line in lines if len(line.strip()) >= 3]:  # trigrams
            found = rows(datasette, "/monitor/search.json?q=" + urllib.parse.quote(line[:60]))
            assert [r["first_seq"] for r in found if r["source_id"] == version["source_id"]
                    and r["first_seq"] <= version["seq"]], (version, line)


@pytest.mark.parametrize("text, words, shown", [
    ("The dialogue covered Tibet.", "tibet", "The dialogue covered \x02Tibet\x03."),
    ("a" * 100 + " Tibet " + "b" * 100, "Tibet", "…" + "a" * 59 + " \x02Tibet\x03 " + "b" * 59 + "…"),
    ("Tibet and TIBET\nagain", "tibet", "\x02Tibet\x03 and \x02TIBET\x03 again"),
    ("人権対話を行った", "人権対話", "\x02人権対話\x03を行った"),
    ("a.b (c)", "(c)", "a.b \x02(c)\x03"),          # the words are text, not a pattern
    ("nothing here", "Tibet", None),
    (None, "Tibet", None),
])
def test_snippet(text, words, shown):
    assert datasette_plugin.snippet(text, words) == shown


def test_search_says_when_words_were_removed(datasette):
    (gone,) = rows(datasette, "/monitor/search.json?q=met in London and Gansu")
    assert (gone["source_id"], gone["first_seq"], gone["removed_seq"]) == ("demo-uk-report-p34", 1, 2)
    html = page(datasette, "/monitor/search?q=met in London and Gansu")
    assert "<strong>removed</strong> in version 2" in html
    (kept,) = rows(datasette, "/monitor/search.json?q=suspended and resumed")
    assert (kept["first_seq"], kept["removed_seq"]) == (2, None)
    assert "still on the page" in page(datasette, "/monitor/search?q=suspended and resumed")


def test_search_finds_one_and_two_character_words_in_every_script(datasette):
    """人権 ("human rights") and 人 ("person") are words too short for the three-character
    index: the word index finds them, in Japanese and in an English page's "EU"."""
    for words in ("人権", "人"):
        (japan,) = rows(datasette, "/monitor/search.json?q=" + urllib.parse.quote(words))
        assert japan["source_id"] == "demo-japan" and f"\x02{words}\x03" in japan["snippet"]
        assert japan["first_seq"] == 1
    assert "<mark>人権</mark>" in page(datasette, "/monitor/search?q=" + urllib.parse.quote("人権"))
    assert "demo-eu" in {r["source_id"] for r in rows(datasette, "/monitor/search.json?q=EU")}
    assert rows(datasette, "/monitor/search.json?q=" + urllib.parse.quote("犬")) == []  # not on any page


@pytest.mark.parametrize("text, indexed", [
    ("EU and UN", "EU and UN"),
    ("人権対話", " 人 権 対 話 人権 権対 対話 "),
    ("日本の人権 Japan", " 日 本 の 人 権 日本 本の の人 人権  Japan"),
    ("สิทธิ", " ส ิ ท ธ ิ สิ ิท ทธ ธิ "),  # Thai: no spaces between words either
])
def test_the_word_index_keeps_unspaced_scripts_as_one_and_two_character_pieces(text, indexed):
    assert search_words.index_form(text) == indexed


@pytest.mark.parametrize("words, query", [
    ("人権", 'added : "人権"'), ("人", 'added : "人"'), ("EU", 'added : "EU"'),
    ('"a', 'added : """a"'),
])
def test_the_word_index_query(words, query):
    assert search_words.is_short(words) and search_words.query(words, "added") == query


def test_unmatched_search_terms_say_so(datasette):
    assert 'No captured version contains "xylophone".' in page(datasette, "/monitor/search?q=xylophone")
    assert 'name="q"' in page(datasette, "/monitor/search")
    assert rows(datasette, '/monitor/search.json?q="quoted" words') == []


def test_the_guide_s_search_sql_runs_in_the_sql_box(datasette):
    """docs/guide.md's query for one's own SQL: the versions that added some words."""
    sql = ("select v.source_id from version_lines l join versions v on v.id = l.rowid where "
           "version_lines match dw_pieces('Tibet') and dw_lines_hold(l.rowid, 'added', 'Tibet')")
    assert "dw_pieces('" in open(site_fixtures.ROOT / "docs" / "guide.md", encoding="utf-8").read()
    found = rows(datasette, "/monitor.json?_shape=array&sql=" + urllib.parse.quote(sql))
    assert {r["source_id"] for r in found} == {"demo-eu"}
    removed = sql.replace("'added'", "'removed'")
    assert rows(datasette, "/monitor.json?_shape=array&sql=" + urllib.parse.quote(removed)) == []


def test_a_search_with_more_candidates_than_it_checks_says_where_it_stopped(datasette, monkeypatch):
    """A search checks at most ``CHECKED_AT_MOST`` versions that hold every piece of its
    words, the oldest first; with more, the page says its answer covers those only."""
    whole = rows(datasette, "/monitor/search.json?q=the")
    assert len(whole) > 3 and "the search stops there" not in page(datasette, "/monitor/search?q=the")
    monkeypatch.setattr(search_lines, "CHECKED_AT_MOST", 3)
    cut = rows(datasette, "/monitor/search.json?q=the")
    assert 0 < len(cut) <= 3 and {r["source_id"] for r in cut} < {r["source_id"] for r in whole}
    html = page(datasette, "/monitor/search?q=the")
    assert "among the first 3 captured versions that hold these letters (the search stops there" in html
    nowhere = "the the the the the"  # every piece is on many pages, the words on none
    assert rows(datasette, "/monitor/search.json?q=" + urllib.parse.quote(nowhere)) == []
    html = page(datasette, "/monitor/search?q=" + urllib.parse.quote(nowhere))
    assert f'None of the first 3 captured versions that hold these letters contains "{nowhere}"' in html
    monkeypatch.setattr(search_lines, "CHECKED_AT_MOST", 5000)
    assert f'No captured version contains "{nowhere}".' in \
        page(datasette, "/monitor/search?q=" + urllib.parse.quote(nowhere))


def test_a_page_that_runs_out_of_time_says_so_in_plain_words(datasette, monkeypatch):
    """Datasette stops a query at its time limit (``sqlite3.Connection.interrupt``, here
    while the search checks a candidate); the check lets it stop (no "user-defined
    function raised exception"), and the page says what to do."""
    real = datasette_plugin.lines_hold

    def out_of_time(conn, *args):
        conn.interrupt()  # what Datasette's time limit does, at the moment it comes
        return real(conn, *args)

    monkeypatch.setattr(datasette_plugin, "lines_hold", out_of_time)
    response = get(datasette, "/monitor/search?q=the")
    assert response.status_code == 400
    assert "This page took too long" in response.text and "add a word" in response.text
    assert "user-defined function" not in response.text
    assert "Details for people who write SQL" in response.text  # the SQL, folded


# -- health, the 2003 baseline ----------------------------------------------------------


def test_health_shows_failures_and_their_last_error(datasette):
    found = rows(datasette, "/monitor/health.json")
    assert found[0]["source_id"] == "demo-hungary"  # today's round: one server error
    assert found[0]["errors_last_30_days"] == 1
    assert found[0]["last_error"] == "the site answered 500 (Internal Server Error)"
    assert found[0]["state"] == "ok" and found[0]["consecutive_errors"] == 1  # not failing yet
    norway = next(r for r in found if r["source_id"] == "demo-norway")
    assert norway["state"] == "ok" and norway["consecutive_errors"] == 0  # it recovered
    html = page(datasette, "/monitor/health")
    watched = count(datasette, "select count(*) as n from sources")
    assert f"{watched} pages watched: <strong>0 failing</strong>" in html
    assert "1 had errors in the last 30 days" in html


def test_the_2003_baseline_is_the_report_table_linked_to_watched_pages(datasette):
    report = rows(datasette, "/monitor/report_2003.json")
    assert [r["country"] for r in report][:3] == ["Australia", "Brazil", "Canada"]
    assert len(report) == 12 and report[0]["transparency"] == "www.Dfat.gov; Last updated Nov 2002"
    html = page(datasette, "/monitor/baseline_2003")
    assert len(re.findall(r'<tr id="', html)) == 12
    assert 'href="/monitor/history?source=demo-eu-report-p31"' in html
    assert html.count('href="/monitor/history?source=') == count(
        datasette, "select count(*) as n from sources")
    assert "1991, resumed August 1997" in html


# -- feeds ------------------------------------------------------------------------------


def entries(datasette, path):
    response = get(datasette, path)
    assert response.status_code == 200 and "xml" in response.headers["content-type"]
    return ElementTree.fromstring(response.content).findall(f"{ATOM}entry")


def test_the_feed_has_every_event_with_its_captured_text_escaped(datasette):
    found = entries(datasette, "/monitor/feed.atom")
    assert len(found) == min(100, count(datasette, "select count(*) as n from events"))
    titles = [e.find(f"{ATOM}title").text for e in found]
    assert "Canada: Canada-China Bilateral Human Rights Dialogue (the text changed and so did " \
           "its 'last updated' line)" in titles
    first = found[0]
    assert first.find(f"{ATOM}content").get("type") == "html"  # built with dw_html, bleached
    assert first.find(f"{ATOM}link").get("href").startswith("http://localhost/monitor/change?event=")


def test_a_country_feed_has_only_that_partner(datasette):
    found = entries(datasette, "/monitor/country_feed.atom?country=Canada")
    assert len(found) == 4  # new, stale (dated 2002), updated, stale again
    content = [e.find(f"{ATOM}content").text for e in found]
    assert any(f"'Last updated' line: Date modified: 2002-10-15 → {CANADA_BUMP}" in c for c in content)
    assert all(e.find(f"{ATOM}title").text.startswith("Canada: ") for e in found)


def test_a_feed_for_an_unknown_country_is_still_a_feed(datasette):
    (only,) = entries(datasette, "/monitor/country_feed.atom?country=Narnia")
    assert only.find(f"{ATOM}title").text == "No events yet for Narnia"


# -- safety, serving ------------------------------------------------------------------------


def test_the_site_is_read_only(datasette):
    before = count(datasette, "select count(*) as n from events")
    response = get(datasette, "/monitor.json?sql=delete from events")
    assert response.status_code == 400
    assert count(datasette, "select count(*) as n from events") == before > 0
    assert asyncio.run(datasette.client.post("/monitor/staleness", data={})).status_code != 200


def test_alert_deliveries_are_not_browsable(datasette):
    names = rows(datasette, "/monitor.json?sql=select name from sqlite_master where type = 'table'")
    assert {"alert_outbox", "alert_digests"} <= {r["name"] for r in names}
    assert get(datasette, "/monitor/alert_outbox").status_code == 403
    assert "alert_outbox" not in page(datasette, "/monitor")


def test_pages_load_nothing_from_other_sites(datasette):
    for path in ("/", "/monitor/staleness", "/monitor/recent_changes", "/monitor/search?q=Tibet",
                 "/monitor/history?source=demo-canada", "/monitor/health", "/monitor/baseline_2003"):
        html = page(datasette, path)
        assert not re.search(r'<(script|img|iframe)[^>]+src="(https?:)?//', html), path
        assert not re.search(r'<link rel="stylesheet"[^>]+href="(https?:)?//', html), path


def test_serve_without_a_database_says_how_to_fix(tmp_path):
    obj = type("Context", (), {"db_path": str(tmp_path / "missing.db")})()
    result = CliRunner().invoke(site_command.serve, ["--port", "0"], obj=obj)
    assert result.exit_code == 1
    assert "There is no database at" in result.output and "dialogue-watch crawl" in result.output
    assert "Example: dialogue-watch serve" in CliRunner().invoke(site_command.serve, ["--help"]).output


def test_staleness_json_is_citable(datasette):
    response = get(datasette, "/monitor/staleness.csv")
    assert response.status_code == 200 and response.text.startswith("country,source_id,title,url,")
    assert json.loads(get(datasette, "/monitor/staleness.json").text)["rows"]


def test_behind_a_reverse_proxy_every_link_keeps_the_prefix(demo_path):
    prefixed = site.make_datasette(demo_path, base_url="/watch/")
    for path in ("/", "/monitor/staleness", "/monitor/recent_changes?country=Canada",
                 "/monitor/history?source=demo-canada", "/monitor/search?q=Tibet"):
        links = re.findall(r'(?:href|action|src)="(/[^"]*)"', page(prefixed, path))
        assert links and all(link.startswith("/watch/") for link in links), path


def test_a_page_no_fetch_has_reached_shows_never_fetched_with_its_last_error(
        replica, make_config, crawl, db_path):
    cfg = make_config({"id": "canada", "path": "/ca"},
                      {"id": "dead", "url": "http://127.0.0.1:9/x", "country": "Japan"})
    replica.set("/ca", "<html><body><main><h1>Canada-China relations</h1><p>The dialogue met "
                "in Ottawa and covered prisoners and minorities.</p><p>Last updated Oct 2002"
                "</p></main></body></html>")
    crawl(cfg)
    datasette = site.make_datasette(db_path)
    states = {r["source_id"]: r["state"] for r in rows(datasette, "/monitor/staleness.json")}
    assert states == {"canada": "ok", "dead": "never fetched"}
    html = page(datasette, "/monitor/staleness")
    dead = html[html.index('<tr data-source="dead">'):]
    dead = dead[:dead.index("</tr>")]
    assert '<span class="dw-state-never">never fetched</span>' in dead
    assert "last try: the site refused the connection" in dead
    assert "never fetched" not in html[html.index('<tr data-source="canada">'):].split("</tr>")[0]

"""Discovery's pure parts: feeds, sitemaps and listings read into items, the matcher,
hostile inputs (entities, gzip bombs, broken dates and encodings), sources.yaml's
``discover:`` list."""

import gzip

import pytest
import yaml

from monitor import config
from monitor.discover.decide import matching
from monitor.discover.reader import read
from monitor.discover.config import Discovery
from monitor.discover.items import read_date
from monitor.discover.match import Matcher, rule
from monitor.errors import ConfigError


def source(kind="feed", match=(), **fields):
    return Discovery("d", "Japan", "t", "https://example.org/", kind,
                     Matcher([rule(m) for m in match]), **fields)


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Press</title>
<item><title>Human rights dialogue with China</title><link>https://example.org/press/1</link>
<pubDate>Fri, 03 May 2024 10:00:00 +0200</pubDate><description>The 19th round.</description></item>
<item><title>Trade talks</title><link>/press/2</link><pubDate>not a date</pubDate></item>
</channel></rss>"""

ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><title>News</title>
<entry><title>Menschenrechtsdialog</title><link rel="self" href="https://example.org/self"/>
<link href="https://example.org/de/news/md"/><updated>2024-02-30T00:00:00Z</updated>
<summary>Bern</summary></entry></feed>"""

RDF = """<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<item><title>人権対話</title><link>https://example.org/ja/1</link><dc:date>2024-06-01</dc:date></item>
</rdf:RDF>"""


@pytest.mark.parametrize("body, expected", [
    (RSS, [("https://example.org/press/1", "Human rights dialogue with China", "2024-05-03",
            "The 19th round."), ("https://example.org/press/2", "Trade talks", None, "")]),
    (ATOM, [("https://example.org/de/news/md", "Menschenrechtsdialog", None, "Bern")]),
    (RDF, [("https://example.org/ja/1", "人権対話", "2024-06-01", "")]),
])
def test_feeds_are_read_into_items(body, expected):
    page = read(source(), body.encode("utf-8"), "https://example.org/feed")
    assert page.error is None
    assert [(i.url, i.title, i.date, i.summary) for i in page.items] == expected


@pytest.mark.parametrize("value, expected", [
    ("Fri, 03 May 2024 10:00:00 +0200", "2024-05-03"), ("2024-05-03T10:00:00Z", "2024-05-03"),
    ("2024-05-03", "2024-05-03"), ("2024-13-45", None), ("Fri, 99 Foo 2024", None),
    ("", None), (None, None), ("9999999999999999999", None),
])
def test_broken_dates_read_as_no_date(value, expected):
    assert read_date(value) == expected


def test_a_feed_in_another_encoding_than_it_says_is_read():
    body = RSS.replace("Trade talks", "Caf\u00e9 talks").encode("cp1252")
    page = read(source(), body, "https://example.org/feed")
    assert [i.title for i in page.items] == ["Human rights dialogue with China", "Café talks"]


@pytest.mark.parametrize("body", [
    # billion laughs
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;">]><rss><channel><item><title>&c;</title></item></channel></rss>',
    # an external entity reading a local file
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<rss><channel><item><title>&x;</title><link>https://example.org/x</link></item></channel></rss>',
])
def test_entities_are_refused(body):
    page = read(source(), body.encode(), "https://example.org/feed")
    assert page.items == [] and "entities" in page.error


def test_a_gzip_bomb_stops_at_the_cap():
    bomb = gzip.compress(b"<urlset>" + b" " * (60 * 2**20) + b"</urlset>")
    assert len(bomb) < 100_000
    page = read(source("sitemap"), bomb, "https://example.org/sitemap.xml.gz")
    assert page.items == [] and "more than 50 MB" in page.error


def test_garbage_is_an_error_in_words():
    page = read(source(), b"\x00\x01 <html>not xml", "https://example.org/feed")
    assert page.items == [] and "not well-formed" in page.error


def test_a_sitemap_gives_its_addresses_words_as_titles():
    body = gzip.compress(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                         b'<url><loc>https://example.org/en/news/human-rights-dialogue-2024</loc>'
                         b'<lastmod>2024-04-02T10:00:00+02:00</lastmod></url></urlset>')
    page = read(source("sitemap", ["human rights dialogue"]), body, "https://example.org/s.xml.gz")
    (found,) = page.items
    assert (found.title, found.date) == ("en news human rights dialogue 2024", "2024-04-02")
    assert matching(source("sitemap", ["human rights dialogue"]), page.items)


def test_a_sitemap_index_names_its_sitemaps_newest_first():
    body = (b"<sitemapindex><sitemap><loc>/old.xml</loc><lastmod>2019-01-01</lastmod></sitemap>"
            b"<sitemap><loc>/new.xml</loc><lastmod>2024-01-01</lastmod></sitemap>"
            b"<sitemap><loc>/undated.xml</loc></sitemap></sitemapindex>")
    page = read(source("sitemap"), body, "https://example.org/sitemap.xml")
    assert page.more == ["https://example.org/new.xml", "https://example.org/old.xml",
                         "https://example.org/undated.xml"]


LISTING = """<html><body><nav><a href="/">Home</a></nav><ul class="news">
<li><a href="/de/md;jsessionid=9F2C3A4B5C6D7E8F9A0B1C2D"><h3>Menschenrechtsdialog mit China</h3></a>
  <span class="date">03.05.2024</span><p>Bern, Peking</p></li>
<li><time datetime="2024-06-01">1. Juni</time> <a href="b.html">Handel</a></li>
</ul><a class="next" href="?page=2">weiter</a></body></html>"""


def test_a_listing_is_read_with_its_selectors():
    discovery = source("listing", ["Menschenrechtsdialog"], items=".news li", next="a.next",
                       locale="de-CH")
    page = read(discovery, LISTING.encode(), "https://example.org/de/list")
    assert [(i.title, i.date) for i in page.items] == [
        ("Menschenrechtsdialog mit China", "2024-05-03"), ("Handel", "2024-06-01")]
    assert page.more == ["https://example.org/de/list?page=2"]
    assert list(matching(discovery, page.items).values()) == ["Menschenrechtsdialog"]


def test_a_session_token_in_an_address_is_the_same_item():
    discovery = source("listing", items=".news li")
    first = read(discovery, LISTING.encode(), "https://example.org/de/list").items[0]
    again = LISTING.replace("9F2C3A4B5C6D7E8F9A0B1C2D", "0A1B2C3D4E5F60718293A4B5")
    second = read(discovery, again.encode(), "https://example.org/de/list").items[0]
    assert first.url != second.url and first.key == second.key


MATCH = ["human rights dialogue", "Menschenrecht*", "diálogo sobre direitos humanos", "人権対話",
         "인권대화", {"near": ["China", "human rights"], "within": 8}]


@pytest.mark.parametrize("text, expected", [
    ("EU-China Human-Rights DIALOGUE, 38th round", "human rights dialogue"),
    ("Der 14. Menschenrechtsdialog Schweiz–China", "Menschenrecht*"),
    ("MENSCHENRECHTE in China", "Menschenrecht*"),
    ("Diálogo sobre Direitos Humanos Brasil-China", "diálogo sobre direitos humanos"),
    ("dialogo sobre direitos humanos", "diálogo sobre direitos humanos"),
    ("第17回日中人権対話の開催", "人権対話"),
    ("ｈｕｍａｎ ｒｉｇｈｔｓ ｄｉａｌｏｇｕｅ", "human rights dialogue"),  # full width
    ("제1차 한중 인권대화", "인권대화"),
    ("China: statement on human rights", "China near human rights"),
    ("China trade mission visits the port, the harbour and ten other places; human rights", None),
    ("copyrights dialogue", None),
    ("Trade talks with Japan", None),
])
def test_matching_ignores_case_accents_width_and_word_breaks(text, expected):
    assert Matcher([rule(m) for m in MATCH]).first(text) == expected


def test_no_match_words_counts_every_item():
    assert Matcher([]).first("anything") == "*"


def test_every_partner_has_discovery_sources_in_the_shipped_file():
    shipped = config.load("sources.yaml")
    assert {d.country for d in shipped.discover} == set(config.PARTNERS)
    assert all(d.match for d in shipped.discover)
    types = {d.type for d in shipped.discover}
    assert types == {"feed", "sitemap", "listing"}


@pytest.mark.parametrize("entry, line, words", [
    ({"id": "x", "country": "Switzerland", "title": "t", "url": "https://a.ch/f", "type": "feeds"},
     "type", "type must be feed, sitemap or listing, not 'feeds'"),
    ({"id": "x", "country": "Switzerland", "title": "t", "url": "https://a.ch/f", "type": "feed",
      "mach": ["x"]}, "mach", "unknown key 'mach'. Fix: did you mean 'match'?"),
    ({"id": "x", "country": "Switzerland", "title": "t", "url": "https://a.ch/f", "type": "listing"},
     "type", "a listing needs items:"),
    ({"id": "x", "country": "Switzerland", "title": "t", "url": "https://a.ch/f", "type": "feed",
      "items": "li"}, "items", "items: only applies to type: listing"),
    ({"id": "x", "country": "Switzerland", "title": "t", "url": "https://a.ch/f", "type": "listing",
      "items": "li[", "next": "a"}, "items", "is not a CSS selector"),
    ({"id": "x", "country": "Switzerland", "title": "t", "url": "https://a.ch/f", "type": "feed",
      "match": [{"near": ["China"]}]}, "match", "near: needs a list of two phrases or more"),
    ({"id": "x", "country": "Switzerland", "title": "t", "url": "https://a.ch/f", "type": "feed",
      "limit": 0}, "limit", "limit must be a whole number from 1 to 2000, not '0'"),
    ({"id": "x", "country": "Swiss", "title": "t", "url": "https://a.ch/f", "type": "feed"},
     "country", "not one of the twelve partners"),
    ({"id": "x", "country": "Switzerland", "title": "t", "url": "a.ch/f", "type": "feed"},
     "url", "is not a web address"),
    ({"id": "home", "country": "Switzerland", "title": "t", "url": "https://a.ch/f", "type": "feed"},
     "id", "the id is also used by a source"),
])
def test_a_bad_discover_entry_names_its_line_and_the_fix(tmp_path, entry, line, words):
    problem, expected = refused(tmp_path, entry, line)
    assert words in problem[1] and (problem[0] == expected or line == "id"), problem


def refused(tmp_path, entry, line):
    """Load a sources.yaml with one watched page and the discover: ``entry``; return the one
    problem it is refused for, and the line number of the entry's key ``line``."""
    document = {"sources": [{"id": "home", "country": "Switzerland", "title": "Home",
                             "url": "https://a.ch/", "kind": "html"}], "discover": [entry]}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        config.load(path)
    text = path.read_text().splitlines()
    expected = 1 + next(i for i, row in enumerate(text) if row.lstrip("- ").startswith(f"{line}:")
                        and i > text.index("discover:"))
    (problem,) = raised.value.problems
    return problem, expected


@pytest.mark.parametrize("known, items, complete, read_before, expected", [
    ({}, ["a", "b"], True, False, {"first_read": True, "fresh": [], "adopt": 0}),
    ({}, ["a"], True, True, {"first_read": False, "fresh": ["a"], "adopt": 1}),
    ({"a": False}, ["a", "b", "c"], True, True, {"fresh": ["b", "c"], "adopt": 1,
                                                  "over_limit": 1}),
    ({"a": False, "b": False}, ["b"], True, True, {"delisted": ["a"]}),
    ({"a": False, "b": False}, ["b"], False, True, {"delisted": []}),  # incomplete
    ({"a": False, "b": False}, [], True, True, {"delisted": []}),  # an empty read
    ({"a": True, "b": False}, ["a", "b"], True, True, {"relisted": ["a"]}),
])
def test_decide_table(known, items, complete, read_before, expected):
    from monitor.discover.decide import Known, decide
    from monitor.discover.items import Item

    rows = {f"https://x.org/{k}": Known(f"https://x.org/{k}", f"https://x.org/{k}", None, gone)
            for k, gone in known.items()}
    listed = [Item(f"https://x.org/{k}", k) for k in items]
    matched = {each.key: "*" for each in listed}
    decision = decide(rows, listed, matched, complete, adopted=49, limit=50, read_before=read_before)
    found = {"first_read": decision.first_read, "fresh": [i.title for i in decision.fresh],
             "adopt": len(decision.adopt), "over_limit": decision.over_limit,
             "delisted": [k.rsplit("/", 1)[1] for k in decision.delisted],
             "relisted": [k.rsplit("/", 1)[1] for k in decision.relisted]}
    assert {key: found[key] for key in expected} == expected

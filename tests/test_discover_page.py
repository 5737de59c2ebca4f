"""Discovery's ``match_page:``: an item whose title does not match is judged on the text of
the page it links to, fetched once, politely, with the crawl's own requests. Listings
the test rewrites between crawls on the replica: pages in German, Japanese and a PDF
that match, one that does not, one that fails to load at first, a per-read limit."""

from types import SimpleNamespace

import pytest
import yaml

from monitor import config, store
from monitor.discover import decide
from monitor.discover.config import Discovery
from monitor.discover.items import Item
from monitor.discover.match import Matcher, rule
from monitor.replica import make_pdf
from monitor.store import discovery as store_discovery
from tests.test_discover import PAGE, alerted, events_of, listing, setup  # noqa: F401 - a fixture
from tests.test_discover_read import refused

MATCH = ["Menschenrechtsdialog", "人権対話", {"near": ["China", "human rights"]}]


def entry(**more):
    return {"id": "ch-list", "url": "/list", "type": "listing", "items": ".news li",
            "match": MATCH, "match_page": True, **more}


def linked(db):
    return [row[0] for row in db.execute("SELECT linked FROM discovery_checks ORDER BY id")]


def test_items_that_match_only_in_their_page_are_told_once_and_fetched_once(
        setup, replica, open_db):
    write, crawl = setup
    replica.set("/p/old", PAGE.format("Menschenrechtsdialog"))  # in the baseline: never fetched
    replica.set("/list", listing(replica, [("Pressemitteilung 1/2024", "/p/old", "03.01.2024")]))
    cfg = write(entry())
    crawl(cfg)
    assert replica.requests_for("/p/old") == [] and linked(open_db()) == [0]

    pages = {
        "/p/de": ("Pressemitteilung 12/2024", PAGE.format(
            "Der 19. Menschenrechtsdialog zwischen der Schweiz und China fand in Bern statt")),
        "/p/ja": ("報道発表", PAGE.format("第17回日中人権対話の開催について")),
        "/doc?id=7": ("Report to Parliament", make_pdf([
            "Annual report. Chapter 4: China. The delegation raised human rights "
            "defenders and the death penalty."])),
        "/p/trade": ("Trade mission", PAGE.format("A trade mission visited the port of Basel")),
        "/p/later": ("Statement", b"<html><body>Not yet published</body></html>"),
    }
    for path, (_, body) in pages.items():
        replica.set(path, body, content_type="application/pdf" if path.startswith("/doc")
                    else "text/html; charset=utf-8", status=404 if path == "/p/later" else 200)  # not up yet
    rows = [(title, path, "04.05.2024") for path, (title, _) in pages.items()]
    replica.set("/list", listing(replica, [*rows, ("Pressemitteilung 1/2024", "/p/old", "")]))
    results = crawl(cfg)
    db = open_db()
    told = {replica.url(p): e for e in events_of(db, "new_publication")
            for p in pages if e["url"] == replica.url(p)}
    assert set(told) == {replica.url(p) for p in ("/p/de", "/p/ja", "/doc?id=7")}
    assert "matched “Menschenrechtsdialog” in the page's text" in told[replica.url("/p/de")]["detail"]
    assert "matched “人権対話” in the page's text" in told[replica.url("/p/ja")]["detail"]
    assert "“China near human rights” in the page's text" in told[replica.url("/doc?id=7")]["detail"]
    assert alerted(db, "new_publication") == 3
    for path in pages:  # each page fetched once: its reading was the adopted page's first capture
        assert len(replica.requests_for(path)) == 1, path
    pdf_id = told[replica.url("/doc?id=7")]["source_id"]
    assert results[pdf_id] == ("ok", "new")
    assert db.execute("SELECT kind FROM sources WHERE id = ?", [pdf_id]).fetchone() == ("pdf",)
    state = dict(db.execute("SELECT url, page_state FROM discovery_items").fetchall())
    assert state[replica.url("/p/trade")] == "read" and state[replica.url("/p/later")] == "waiting"
    assert state[replica.url("/p/old")] is None

    replica.set("/p/later", PAGE.format("Menschenrechtsdialog: die Erklärung"))  # loads now
    crawl(cfg)
    db = open_db()
    assert len(events_of(db, "new_publication")) == 4 and alerted(db, "new_publication") == 4
    assert replica.url("/p/later") in {e["url"] for e in events_of(db, "new_publication")}
    assert len(replica.requests_for("/p/later")) == 2  # the failure, then the reading
    assert db.execute("SELECT matched, matched_in FROM discovery_items WHERE url = ?",
                      [replica.url("/p/later")]).fetchone() == ("Menschenrechtsdialog", "page")
    assert len(replica.requests_for("/p/trade")) == 1  # read once: never again
    assert replica.requests_for("/p/old") == []
    assert linked(db) == [0, 5, 1]
    crawl(cfg)
    db = open_db()
    assert len(events_of(db, "new_publication")) == 4 and linked(db) == [0, 5, 1, 0]
    assert len(replica.requests_for("/p/trade")) == 1


def test_a_page_that_never_loads_is_given_up_after_three_reads(setup, replica, open_db):
    write, crawl = setup
    replica.set("/list", listing(replica, []))
    cfg = write(entry())
    crawl(cfg)
    replica.remove("/p/gone")
    replica.set("/list", listing(replica, [("Statement", "/p/gone", "")]))
    for _ in range(4):
        crawl(cfg)
    db = open_db()
    assert len(replica.requests_for("/p/gone")) == 3 and events_of(db, "new_publication") == []
    (row,) = db.query("SELECT page_state, page_tries, page_error FROM discovery_items")
    assert row["page_state"] == "failed" and row["page_tries"] == 3 and row["page_error"]


def test_the_per_read_limit_of_linked_pages_is_honoured(setup, replica, open_db):
    write, crawl = setup
    replica.set("/list", listing(replica, []))
    cfg = write(entry(match_page_limit=2))
    crawl(cfg)
    paths = [f"/p/{n}" for n in range(5)]
    for path in paths:
        replica.set(path, PAGE.format(f"Trade mission {path}"))
    replica.set("/list", listing(replica, [(f"Item {p}", p, "") for p in paths]))
    for _ in range(4):
        crawl(cfg)
    db = open_db()
    assert linked(db) == [0, 2, 2, 1, 0]
    assert [len(replica.requests_for(p)) for p in paths] == [1] * 5
    assert events_of(db, "new_publication") == []


def test_a_linked_page_off_the_written_sites_on_this_machine_is_not_fetched(
        setup, replica, open_db):
    """A listing links to an address on this machine that nobody wrote in sources.yaml
    (localhost, not the replica's 127.0.0.1): never fetched, never told."""
    write, crawl = setup
    replica.set("/list", listing(replica, []))
    cfg = write(entry())
    crawl(cfg)
    inside = replica.url("/admin").replace("127.0.0.1", "localhost")
    replica.set("/admin", PAGE.format("Menschenrechtsdialog"))
    replica.set("/list", listing(replica, [("Intern", inside, "")]))
    crawl(cfg)
    db = open_db()
    assert replica.requests_for("/admin") == [] and events_of(db, "new_publication") == []
    (row,) = db.query("SELECT page_state, page_error FROM discovery_items")
    assert row["page_state"] == "waiting" and "loopback" in row["page_error"]


def test_linked_pages_keep_robots_txt_and_the_size_cap(setup, replica, open_db):
    """A page robots.txt forbids is not fetched; one over 10 MB is not read; neither is
    told, both wait for a later read."""
    write, crawl = setup
    replica.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    replica.set("/list", listing(replica, []))
    cfg = write(entry())
    crawl(cfg)
    replica.set("/private/note", PAGE.format("Menschenrechtsdialog"))
    huge = PAGE.format("Menschenrechtsdialog " + "Text. " * (2 * 2**20))  # 12 MB
    replica.set("/p/huge", huge)
    replica.set("/list", listing(replica, [("Note", "/private/note", ""), ("Big", "/p/huge", "")]))
    crawl(cfg)
    db = open_db()
    assert replica.requests_for("/private/note") == [] and events_of(db, "new_publication") == []
    errors = dict(db.execute("SELECT url, page_error FROM discovery_items WHERE page_state = "
                             "'waiting'").fetchall())
    assert "robots.txt" in errors[replica.url("/private/note")], errors
    assert "larger than the size limit" in errors[replica.url("/p/huge")], errors


def test_a_source_without_match_page_reads_no_linked_page(setup, replica, open_db):
    write, crawl = setup
    replica.set("/list", listing(replica, []))
    cfg = write(entry(match_page=False))
    crawl(cfg)
    replica.set("/p/de", PAGE.format("Menschenrechtsdialog"))
    replica.set("/list", listing(replica, [("Pressemitteilung", "/p/de", "")]))
    crawl(cfg)
    assert replica.requests_for("/p/de") == [] and events_of(open_db(), "new_publication") == []


def discovery(**more):
    rules = [rule(m) for m in MATCH]
    return Discovery("d", "Switzerland", "t", "https://x.org/", "listing", Matcher(rules),
                     tuple(r.text for r in rules), ".news li", match_page=True, **more)


@pytest.mark.parametrize("plan, matched, limit, expected", [
    (decide.PagePlan(first_read=True), {}, 10, []),  # the baseline reads nothing
    (decide.PagePlan(frozenset(), (), False), {}, 10, ["a", "b", "c"]),  # after an empty list
    (decide.PagePlan(frozenset("ab"), (), False), {}, 10, ["c"]),
    (decide.PagePlan(frozenset("abc"), ("c", "a"), False), {}, 10, ["c", "a"]),  # waiting first
    (decide.PagePlan(frozenset("a"), ("a",), False), {}, 2, ["a", "b"]),  # then fresh, to limit
    (decide.PagePlan(frozenset(), (), False), {"b": "x"}, 10, ["a", "c"]),  # matched: not read
    (None, {}, 10, []),
])
def test_page_candidates(plan, matched, limit, expected):
    items = [Item(f"https://x.org/{k}", k) for k in "abc"]
    keys = {f"https://x.org/{k}": k for k in "abc"}
    plan = plan and decide.PagePlan(frozenset(f"https://x.org/{k}" for k in plan.known),
                                    tuple(f"https://x.org/{k}" for k in plan.waiting),
                                    plan.first_read)
    matched = {f"https://x.org/{k}": v for k, v in matched.items()}
    found = decide.page_candidates(discovery(match_page_limit=limit), items, matched, plan)
    assert [keys[each.key] for each in found] == expected


def test_page_rule_matches_the_page_text_whatever_its_case_accents_or_width():
    assert decide.page_rule(discovery(), "ＣＨＩＮＡ. The talks on HUMAN RIGHTS") == \
        "China near human rights"
    assert decide.page_rule(discovery(), "Handelsgespräche") is None


@pytest.mark.parametrize("more, line, words", [
    ({"match_page": "yes"}, "match_page", "match_page must be true or false, not 'yes'"),
    ({"match_page": True, "match": []}, "match_page", "match_page needs match: words"),
    ({"match_page_limit": 3}, "match_page_limit", "match_page_limit only applies with "
                                                  "match_page: true"),
    ({"match_page": True, "match_page_limit": 500}, "match_page_limit",
     "match_page_limit must be a whole number from 1 to 50, not '500'"),
    ({"match_pages": True}, "match_pages", "unknown key 'match_pages'. Fix: did you mean "
                                           "'match_page'?"),
])
def test_a_bad_match_page_names_its_line_and_the_fix(tmp_path, more, line, words):
    found = {"id": "x", "country": "Switzerland", "title": "t", "url": "https://a.ch/l",
             "type": "listing", "items": "li", "match": ["Menschenrechtsdialog"], **more}
    problem, expected = refused(tmp_path, found, line)
    assert words in problem[1] and problem[0] == expected, problem


def test_match_page_is_read_from_sources_yaml(tmp_path):
    found = {"id": "x", "country": "Japan", "title": "t", "url": "https://a.jp/l",
             "type": "feed", "match": ["人権対話"], "match_page": True, "match_page_limit": 4}
    document = {"sources": [{"id": "home", "country": "Japan", "title": "Home",
                             "url": "https://a.jp/", "kind": "html"}], "discover": [found]}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    (read,) = config.load(path).discover
    assert (read.match_page, read.match_page_limit) == (True, 4)


def test_an_item_adopted_while_its_page_waits_is_not_fetched_again(tmp_path):
    """Its linked page failed (waiting for the next read), then its title matched and it was
    adopted: the plan of the next read fetches only the pages of items still unadopted."""
    db = store.open_db(tmp_path / "monitor.db")
    rows = [("a", "waiting", None), ("b", "waiting", "ch-l-1234"), ("c", "read", None)]
    with db.conn:
        for key, state, adopted in rows:
            db["discovery_items"].insert({"discovery_id": "ch-l", "key": key, "url": f"https://a.ch/{key}",
                                          "first_seen_at": "2026-12-01T00:00:00Z", "page_state": state,
                                          "source_id": adopted})
    plan = store_discovery.page_plan(db, SimpleNamespace(id="ch-l", match_page=True))
    assert plan.waiting == ("a",) and plan.known == {"a", "b", "c"} and not plan.first_read

"""Links per version: extraction (table-tested), storage as deltas, and link events in
real crawls against a local server."""

import pytest

from monitor import store
from monitor.analysis import extract, links
from monitor.analysis.links import Link
from monitor.config import parse_rule
from monitor.notify import alerts

PAGE = "http://site.test/dw/page.html"


def found(html, content=None, ignore=(), url=PAGE):
    return links.extract(extract.parse_html(html).tree, url, content, ignore)


def areas(html, **kwargs):
    return {link.url: link.area for link in found(html, **kwargs)}


def doc(body, head=""):
    return f"<html><head>{head}</head><body>{body}</body></html>"


# (what, html, expected {url: area}) -- every link the page has, and where it belongs
AREAS = [
    ("plain content", doc("<p><a href='a.html'>A</a></p>"), {"http://site.test/dw/a.html": "content"}),
    ("nav", doc("<nav><a href='/n'>N</a></nav><p><a href='/c'>C</a></p>"),
     {"http://site.test/n": "chrome", "http://site.test/c": "content"}),
    ("page header and footer", doc("<header><a href='/h'>H</a></header><footer><a href='/f'>F</a>"
                                   "</footer>"), {"http://site.test/h": "chrome", "http://site.test/f": "chrome"}),
    ("an article's own footer is content", doc("<article><p>x</p><footer><a href='/r.pdf'>R</a>"
                                               "</footer></article>"), {"http://site.test/r.pdf": "content"}),
    ("aside", doc("<aside><a href='/s'>S</a></aside>"), {"http://site.test/s": "chrome"}),
    ("ARIA roles", doc("<div role='navigation'><a href='/1'>1</a></div><div role='banner'>"
                       "<a href='/2'>2</a></div><div role='contentinfo'><a href='/3'>3</a></div>"),
     {"http://site.test/1": "chrome", "http://site.test/2": "chrome", "http://site.test/3": "chrome"}),
    ("menus and breadcrumbs by markup name",
     doc("<ul class='main-menu'><li><a href='/m'>M</a></li></ul><ol id='breadcrumbs'><li>"
         "<a href='/b'>B</a></li></ol><div class='menuitem-text'><a href='/x'>X</a></div>"),
     {"http://site.test/m": "chrome", "http://site.test/b": "chrome", "http://site.test/x": "content"}),
    ("language switcher", doc("<div><a href='/fr/' hreflang='fr'>Français</a> <a href='/de/' "
                              "lang='de'>Deutsch</a></div>"),
     {"http://site.test/fr/": "chrome", "http://site.test/de/": "chrome"}),
    ("one main: only what it holds is content",
     doc("<div><a href='/side'>S</a></div><main><a href='/in'>I</a><nav class='crumbs'>"
         "<a href='/crumb'>C</a></nav></main>"),
     {"http://site.test/side": "chrome", "http://site.test/in": "content", "http://site.test/crumb": "chrome"}),
]


@pytest.mark.parametrize("what, html, expected", AREAS, ids=[a[0] for a in AREAS])
def test_areas(what, html, expected):
    assert areas(html) == expected


def test_content_rule_chooses_the_content():
    # what the selector chose is content, even a nav; a menu inside it is still chrome
    html = doc("<nav id='list'><a href='/a.pdf'>A</a><div class='menu'><a href='/m'>M</a></div></nav>"
               "<div><a href='/b'>B</a></div>")
    assert areas(html, content=parse_rule("#list")) == {
        "http://site.test/a.pdf": "content", "http://site.test/m": "chrome", "http://site.test/b": "chrome"}
    ignore = (parse_rule(".widget"),)
    html = doc("<p><a href='/c'>C</a></p><div class='widget'><a href='/w'>W</a></div>")
    assert areas(html, ignore=ignore) == {"http://site.test/c": "content", "http://site.test/w": "chrome"}


# (href, base href, expected url or None when dropped)
ADDRESSES = [
    ("a.pdf", None, "http://site.test/dw/a.pdf"),
    ("../up.html", None, "http://site.test/up.html"),
    ("a.pdf", "/files/", "http://site.test/files/a.pdf"),
    ("a.pdf", "https://cdn.test/x/", "https://cdn.test/x/a.pdf"),
    ("/b.html#part", None, "http://site.test/b.html"),
    ("#top", None, None),
    ("page.html#part", None, None),  # the page itself
    ("javascript:void(0)", None, None),
    ("mailto:office@site.test", None, None),
    ("tel:+15550100", None, None),
    ("  /spaced\n.html ", None, "http://site.test/spaced.html"),
    ("http://[bad", None, None),
]


@pytest.mark.parametrize("href, base, expected", ADDRESSES)
def test_addresses(href, base, expected):
    head = f"<base href='{base}'>" if base else ""
    got = [link.url for link in found(doc(f"<p><a href='{href}'>x</a></p>", head))]
    assert got == ([expected] if expected else [])


@pytest.mark.parametrize("base", ["http://site.test/dw/page.html", "https://h.test:8443", "http://h.test/?q=1"])
@pytest.mark.parametrize("href", ["/a.pdf", "/a/b.pdf?x=1&y=2", "/b.html#part", "/a/../b.pdf", "//cdn.test/c.pdf",
                                  "/sp ace.pdf", "/%C3%A9.pdf", "/a\\b"])
def test_the_quick_join_agrees_with_urljoin(base, href):
    from urllib.parse import urldefrag, urljoin, urlsplit

    url, fragment = urldefrag(urljoin(base, href))
    assert links._resolve(base, href) == (url, urlsplit(url).path, fragment)


# (anchor html, expected document kind, expected text)
ANCHORS = [
    ("<a href='/r.PDF'>Round  11\n summary</a>", "pdf", "Round 11 summary"),
    ("<a href='/get?id=4' type='application/pdf'>Get</a>", "pdf", "Get"),
    ("<a href='/r.docx'>W</a>", "word", "W"),
    ("<a href='/r.odt'>O</a>", "odf", "O"),
    ("<a href='/t.xlsx'>T</a>", "spreadsheet", "T"),
    ("<a href='/t.ods'>T</a>", "spreadsheet", "T"),
    ("<a href='/p.pptx'>P</a>", "presentation", "P"),
    ("<a href='/page.html'>H</a>", None, "H"),
    ("<a href='/x.pdf'><img src='i.png' alt='Annual report'></a>", "pdf", "Annual report"),
    ("<a href='/y' title='The title'></a>", None, "The title"),
    ("<a href='/e'>Cafe\u0301</a>", None, "Caf\u00e9"),
]


@pytest.mark.parametrize("anchor, kind, text", ANCHORS)
def test_documents_and_text(anchor, kind, text):
    (link,) = found(doc(f"<p>{anchor}</p>"))
    assert (link.document, link.text) == (kind, text)


def test_one_link_per_address_named_by_its_first_words():
    html = doc("<p><a href='/a'><img src=x></a> <a href='/a'>Alpha</a> <a href='/a'>Again</a></p>")
    assert found(html) == (Link("content", "http://site.test/a", None, "Alpha"),)


def test_serialize_round_trip_and_compare():
    before = (Link("chrome", "http://s/menu", None, "Menu"), Link("content", "http://s/a.pdf", "pdf", "A\tx"),
              Link("content", "http://s/b", None, "B"))
    assert links.parse(links.serialize(before)) == tuple(
        Link(link.area, link.url, link.document, link.text.replace("\t", " ")) for link in before)
    assert links.parse(links.serialize(())) == ()
    after = (Link("chrome", "http://s/other-menu", None, "M"), Link("content", "http://s/b", None, "B, renamed"),
             Link("content", "http://s/c.docx", "word", "C"))
    changes = links.compare(before, after)
    assert [link.url for link in changes.added] == ["http://s/c.docx"]
    assert [link.url for link in changes.removed] == ["http://s/a.pdf"]
    assert links.kinds(changes) == ["documents_changed"]
    assert links.kinds(links.compare(before, before)) == []


def test_words():
    removed = tuple(Link("content", f"http://s/{i}.pdf", "pdf", f"Round {i}") for i in (1, 2))
    added = (Link("content", "http://s/new", None, ""),)
    text = links.words(links.Changes(added, removed), "Canada's")
    assert text == ("2 documents were removed from Canada's page: Round 1 (http://s/1.pdf); "
                    "Round 2 (http://s/2.pdf). 1 link was added to Canada's page: new (http://s/new).")


# -- addresses with machine-made parts: the same link -----------------------------

from monitor.analysis import addresses  # noqa: E402

# (value, generated?) -- a session id or cache-buster, or a person's id or word
VALUES = [
    ("1733050000", True),            # seconds since 1970 (2024)
    ("1733050000123", True),         # milliseconds
    ("0.7351948210", True),          # Math.random()
    ("3f2a9c1e", True),              # a short content hash, lower case
    ("9F2C4D1A7B3E5F60A1B2C3D4E5F60718", True),  # a session id in capitals
    ("{6F9619FF-8B86-D011-B42D-00C04FC964FF}", True),  # a GUID
    ("kq2L9xVb7Tz4PwR8sN3m", True),  # a base-64 token
    ("f3k2n9d8s7a6l5k4j3h2g1f0d9", True),  # PHPSESSID
    ("5432", False),                 # a document's number
    ("20240312", False),             # a date
    ("123456789", False),            # nine digits: an id, not a time
    ("9999999999", False),           # ten digits, but after 2100
    ("52023DC0123", False),          # an EU document number (CELEX)
    ("report2024v2", False),
    ("AnnualReportOnHumanRights2024", False),
    ("deadbeefcafe", False),         # hex letters, no digit: a word
    ("en", False), ("2", False), ("", False),
]


@pytest.mark.parametrize("value, expected", VALUES, ids=[v[0] or "empty" for v in VALUES])
def test_generated_values(value, expected):
    assert addresses.generated(value) is expected


def test_key_masks_generated_values_and_folders():
    assert addresses.key("https://s/a.pdf") == "https://s/a.pdf"
    assert addresses.key("https://s/a.pdf?v=1733050000&lang=en") == "https://s/a.pdf?v=\x00&lang=en"
    assert addresses.key("https://s/a.pdf;jsessionid=9F2C4D1A7B3E5F60A1B2C3D4E5F60718?id=7") == \
        "https://s/a.pdf;jsessionid=\x00?id=7"
    # a generated folder is masked (issue 22: a token as a folder), the file's own name stays
    assert addresses.key("https://s/3f2a9c1e/a.pdf") == "https://s/\x00/a.pdf"
    assert addresses.key("https://s/docs/3f2a9c1e.pdf") == "https://s/docs/3f2a9c1e.pdf"


def content_links(*urls):
    return tuple(Link("content", url, "pdf" if ".pdf" in url else None, "") for url in urls)


# (what, before, after, added, removed) -- the addresses compare reports
READDRESSED = [
    ("a session id changed in every link: nothing came or went",
     ("https://s/a.pdf?sid=kq2L9xVb7Tz4PwR8sN3m", "https://s/b.pdf?sid=kq2L9xVb7Tz4PwR8sN3m"),
     ("https://s/a.pdf?sid=Zp4Q8wLm2Rt7Yx3Vn9Ks", "https://s/b.pdf?sid=Zp4Q8wLm2Rt7Yx3Vn9Ks"), [], []),
    ("a cache-buster changed, and a document really went",
     ("https://s/a.pdf?v=1733050000", "https://s/b.pdf?v=1733050000"),
     ("https://s/a.pdf?v=1733136400",), [], ["https://s/b.pdf?v=1733050000"]),
    ("a short id is a document of its own",
     ("https://s/get?id=5432",), ("https://s/get?id=5433",), ["https://s/get?id=5433"],
     ["https://s/get?id=5432"]),
    ("two documents behind one download address: one replaced is a change",
     ("https://s/get?id=6F9619FF-8B86-D011-B42D-00C04FC964FF",
      "https://s/get?id=7A9619FF-8B86-D011-B42D-00C04FC964FF"),
     ("https://s/get?id=6F9619FF-8B86-D011-B42D-00C04FC964FF",
      "https://s/get?id=8B9619FF-8B86-D011-B42D-00C04FC964FF"),
     ["https://s/get?id=8B9619FF-8B86-D011-B42D-00C04FC964FF"],
     ["https://s/get?id=7A9619FF-8B86-D011-B42D-00C04FC964FF"]),
    ("another parameter changed too: another address",
     ("https://s/a.pdf?v=1733050000&lang=en",), ("https://s/a.pdf?v=1733136400&lang=fr",),
     ["https://s/a.pdf?v=1733136400&lang=fr"], ["https://s/a.pdf?v=1733050000&lang=en"]),
    ("another path with the same token: another document",
     ("https://s/a.pdf?v=1733050000",), ("https://s/c.pdf?v=1733136400",),
     ["https://s/c.pdf?v=1733136400"], ["https://s/a.pdf?v=1733050000"]),
]


@pytest.mark.parametrize("what, before, after, added, removed", READDRESSED,
                         ids=[r[0] for r in READDRESSED])
def test_compare_sees_through_generated_address_parts(what, before, after, added, removed):
    changes = links.compare(content_links(*before), content_links(*after))
    assert [link.url for link in changes.added] == added
    assert [link.url for link in changes.removed] == removed


# -- real crawls ----------------------------------------------------------------

def index(*documents, menu=("Home", "News"), text="Records of the human rights dialogue rounds."):
    items = "".join(f"<li><a href='{href}'>{title}</a></li>" for href, title in documents)
    nav = "".join(f"<a href='/{m.lower()}'>{m}</a> " for m in menu)
    return (f"<html><head><title>Dialogue records</title></head><body><nav>{nav}</nav><main>"
            f"<h1>Dialogue records</h1><p>{text} Each round's summary is published below as it "
            f"becomes available to the public.</p><ul>{items}</ul></main>"
            "<footer><p>Copyright Government of Canada</p></footer></body></html>")


ROUNDS = [("/docs/round-10.pdf", "Round 10"), ("/docs/round-11.pdf", "Round 11"),
          ("/about-the-dialogue", "About the dialogue")]


def kinds_of(open_db, source_id):
    return [row["kind"] for row in store.history(open_db(), source_id)]


def link_changes(open_db, kind):
    db = open_db()
    sql = ("SELECT c.change, c.url, c.document FROM link_changes c JOIN events e ON e.id = c.event_id "
           "WHERE e.kind = ? ORDER BY c.id")
    return [tuple(r) for r in db.execute(sql, [kind]).fetchall()]


def test_document_removed_added_and_menu_changed(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records"})
    replica.set("/records", index(*ROUNDS))
    assert crawl(cfg) == {"canada": ("ok", "new")}
    # a menu reshuffle: the text is the same, the content links too: nothing to say
    replica.set("/records", index(*ROUNDS, menu=("Start", "Press", "Contact")))
    assert crawl(cfg) == {"canada": ("ok", None)}
    # one document link removed: the main-content text leaves out a list of links, so
    # without its links the page reads the same
    replica.set("/records", index(ROUNDS[0], ROUNDS[2], menu=("Start", "Press", "Contact")))
    assert crawl(cfg) == {"canada": ("ok", "documents_changed")}
    assert link_changes(open_db, "documents_changed") == [
        ("removed", replica.url("/docs/round-11.pdf"), "pdf")]
    detail = open_db().execute("SELECT detail FROM events WHERE kind = 'documents_changed'").fetchone()[0]
    assert detail == (f"1 document was removed from Canada's page: Round 11 "
                      f"({replica.url('/docs/round-11.pdf')}).")
    # the same words, another document behind them: only the link tells
    replica.set("/records", index(("/docs/round-10-revised.pdf", "Round 10"), ROUNDS[2],
                                  menu=("Start", "Press", "Contact")))
    assert crawl(cfg) == {"canada": ("ok", "documents_changed")}
    assert link_changes(open_db, "documents_changed")[1:] == [
        ("added", replica.url("/docs/round-10-revised.pdf"), "pdf"),
        ("removed", replica.url("/docs/round-10.pdf"), "pdf")]
    # another content link (not a document): links_changed
    replica.set("/records", index(("/docs/round-10-revised.pdf", "Round 10"), ("/about", "About the dialogue"),
                                  menu=("Start", "Press", "Contact")))
    assert crawl(cfg) == {"canada": ("ok", "links_changed")}
    assert kinds_of(open_db, "canada") == ["new", "documents_changed", "documents_changed",
                                           "links_changed"]


def test_link_sets_are_stored_once_as_deltas(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records"})
    many = [(f"/docs/record-{i}.pdf", f"Record {i}") for i in range(300)]
    replica.set("/records", index(*many))
    crawl(cfg)
    replica.set("/records", index(*many, text="Records of the dialogue, reworded."))
    crawl(cfg)  # the text changed, the links did not: the new version names the same set
    replica.set("/records", index(*many[:150], *many[151:], text="Records of the dialogue, reworded."))
    crawl(cfg)
    db = open_db()
    versions = db.execute("SELECT links_sha256 FROM versions ORDER BY seq").fetchall()
    assert len(versions) == 3 and versions[0] == versions[1] != versions[2]
    rows = db.execute("SELECT stored_size, depth FROM link_sets ORDER BY depth").fetchall()
    assert [depth for _, depth in rows] == [0, 1]
    assert rows[1][0] < 200 < rows[0][0]  # one link removed: a delta of a few dozen bytes


def test_unchanged_bytes_read_nothing_and_first_links_are_a_baseline(replica, make_config, crawl,
                                                                     open_db):
    cfg = make_config({"id": "canada", "path": "/records"})
    replica.set("/records", index(*ROUNDS), validators=False)
    crawl(cfg)
    db = open_db()
    db.execute("UPDATE versions SET links_sha256 = NULL, links_rules = NULL")  # as stored before m020
    db.conn.commit()
    assert crawl(cfg) == {"canada": ("not_modified", None)}  # same bytes: nothing read
    assert open_db().execute("SELECT links_sha256 FROM versions").fetchone()[0] is None
    replica.set("/records", index(ROUNDS[0], menu=("Home",)), validators=False)
    # the first links of an older version: a baseline, not "every link added" nor
    # "two removed"; the current version takes them
    assert crawl(cfg) == {"canada": ("ok", None)}
    assert open_db().execute("SELECT links_sha256 FROM versions").fetchone()[0] is not None
    replica.set("/records", index(menu=("Home",)), validators=False)
    assert crawl(cfg) == {"canada": ("ok", "documents_changed")}  # from then on, compared
    assert link_changes(open_db, "documents_changed") == [
        ("removed", replica.url("/docs/round-10.pdf"), "pdf")]


def test_text_change_and_document_removed_make_one_alert(replica, make_config, db_path, open_db):
    from monitor.fetch import crawler

    cfg = make_config({"id": "canada", "path": "/records"})
    team = alerts.Subscriber(name="team", url="json://127.0.0.1:9/")
    everything = alerts.Subscriber(name="all", url="json://127.0.0.1:9/", kinds=frozenset({"documents_changed"}))
    replica.set("/records", index(*ROUNDS))
    crawler.crawl(cfg, db_path, subscribers=[team, everything])
    replica.set("/records", index(ROUNDS[0], ROUNDS[2], text="Records of the dialogue, reworded."))
    _, results = crawler.crawl(cfg, db_path, subscribers=[team, everything])
    assert results[0]["event"] == "silent_edit, documents_changed" or \
        results[0]["event"] == "changed, documents_changed"
    db = open_db()
    sql = ("SELECT o.id, o.subscriber, e.kind FROM alert_outbox o JOIN events e ON e.id = o.event_id "
           "WHERE e.kind != 'new' ORDER BY o.id")
    rows = db.execute(sql).fetchall()
    assert [(who, kind) for _, who, kind in rows] == [("team", results[0]["event"].split(",")[0]),
                                                       ("all", "documents_changed")]
    message = alerts.render_event(store.alert_details(db, rows[0][0]))
    assert "page changed" in message.title
    assert f"1 document was removed from Canada's page: Round 11 ({replica.url('/docs/round-11.pdf')})" \
        in message.body
    assert "reworded" in message.body


def test_rules_change_of_the_content_area_is_no_link_event(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records"})
    replica.set("/records", index(*ROUNDS))
    crawl(cfg)
    # the content is now only the list: the paragraph and the heading are left out
    cfg = make_config({"id": "canada", "path": "/records", "content": "main ul"})
    result = crawl(cfg)
    assert result["canada"][1] is None or "documents_changed" not in result["canada"][1]
    assert "rules_changed" in kinds_of(open_db, "canada")
    replica.set("/records", index(ROUNDS[1], ROUNDS[2]))
    assert crawl(cfg) == {"canada": ("ok", "changed, documents_changed")}
    assert link_changes(open_db, "documents_changed") == [
        ("removed", replica.url("/docs/round-10.pdf"), "pdf")]


def test_documents_are_alerted_by_default_other_links_only_when_asked(replica, make_config, db_path,
                                                                      open_db):
    from monitor.fetch import crawler

    cfg = make_config({"id": "canada", "path": "/records"})
    team = alerts.Subscriber(name="team", url="json://127.0.0.1:9/")
    links_too = alerts.Subscriber(name="links", url="json://127.0.0.1:9/",
                                  kinds=frozenset({"links_changed"}))
    replica.set("/records", index(*ROUNDS))
    crawler.crawl(cfg, db_path, subscribers=[team, links_too])
    replica.set("/records", index(ROUNDS[1], ("/about", "About the dialogue")))
    _, results = crawler.crawl(cfg, db_path, subscribers=[team, links_too])
    assert results[0]["event"] == "documents_changed, links_changed"
    db = open_db()
    rows = db.execute("SELECT o.id, o.subscriber, e.kind FROM alert_outbox o JOIN events e ON "
                      "e.id = o.event_id WHERE e.kind != 'new' ORDER BY o.id").fetchall()
    assert [(who, kind) for _, who, kind in rows] == [("team", "documents_changed"),
                                                       ("links", "links_changed")]
    message = alerts.render_event(store.alert_details(db, rows[0][0]))
    assert message.title == "Canada's page added or removed a document"
    assert (f"What dialogue-watch saw: 1 document was removed from Canada's page: Round 10 "
            f"({replica.url('/docs/round-10.pdf')}).") in message.body
    other = alerts.render_event(store.alert_details(db, rows[1][0]))
    assert f"1 link was added to Canada's page: About the dialogue ({replica.url('/about')})" in other.body
    assert f"1 link was removed from Canada's page: About the dialogue ({replica.url('/about-the-dialogue')})" \
        in other.body


def test_a_session_id_in_every_link_is_no_change_and_a_real_removal_still_is(
        replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records"})

    def serve(token, documents=ROUNDS):
        replica.set("/records", index(*((f"{href};jsessionid={token}", title)
                                        for href, title in documents)), validators=False)

    tokens = ["9F2C4D1A7B3E5F60A1B2C3D4E5F6071" + str(i) for i in range(6)]
    serve(tokens[0])
    assert crawl(cfg) == {"canada": ("ok", "new")}
    for token in tokens[1:4]:  # a new session at every check: the same links
        serve(token)
        assert crawl(cfg) == {"canada": ("ok", None)}
    serve(tokens[4], ROUNDS[1:])  # a document really went, under yet another session id
    assert crawl(cfg) == {"canada": ("ok", "documents_changed")}
    assert link_changes(open_db, "documents_changed") == [
        ("removed", replica.url(f"/docs/round-10.pdf;jsessionid={tokens[3]}"), "pdf")]
    assert open_db().execute("SELECT count(*) FROM versions").fetchone() == (2,)

"""follow: the documents an index page links to, watched as sources of their own
(real crawls against a local server)."""

import datetime

import pytest

from monitor import config, store
from monitor.analysis import links
from monitor.errors import ConfigError
from monitor.replica import make_pdf

INTRO = ("Records of the human rights dialogue rounds. Each round's summary is published "
         "below as it becomes available to the public.")


def index(*documents, extra=""):
    items = "".join(f"<li><a href='{href}'>{title}</a></li>" for href, title in documents)
    return (f"<html><head><title>Dialogue records</title></head><body>"
            "<nav><a href='/'>Home</a> <a href='/menu.pdf'>Menu as PDF</a></nav><main>"
            f"<h1>Dialogue records</h1><p>{INTRO}</p><ul>{items}</ul>{extra}</main></body></html>")


def summary(round_number, words="The delegations met and discussed prison conditions.",
            moddate=datetime.datetime(2024, 1, 15, tzinfo=datetime.timezone.utc), created=None):
    return make_pdf([f"Summary of dialogue round {round_number}. {words}"], moddate, created)


def doc_id(replica, path):
    return links.followed_id("canada", replica.url(path))


def serve_rounds(replica, *numbers):
    for number in numbers:
        replica.set(f"/docs/round-{number}.pdf", summary(number), content_type="application/pdf")


def test_follow_documents_watches_each_pdf_and_its_changes(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents"})
    serve_rounds(replica, 10, 11)
    replica.set("/records", index(("/docs/round-10.pdf", "Round 10 summary"),
                                  ("/docs/round-11.pdf", "Round 11 summary"),
                                  ("/history.html", "History")))
    # each PDF of the content (not the menu's, not the web page) is watched, from this crawl on
    ten, eleven = doc_id(replica, "/docs/round-10.pdf"), doc_id(replica, "/docs/round-11.pdf")
    assert crawl(cfg) == {"canada": ("ok", "new"), ten: ("ok", "new"), eleven: ("ok", "new")}
    assert crawl(cfg) == {"canada": ("not_modified", None), ten: ("not_modified", None),
                          eleven: ("not_modified", None)}
    db = open_db()
    row = db.execute("SELECT country, title, url, kind, locale, active FROM sources WHERE id = ?",
                     [ten]).fetchone()
    assert row == ("Canada", "Round 10 summary", replica.url("/docs/round-10.pdf"), "pdf", "en-CA", 1)
    assert "Summary of dialogue round 10" in store.text_of(db, db.execute(
        "SELECT v.text_sha256 FROM versions v WHERE v.source_id = ?", [ten]).fetchone()[0])
    # a crawl of another page only: the documents stay watched (active), like their page
    replica.set("/other", index())
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents"},
                      {"id": "other", "path": "/other"})
    assert set(crawl(cfg, "other")) == {"other"}
    assert open_db().execute("SELECT active FROM sources WHERE id = ?", [ten]).fetchone() == (1,)
    # the PDF itself changes, and its modification date: its own event
    march = datetime.datetime(2024, 3, 2, tzinfo=datetime.timezone.utc)
    replica.set("/docs/round-10.pdf", summary(10, "The delegations agreed on nothing.", march),
                content_type="application/pdf")
    assert crawl(cfg)[ten] == ("ok", "updated")
    (before, after) = open_db().execute("SELECT marker_before, marker_after FROM events WHERE "
                                        "source_id = ? AND kind = 'updated'", [ten]).fetchone()
    assert before != after and "2024" in after


def test_unlinked_but_still_online_then_gone(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents"})
    serve_rounds(replica, 10, 11)
    replica.set("/records", index(("/docs/round-10.pdf", "Round 10"), ("/docs/round-11.pdf", "Round 11")))
    crawl(cfg)
    crawl(cfg)
    eleven = doc_id(replica, "/docs/round-11.pdf")
    replica.set("/records", index(("/docs/round-10.pdf", "Round 10")))
    assert crawl(cfg)["canada"] == ("ok", "documents_changed")
    # the same crawl sees it unlinked: a note on the document's own history
    assert [h["kind"] for h in store.history(open_db(), eleven)] == ["new", "unlinked"]
    # still at its address: still watched, unchanged, nothing more said
    assert crawl(cfg)[eleven] == ("not_modified", None)
    history = store.history(open_db(), eleven)
    assert [h["kind"] for h in history] == ["new", "unlinked"]
    assert "no longer links to this document" in history[1]["detail"]
    assert "still watched" in history[1]["detail"]
    followed = open_db().execute("SELECT unlinked_at FROM followed WHERE id = ?", [eleven]).fetchone()
    assert followed[0] is not None
    # and then it disappears from its address too: gone
    replica.remove("/docs/round-11.pdf")
    assert crawl(cfg)[eleven] == ("gone", "gone")
    assert [h["kind"] for h in store.history(open_db(), eleven)] == ["new", "unlinked", "gone"]


def test_follow_limit(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents", "follow_limit": 2})
    serve_rounds(replica, 1, 2, 3)
    replica.set("/records", index(*[(f"/docs/round-{n}.pdf", f"Round {n}") for n in (1, 2, 3)]))
    result = crawl(cfg)
    assert sorted(result) == sorted(["canada", doc_id(replica, "/docs/round-1.pdf"),
                                     doc_id(replica, "/docs/round-2.pdf")])
    kinds = [h["kind"] for h in store.history(open_db(), "canada")]
    assert kinds == ["new", "follow_limit"]
    detail = store.history(open_db(), "canada")[1]["detail"]
    assert "3 documents to follow, more than its follow_limit of 2: 1 are not watched" in detail
    crawl(cfg)  # said once
    assert [h["kind"] for h in store.history(open_db(), "canada")] == ["new", "follow_limit"]


def test_follow_a_selector(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records", "follow": "#reports"})
    serve_rounds(replica, 10)
    replica.set("/report.html", "<html><body><main><h1>Annual report</h1><p>The dialogue met twice "
                                "this year and discussed the rights of minorities.</p></main></body></html>")
    extra = ("<div id='reports'><a href='/report.html'>Annual report</a> "
             "<a href='/docs/round-10.pdf'>Round 10</a> <a href='/data.xlsx'>Data</a></div>")
    replica.set("/records", index(("/docs/other.pdf", "Not in the selection"), extra=extra))
    result = crawl(cfg)
    page, pdf = doc_id(replica, "/report.html"), doc_id(replica, "/docs/round-10.pdf")
    assert result == {"canada": ("ok", "new"), page: ("ok", "new"), pdf: ("ok", "new")}
    kinds = dict(open_db().execute("SELECT id, kind FROM sources WHERE id IN (?, ?)", [page, pdf]).fetchall())
    assert kinds == {page: "html", pdf: "pdf"}


@pytest.mark.parametrize("entry, problem", [
    ({"follow": "/x/"}, "follow takes no /regex/"),
    ({"follow": "a[["}, "is not a CSS selector"),
    ({"follow": "documents", "follow_limit": 0}, "follow_limit must be a whole number"),
    ({"follow_limit": 5}, "follow_limit only applies with follow:"),
])
def test_follow_config_problems(tmp_path, entry, problem):
    import yaml

    source = {"id": "canada", "country": "Canada", "title": "t", "url": "https://example.org/",
              "kind": "html", **entry}
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        config.load(path)
    assert problem in str(error.value)


def test_history_json_site_history_and_documents_view(replica, make_config, crawl, db_path, open_db):
    import asyncio
    import json
    import subprocess
    import sys

    from monitor.publish import site

    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents"})
    serve_rounds(replica, 10, 11)
    replica.set("/records", index(("/docs/round-10.pdf", "Round 10"), ("/docs/round-11.pdf", "Round 11"),
                                  ("/docs/annex.docx", "Annex")))
    crawl(cfg)
    crawl(cfg)
    replica.set("/records", index(("/docs/round-10.pdf", "Round 10"), ("/docs/annex.docx", "Annex")))
    crawl(cfg)
    crawl(cfg)  # round 11 is unlinked (a note on its own page), still online
    eleven = doc_id(replica, "/docs/round-11.pdf")
    base = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path)]
    history = json.loads(subprocess.run(base + ["history", "canada", "--json"], capture_output=True,
                                        text=True, check=True).stdout)
    assert [h["kind"] for h in history] == ["new", "documents_changed"]
    assert history[1]["links"] == {"added": [], "removed": [
        {"url": replica.url("/docs/round-11.pdf"), "text": "Round 11", "document": "pdf"}]}
    assert "links" not in history[0]

    datasette = site.make_datasette(db_path)
    response = asyncio.run(datasette.client.get("/monitor/history?source=canada"))
    assert response.status_code == 200
    assert "<del>removed</del> (pdf):" in response.text and replica.url("/docs/round-11.pdf") in response.text
    assert "/monitor/documents?source=canada" in response.text
    response = asyncio.run(datasette.client.get("/monitor/documents.json?source=canada&_shape=array"))
    assert response.status_code == 200
    documents = {row["text"]: row for row in response.json()}
    assert set(documents) == {"Round 10", "Round 11", "Annex"}
    assert documents["Round 11"]["still_linked"] == 0 and documents["Round 11"]["still_online"] == "yes"
    assert documents["Round 11"]["followed_id"] == eleven
    assert documents["Round 10"]["still_linked"] == 1 and documents["Round 10"]["still_online"] == "yes"
    assert documents["Annex"]["still_online"] == "not watched"  # a Word file is listed, not read
    # times are to the second: two crawls can share one
    assert documents["Round 11"]["last_seen_at"] <= documents["Round 10"]["last_seen_at"]
    event_id = open_db().execute("SELECT id FROM events WHERE kind = 'documents_changed'").fetchone()[0]
    change = asyncio.run(datasette.client.get(f"/monitor/change?event={event_id}"))
    assert change.status_code == 200
    assert "1 document was removed from Canada&#39;s page: Round 11" in change.text
    html = asyncio.run(datasette.client.get("/monitor/documents?source=canada")).text
    assert "Documents linked from canada" in html and "its own history" in html


def test_a_cache_buster_in_a_followed_link_keeps_one_document(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents"})
    stamps = [1733050000 + 86400 * i for i in range(3)]
    first = doc_id(replica, f"/docs/round-10.pdf?v={stamps[0]}")
    # the document is fetched at the address its page gave at the crawl before: a new
    # address is a move (fetched whole, compared: the same text, no change), never a new document
    expected = [("ok", "new"), ("not_modified", None), ("ok", "moved")]
    for n, stamp in enumerate(stamps):  # a new ?v= at every visit, the same PDF behind it
        # made anew at each visit (its creation date differs: other bytes, the same text),
        # whether or not two crawls fall within one second
        created = datetime.datetime(2024, 12, 1 + n, tzinfo=datetime.timezone.utc)
        replica.set(f"/docs/round-10.pdf?v={stamp}", summary(10, created=created),
                    content_type="application/pdf")
        replica.set("/records", index((f"/docs/round-10.pdf?v={stamp}", "Round 10 summary")),
                    validators=False)
        outcomes = crawl(cfg)
        assert set(outcomes) == {"canada", first}
        assert outcomes["canada"] == ("ok", "new" if n == 0 else None)
        assert outcomes[first] == expected[n]
    db = open_db()
    assert db.execute("SELECT id, url, unlinked_at FROM followed").fetchall() == [
        (first, replica.url(f"/docs/round-10.pdf?v={stamps[-1]}"), None)]
    kinds = [row[0] for row in db.execute("SELECT kind FROM events WHERE source_id = ? ORDER BY id",
                                          [first])]
    assert "unlinked" not in kinds and kinds.count("new") == 1


def test_rotating_document_addresses_keep_one_followed_source_each(replica, make_config, crawl, open_db):
    """Issue 22: document links whose address changes at every visit (an S3-style signed
    query, a token folder with tracking tags) are one document each over 6 crawls; a
    document really added at crawl 4 is reported and followed (follow_limit is not used
    up by copies)."""
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents", "follow_limit": 3})
    signatures = ["%064x" % (0x9F2C4D1A7B3E5F60A1B2C3D4E5F607 * (n + 3) ** 7) for n in range(6)]

    def signed(n):
        day, second = f"202612{n + 1:02d}", f"10{n:02d}12"
        return (f"/docs/round-10.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE"
                f"%2F{day}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date={day}T{second}Z&X-Amz-Expires=3600"
                f"&X-Amz-SignedHeaders=host&X-Amz-Signature={signatures[n]}")

    def foldered(n, name):
        return f"/files/{(0x8f3a9c2e7d + 977 * n):010x}/{name}.pdf?utm_source=site&utm_content=c{n}"

    first = {"round-10": doc_id(replica, signed(0)), "round-11": doc_id(replica, foldered(0, "round-11"))}
    for n in range(6):
        documents = [(signed(n), "Round 10 summary"), (foldered(n, "round-11"), "Round 11 summary")]
        if n >= 3:
            documents.append((foldered(n, "round-12"), "Round 12 summary"))
        for (href, _), number in zip(documents, (10, 11, 12)):
            replica.set(href, summary(number), content_type="application/pdf")  # old ones stay online
        replica.set("/records", index(*((href.replace("&", "&amp;"), title) for href, title in documents)),
                    validators=False)
        outcomes = crawl(cfg)
        expected_event = "documents_changed" if n == 3 else ("new" if n == 0 else None)
        assert outcomes["canada"] == ("ok", expected_event), n
        assert {first["round-10"], first["round-11"]} <= set(outcomes)
    db = open_db()
    followed = db.execute("SELECT id, url, unlinked_at FROM followed ORDER BY rowid").fetchall()
    twelve = doc_id(replica, foldered(3, "round-12"))
    assert [row[0] for row in followed] == [first["round-10"], first["round-11"], twelve]
    assert [row[1] for row in followed] == [replica.url(signed(5)), replica.url(foldered(5, "round-11")),
                                            replica.url(foldered(5, "round-12"))]
    assert all(row[2] is None for row in followed)
    assert [h["kind"] for h in store.history(db, "canada")] == ["new", "documents_changed"]
    assert link_changes(db) == [("added", replica.url(foldered(3, "round-12")), "pdf")]
    assert not any(h["kind"] == "follow_limit" for h in store.history(db, "canada"))
    for source_id in followed:
        kinds = [h["kind"] for h in store.history(db, source_id[0])]
        assert kinds.count("new") == 1 and "unlinked" not in kinds, (source_id[0], kinds)
    text_sha = db.execute("SELECT text_sha256 FROM versions WHERE source_id = ?", [twelve]).fetchone()[0]
    assert "Summary of dialogue round 12" in store.text_of(db, text_sha)


def link_changes(db):
    return [tuple(row) for row in db.execute(
        "SELECT c.change, c.url, c.document FROM link_changes c ORDER BY c.id").fetchall()]

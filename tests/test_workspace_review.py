"""Reviewing changes in the workspace (issue 25): the unreviewed list per country, newest
first; reviewed and important marks and notes (who, when) in a real Chromium; a public note
reaches the public site's database without its author, a private one never does."""

import asyncio
import concurrent.futures
import json
import sqlite3
import urllib.parse

from playwright.sync_api import expect

from monitor.publish import site
from tests.workspace_fixtures import (AFTER, ARTIFACTS, browser, log_in, page_with,  # noqa: F401
                                      serving, watched)

PRIVATE = "Ask the embassy why the Tibet paragraph went"
PUBLIC = "The paragraph on Tibet was removed in December"


def test_review_mark_and_annotate_a_change(watched, replica, crawl, db_path, browser):
    replica.set("/dialogue.html", page_with(AFTER))
    kind = crawl(watched)["ca-dialogue"][1]
    with serving(db_path) as base:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        log_in(page, base, "ben", "/-/review")
        expect(page.get_by_role("link", name="Canada (1)")).to_be_visible()
        page.get_by_role("link", name="Canada (1)").click()
        expect(page.locator("h1")).to_have_text("Changes to review: Canada")
        page.get_by_role("link", name="Canada's dialogue page").click()
        expect(page.locator(".ws-diff .added")).to_contain_text("人权")
        change_path = page.url.replace(base, "")
        page.get_by_role("button", name="Flag as important").click()
        expect(page.locator("body")).to_contain_text("Flagged important by ben")
        page.fill("#text", PRIVATE)
        page.get_by_role("button", name="Save the note").click()
        page.fill("#text", PUBLIC)
        page.get_by_label("Show this note on the public site").check()
        page.get_by_role("button", name="Save the note").click()
        expect(page.locator(".ws-list")).to_contain_text(PUBLIC)
        page.screenshot(path=ARTIFACTS / "workspace-change-1280.png", full_page=True)
        page.get_by_role("button", name="Mark as reviewed").click()
        expect(page.locator("body")).to_contain_text("Reviewed by ben")
        page.goto(base + "/-/review")
        expect(page.locator(".ws-ok")).to_have_text("Nothing waits for review.")
        phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        log_in(phone, base, "ben", change_path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=ARTIFACTS / "workspace-change-390.png", full_page=True)
    db = sqlite3.connect(db_path)
    actions = [row[0] for row in db.execute("SELECT action FROM workspace_audit WHERE who = 'ben' AND action NOT LIKE 'logged%'")]
    assert actions[-4:] == ["marked important", "wrote a note", "wrote a public note", "marked reviewed"]
    assert kind != "new"
    assert_public_site_shows_only_the_public_note(db_path)


def assert_public_site_shows_only_the_public_note(db_path):
    public = site.make_datasette(db_path)

    async def ask(sql):
        return await public.client.get("/monitor.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array"}))

    def run(sql):
        with concurrent.futures.ThreadPoolExecutor(1) as thread:
            return thread.submit(asyncio.run, ask(sql)).result()

    shown = run("select * from public_notes")
    assert [row["text"] for row in shown.json()] == [PUBLIC]
    assert "ben" not in shown.text
    for table in ("workspace_notes", "workspace_reviews"):
        assert run(f"select * from {table}").status_code == 400
    everything = run("select group_concat(text, ' ') as t from public_notes").text
    assert PRIVATE not in everything and PRIVATE not in json.dumps(run("select * from events").json())
    event_id = shown.json()[0]["event_id"]

    async def change_page():
        return await public.client.get(f"/monitor/change?event={event_id}")

    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        html = thread.submit(asyncio.run, change_page()).result().text
    assert "Notes from the team" in html and PUBLIC in html
    assert PRIVATE not in html and "ben" not in html


def test_cite_a_change_with_both_captures_and_a_small_wacz(watched, replica, crawl, db_path, browser, tmp_path):
    import hashlib
    import io
    import zipfile

    from warcio.archiveiterator import ArchiveIterator

    from monitor.archive import export
    from tests.workspace_fixtures import BEFORE

    replica.set("/other.html", page_with(["Another page, not part of this change."]))
    replica.set("/dialogue.html", page_with(AFTER))
    crawl(watched)
    replica.set("/dialogue.html", page_with(AFTER + ["A third version."]))
    crawl(watched)  # a later capture: not part of the cited change
    db = sqlite3.connect(db_path)
    event_id, = db.execute("SELECT id FROM events WHERE kind != 'new' ORDER BY id LIMIT 1").fetchone()
    served = [hashlib.sha256(page_with(lines).encode()).hexdigest() for lines in (BEFORE, AFTER)]
    with serving(db_path) as base:
        page = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
        log_in(page, base, "amina", f"/-/changes/{event_id}")
        cite = page.locator(".ws-cite")
        for digest in served:  # the SHA-256 of the bytes as the server sent them
            expect(cite).to_contain_text(digest)
        expect(cite).to_contain_text(replica.url("/dialogue.html"))
        page.locator("#cite").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "workspace-cite-1280.png", full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download these captures (WACZ)").click()
        saved = tmp_path / "evidence.wacz"
        download.value.save_as(saved)
    with zipfile.ZipFile(saved) as wacz:
        warcs = [name for name in wacz.namelist() if name.startswith("archive/")]
        records = [record for name in warcs
                   for record in ArchiveIterator(io.BytesIO(wacz.read(name)))
                   if record.rec_type == "response"]
        assert "datapackage.json" in wacz.namelist()
    digests = [r.rec_headers.get_header("WARC-Payload-Digest") for r in records]
    assert digests == [export.payload_digest(d) for d in served]  # exactly the two, in order

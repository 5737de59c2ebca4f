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

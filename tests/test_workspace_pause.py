"""Pausing a page from the workspace (issue 25: "pause, edit and remove work the same way").
An editor presses Pause (with why) in Chromium: sources.yaml gets ``paused: true`` and the
note, every other byte kept; the running `dialogue-watch run` stops checking the page
without a restart, the public site and `status` say "paused" (not failing, not overdue),
and Resume gives back the file as it was and the checks. Each step is in the audit."""

import json
import signal
import subprocess
import sys
import time
import urllib.request

import pytest
from playwright.sync_api import expect

from monitor import config, store
from monitor.analysis import staleness
from monitor.errors import ConfigError
from monitor.workspace import sources_file
from tests import site_fixtures
from tests.conftest import FAST
from tests.workspace_fixtures import ARTIFACTS, add_team, browser, change_page, log_in, page_with, serving  # noqa: F401

SOURCES = """# Our watched pages: keep this comment
settings:
{settings}
defaults:
  stale_after: never
sources:
  - id: ca-first
    country: Canada
    title: "Canada's first page"
    url: "{first}"
    kind: html
    every: 6h    # four times a day
  - id: ca-second
    country: Canada
    title: "Canada's second page"
    url: "{second}"
    kind: html
    every: 6h
    # its site is often down

# the end of the file
"""
WHY = "The site is being rebuilt until March"


def write_sources(path, replica):
    settings = "\n".join(f"  {key}: {json.dumps(value)}" for key, value in FAST.items())
    path.write_text(SOURCES.format(settings=settings, first=replica.url("/first.html"),
                                   second=replica.url("/second.html")), encoding="utf-8")
    return path


def fetches(db_path, source_id):
    db = store.open_db(db_path)
    try:
        return db.execute("SELECT count(*) FROM fetches WHERE source_id = ?", [source_id]).fetchone()[0]
    finally:
        db.close()


def wait_until(condition, what, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"never happened: {what}")


def crawls_finished(db_path):
    """How many crawls have ended (none is running)."""
    db = store.open_db(db_path)
    try:
        running = db.execute("SELECT count(*) FROM crawls WHERE finished_at IS NULL").fetchone()[0]
        ended = db.execute("SELECT count(*) FROM crawls WHERE finished_at IS NOT NULL").fetchone()[0]
        return None if running else ended
    finally:
        db.close()


def six_hours_pass(db_path):
    """Both pages' last check moved back a day: they are due at the run's next look
    (which comes when sources.yaml changes), as if the hours had passed."""
    db = store.open_db(db_path)
    try:
        with db.conn:
            db.execute("UPDATE source_state SET last_checked_at = '2000-01-01T00:00:00Z'")
    finally:
        db.close()


def test_an_editor_pauses_a_page_run_skips_it_and_resume_brings_it_back(tmp_path, replica, db_path, browser):
    replica.set("/first.html", page_with(["The first page."]))
    replica.remove("/second.html", status=500)  # down: left alone, it would be failing soon
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    original = sources_path.read_text(encoding="utf-8")
    add_team(db_path)
    run = subprocess.Popen([sys.executable, "-m", "monitor", "--sources", str(sources_path),
                            "--db", str(db_path), "run"], stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: fetches(db_path, "ca-first") and fetches(db_path, "ca-second")
                   and crawls_finished(db_path), "run's first check of both pages")
        first_crawls, second_fetches = crawls_finished(db_path), fetches(db_path, "ca-second")
        six_hours_pass(db_path)
        with serving(db_path, sources_path) as base:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            log_in(page, base, "amina", "/-/pages")
            page.fill("#note-ca-second", WHY)
            page.get_by_role("button", name="Pause Canada's second page").click()
            expect(page.locator("body")).to_contain_text("Paused ca-second")
            row = page.locator("tr[data-source=ca-second]")
            expect(row).to_contain_text(f"Paused: {WHY}")
            expect(page.get_by_role("button", name="Resume Canada's second page")).to_be_visible()
            page.screenshot(path=ARTIFACTS / "workspace-pause-1280.png", full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            row.scroll_into_view_if_needed()
            page.screenshot(path=ARTIFACTS / "workspace-pause-390.png")

            paused = sources_path.read_text(encoding="utf-8")
            assert _added_lines(original, paused) == ["    paused: true", f'    paused_note: "{WHY}"']
            source = config.load(sources_path).source("ca-second")
            assert (source.paused, source.paused_note) == (True, WHY)

            # the file's change woke the run: the first page (due) is checked, the paused one not
            wait_until(lambda: fetches(db_path, "ca-first") >= 2
                       and (crawls_finished(db_path) or 0) > first_crawls, "run's check after the pause")
            assert fetches(db_path, "ca-second") == second_fetches
            _public_site_says_paused(db_path, browser)
            status = subprocess.run([sys.executable, "-m", "monitor", "--sources", str(sources_path),
                                     "--db", str(db_path), "status"], capture_output=True, text=True)
            line = next(x for x in status.stdout.splitlines() if x.startswith("ca-second"))
            assert f"paused ({WHY})" in line and "when resumed" in line, status.stdout
            assert "ca-second" not in status.stdout.split("Alerts not delivered")[0], status.stdout

            page.set_viewport_size({"width": 1280, "height": 900})
            page.get_by_role("button", name="Resume Canada's second page").click()
            expect(page.locator("body")).to_contain_text("Resumed ca-second")
            expect(page.get_by_role("button", name="Pause Canada's second page")).to_be_visible()
        assert sources_path.read_text(encoding="utf-8") == original  # byte for byte
        wait_until(lambda: fetches(db_path, "ca-second") > second_fetches, "run's check after Resume")
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(60)
    audit = store.open_db(db_path).query("SELECT who, action, detail FROM workspace_audit "
                                         "WHERE action LIKE '%a page' ORDER BY id")
    assert [tuple(a.values()) for a in audit] == [("amina", "paused a page", f"ca-second: {WHY}"),
                                                  ("amina", "resumed a page", "ca-second")]


def _added_lines(before, after):
    old, new = before.splitlines(), after.splitlines()
    for line in old:
        new.remove(line)  # every line of the file before is still there
    return new


def _public_site_says_paused(db_path, browser):
    port = site_fixtures.free_port()
    with site_fixtures.running(site_fixtures.serve_command(db_path, port), port) as site:
        page = browser.new_context().new_page()
        for path in ("/monitor/staleness", "/monitor/health"):
            page.goto(site + path)
            expect(page.locator("tr[data-source=ca-second]")).to_contain_text(f"paused ({WHY})")
        page.goto(site + "/monitor/history?source=ca-second")
        expect(page.locator(".dw-lead")).to_contain_text(f"paused ({WHY})")
        with urllib.request.urlopen(site + "/monitor/health.json?_shape=objects") as answer:
            rows = {r["source_id"]: r for r in json.load(answer)["rows"]}
        assert rows["ca-second"]["state"] == f"paused ({WHY})"


def test_a_member_cannot_pause_and_a_hand_edit_is_kept(tmp_path, replica, db_path, browser):
    replica.set("/first.html", page_with(["The first page."]))
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    add_team(db_path)
    with serving(db_path, sources_path) as base:
        context = browser.new_context()
        page = context.new_page()
        log_in(page, base, "ben", "/-/pages")
        expect(page.get_by_role("button", name="Pause Canada's first page")).to_have_count(0)
        token = next(c["value"] for c in context.cookies() if c["name"] == "ds_csrftoken")
        _, file_hash = sources_file.sources(sources_path)
        answer = page.request.post(f"{base}/-/pages/pause",
                                   form={"csrftoken": token, "file_hash": file_hash, "id": "ca-first"})
        assert answer.status == 403
        editor = browser.new_context().new_page()
        log_in(editor, base, "amina", "/-/pages")
        by_hand = sources_path.read_text(encoding="utf-8").replace("# the end", "# the end (edited)")
        sources_path.write_text(by_hand, encoding="utf-8")
        editor.get_by_role("button", name="Pause Canada's first page").click()
        expect(editor.locator(".ws-error")).to_contain_text("changed by someone else")
    assert sources_path.read_text(encoding="utf-8") == by_hand


def test_an_editor_writes_and_clears_a_page_notes(tmp_path, replica, db_path, browser):
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    before = sources_path.read_text(encoding="utf-8")
    add_team(db_path)
    with serving(db_path, sources_path) as base:
        page = browser.new_context().new_page()
        log_in(page, base, "amina", "/-/pages")
        change_page(page, "Canada's second page", "notes", "Ask the embassy when it is down")
        assert _added_lines(before, sources_path.read_text(encoding="utf-8")) == [
            '    notes: "Ask the embassy when it is down"']
        page.get_by_role("link", name="Change Canada's second page").click()
        expect(page.locator("#notes")).to_have_value("Ask the embassy when it is down")
        page.fill("#notes", "")
        page.get_by_role("button", name="Save the changes").click()
        expect(page.locator("body")).to_contain_text("Saved the changes")
    assert sources_path.read_text(encoding="utf-8") == before


@pytest.mark.parametrize("keys, words", [
    ({"paused": "yes"}, "paused must be true or false, not 'yes'"),
    ({"paused_note": "down"}, "paused_note only applies with paused: true"),
    ({"paused": False, "paused_note": "down"}, "paused_note only applies with paused: true"),
])
def test_the_pause_keys_are_checked_like_every_key(make_config, keys, words):
    with pytest.raises(ConfigError) as raised:
        make_config({"id": "ca-first", "path": "/first.html", **keys})
    assert any(words in message for _, message in raised.value.problems), raised.value.problems


def test_crawl_skips_a_paused_page_unless_it_is_named(make_config, crawl, replica):
    replica.set("/first.html", page_with(["The first page."]))
    replica.set("/second.html", page_with(["The second page."]))
    cfg = make_config({"id": "ca-first", "path": "/first.html"},
                      {"id": "ca-second", "path": "/second.html", "paused": True, "paused_note": WHY})
    assert [s.id for s in cfg.select(())] == ["ca-first"]
    assert list(crawl(cfg)) == ["ca-first"]
    assert replica.requests_for("/second.html") == []
    assert list(crawl(cfg, "ca-second")) == ["ca-second"]  # named: the operator asked for it


def test_a_paused_page_is_shown_paused_not_failing(make_config, crawl, replica, db_path, tmp_path):
    """What `stale` and the e-mailed digest show of a page paused after its site began
    failing: paused, and why, never 'failing' (the site reports stale claims the same way)."""
    replica.set("/first.html", page_with(["The first page."]))
    replica.set("/second.html", b"", status=500)
    cfg = make_config({"id": "ca-first", "path": "/first.html"}, {"id": "ca-second", "path": "/second.html"})
    for _ in range(3):
        crawl(cfg)
    assert {r["id"]: r["state"] for r in stale_json(cfg, db_path)}["ca-second"] == "never fetched"
    replica.set("/second.html", page_with(["The second page."]))
    crawl(cfg)
    replica.set("/second.html", b"", status=500)
    for _ in range(3):
        crawl(cfg)
    assert {r["id"]: r["state"] for r in stale_json(cfg, db_path)}["ca-second"] == "failing"

    paused = make_config({"id": "ca-first", "path": "/first.html"},
                         {"id": "ca-second", "path": "/second.html", "paused": True, "paused_note": WHY})
    shown = {r["id"]: r["state"] for r in stale_json(paused, db_path)}  # the file says so: at once
    assert shown == {"ca-first": "ok", "ca-second": f"paused ({WHY})"}
    crawl(paused)  # the crawl stores what the file says: the digest reads the database
    report = staleness.staleness(store.staleness_rows(store.open_db(db_path)))
    assert {r["id"]: r["state"] for r in report}["ca-second"] == f"paused ({WHY})"


def stale_json(cfg, db_path):
    command = [sys.executable, "-m", "monitor", "--sources", str(cfg.path), "--db", str(db_path),
               "stale", "--json"]
    return json.loads(subprocess.run(command, capture_output=True, text=True, check=True,
                                     timeout=120).stdout)

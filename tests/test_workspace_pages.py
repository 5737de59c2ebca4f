"""Watching a page from the workspace (issue 25): an editor pastes an address in Chromium,
sees the same reading as test-source, saves; sources.yaml keeps every comment and byte it had,
the running `dialogue-watch run` checks the new page without a restart. A file changed by
hand meanwhile is never overwritten; a member cannot change what is watched."""

import signal
import subprocess
import sys
import time

from playwright.sync_api import expect

from monitor import config, store
from monitor.workspace import sources_file
from tests.conftest import FAST
from tests.workspace_fixtures import ARTIFACTS, add_team, browser, change_page, log_in, page_with, serving  # noqa: F401

SOURCES = """# Our watched pages: keep this comment
settings:
{settings}
defaults:
  stale_after: never   # tests
sources:

  # ------------------------------------------------ Canada
  - id: ca-first
    country: Canada
    title: "Canada's first page"
    url: "{first}"
    kind: html
    every: 6h    # checked four times a day
  - id: ca-second
    country: Canada
    title: "Canada's second page"
    url: "{first}#second"
    kind: html
    every: 1d

# the end of the file: this comment stays last
"""


def write_sources(path, replica):
    settings = "\n".join(f"  {key}: {value!r}" if isinstance(value, str) else f"  {key}: {value}"
                         for key, value in FAST.items())
    path.write_text(SOURCES.format(settings=settings, first=replica.url("/first.html")), encoding="utf-8")
    return path


def test_an_editor_adds_a_page_and_run_checks_it(tmp_path, replica, db_path, browser):
    replica.set("/first.html", page_with(["The first page."]))
    replica.set("/new.html", page_with(["Japan and China held their human rights dialogue in Tokyo."]))
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    original = sources_path.read_text(encoding="utf-8")
    add_team(db_path)
    run = subprocess.Popen([sys.executable, "-m", "monitor", "--sources", str(sources_path),
                            "--db", str(db_path), "run"], stderr=subprocess.PIPE, text=True)
    try:
        wait_for_fetch(db_path, "ca-first")
        with serving(db_path, sources_path) as base:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            log_in(page, base, "amina", "/-/pages")
            page.fill("#url", replica.url("/new.html"))
            page.select_option("#country", "Japan")
            page.fill("#title", "Japan's dialogue page")
            page.get_by_role("button", name="See what dialogue-watch reads there").click()
            expect(page.locator("h1")).to_have_text("What dialogue-watch reads at this page")
            expect(page.locator(".ws-report")).to_contain_text("held their human rights dialogue")
            expect(page.locator(".ws-report")).to_contain_text("read as 3 March 2024")
            page.screenshot(path=ARTIFACTS / "workspace-preview-1280.png", full_page=True)
            page.get_by_role("button", name="Watch this page").click()
            expect(page.locator("body")).to_contain_text("Japan's dialogue page is now watched")
            page.screenshot(path=ARTIFACTS / "workspace-pages-1280.png", full_page=True)
        written = sources_path.read_text(encoding="utf-8")
        added = written.replace(original.split("\n# the end")[0], "").split("\n# the end")[0]
        assert written.startswith(original.split("\n# the end")[0])  # every byte before: kept
        assert written.endswith("\n# the end of the file: this comment stays last\n")
        assert "- id: japan-japan-s-dialogue-page\n" in added and "country: Japan" in added
        assert [s.id for s in config.load(sources_path).sources] == ["ca-first", "ca-second", "japan-japan-s-dialogue-page"]
        wait_for_fetch(db_path, "japan-japan-s-dialogue-page")  # run read the file again by itself
    finally:
        run.send_signal(signal.SIGTERM)
        run.wait(60)
    actions = store.open_db(db_path).query("SELECT who, action, detail FROM workspace_audit "
                                           "WHERE action = 'added a page'")
    assert [(a["who"], a["detail"].split(":")[0]) for a in actions] == [("amina", "japan-japan-s-dialogue-page")]


def wait_for_fetch(db_path, source_id, seconds=90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if db_path.exists():
            db = store.open_db(db_path)
            try:
                if db.execute("SELECT 1 FROM fetches WHERE source_id = ?", [source_id]).fetchone():
                    return
            finally:
                db.close()
        time.sleep(0.5)
    raise AssertionError(f"run never checked {source_id}")


def test_a_file_changed_by_hand_meanwhile_is_never_overwritten(tmp_path, replica, db_path, browser):
    replica.set("/first.html", page_with(["The first page."]))
    replica.set("/new.html", page_with(["A new page."]))
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    add_team(db_path)
    with serving(db_path, sources_path) as base:
        page = browser.new_context().new_page()
        log_in(page, base, "amina", "/-/pages")
        # someone edits the file by hand while the form is open
        by_hand = sources_path.read_text(encoding="utf-8").replace("kind: html\n", "kind: html\n    notes: by hand\n")
        sources_path.write_text(by_hand, encoding="utf-8")
        page.get_by_role("button", name="Stop watching Canada's first page").click()
        expect(page.get_by_role("alert")).to_contain_text("changed by someone else")
        assert sources_path.read_text(encoding="utf-8") == by_hand
        # reloaded, the same removal works and keeps the hand edit's neighbours
        page.goto(base + "/-/pages")
        page.get_by_role("button", name="Stop watching Canada's first page").click()
        expect(page.locator("body")).to_contain_text("Removed ca-first")
    left = sources_path.read_text(encoding="utf-8")
    assert "ca-first" not in left and left.startswith("# Our watched pages: keep this comment\n")
    assert left.endswith("# the end of the file: this comment stays last\n")
    assert "# ------------------------------------------------ Canada\n  - id: ca-second\n" in left
    assert [s.id for s in config.load(sources_path).sources] == ["ca-second"]


def test_an_invalid_page_is_refused_with_the_rule(tmp_path, replica):
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    before = sources_path.read_text(encoding="utf-8")
    _, file_hash = sources_file.sources(sources_path)
    entry = {"id": "ca-first", "country": "Canada", "title": "Again", "url": "https://example.org/", "kind": "html"}
    try:
        sources_file.add(sources_path, file_hash, entry)
    except Exception as error:
        assert "invalid" in str(error) and "ca-first" in str(error)
    else:
        raise AssertionError("a duplicate id was saved")
    assert sources_path.read_text(encoding="utf-8") == before
    assert not list(tmp_path.glob(".sources.yaml.workspace-*.tmp"))


def test_a_member_cannot_change_what_is_watched(tmp_path, replica, db_path, browser):
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    before = sources_path.read_text(encoding="utf-8")
    add_team(db_path)
    with serving(db_path, sources_path) as base:
        context = browser.new_context()
        page = context.new_page()
        log_in(page, base, "ben", "/-/pages")
        expect(page.locator("body")).to_contain_text("Only an editor can add or remove pages")
        expect(page.get_by_role("button", name="Stop watching Canada's first page")).to_have_count(0)
        token = next(c["value"] for c in context.cookies() if c["name"] == "ds_csrftoken")
        _, file_hash = sources_file.sources(sources_path)
        for action, fields in (("save", {"url": "https://example.org/", "country": "Canada",
                                         "title": "x", "kind": "html"}),
                               ("remove", {"id": "ca-first"})):
            answer = page.request.post(f"{base}/-/pages/{action}",
                                       form={"csrftoken": token, "file_hash": file_hash, **fields})
            assert answer.status == 403, action
    assert sources_path.read_text(encoding="utf-8") == before


def test_a_hand_edit_landing_during_the_save_is_kept(tmp_path, replica):
    """The file is edited by hand after the workspace read it and before it replaces it:
    the second comparison of its SHA-256 refuses the save, the hand edit stays whole."""
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    _, file_hash = sources_file.sources(sources_path)
    by_hand = sources_path.read_text(encoding="utf-8") + "# added by hand during the save\n"

    def change_while_someone_edits(text):
        sources_path.write_text(by_hand, encoding="utf-8")
        return text.replace("every: 1d", "every: 2d")

    try:
        sources_file._rewrite(sources_path, file_hash, change_while_someone_edits)
    except Exception as error:
        assert "changed by someone else" in str(error)
    else:
        raise AssertionError("the save went over a hand edit")
    assert sources_path.read_text(encoding="utf-8") == by_hand


def test_editors_saving_at_once_lose_nothing(tmp_path, replica):
    """Four editors add five pages each at the same moment, each retrying when told the file
    changed meanwhile: every page is in the file, once, and the file is valid."""
    import threading

    from monitor.errors import WorkspaceError

    sources_path = write_sources(tmp_path / "sources.yaml", replica)

    def editor(name):
        for n in range(5):
            entry = {"id": f"{name}-{n}", "country": "Canada", "title": f"{name} {n}",
                     "url": f"https://example.org/{name}/{n}", "kind": "html"}
            while True:
                _, file_hash = sources_file.sources(sources_path)
                try:
                    sources_file.add(sources_path, file_hash, entry)
                    break
                except WorkspaceError as error:
                    assert "changed by someone else" in str(error)

    threads = [threading.Thread(target=editor, args=(f"e{k}",)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ids = [s.id for s in config.load(sources_path).sources]
    assert sorted(ids) == sorted(["ca-first", "ca-second"] + [f"e{k}-{n}" for k in range(4) for n in range(5)])
    assert sources_path.read_text(encoding="utf-8").startswith("# Our watched pages: keep this comment\n")


def test_an_editor_changes_a_page_title_and_only_that_line_changes(tmp_path, replica, db_path, browser):
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    before = sources_path.read_text(encoding="utf-8")
    add_team(db_path)
    with serving(db_path, sources_path) as base:
        page = browser.new_context().new_page()
        log_in(page, base, "amina", "/-/pages")
        change_page(page, "Canada's first page", "title", "Canada: the dialogue's page (人权)",
                    "Saved the changes to Canada: the dialogue's page")
    after = sources_path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert changed == [('    title: "Canada\'s first page"', '    title: "Canada: the dialogue\'s page (人权)"')]
    assert config.load(sources_path).source("ca-first").title == "Canada: the dialogue's page (人权)"


def test_a_page_whose_notes_span_lines_can_still_be_renamed(tmp_path, replica, db_path, browser):
    """Notes written as a folded block (``notes: >``) come back from the form without their
    last newline: left as they were, they are not a change (the title could not be saved)."""
    sources_path = write_sources(tmp_path / "sources.yaml", replica)
    text = sources_path.read_text(encoding="utf-8").replace(
        "    every: 6h    # checked four times a day\n",
        "    every: 6h    # checked four times a day\n    notes: >\n      Found by the team,\n      in 2024.\n")
    sources_path.write_text(text, encoding="utf-8")
    add_team(db_path)
    with serving(db_path, sources_path) as base:
        page = browser.new_context().new_page()
        log_in(page, base, "amina", "/-/pages")
        change_page(page, "Canada's first page", "title", "Canada: the dialogue's page",
                    "Saved the changes to Canada: the dialogue's page")
    changed = [(a, b) for a, b in zip(text.splitlines(), sources_path.read_text(encoding="utf-8").splitlines())
               if a != b]
    assert changed == [('    title: "Canada\'s first page"', '    title: "Canada: the dialogue\'s page"')]
    assert config.load(sources_path).source("ca-first").notes == "Found by the team, in 2024."


def test_without_a_sources_file_the_page_says_what_to_do(tmp_path, db_path, browser):
    add_team(db_path)
    with serving(db_path, tmp_path / "missing.yaml") as base:
        page = browser.new_context().new_page()
        log_in(page, base, "amina", "/-/pages")
        expect(page.locator("body")).to_contain_text("There is no sources.yaml at")
        expect(page.locator("body")).to_contain_text("dialogue-watch --sources PATH workspace")

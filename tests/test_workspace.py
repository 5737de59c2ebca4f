"""The campaigners' private workspace (issue 25): accounts, login, the gate, CSRF and the
audit, in a real Chromium against the workspace served on 127.0.0.1."""

import json
import sqlite3
import urllib.parse
import urllib.request

import pytest
from playwright.sync_api import expect

from monitor.errors import WorkspaceError
from monitor.publish import site
from monitor.workspace import accounts, passwords
from tests.workspace_fixtures import (ARTIFACTS, PASSWORDS, add_team, browser,  # noqa: F401
                                      log_in, raw_get, serving)


@pytest.fixture
def team_db(tmp_path):
    path = tmp_path / "monitor.db"
    add_team(path)
    return path


@pytest.fixture
def workspace(team_db):
    with serving(team_db) as base:
        yield base


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_a_logged_out_visitor_reaches_nothing(workspace):
    for path in ("/", "/-/audit", "/-/review", "/-/metadata.json", "/-/plugins.json",
                 "/-/actor.json", "/-/databases.json", "/_memory", "/monitor",
                 "/monitor/-/original/1", "/-/messages", "/nowhere"):
        status, location, _ = raw_get(workspace + path)
        assert status == 302, path
        assert location.startswith("/-/login?next="), path
    status, _, body = raw_get(workspace + "/-/login")
    assert status == 200 and 'name="csrftoken"' in body


def test_log_in_see_the_audit_and_log_out(workspace, team_db, page):
    page.goto(workspace + "/-/audit")
    expect(page).to_have_url(workspace + "/-/login?next=%2F-%2Faudit")
    page.fill("#name", "amina")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    log_in(page, workspace, "amina", "/-/audit")
    expect(page).to_have_url(workspace + "/-/audit")
    expect(page.locator("table.ws-table")).to_contain_text("logged in")
    expect(page.locator("table.ws-table")).to_contain_text("account added")
    page.screenshot(path=ARTIFACTS / "workspace-audit-1280.png", full_page=True)
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(workspace + "/-/login")
    page.goto(workspace + "/")
    expect(page).to_have_url(workspace + "/-/login?next=%2F")
    rows = sqlite3.connect(team_db).execute(
        "SELECT who, action FROM workspace_audit ORDER BY id").fetchall()
    assert rows[-2:] == [("amina", "logged in"), ("amina", "logged out")]


def test_the_login_page_on_a_phone(workspace, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(workspace + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=ARTIFACTS / "workspace-login-390.png", full_page=True)
    context.close()


def test_a_member_cannot_see_the_audit(workspace, page):
    log_in(page, workspace, "ben")
    expect(page.locator("h1")).to_have_text("Hello, ben")
    expect(page.get_by_role("link", name="Who changed what")).to_have_count(0)
    response = page.goto(workspace + "/-/audit")
    assert response.status == 403
    expect(page.locator("body")).to_contain_text("Only an editor can do this")


def test_a_form_without_its_csrf_token_is_refused(workspace, page):
    form = urllib.parse.urlencode({"name": "amina", "password": PASSWORDS["amina"]}).encode()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(workspace + "/-/login", data=form, timeout=10)
    assert refused.value.code == 403
    # the same post from another site's page, with the browser's own cookies: refused too
    log_in(page, workspace, "amina")
    status = page.evaluate("""async (url) => (await fetch(url, {method: 'POST',
        headers: {'Content-Type': 'application/x-www-form-urlencoded'},
        body: 'name=amina&password=x'})).status""", workspace + "/-/logout")
    assert status == 403


def test_a_new_password_ends_the_old_sessions(workspace, team_db, page):
    log_in(page, workspace, "ben")
    expect(page.locator("h1")).to_have_text("Hello, ben")
    accounts.add_user(team_db, "ben", "member", "a brand new passphrase")
    page.goto(workspace + "/")
    expect(page).to_have_url(workspace + "/-/login?next=%2F")


@pytest.mark.real_password_cost
def test_a_password_is_hashed_with_480000_rounds_and_checked_with_its_own():
    """The product's cost of a guess (the other tests hash with 1,000 rounds: conftest.py)."""
    hashed = passwords.hash_password("correct horse battery")
    assert hashed.startswith("pbkdf2_sha256$480000$") and passwords.ITERATIONS == 480_000
    assert passwords.verify_password("correct horse battery", hashed)
    assert not passwords.verify_password("correct horse battery!", hashed)
    cheap = passwords.hash_password("correct horse battery", iterations=1_000)
    assert cheap.startswith("pbkdf2_sha256$1000$") and cheap != hashed
    assert passwords.verify_password("correct horse battery", cheap)


def test_passwords_are_kept_only_as_hashes(team_db):
    stored = sqlite3.connect(team_db).execute("SELECT name, role, password_hash FROM workspace_users").fetchall()
    assert {(name, role) for name, role, _ in stored} == {("amina", "editor"), ("ben", "member")}
    dump = "\n".join(sqlite3.connect(team_db).iterdump())
    assert all(password not in dump for password in PASSWORDS.values())
    assert all(hashed.startswith("pbkdf2_sha256$") for _, _, hashed in stored)


@pytest.mark.parametrize("name, role, password, words", [
    ("two words", "member", "long enough passphrase", "one word"),
    ("carla", "admin", "long enough passphrase", "editor or member"),
    ("carla", "member", "short", "too short"),
])
def test_add_user_refuses_what_it_cannot_use(tmp_path, name, role, password, words):
    with pytest.raises(WorkspaceError, match=words):
        accounts.add_user(tmp_path / "monitor.db", name, role, password)


def test_the_public_site_reads_nothing_of_the_workspace(workspace, team_db):
    """The workspace's plugin is loaded in this process too: on the public site it does nothing,
    and no query there can read a workspace table."""
    import asyncio
    import concurrent.futures

    public = site.make_datasette(team_db)

    async def ask():
        home = await public.client.get("/")
        tables = await public.client.get("/monitor.json")
        queries = {}
        for table in ("workspace_users", "workspace_audit", "workspace_secret"):
            sql = urllib.parse.urlencode({"sql": f"select count(*) from {table}"})
            queries[table] = await public.client.get(f"/monitor.json?{sql}")
        login = await public.client.get("/-/login")
        return home, tables, queries, login

    # in a thread of its own: Playwright's loop runs in this one
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        home, tables, queries, login = thread.submit(asyncio.run, ask()).result()
    assert home.status_code == 200 and login.status_code == 404
    assert all(response.status_code == 400 and response.json()["error"] == "not authorized"
               for response in queries.values())
    listed = {table["name"]: table["count"] for table in tables.json()["tables"]}
    assert all(listed[name] is None for name in listed if name.startswith("workspace_"))
    assert "amina" not in json.dumps(tables.json())


def test_the_commands_add_users_and_serve(tmp_path):
    """`workspace add-user` asks the password twice and keeps a hash; `workspace` serves the
    login page on 127.0.0.1 and sends everything else to it."""
    import subprocess
    import sys

    from click.testing import CliRunner

    from monitor.cli import cli
    from tests import site_fixtures

    db_path = tmp_path / "monitor.db"
    added = CliRunner().invoke(cli, ["--db", str(db_path), "workspace", "add-user", "carla",
                                     "--role", "member"], input="a long passphrase\n" * 2)
    assert added.exit_code == 0 and "Added carla (member)" in added.output
    listed = CliRunner().invoke(cli, ["--db", str(db_path), "workspace", "users"])
    assert listed.output.startswith("carla\tmember")
    port = site_fixtures.free_port()
    command = [sys.executable, "-m", "monitor", "--db", str(db_path), "workspace", "--port", str(port)]
    with site_fixtures.running(command, port) as base:
        assert raw_get(base + "/")[:2] == (302, "/-/login?next=%2F")
    assert subprocess.run(command[:6] + ["remove-user", "nobody"], capture_output=True,
                          text=True).stderr.startswith("Error: There is no account called nobody")


def test_guessing_a_password_is_stopped_after_ten_tries_even_after_a_restart(team_db, browser):
    """The wrong passwords are kept in the database: a restarted workspace still refuses
    the name, says until when in words, and lets the other names in."""
    from monitor.workspace import views

    with serving(team_db) as workspace:
        page = browser.new_context().new_page()
        for _ in range(views.MAX_FAILURES):
            page.goto(workspace + "/-/login")
            page.fill("#name", "amina")
            page.fill("#password", "a wrong guess")
            page.click("button[type=submit]")
            expect(page.get_by_role("alert")).to_contain_text("do not match an account")
        log_in(page, workspace, "amina")  # now even the right password is refused for a while
        expect(page.get_by_role("alert")).to_contain_text("Too many wrong passwords")
    with serving(team_db) as workspace:  # the workspace was restarted
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        log_in(page, workspace, "amina")
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Too many wrong passwords were tried for this name")
        expect(alert).to_contain_text("logging in is stopped until")
        expect(alert).to_contain_text("(in about 15 minutes)")
        page.screenshot(path=ARTIFACTS / "workspace-login-locked-390.png")
        other = browser.new_context().new_page()
        log_in(other, workspace, "ben")
        expect(other.locator("h1")).to_have_text("Hello, ben")
        _fifteen_minutes_pass(team_db)
        log_in(page, workspace, "amina")
        expect(page.locator("h1")).to_have_text("Hello, amina")
    with sqlite3.connect(team_db) as db:  # the right password forgets the name's wrong ones
        assert db.execute("SELECT count(*) FROM workspace_login_failures WHERE name = 'amina'"
                          ).fetchone() == (0,)


def _fifteen_minutes_pass(db_path):
    with sqlite3.connect(db_path) as db:
        db.execute("UPDATE workspace_login_failures SET at = '2000-01-01T00:00:00Z'")


@pytest.mark.real_password_cost  # the race it guards against opened while a slow check ran
def test_guesses_sent_all_at_once_are_stopped_at_the_limit_too(team_db):
    """Sixty wrong passwords sent together: the limit held only for guesses sent one after
    the other (each was counted after its slow password check), so all sixty were checked."""
    import concurrent.futures
    import http.cookiejar

    from monitor.workspace import views

    with serving(team_db) as workspace:
        jar = http.cookiejar.CookieJar()
        urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)).open(workspace + "/-/login").read()
        token = next(cookie.value for cookie in jar if cookie.name == "ds_csrftoken")

        def guess(n):
            form = urllib.parse.urlencode({"csrftoken": token, "name": "amina", "password": f"guess {n}"})
            sent = urllib.request.Request(workspace + "/-/login", data=form.encode(),
                                          headers={"Cookie": f"ds_csrftoken={token}"})
            try:
                return urllib.request.urlopen(sent).status
            except urllib.error.HTTPError as answer:
                return answer.code

        with concurrent.futures.ThreadPoolExecutor(60) as pool:
            answers = list(pool.map(guess, range(60)))
    assert answers.count(403) == views.MAX_FAILURES and answers.count(429) == 60 - views.MAX_FAILURES


def test_many_names_guessed_from_one_address_lock_that_address(team_db, browser):
    from monitor.workspace import views

    with serving(team_db) as workspace:
        context = browser.new_context()
        page = context.new_page()
        page.goto(workspace + "/-/login")
        token = next(c["value"] for c in context.cookies() if c["name"] == "ds_csrftoken")
        for n in range(views.MAX_ADDRESS_FAILURES):
            answer = page.request.post(workspace + "/-/login", form={
                "csrftoken": token, "name": f"guess{n}", "password": "a wrong guess"})
            assert answer.status == 403
        log_in(page, workspace, "ben")  # a name never tried, from the same address
        expect(page.get_by_role("alert")).to_contain_text("or from this computer")
        _fifteen_minutes_pass(team_db)
        log_in(page, workspace, "ben")
        expect(page.locator("h1")).to_have_text("Hello, ben")

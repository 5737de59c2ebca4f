"""Who watches a government stays private: no door of the site (the SQL box, JSON,
CSV, every _shape, table pages, canned or nested queries) reads the alert tables,
on the local site (`dialogue-watch serve`) and on a published copy alike."""

import asyncio
import shutil
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

from monitor.publish import datasette_plugin, site
from tests import site_fixtures

SECRET = "campaigner@example.org"

# Every way we know of to ask SQL for a private table's contents or size.
SNEAKY_SQL = [
    "select * from alert_outbox",
    "select subscriber, last_error from alert_outbox",
    "select count(*) as n from alert_outbox",
    "select * from alert_digests",
    "select * from ALERT_OUTBOX",
    'select * from "alert_outbox"',
    "select * from main.alert_outbox",
    "select * from (select * from alert_outbox)",
    "with leak as (select subscriber from alert_outbox) select * from leak",
    "select (select subscriber from alert_outbox limit 1) as who",
    "select e.id from events e join alert_outbox o on o.event_id = e.id",
    "select id from events where exists (select 1 from alert_outbox where subscriber like 'c%')",
    "select id from events union all select subscriber from alert_outbox",
]
SHAPES = ["", "_shape=array", "_shape=objects", "_shape=arrays", "_shape=arrayfirst", "_shape=object"]
SUBSCRIBERS = ("watcher-42", "ngo-desk-7")
PRIVATE_ID = 424242  # an alert_outbox row's id, and no version's

# SQL that would tell where the database lies on the server, how big the private tables
# are, or what other visitors asked (issue 21).
SERVER_SQL = [
    "select * from pragma_database_list",
    "select file from pragma_database_list()",
    "select * from main.pragma_database_list",
    "select 1 as n from pragma_database_list where file like '/%'",
    "select name, sum(ncell) as n from dbstat group by name",
    "select sql from sqlite_stmt",
]
# Datasette's pages about itself, as JSON and HTML.
ABOUT_PAGES = [f"/-/{name}{ext}" for name in ("databases", "versions", "settings", "metadata",
                                               "plugins", "threads", "actor") for ext in (".json", "")]


@pytest.fixture(scope="module")
def watched_db(tmp_path_factory):
    """The demo database with an alert to a named subscriber whose delivery failed."""
    path = tmp_path_factory.mktemp("private") / "monitor.db"
    with sqlite3.connect(site_fixtures.demo_db(tmp_path_factory)) as demo:
        demo.execute("VACUUM INTO ?", [str(path)])  # with what is still in its WAL file
    with sqlite3.connect(path) as db:
        (event_id,) = db.execute("SELECT min(id) FROM events").fetchone()
        db.execute("INSERT INTO alert_digests (period, subscriber, status, last_error) "
                   "VALUES ('2026-12-01', 'ngo-desk-7', 'failed', ?)", [f"Sending email to {SECRET} failed"])
        db.execute("INSERT OR REPLACE INTO alert_outbox (id, event_id, subscriber, status, last_error) "
                   "VALUES (?, ?, 'watcher-42', 'failed', ?)",
                   [PRIVATE_ID, event_id, f"Sending email to {SECRET} failed"])
        assert db.execute("SELECT count(*) FROM alert_outbox WHERE last_error LIKE ?",
                          [f"%{SECRET}%"]).fetchone() == (1,)  # there is something to leak
    return path


@pytest.fixture(scope="module")
def local_site(watched_db):
    return site.make_datasette(watched_db)


def get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def query_paths(sql):
    """The SQL box's doors: JSON in every shape, CSV, and its HTML page."""
    asked = "sql=" + urllib.parse.quote(sql)
    yield from (f"/monitor.json?{asked}" + (f"&{shape}" if shape else "") for shape in SHAPES)
    yield f"/monitor.csv?{asked}"
    yield f"/monitor?{asked}"


def leaks(text):
    return SECRET in text or any(name in text for name in SUBSCRIBERS)


@pytest.mark.parametrize("sql", SNEAKY_SQL)
def test_no_sql_reads_the_alert_tables(local_site, sql):
    for path in query_paths(sql):
        response = get(local_site, path)
        assert not leaks(response.text), path
        refused = response.status_code in (400, 403) or (  # the HTML page shows the error
            path.startswith("/monitor?") and "is prohibited" in response.text) or (
            path.startswith("/monitor.csv") and not response.text.strip())  # CSV: not one row
        assert refused, (path, response.status_code, response.text[:300])


def test_the_refusal_says_why(local_site):
    response = get(local_site, "/monitor.json?sql=" + urllib.parse.quote("select * from alert_outbox"))
    assert response.status_code == 400
    assert response.json()["error"].startswith("access to alert_outbox.") and "is prohibited" in response.text


def test_table_pages_and_row_counts_are_closed_too(local_site):
    for path in ("/monitor/alert_outbox", "/monitor/alert_outbox.json", "/monitor/alert_outbox.csv",
                 "/monitor/alert_digests.json", "/monitor/alert_outbox/1.json"):
        response = get(local_site, path)
        assert response.status_code == 403 and not leaks(response.text), path
    tables = get(local_site, "/monitor.json").json()["tables"]
    assert all(t["count"] is None for t in tables if t["name"] in datasette_plugin.PRIVATE_TABLES)


def test_the_public_tables_and_queries_still_answer(local_site):
    for sql in ("select count(*) as n from events", "select kind from events limit 3",
                "select name from sqlite_master where type = 'table'"):
        response = get(local_site, "/monitor.json?_shape=array&sql=" + urllib.parse.quote(sql))
        assert response.status_code == 200 and response.json(), sql
    for path in ("/", "/monitor/staleness", "/monitor/recent_changes", "/monitor/feed.atom"):
        assert get(local_site, path).status_code == 200, path


def shows_a_path(text, *folders):
    """Whether ``text`` names one of ``folders`` or where Python is installed."""
    return any(str(folder) in text for folder in (*folders, sys.base_prefix, sys.prefix))


@pytest.mark.parametrize("sql", SERVER_SQL)
def test_no_sql_tells_where_the_database_lies(local_site, watched_db, sql):
    for path in query_paths(sql):
        response = get(local_site, path)
        assert not shows_a_path(response.text, watched_db.parent), path
        refused = response.status_code == 400 or "is prohibited" in response.text or \
            "not authorized" in response.text or not response.text.strip()
        assert refused, (path, response.status_code, response.text[:300])


def test_datasette_s_own_pages_name_no_folder(local_site, watched_db):
    for path in ABOUT_PAGES:
        response = get(local_site, path)
        assert response.status_code in (200, 404), path
        assert not shows_a_path(response.text, watched_db.parent), path
    assert get(local_site, "/-/threads.json").status_code == 404
    listed = get(local_site, "/-/databases.json").json()
    assert "monitor" in [d["name"] for d in listed] and not any("path" in d for d in listed)


def test_no_private_row_has_a_download(local_site):
    response = get(local_site, f"/monitor/-/original/{PRIVATE_ID}")
    assert response.status_code == 404 and not leaks(response.text)
    assert f"No original bytes are kept for version {PRIVATE_ID}." in response.text


def test_an_event_s_page_opens_though_an_alert_points_to_it(local_site, watched_db):
    """Datasette's row page counts the rows of other tables that point to the row: for
    an event, alert_outbox's too, which the authorizer refused (issue 22). A private
    table's foreign keys now read as none, so no such count is asked for."""
    with sqlite3.connect(watched_db) as db:
        (event_id,) = db.execute("SELECT event_id FROM alert_outbox WHERE id = ?", [PRIVATE_ID]).fetchone()
    response = get(local_site, f"/monitor/events/{event_id}.json?_extras=foreign_key_tables")
    assert response.status_code == 200 and not leaks(response.text)
    assert "alert_outbox" not in response.text
    sql = "select count(*) as n from pragma_foreign_key_list('alert_outbox')"
    assert get(local_site, "/monitor.json?_shape=array&sql=" + urllib.parse.quote(sql)).json() == [{"n": 0}]


def test_the_authorizer_is_the_only_gate_needed():
    """Pure: reads of the private tables are refused, whatever the case, others pass."""
    refuse = datasette_plugin.refuse_private_tables
    assert refuse(sqlite3.SQLITE_READ, "alert_outbox", "subscriber", "main", None) == sqlite3.SQLITE_DENY
    assert refuse(sqlite3.SQLITE_READ, "Alert_Digests", "", "main", None) == sqlite3.SQLITE_DENY
    assert refuse(sqlite3.SQLITE_READ, "events", "kind", "main", None) == sqlite3.SQLITE_OK
    assert refuse(sqlite3.SQLITE_SELECT, None, None, None, None) == sqlite3.SQLITE_OK
    assert refuse(sqlite3.SQLITE_READ, "pragma_database_list", "file", "main", None) == sqlite3.SQLITE_DENY
    assert refuse(sqlite3.SQLITE_READ, "DBSTAT", "ncell", "main", None) == sqlite3.SQLITE_DENY
    assert refuse(sqlite3.SQLITE_READ, "pragma_table_info", "name", "main", None) == sqlite3.SQLITE_OK
    # Datasette's own "PRAGMA database_list" (its database page) still runs
    assert refuse(sqlite3.SQLITE_PRAGMA, "database_list", None, None, None) == sqlite3.SQLITE_OK
    assert refuse(sqlite3.SQLITE_PRAGMA, "foreign_key_list", "alert_outbox", None, None) == sqlite3.SQLITE_IGNORE
    assert refuse(sqlite3.SQLITE_PRAGMA, "foreign_key_list", "events", None, None) == sqlite3.SQLITE_OK


def http(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.parametrize("server", ["serve", "published"])
def test_a_real_server_refuses_the_same(watched_db, tmp_path, server):
    """`dialogue-watch serve`, and `datasette serve` with the README's plugins folder
    (a copy published WITH the alert tables still in it)."""
    port = site_fixtures.free_port()
    if server == "serve":
        command = site_fixtures.serve_command(watched_db, port)
    else:
        plugins = tmp_path / "plugins"
        plugins.mkdir()
        for name in ("monitor/publish/datasette_plugin.py", "monitor/store/blobs.py",
                     "monitor/analysis/diffing.py", "monitor/analysis/search_lines.py"):
            shutil.copy(site_fixtures.ROOT / name, plugins)
        command = site_fixtures.datasette_command(watched_db, port) + ["--plugins-dir", str(plugins)]
    with site_fixtures.running(command, port) as base:
        for sql in SNEAKY_SQL[:4]:
            for path in query_paths(sql):
                status, body = http(base, path)
                assert not leaks(body), (server, path)
                assert status in (400, 403) or "is prohibited" in body or not body.strip(), (server, path)
        status, body = http(base, "/monitor.json?_shape=array&sql=select+count(*)+as+n+from+events")
        assert status == 200 and '"n"' in body
        for sql in SERVER_SQL:
            for path in query_paths(sql):
                status, body = http(base, path)
                assert not shows_a_path(body, watched_db.parent, tmp_path), (server, path)
        for path in ABOUT_PAGES:
            status, body = http(base, path)
            assert status in (200, 404) and not shows_a_path(body, watched_db.parent, tmp_path), (server, path)
        for number in ("abc", "-1", "99999999", "", "9" * 30, str(PRIVATE_ID)):
            status, body = http(base, f"/monitor/-/original/{number}")
            assert status == 404 and "Internal Server Error" not in body and not leaks(body), (server, number)

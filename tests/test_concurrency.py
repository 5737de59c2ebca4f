"""The published site reads while crawls write, commands open the database
beside the daemon: no "database is locked", ever."""

import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from monitor.fetch import crawler
from monitor.replica import send
from monitor.store import open_db
from tests.site_fixtures import free_port, running, serve_command
from tests.test_crawl import BODY, page

PAGES = ["/", "/monitor/staleness", "/monitor/recent_changes", "/monitor/search?q=dialogue",
         "/monitor/health", "/monitor/feed.atom"]


def hammer(base, stop, outcomes, limit=2000):
    """Read the site's pages in a loop (bounded) and record every status."""
    for number in range(limit):
        if stop.is_set():
            return
        url = base + PAGES[number % len(PAGES)]
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                body = response.read()
                outcomes.append((url, response.status, b"database is locked" in body))
        except urllib.error.HTTPError as error:
            outcomes.append((url, error.code, b"locked" in error.read()))


def test_site_reads_while_crawls_write(replica, make_config, db_path):
    cfg = make_config(*[{"id": f"p{n}", "path": f"/p{n}"} for n in range(15)])
    for n in range(15):
        replica.set(f"/p{n}", page(BODY + f" Page {n}."))
    crawler.crawl(cfg, db_path)
    port = free_port()
    outcomes, stop = [], threading.Event()
    with running(serve_command(db_path, port), port) as base:
        readers = [threading.Thread(target=hammer, args=(base, stop, outcomes)) for _ in range(3)]
        for reader in readers:
            reader.start()
        try:
            # at least 4 rounds, and on until the readers have read 30 pages meanwhile; each
            # round adds a sentence to the paragraph (a paragraph given other words at each
            # check, or its earlier words back, is held for a second look: test_confirm.py)
            for number in range(12):
                if number >= 4 and len(outcomes) > 30:
                    break
                for n in range(15):
                    added = "".join(f" Statement {k} was published." for k in range(number + 1))
                    replica.set(f"/p{n}", page(BODY + f" Page {n}.{added}"))
                _, results = crawler.crawl(cfg, db_path)
                assert [r["event"] for r in results] == ["silent_edit"] * 15
        finally:
            stop.set()
            for reader in readers:
                reader.join()
    failures = [o for o in outcomes if o[1] != 200 or o[2]]
    assert len(outcomes) > 30 and failures == []


OPEN = "import sys; from monitor.store import open_db; open_db(sys.argv[1]).execute('select 1')"


def test_first_opens_at_once_do_not_race(tmp_path):
    """Several commands opening a new database together: one sets it up, none fails."""
    for trial in range(8):
        path = tmp_path / f"new{trial}.db"
        opens = [subprocess.Popen([sys.executable, "-c", OPEN, str(path)], stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
        errors = [opened.communicate(timeout=60)[1] for opened in opens]
        assert [opened.returncode for opened in opens] == [0, 0, 0], errors
    assert open_db(path)["sources"].exists()


def test_opening_a_ready_database_writes_nothing(db_path):
    """`stale` or `status` beside a crawl holding the write lock opens at once:
    open_db of an up-to-date database only reads (it would wait 30 s otherwise)."""
    open_db(db_path).conn.close()
    writer = sqlite3.connect(db_path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        opened = subprocess.run([sys.executable, "-c", OPEN, str(db_path)], capture_output=True,
                                text=True, timeout=20)
    finally:
        writer.execute("ROLLBACK")
    assert opened.returncode == 0, opened.stderr


def test_two_crawls_started_together_one_refuses_and_no_page_is_fetched_twice(
        replica, make_config, db_path):
    cfg = make_config(*[{"id": f"p{n}", "path": f"/p{n}"} for n in range(6)])
    crawls = []

    def after_one_has_ended(handler):  # the crawl holding the lock cannot end first, however
        deadline = time.monotonic() + 20  # slowly the other starts on a loaded machine
        while time.monotonic() < deadline and all(c.poll() is None for c in crawls):
            time.sleep(0.05)
        send(handler, 200, {"Content-Type": "text/html"}, page(BODY + " Page 0.").encode())

    replica.set("/p0", b"", handler=after_one_has_ended)
    for n in range(1, 6):
        replica.set(f"/p{n}", page(BODY + f" Page {n}."))
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path), "crawl", "-q"]
    for trial in range(3):
        replica.requests.clear()
        crawls[:] = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                     for _ in range(2)]
        outputs = [c.communicate(timeout=120) for c in crawls]
        codes = sorted(c.returncode for c in crawls)
        assert codes == [0, 4], outputs
        refused = outputs[[c.returncode for c in crawls].index(4)][1]
        assert "dialogue-watch crawl (pid" in refused and "no page is fetched twice" in refused
        fetched = [r["path"] for r in replica.requests if r["path"] != "/robots.txt"]
        assert sorted(fetched) == [f"/p{n}" for n in range(6)], f"trial {trial}"


def test_an_older_fetch_stored_after_a_newer_one_changes_nothing(make_config, db_path):
    """Belt and braces for the lock: the slower of two overlapping fetches (the old
    copy) is kept as evidence, but raises no event and does not replace the newer."""
    from monitor import store
    from monitor.analysis import analyze
    from monitor.items import PageFetch

    cfg = make_config({"id": "canada", "url": "http://127.0.0.1:9/canada"})
    source = cfg.source("canada")
    db = store.open_db(db_path)
    store.sync_sources(db, cfg.sources)

    def record(text, started, received, crawl_id):
        item = PageFetch(source_id="canada", url=source.url, final_url=source.url, status=200,
                         fetched_at=received, started_at=started,
                         headers={"Content-Type": "text/html"}, body=page(BODY + text).encode())
        return store.record_fetch(db, item, analyze.analyze(item, source, store.current_capture(
            db, "canada")), 3, crawl_id)

    crawls = [store.start_crawl(db, 1) for _ in range(3)]
    assert record(" Old text.", "2026-12-01T10:00:00.000Z", "2026-12-01T10:00:01Z", crawls[0]) == "new"
    # two overlapping crawls: the first sent its request at 11:00:00.100 and got the old
    # copy late; the second sent at 11:00:00.200, got the edited page and was stored first
    assert record(" New text.", "2026-12-01T11:00:00.200Z", "2026-12-01T11:00:01Z", crawls[2]) == "silent_edit"
    assert record(" Old text.", "2026-12-01T11:00:00.100Z", "2026-12-01T11:00:09Z", crawls[1]) is None
    events = [r["kind"] for r in db.query("SELECT kind FROM events ORDER BY id")]
    assert events == ["new", "silent_edit"]
    current = store.versions(db, "canada")[-1]
    assert current["seq"] == 2 and "New text." in store.text_of(db, current["text_sha256"])
    state = next(db.query("SELECT * FROM source_state"))
    assert state["last_checked_at"] == "2026-12-01T11:00:01Z"
    assert [r["outcome"] for r in db.query("SELECT outcome FROM fetches ORDER BY id")] == [
        "ok", "ok", "superseded"]


def test_a_write_that_reads_first_waits_its_turn_instead_of_being_refused(db_path):
    """sqlite-utils writes that look before they write (``update`` reads the row first)
    ran in a deferred transaction: when another command committed between the look and
    the write, SQLite refused the write at once ("database is locked", CI, a crawl
    finishing while a campaigner subscribed). Every transaction now takes the lock first."""
    from monitor.store import finish_crawl, start_crawl
    mine = open_db(db_path)
    crawl_id = start_crawl(mine, 1)
    done = []

    def another_command():
        start_crawl(open_db(db_path), 2)  # waits for mine's transaction, then writes
        done.append(time.monotonic())

    with mine.atomic():
        mine.execute("SELECT count(*) FROM crawls").fetchall()  # a look first
        writer = threading.Thread(target=another_command)
        writer.start()
        time.sleep(0.3)  # the other command tries to commit in between
        assert not done, "the other command wrote inside this transaction's look and write"
        mine["crawls"].update(crawl_id, {"outcome": "completed"})
    writer.join(timeout=30)
    finish_crawl(mine, crawl_id, "completed")
    outcomes = [row[0] for row in mine.execute("SELECT outcome FROM crawls ORDER BY id")]
    assert outcomes == ["completed", None]


def test_sqlite_utils_own_writes_take_the_lock_first(db_path):
    """The same for sqlite-utils' calls made outside any transaction: an ``update`` that
    looked its row up and then found another command had written is not refused."""
    mine, other = open_db(db_path), open_db(db_path)
    from monitor.store import start_crawl
    crawl_id = start_crawl(mine, 1)
    statements = []
    mine.conn.set_trace_callback(statements.append)
    mine["crawls"].update(crawl_id, {"outcome": "completed"})
    other["crawls"].update(crawl_id, {"sources": 3})
    mine.conn.set_trace_callback(None)
    assert "BEGIN IMMEDIATE" in statements and "BEGIN" not in statements
    assert mine.execute("SELECT outcome, sources FROM crawls").fetchone() == ("completed", 3)

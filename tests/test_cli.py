"""The command line, run as a user runs it, against a real local server."""

import json
import subprocess
import sys

from monitor import store
from monitor.analysis import events
from tests import site_fixtures
from tests.test_crawl import BODY, page


def run(cfg, db_path, *args, check=True):
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path), *args]
    return subprocess.run(command, capture_output=True, text=True, check=check)


def test_test_source_json_stores_nothing(replica, make_config, db_path):
    cfg = make_config({"id": "japan", "path": "/japan", "country": "Japan"})
    html = page("日中人権対話を開催しました。" * 5, "更新日：令和6年3月12日").encode("shift_jis")
    replica.set("/japan", html, content_type="text/html; charset=Shift_JIS")
    report = json.loads(run(cfg, db_path, "test-source", "japan", "--json").stdout)
    assert report["id"] == "japan" and report["status"] == 200
    assert report["url"] == report["final_url"] == replica.url("/japan")
    assert report["content_type"] == "text/html; charset=Shift_JIS"
    assert report["last_updated"] == {"text": "更新日：令和6年3月12日", "date": "2024-03-12",
                                      "precision": "day", "origin": "label"}
    assert len(report["text_sha256"]) == 64 and report["text_chars"] > 50
    assert not db_path.exists()


def test_crawl_summary_and_stale_json(replica, make_config, db_path):
    cfg = make_config({"id": "australia", "path": "/au", "country": "Australia"},
                      {"id": "canada", "path": "/ca"},
                      {"id": "dead", "url": "http://127.0.0.1:9/gone"})
    replica.set("/au", page(marker="Last updated Nov 2002"))
    replica.set("/ca", page(BODY + " More.", marker="Date modified: 2024-03-12"))
    result = run(cfg, db_path, "crawl", check=False)
    assert result.returncode == 1  # some pages failed
    assert "Checked 3 page(s): 2 fetched, 1 failed" in result.stdout
    assert "Events: new 2" in result.stdout
    assert "dead: the site refused the connection" in result.stdout
    assert "[3/3]" in result.stderr  # progress lines
    rows = json.loads(run(cfg, db_path, "stale", "--json").stdout)
    assert [r["id"] for r in rows] == ["australia", "canada", "dead"]
    australia = rows[0]
    assert australia["last_updated"]["date"] == "2002-11"
    assert australia["state"] == "ok" and australia["last_checked_at"]
    assert set(australia) == {"id", "country", "url", "last_updated", "days_stale",
                              "last_changed_at", "last_checked_at", "state"}
    assert rows[1]["days_stale"] < australia["days_stale"]
    assert rows[2]["last_updated"] is None and rows[2]["days_stale"] is None
    # an edit (the date kept: silent): fetched again at once before anyone is told; the
    # same bytes are not read again
    replica.set("/ca", page(BODY + " More, and a paragraph added.", marker="Date modified: 2024-03-12"))
    again = run(cfg, db_path, "crawl", "canada", check=False)
    assert "canada: fetched; it changed: fetching it again at once before anyone is told" in again.stderr
    assert ("canada: fetched again at once: the same answer; it still shows the change: fetching "
            "it once more before anyone is told") in again.stderr
    assert "[1/1] canada: fetched again at once: the same answer, event: silent_edit" in again.stderr
    assert "Checked 1 page(s): 1 fetched" in again.stdout, again.stdout


def test_unknown_id_is_a_clear_error(replica, make_config, db_path):
    cfg = make_config({"id": "canada", "path": "/ca"})
    result = run(cfg, db_path, "crawl", "kanada", check=False)
    assert result.returncode == 3
    assert "No source with id kanada" in result.stderr and "Traceback" not in result.stderr


def test_demo_leaves_every_event_kind(tmp_path_factory):
    """The demo database the site's tests read (``site_fixtures.demo_db``: ``demo.run``
    once per test run, shared read-only), and what the demo said while it built it."""
    db_path = site_fixtures.demo_db(tmp_path_factory)
    lines = site_fixtures.demo_said(tmp_path_factory)
    kinds = {row["kind"] for row in store.open_db(db_path).query("SELECT DISTINCT kind FROM events")}
    # notes: test_rules.py; replaced: a held change confirmed at a second look (test_confirm.py)
    # discovery's kinds: test_discover.py (the demo reads no feed)
    assert kinds == (set(events.KINDS) - events.PROBLEM_KINDS - events.NOTE_KINDS
                     - events.DISCOVERY_KINDS - {"replaced"})
    assert "history demo-canada" in lines[-1]


def test_scrapy_crawl_runs_the_spider_standalone(replica, make_config, db_path):
    """What Scrapyd runs: `scrapy crawl pages -a sources=... -a db=...`, with no CLI around it."""
    cfg = make_config({"id": "canada", "path": "/ca"})
    replica.set("/ca", page())
    result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "pages", "-a", f"sources={cfg.path}",
                             "-a", f"db={db_path}"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    db = store.open_db(db_path)
    assert [row["kind"] for row in store.history(db, "canada")] == ["new"]
    crawl = next(db.query("SELECT finished_at, outcome FROM crawls"))
    assert crawl["finished_at"] and crawl["outcome"] == "completed"  # as `dialogue-watch crawl` records it


# -- exit statuses of crawl and run --once (errors.EXIT_CODES) -------------------


def test_exit_codes_of_crawl_and_run_once(replica, make_config, db_path, tmp_path):
    cfg = make_config({"id": "canada", "path": "/ca"}, {"id": "dead", "url": "http://127.0.0.1:9/x"})
    replica.set("/ca", page(BODY))
    assert run(cfg, db_path, "crawl", "canada", check=False).returncode == 0
    assert run(cfg, db_path, "crawl", check=False).returncode == 1
    nothing = run(cfg, db_path, "crawl", "dead", check=False)
    assert nothing.returncode == 2 and "No page could be fetched" in nothing.stdout
    assert run(cfg, tmp_path / "a.db", "run", "--once", check=False).returncode == 1  # one fails
    assert run(cfg, db_path, "run", "--once", check=False).returncode == 0  # nothing due
    dead_only = make_config({"id": "dead", "url": "http://127.0.0.1:9/x"})
    assert run(dead_only, tmp_path / "b.db", "run", "--once", check=False).returncode == 2

    broken = tmp_path / "broken.yaml"
    broken.write_text("sources:\n  - id: Canada!\n", encoding="utf-8")
    for command in (["crawl"], ["run", "--once"]):
        result = subprocess.run([sys.executable, "-m", "monitor", "--sources", str(broken), "--db",
                                 str(db_path), *command], capture_output=True, text=True)
        assert result.returncode == 3 and "nothing was crawled" in result.stderr


def test_a_second_command_on_a_busy_database_is_refused_with_exit_code_4(replica, make_config, db_path):
    from monitor.fetch import locks

    cfg = make_config({"id": "canada", "path": "/ca"})
    replica.set("/ca", page(BODY))
    with locks.database_lock(db_path, "crawl"):
        for command in (["crawl"], ["run", "--once"], ["run"]):
            result = run(cfg, db_path, *command, check=False)
            assert result.returncode == 4, (command, result.stderr)
            assert "is working on" in result.stderr and "Nothing was done" in result.stderr
    assert replica.requests_for("/ca") == []
    assert run(cfg, db_path, "crawl", check=False).returncode == 0


# -- configuration drift: alerts.yaml naming what sources.yaml no longer has ---------

DRIFTED_ALERTS = """\
subscribers:
  - name: desk
    url: json://127.0.0.1:9/hook
    sources: [canada, canada-relations-2020]
    countries: [Japn]
  - name: ghost
    url: json://127.0.0.1:9/hook
    sources: [removed-page]
"""


def outbox_rows(db_path):
    sql = """SELECT e.source_id, e.kind, o.subscriber FROM alert_outbox o
             JOIN events e ON e.id = o.event_id ORDER BY o.id"""
    return [tuple(row.values()) for row in store.open_db(db_path).query(sql)]


def drift_setup(replica, make_config, tmp_path):
    cfg = make_config({"id": "canada", "path": "/ca"},
                      {"id": "japan", "path": "/jp", "country": "Japan"})
    replica.set("/ca", page(BODY))
    replica.set("/jp", page(BODY, marker="Last updated Nov 2002"))
    alerts_path = tmp_path / "alerts.yaml"
    alerts_path.write_text(DRIFTED_ALERTS, encoding="utf-8")
    return cfg, str(alerts_path)


def assert_drift_warned(output, alerts_path):
    assert (f"{alerts_path}:4: warning: subscriber 'desk': no source with id "
            "'canada-relations-2020'") in output
    assert f"{alerts_path}:5: warning: subscriber 'desk': no source for the country 'Japn'" in output
    assert "Fix: did you mean 'Japan'?" in output
    assert f"{alerts_path}:6: warning: subscriber 'ghost' follows none of the pages" in output
    assert "gets no alerts at all" in output and "Traceback" not in output


def test_a_removed_source_and_a_misspelled_country_in_alerts_yaml_warn_and_the_crawl_goes_on(
        replica, make_config, db_path, tmp_path):
    cfg, alerts_path = drift_setup(replica, make_config, tmp_path)
    result = run(cfg, db_path, "crawl", "--alerts", alerts_path, check=False)
    assert result.returncode == 0, result.stderr
    assert "Checked 2 page(s): 2 fetched" in result.stdout
    assert_drift_warned(result.stderr, alerts_path)
    assert outbox_rows(db_path) == [("canada", "new", "desk")]  # the valid part; ghost: nothing

    check = run(cfg, db_path, "alerts", "check", "--alerts", alerts_path, check=False)
    assert check.returncode == 0, check.stderr
    assert "2 subscriber(s), valid, with 4 warning(s)" in check.stdout
    assert_drift_warned(check.stdout, alerts_path)
    assert "desk: immediate alerts for canada;" in check.stdout
    assert "ghost: immediate alerts for no page;" in check.stdout


def test_run_once_warns_once_about_alerts_yaml_drift_and_queues_the_valid_part(
        replica, make_config, db_path, tmp_path):
    cfg, alerts_path = drift_setup(replica, make_config, tmp_path)
    result = run(cfg, db_path, "run", "--once", "--alerts", alerts_path, check=False)
    assert result.returncode == 0, result.stderr
    assert_drift_warned(result.stderr, alerts_path)
    assert result.stderr.count("'canada-relations-2020'") == 1  # not again at each reload
    assert outbox_rows(db_path) == [("canada", "new", "desk")]


def test_other_alerts_yaml_mistakes_still_stop_the_crawl(replica, make_config, db_path, tmp_path):
    cfg, alerts_path = drift_setup(replica, make_config, tmp_path)
    with open(alerts_path, "a", encoding="utf-8") as file:
        file.write("    mdoe: daily\n")
    result = run(cfg, db_path, "crawl", "--alerts", alerts_path, check=False)
    assert result.returncode == 3 and "unknown key 'mdoe'" in result.stderr
    assert replica.requests_for("/ca") == []


# -- a page no fetch has reached ---------------------------------------------------


def test_a_page_never_fetched_says_so_in_stale(replica, make_config, db_path):
    cfg = make_config({"id": "canada", "path": "/ca"},
                      {"id": "dead", "url": "http://127.0.0.1:9/x"},
                      {"id": "untried", "path": "/untried"})
    replica.set("/ca", page(BODY))
    for _ in range(3):  # the stored state becomes 'failing' (failing_after: 3)
        run(cfg, db_path, "crawl", "canada", "dead", check=False)
    states = {r["id"]: r["state"] for r in json.loads(run(cfg, db_path, "stale", "--json").stdout)}
    assert states == {"canada": "ok", "dead": "never fetched", "untried": "never fetched"}
    stored = {r["source_id"]: r["state"] for r in store.open_db(db_path).query(
        "SELECT source_id, state FROM source_state")}
    assert stored == {"canada": "ok", "dead": "failing"}  # what other code relies on
    table = run(cfg, db_path, "stale").stdout
    assert [line for line in table.splitlines() if " dead " in line][0].count("never fetched") == 1


def test_a_mistyped_id_names_the_nearest_real_ones(replica, make_config, db_path):
    cfg = make_config({"id": "united-kingdom-fco-hr-report-2002", "path": "/uk",
                       "country": "United Kingdom"}, {"id": "canada", "path": "/ca"})
    result = run(cfg, db_path, "history", "united-kingdom", check=False)
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert "No source with id united-kingdom" in result.stderr
    assert "Did you mean united-kingdom-fco-hr-report-2002?" in result.stderr
    assert "dialogue-watch crawl united-kingdom'" not in result.stderr  # no command that fails
    known = run(cfg, db_path, "history", "canada", check=False)  # a real id, not yet checked
    assert "Run 'dialogue-watch crawl canada' first." in known.stderr


def test_serve_on_a_busy_port_says_so_in_one_line(make_config, db_path, crawl, replica):
    import socket

    replica.set("/ca", page())
    cfg = make_config({"id": "canada", "path": "/ca"})
    crawl(cfg)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(cfg, db_path, "serve", "--port", str(port), check=False)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"Error: Port {port} on 127.0.0.1 is already in use (Address already in use): another "
        f"program, perhaps another 'dialogue-watch serve', listens there. Fix: stop it, or "
        f"choose another port: dialogue-watch serve --port {port + 1}"]

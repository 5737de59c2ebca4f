"""`dialogue-watch demo`: it leaves the checkout as it found it, and the site it
leaves says plainly that the replica's pages are gone once the demo has ended."""

import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

from monitor import demo, store
from monitor.errors import DialogueWatchError
from tests import site_fixtures

ROOT = site_fixtures.ROOT
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def git_status():
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`dialogue-watch demo --rounds 2` run from a directory laid out like the checkout
    (with the tracked db/demo-sources.yaml), with the default --db db/demo.db."""
    where = tmp_path_factory.mktemp("checkout")
    (where / "db").mkdir()
    tracked = (ROOT / "db" / "demo-sources.yaml").read_bytes()
    (where / "db" / "demo-sources.yaml").write_bytes(tracked)
    before = git_status()
    result = subprocess.run([sys.executable, "-m", "monitor", "demo", "--rounds", "2"], cwd=where,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return {"dir": where, "tracked": tracked, "status_before": before, "output": result.stdout}


def test_the_demo_changes_no_tracked_file(demo_run):
    where = demo_run["dir"]
    assert git_status() == demo_run["status_before"]
    assert (where / "db" / "demo-sources.yaml").read_bytes() == demo_run["tracked"]
    written = sorted(p.relative_to(where).as_posix() for p in where.rglob("*") if p.is_file())
    assert "db/demo-replica-sources.yaml" in written and "db/demo.db" in written
    new = set(written) - {"db/demo-sources.yaml"}
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *new], cwd=ROOT,
                             capture_output=True, text=True).stdout.split()
    assert set(ignored) == new  # what the demo writes in a checkout, git ignores
    assert "--sources db/demo-replica-sources.yaml --db db/demo.db history demo-canada" \
        in demo_run["output"]
    assert "The replica's pages are gone now that the demo has ended" in demo_run["output"]


@pytest.fixture(scope="module")
def demo_site(demo_run):
    port = site_fixtures.free_port()
    db_path = demo_run["dir"] / "db" / "demo.db"
    with site_fixtures.running(site_fixtures.serve_command(db_path, port), port) as base:
        yield base


def test_the_demo_site_says_beside_each_live_link_that_the_replica_is_gone(demo_site):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        notes = {}
        for path in ("/monitor/staleness", "/monitor/history?source=demo-canada",
                     "/monitor/change?event=14", "/monitor/capture?version=2"):
            page.goto(demo_site + path)
            notes[path] = page.eval_on_selector_all(
                'a[rel~="nofollow"]', """links => links.map(a => [a.href,
                    getComputedStyle(a, '::after').content])""")
            other = page.eval_on_selector(
                ".dw-nav a", "a => getComputedStyle(a, '::after').content")
            assert other == "none", path  # the site's own links carry no note
        browser.close()
    for path, links in notes.items():
        assert links, path
        for href, note in links:
            assert href.startswith("http://127.0.0.1:"), (path, href)
            assert "only while the demo ran: it is gone now" in note, (path, href)
    live = notes["/monitor/change?event=14"][0][0]
    with pytest.raises(urllib.error.URLError):  # the replica is gone indeed
        urllib.request.urlopen(live, timeout=5)


def test_demo_alerts_are_delivered_to_a_mailbox_a_volunteer_can_read(tmp_path):
    """`dialogue-watch --db PATH demo --alerts`: the global --db is the demo's database, and
    the alerts a subscriber to every page would get arrive through a real SMTP server the
    demo runs, into a mailbox file beside it, which the demo names."""
    from monitor.notify import mailbox

    db_path = tmp_path / "story.db"
    db_path.write_bytes(b"")  # what an interrupted demo could leave: replaced, not refused
    result = subprocess.run([sys.executable, "-m", "monitor", "--db", str(db_path), "demo",
                             "--rounds", "2", "--alerts"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    box = tmp_path / "story-alerts.mbox"
    assert f"are in {box}" in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "story-alerts.mbox", "story-replica-sources.yaml", "story.db"]  # nothing half made
    messages = mailbox.read(box)
    subjects = [m["Subject"] for m in messages]
    assert "Canada's page is now watched" in subjects
    assert "Canada's page still shows an old 'last updated' date" in subjects
    stale = next(m for m in messages if m["Subject"] == "Australia's page still shows an old "
                 "'last updated' date")
    body = stale.get_content()
    assert "2003 report: 123 days" in body and "No update for 22 years" in body
    assert stale["X-Dialogue-Watch-Key"] and "dialogue-watch-event-" not in body  # key: header only
    assert "Alerts delivered: " in result.stdout and "Round 2, " in result.stdout


def test_the_demo_refuses_a_real_database(tmp_path):
    real = tmp_path / "monitor.db"
    store.open_db(real)["sources"].insert({"id": "canada-relations-2002", "country": "Canada"},
                                          alter=True)
    with pytest.raises(DialogueWatchError, match="holds real monitoring data"):
        demo.run(real, rounds=1, echo=lambda *_: None)
    ids = [r["id"] for r in store.open_db(real).query("SELECT id FROM sources")]
    assert ids == ["canada-relations-2002"]  # untouched

"""A full disk or a read-only database: a clear error, and stored data intact.

The database lives on a small tmpfs mounted by the test (the tests run as root,
as CI does), so the disk really fills up and the file system is really read-only.
"""

import random
import subprocess
import sys

import pytest

from monitor import store
from tests.test_crawl import page


@pytest.fixture
def small_disk(tmp_path):
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True)
    assert mounted.returncode == 0, f"these tests mount a tmpfs and need root: {mounted.stderr}"
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def random_text(rng, words):
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7)) for _ in range(words))


def crawl_cli(cfg, db_path):
    return subprocess.run([sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path),
                           "crawl", "-q"], capture_output=True, text=True)


def snapshot(db_path):
    db = store.open_db(db_path)
    try:
        assert store.integrity_problems(db) == []
        return [tuple(r.values()) for r in db.query("SELECT id, source_id, at, body_sha256 FROM fetches ORDER BY id")]
    finally:
        db.conn.close()


def test_full_disk_stops_with_a_clear_error_and_keeps_what_was_stored(replica, make_config, small_disk):
    rng = random.Random(5)
    cfg = make_config(*[{"id": f"p{n}", "path": f"/p{n}"} for n in range(12)])
    for n in range(12):
        replica.set(f"/p{n}", page(f"Page {n}. " + random_text(rng, 20)))
    db_path = small_disk / "monitor.db"
    assert crawl_cli(cfg, db_path).returncode == 0
    before = snapshot(db_path)

    for n in range(12):  # incompressible pages, far more than the disk holds
        replica.set(f"/p{n}", page(random_text(rng, 40000)))
    result = crawl_cli(cfg, db_path)
    assert result.returncode == 2
    assert "is full" in result.stderr and "Nothing stored was lost" in result.stderr
    assert "Traceback" not in result.stderr
    after = snapshot(db_path)
    assert after[:len(before)] == before


def test_read_only_database_is_a_clear_error(replica, make_config, small_disk):
    cfg = make_config({"id": "canada", "path": "/ca"})
    replica.set("/ca", page())
    db_path = small_disk / "monitor.db"
    assert crawl_cli(cfg, db_path).returncode == 0
    before = snapshot(db_path)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        replica.set("/ca", page("The text changed."))
        result = crawl_cli(cfg, db_path)
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert result.returncode == 2
    assert "is read-only" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(db_path) == before


def test_any_failure_to_store_stops_the_crawl_loudly(replica, make_config, db_path):
    """Not only a full disk: any error while storing (here SQLite refuses a row through a
    trigger, as a bug would) stops the crawl with exit status 2 and plain words, the crawl
    row says what failed, and nothing of that fetch is half-stored."""
    cfg = make_config({"id": "canada", "path": "/ca"}, {"id": "boom", "path": "/boom"},
                      settings={"concurrent_requests": 1})
    replica.set("/ca", page("Canada's page."))
    replica.set("/boom", page("A page that cannot be stored."))
    db = store.open_db(db_path)
    db.execute("""CREATE TRIGGER refuse_boom BEFORE INSERT ON versions WHEN NEW.source_id = 'boom'
                  BEGIN SELECT RAISE(ABORT, 'refused by the test'); END""")
    db.conn.close()
    result = crawl_cli(cfg, db_path)
    assert result.returncode == 2
    assert "storing the fetch of boom failed (IntegrityError: refused by the test)" in result.stderr
    assert "Traceback" not in result.stderr and "Checked 0 page(s)" not in result.stdout
    db = store.open_db(db_path)
    (outcome,) = db.execute("SELECT outcome FROM crawls").fetchone()
    assert outcome.startswith("failed: storing the fetch of boom failed")
    assert [r["source_id"] for r in db.query("SELECT source_id FROM fetches")] in ([], ["canada"])
    assert db.execute("SELECT count(*) FROM source_state WHERE source_id = 'boom'").fetchone()[0] == 0
    assert store.integrity_problems(db) == []

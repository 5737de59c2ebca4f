"""Commands that only read never write (issue 24): `status`, `stale`, `history` and `diff`
leave the database byte for byte as it was, even with a sources.yaml that lists fewer
pages (a node's shard) or more (a page added since the last crawl), and make no database
where there is none. `merge` says which file it wrote and honours the global --db."""

import hashlib
import subprocess
import sys

import pytest

from monitor import store
from tests.commands import cli

PAGE = "<html><body><main><h1>{}</h1><p>The dialogue met in {}.</p></main></body></html>"


def fingerprint(db_path):
    db = store.open_db(db_path)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.conn.close()
    return hashlib.sha256(db_path.read_bytes()).hexdigest()


@pytest.fixture
def crawled(replica, make_config, crawl, db_path):
    replica.set("/ca", PAGE.format("Canada", "Ottawa"))
    replica.set("/de", PAGE.format("Germany", "Berlin"))
    cfg = make_config({"id": "canada", "path": "/ca"},
                      {"id": "germany", "path": "/de", "country": "Germany"})
    crawl(cfg)
    return cfg


def test_reading_commands_never_write_whatever_sources_yaml_lists(crawled, make_config, db_path,
                                                                   tmp_path):
    before = fingerprint(db_path)
    fewer = make_config({"id": "canada", "path": "/ca"},  # a node's share, or a page removed
                        {"id": "japan", "path": "/jp", "country": "Japan"})  # one added since
    for args in (["status"], ["stale"], ["stale", "--json"], ["history", "canada"],
                 ["history", "canada", "--json"], ["status", "--json"]):
        result = cli(fewer.path, db_path, *args)
        assert result.returncode == 0, (args, result.stdout + result.stderr)
        assert fingerprint(db_path) == before, args
    stale = cli(fewer.path, db_path, "stale").stdout
    assert "japan" in stale and "not yet checked" in stale and "germany" not in stale
    db = store.open_db(db_path)
    assert {r["id"]: r["active"] for r in db.query("SELECT id, active FROM sources")} == \
        {"canada": 1, "germany": 1}  # what the last crawl stored, untouched


def test_a_reading_command_makes_no_database(crawled, tmp_path):
    missing = tmp_path / "elsewhere" / "monitor.db"
    for args in (["stale"], ["status"], ["history", "canada"]):
        result = cli(crawled.path, missing, *args)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert (f"There is no database at {missing} yet" in result.stderr
                or "Run 'dialogue-watch crawl canada' first." in result.stderr), result.stderr
        assert not missing.exists() and not missing.parent.exists()


def test_merge_says_which_file_it_wrote_and_honours_db(crawled, db_path, tmp_path):
    site = tmp_path / "site.db"
    result = cli(crawled.path, site, "merge", str(db_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"Merged 1 node database(s) into {site}.")
    assert {r["id"] for r in store.open_db(site).query("SELECT id FROM sources")} == {"canada", "germany"}
    refused = cli(crawled.path, db_path, "merge", str(db_path))
    assert refused.returncode != 0 and "is the database merge writes into" in refused.stderr
    plain = subprocess.run([sys.executable, "-m", "monitor", "merge", str(tmp_path / "out.db"),
                            str(db_path)], capture_output=True, text=True, timeout=120)
    assert plain.stdout.strip().endswith(f"into {tmp_path / 'out.db'}.")


def test_a_standalone_crawl_refused_by_the_lock_ends_in_plain_words(replica, make_config,
                                                                     db_path):
    """What Scrapyd runs (`scrapy crawl pages -a sources=... -a db=...`) while another
    command holds the database's lock: no traceback, the plain message as the log's last
    line, and a non-zero status (4, errors.BusyError) that Scrapyd's log reports."""
    from monitor.fetch import locks

    cfg = make_config({"id": "canada", "path": "/ca"})
    replica.set("/ca", PAGE.format("Canada", "Ottawa"))
    with locks.database_lock(db_path, "run"):
        result = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "pages", "-a",
                                 f"sources={cfg.path}", "-a", f"db={db_path}"],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 4, result.stderr
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert "dialogue-watch: this crawl did not run:" in last and "dialogue-watch run" in last, last
    assert replica.requests_for("/ca") == []  # nothing was fetched

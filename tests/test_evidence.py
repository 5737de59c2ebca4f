"""Evidence is verified when it moves (issue 21): ``merge``, ``export`` and ``backfill``
refuse a damaged database or a capture that no longer matches its SHA-256, in plain
words naming it, and leave nothing half-done. The damage is real: a b-tree page
overwritten with garbage, stored bytes altered with sqlite3, a full filesystem."""

import os
import random
import re
import resource
import shutil
import sqlite3
import string
import subprocess
import sys

import pytest

from monitor import store
from monitor.errors import DamagedError, StoreError
from monitor.store import blobs, merge, verify
from tests.test_backfill import A, B, C
from tests.test_crawl import BODY, page
from tests.test_export import stored  # noqa: F401 - the export fixture: five captures
from tests.test_merge import counts, crawl_node, setup  # noqa: F401 - two shards of the replica


def dialogue_watch(*args, **kwargs):
    """The real command, in its own process: what a campaigner sees, tracebacks included."""
    return subprocess.run([sys.executable, "-m", "monitor", *map(str, args)], capture_output=True,
                          text=True, timeout=120, **kwargs)


def refused(done, *words):
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert "\nError: " in "\n" + done.stderr, done.stderr  # (after any library's warnings)
    for word in words:
        assert word in done.stderr, done.stderr


def copy_of(path, to):
    with sqlite3.connect(path) as source, sqlite3.connect(to) as target:
        source.backup(target)
    return to


def break_btree(path, table, at=8):
    """Overwrite ``table``'s root page with garbage from byte ``at`` (8: a leaf page's cell
    pointers; 0: its header too), the file checkpointed first so the page is in the file."""
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (size,) = conn.execute("PRAGMA page_size").fetchone()
    (root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?",
                           [table]).fetchone()
    conn.close()
    with open(path, "r+b") as file:
        file.seek((root - 1) * size + at)
        file.write(b"\xff\xfe" * 24)
    with pytest.raises(sqlite3.DatabaseError, match="malformed"):  # it really is damaged
        sqlite3.connect(path).execute(f"SELECT * FROM {table}").fetchall()
    assert verify.file_problems(path) != []
    return path


def tamper(path, table, digest, data):
    """Replace the stored bytes of one content row, as an editor with sqlite3 would."""
    with sqlite3.connect(path) as conn:
        assert conn.execute(f"UPDATE {table} SET data = ? WHERE sha256 = ?", [data, digest]).rowcount == 1
    sqlite3.connect(path).close()


def first_text(path, source_id):
    """The SHA-256 of a page's first version's text (stored whole; the next is a delta on it)."""
    return sqlite3.connect(path).execute(
        "SELECT text_sha256 FROM versions WHERE source_id = ? AND seq = 1", [source_id]).fetchone()[0]


# -- merge --------------------------------------------------------------------


@pytest.fixture
def nodes(tmp_path, setup, replica):
    """Two nodes' databases, node 1 crawled twice (a1's second text is a delta on its
    first), and a merged database holding node 2."""
    node1, node2, out = tmp_path / "node1.db", tmp_path / "node2.db", tmp_path / "site.db"
    crawl_node(setup, 1, node1)
    crawl_node(setup, 2, node2)
    replica.set("/a1", page(BODY + " A paragraph added on the first site."))
    crawl_node(setup, 1, node1)
    assert dialogue_watch("merge", out, node2).returncode == 0
    return node1, node2, out


def test_a_node_copy_with_a_damaged_btree_is_refused_and_nothing_is_written(nodes, tmp_path):
    node1, node2, out = nodes
    damaged = break_btree(copy_of(node1, tmp_path / "damaged.db"), "fetches")
    before = out.read_bytes()
    done = dialogue_watch("merge", out, node2, damaged)  # node 2 first: still nothing is merged
    refused(done, f"{damaged} is damaged", "SQLite's own check", "Nothing was merged",
            "take a fresh copy from the node")
    assert out.read_bytes() == before and not out.with_name("site.db-wal").exists()


def test_a_file_that_is_not_a_database_is_refused_in_plain_words(nodes, tmp_path):
    _, _, out = nodes
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all " * 300)
    refused(dialogue_watch("merge", out, garbage), f"{garbage} is damaged", "file is not a database")


@pytest.mark.parametrize(("table", "altered", "words"), [
    ("texts", blobs.compress_whole(b"A text someone changed."),
     "the text of version 1 of page a1 (capture "),
    ("bodies", b"bytes that are not Zstandard at all", "the body of capture "),
])
def test_a_tampered_node_copy_is_refused_naming_the_capture(nodes, tmp_path, table, altered, words):
    node1, node2, out = nodes
    tampered = copy_of(node1, tmp_path / "tampered.db")
    sha = first_text(tampered, "a1") if table == "texts" else sqlite3.connect(tampered).execute(
        "SELECT body_sha256 FROM fetches WHERE source_id = 'a1' ORDER BY id").fetchone()[0]
    tamper(tampered, table, sha, altered)
    before, rows = out.read_bytes(), counts(out)
    done = dialogue_watch("merge", out, tampered)
    why = "does not match its SHA-256" if table == "texts" else "cannot be read back"
    refused(done, f"{tampered} is damaged: {words}", "of page a1", why, "(and 1 more)",
            "Nothing was merged")
    assert out.read_bytes() == before and counts(out) == rows
    # the library says the same, and the sound node still merges afterwards
    with pytest.raises(DamagedError, match=re.escape(words)):
        merge.merge(store.open_db(out), tampered)
    assert dialogue_watch("merge", out, node1).returncode == 0
    assert store.integrity_problems(store.open_db(out)) == []


def test_damage_found_while_merging_rolls_the_whole_merge_back(nodes, tmp_path):
    """The file checks run first; should SQLite still meet damage mid-way (here the checks
    are skipped on purpose), the merge is one transaction: rolled back, said plainly."""
    node1, _, out = nodes
    damaged = copy_of(node1, tmp_path / "damaged.db")
    unchecked = merge.Node(str(damaged), merge.identity(store.open_db(damaged)),
                           frozenset(store.open_db(damaged).table_names()))
    break_btree(damaged, "events", at=0)  # read after the crawls, fetches and versions were written
    db = store.open_db(out)
    rows = counts(out)
    with pytest.raises(StoreError, match="could not be merged: SQLite says 'database disk image "
                                         "is malformed'.*Nothing was merged"):
        merge.merge(db, unchecked)
    assert counts(out) == rows and not db.conn.in_transaction


def test_chain_order_reads_each_base_before_its_deltas():
    bases = {"a": None, "b": "a", "c": "b", "d": "a", "e": None, "f": "missing", "g": "g"}
    order, unrooted = verify.chain_order(bases)
    assert order == [("a", 0), ("b", 1), ("c", 2), ("d", 1), ("e", 0)]
    assert unrooted == ["f", "g"]


def test_every_damaged_row_is_found_once_and_a_sound_database_has_none(nodes):
    node1, _, _ = nodes
    db = store.open_db(node1)
    assert list(verify.damaged(db.conn)) == []
    sha = first_text(node1, "a1")
    tamper(node1, "texts", sha, blobs.compress_whole(b"changed"))
    found = list(verify.damaged(store.open_db(node1).conn))
    assert [(d.table, d.why) for d in found] == [
        ("texts", verify.MISMATCH), ("texts", "is stored as a change against a damaged capture")]
    assert found[0].sha256 == sha


# -- export -------------------------------------------------------------------


def export_args(tmp_path, db_path, out, *ids):
    return ("--sources", tmp_path / "sources.yaml", "--db", db_path, "export", *ids, "--out", out)


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_export_refuses_a_tampered_capture_and_leaves_no_file(stored, tmp_path, db_path):
    sha = sqlite3.connect(db_path).execute(  # canada's last capture: bytes no other capture has
        "SELECT body_sha256 FROM fetches WHERE source_id = 'canada' AND body_sha256 IS NOT NULL "
        "ORDER BY at DESC").fetchone()[0]
    body = blobs.unpack(sqlite3.connect(db_path), "bodies", sha)
    tamper(db_path, "bodies", sha, blobs.compress_whole(body + b"<!-- added -->"))
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in ("all.warc.gz", "all.wacz"):
        done = dialogue_watch(*export_args(tmp_path, db_path, folder / name))
        refused(done, "the body of capture ", "of page canada (fetched 20", "does not match its SHA-256",
                f"the database {db_path} is damaged", "Nothing was exported")
        assert leftovers(folder) == []
    assert dialogue_watch(*export_args(tmp_path, db_path, folder / "uk.warc.gz", "uk")).returncode == 0


def test_export_refuses_a_damaged_database(stored, tmp_path, db_path):
    break_btree(db_path, "fetches")
    done = dialogue_watch(*export_args(tmp_path, db_path, tmp_path / "all.warc.gz"))
    refused(done, f"The database {db_path} is damaged", "SQLite's own check")
    assert not (tmp_path / "all.warc.gz").exists()


def test_export_to_a_missing_folder_names_it(stored, tmp_path, db_path):
    missing = tmp_path / "no" / "such"
    done = dialogue_watch(*export_args(tmp_path, db_path, missing / "all.warc.gz"))
    refused(done, f"The folder {missing} does not exist: nothing was written", "mkdir -p")
    assert not (tmp_path / "no").exists()


TINY_DISK = ('mount -t tmpfs -o size=4k tmpfs "$0" || exit 97; "$@"; status=$?; '
             'echo "left: [$(ls -A "$0")]" >&2; exit $status')


def on_a_tiny_disk(folder, *argv):
    """Run ``argv`` with a 4 KB filesystem mounted on ``folder``, in a mount namespace of
    its own (as root; else as a user namespace's root); print what is left in it."""
    unshare = ["unshare", "-m"] if os.geteuid() == 0 else ["unshare", "-r", "-m"]
    return subprocess.run([*unshare, "sh", "-c", TINY_DISK, str(folder), *map(str, argv)],
                          capture_output=True, text=True, timeout=120)


def test_export_to_a_full_disk_says_so_and_leaves_no_partial_file(stored, tmp_path, db_path):
    folder = tmp_path / "small-disk"
    folder.mkdir()
    probe = shutil.which("unshare") and on_a_tiny_disk(folder, "true")
    if not probe or probe.returncode != 0:
        pytest.skip("no small filesystem can be mounted here (unshare/mount refused)")
    whole = tmp_path / "all.warc"
    assert dialogue_watch(*export_args(tmp_path, db_path, whole)).returncode == 0
    assert whole.stat().st_size > 4096  # does not fit
    done = on_a_tiny_disk(folder, sys.executable, "-m", "monitor",
                          *export_args(tmp_path, db_path, folder / "all.warc"))
    refused(done, f"The disk holding {folder} is full: all.warc was not written",
            "the part written was removed")
    assert "left: []" in done.stderr


def test_a_file_size_limit_stops_the_export_and_leaves_no_partial_file(make_config, replica, crawl,
                                                                       tmp_path, db_path):
    rng = random.Random(21)
    words = ("".join(rng.choices(string.ascii_lowercase, k=8)) for _ in range(25_000))
    replica.set("/big", page(" ".join(words)))
    crawl(make_config({"id": "big", "path": "/big"}))
    out = tmp_path / "exports" / "big.warc"
    out.parent.mkdir()

    def limited():
        resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))

    done = dialogue_watch(*export_args(tmp_path, db_path, out), preexec_fn=limited)
    refused(done, "big.warc grew past the largest file", "ulimit -f", "the part written was removed")
    assert leftovers(out.parent) == []


# -- backfill -----------------------------------------------------------------


class GarblingArchive:
    """The stand-in archive, answering garbage instead of a CDX listing for some addresses."""

    def __init__(self, archive, garbage):
        self.garbled, self.garbage, self.listing = set(), garbage, archive.cdx
        archive.cdx = self.cdx

    def cdx(self, query):
        if query.get("url", [""])[0] in self.garbled:
            return "text/plain", self.garbage
        return self.listing(query)


@pytest.fixture
def three_pages(make_config, archive):
    config = make_config(*({"id": name, "path": f"/{name}"} for name in ("canada", "chile", "japan")),
                         settings={"archive_url": archive.base_url, "archive_delay_seconds": 0,
                                   "archive_backoff_seconds": 0.05})
    for source in config.sources:  # each page its own texts (a text is kept once for all pages)
        archive.add(source.url, "20021020083000", A.replace("Dialogue", f"Dialogue: {source.id}"))
        archive.add(source.url, "20070211120000", B.replace("Dialogue", f"Dialogue: {source.id}"))
    return config


@pytest.mark.parametrize("garbage", [
    b"<html><body><h1>502 Bad Gateway</h1></body></html>\n",
    b"com,example)/canada 2002 http://x text/html OOPS\n",
    b"\xff\xfe\x00 not text at all\n",
], ids=["an html page", "a truncated line", "not utf-8"])
def test_one_pages_malformed_listing_does_not_stop_the_others(three_pages, archive, tmp_path,
                                                              db_path, garbage):
    GarblingArchive(archive, garbage).garbled.add(three_pages.source("chile").url)
    done = dialogue_watch("--sources", tmp_path / "sources.yaml", "--db", db_path, "backfill", "-q")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("canada: 2 archive capture(s) listed; 2 read")
    assert lines[1].startswith("chile: not backfilled: the archive at ")
    assert "answered something that is not a list of copies for" in lines[1]
    assert lines[2].startswith("japan: 2 archive capture(s) listed; 2 read")
    db = store.open_db(db_path)
    assert [len(store.versions(db, s)) for s in ("canada", "chile", "japan")] == [2, 0, 2]


def test_backfill_refuses_to_build_on_a_damaged_capture(three_pages, archive, tmp_path, db_path):
    args = ("--sources", tmp_path / "sources.yaml", "--db", db_path, "backfill", "-q")
    assert dialogue_watch(*args).returncode == 0
    tamper(db_path, "texts", first_text(db_path, "chile"), blobs.compress_whole(b"altered"))
    for source in three_pages.sources:  # a later copy of each page: stored against the earlier ones
        archive.add(source.url, "20080101000000", C.replace("Dialogue", f"Dialogue: {source.id}"))
    done = dialogue_watch(*args)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    chile = next(line for line in done.stdout.splitlines() if line.startswith("chile"))
    assert chile.startswith("chile: not backfilled: the text of version 1 of page chile (capture ")
    assert "does not match its SHA-256 (and 1 more), so nothing was added" in chile
    db = store.open_db(db_path)
    assert [len(store.versions(db, s)) for s in ("canada", "chile", "japan")] == [3, 2, 3]

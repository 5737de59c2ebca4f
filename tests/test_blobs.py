"""Captures stored as Zstandard deltas: every version reads back byte for byte,
chains stay short, damage is reported, and older databases are converted."""

import random
import zlib

import pytest

from monitor.store import blobs, integrity_problems, open_db, text_of
from monitor.store.schema import migrations
from tests.search_fixtures import versions_holding


def versions_of_a_page(count, seed=3):
    rng = random.Random(seed)
    words = [f"word{n}" for n in range(400)]
    paragraphs = [" ".join(rng.choices(words, k=60)) for _ in range(120)]
    for _ in range(count):
        yield "\n".join(paragraphs).encode("utf-8")
        paragraphs[rng.randrange(len(paragraphs))] = " ".join(rng.choices(words, k=60))


def pack_all(db, table, contents):
    shas, base = [], None
    with db.conn:
        for data in contents:
            base = blobs.pack(db.conn, table, data, base)
            shas.append(base)
    return shas


@pytest.mark.parametrize("table", blobs.TABLES)
def test_every_version_reads_back_and_chains_stay_short(tmp_path, table):
    db = open_db(tmp_path / "m.db")
    contents = list(versions_of_a_page(3 * blobs.MAX_DEPTH))
    shas = pack_all(db, table, contents)
    assert [blobs.unpack(db.conn, table, sha) for sha in shas] == contents
    rows = list(db.query(f"SELECT depth, stored_size FROM {table}"))
    depths = [row["depth"] for row in rows]
    assert max(depths) == blobs.MAX_DEPTH - 1 and depths.count(0) == 3  # a whole copy every MAX_DEPTH
    whole = rows[0]["stored_size"]
    assert all(row["stored_size"] < whole / 10 for row in rows if row["depth"])
    assert integrity_problems(db) == []


def test_same_content_is_stored_once_and_unrelated_content_whole(tmp_path):
    db = open_db(tmp_path / "m.db")
    first, second = pack_all(db, "bodies", [b"same bytes" * 100, b"same bytes" * 100])
    assert first == second and db["bodies"].count == 1
    (other,) = pack_all(db, "bodies", [random.Random(1).randbytes(5000)])
    with db.conn:
        blobs.pack(db.conn, "bodies", random.Random(2).randbytes(5000), other)  # no smaller as a delta
    assert [r["depth"] for r in db.query("SELECT depth FROM bodies ORDER BY rowid")] == [0, 0, 0]


def test_a_damaged_delta_is_reported(tmp_path):
    db = open_db(tmp_path / "m.db")
    shas = pack_all(db, "texts", versions_of_a_page(3))
    with db.conn:
        db.conn.execute("UPDATE texts SET data = ? WHERE sha256 = ?", [b"garbage", shas[1]])
    assert integrity_problems(db) == ["2 texts that do not match their hash"]  # it and the one built on it


def test_an_older_database_is_converted(tmp_path):
    """Databases written before deltas (zlib bodies, plain texts, a trigram index of
    whole texts) open with every capture intact and searchable by changed lines."""
    path = tmp_path / "old.db"
    db = open_db_before(path, "m011_delta_storage_and_line_search")
    texts = ["Dialogue held.\nTibet raised by the EU.", "Dialogue held.\nNothing raised."]
    with db.conn:
        db["sources"].insert({"id": "p", "country": "Canada", "title": "P", "url": "http://127.0.0.1/p"})
        for seq, text in enumerate(texts, 1):
            body = f"<p>{text}</p>".encode()
            db["texts"].insert({"sha256": blobs.sha256(text.encode()), "chars": len(text), "text": text})
            db["bodies"].insert({"sha256": blobs.sha256(body), "size": len(body),
                                 "stored_size": 0, "data": zlib.compress(body)})
            db["fetches"].insert({"id": seq, "source_id": "p", "at": f"2026-01-0{seq}", "outcome": "ok",
                                  "body_sha256": blobs.sha256(body)})
            db["versions"].insert({"id": seq, "source_id": "p", "seq": seq, "fetch_id": seq,
                                   "text_sha256": blobs.sha256(text.encode()),
                                   "body_sha256": blobs.sha256(body)})
    db.conn.close()
    db = open_db(path)
    assert [text_of(db, v["text_sha256"]) for v in db.query("SELECT * FROM versions ORDER BY seq")] == texts
    assert blobs.unpack(db.conn, "bodies", blobs.sha256(b"<p>Dialogue held.\nTibet raised by the EU.</p>")) \
        == b"<p>Dialogue held.\nTibet raised by the EU.</p>"
    assert versions_holding(db.conn, "Tibet raised", ["added"]) == [1]
    assert versions_holding(db.conn, "Tibet", ["removed"]) == [2]
    assert versions_holding(db.conn, "Nothing raised", ["added"]) == [2]
    assert versions_holding(db.conn, "Dialogue held") == [1]
    # the short words' index too (m031, rebuilt by m037): it finds what the pieces cannot
    words = "SELECT rowid FROM version_words WHERE version_words MATCH ? ORDER BY rowid"
    assert [row[0] for row in db.execute(words, ["added : EU"])] == [1]
    assert [row[0] for row in db.execute(words, ["removed : EU"])] == [2]
    assert integrity_problems(db) == []


def open_db_before(path, migration):
    import sqlite3

    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(str(path), isolation_level=None))
    migrations.apply(db, stop_before=migration)
    return db

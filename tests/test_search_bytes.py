"""Fewer bytes, the same evidence and the same search results (issue 27, item 4).

The word index keeps only what its queries (one or two characters) can match
(``search_words.word_index_form``), and the file gives back the pages SQLite freed
after each crawl (``auto_vacuum = INCREMENTAL``, migration m038)."""

import itertools
import random
import sqlite3

import sqlite_utils

from monitor import store
from monitor.analysis import search_words
from monitor.store import blobs
from monitor.store.schema import migrations

TEXTS = [
    "The EU and China held their 5th human rights dialogue on 5 May 2024 in Brussels.",
    "Le Ministère des Affaires étrangères: l'UE a évoqué le Tibet, le Xinjiang et Hong Kong.",
    "日本と中国は人権対話を行った。EU、UN と 5月 に。",
    "Die EU und China: Menschenrechtsdialog (2. Runde), a.k.a. MRD; U.S. & UK observers",
    "A B C — x y z; no. 12 of 2023 at 9 am: Q&A, e.g. an FAQ; ок, да и нет; ß ü Ä.",
    "Déclaration conjointe UE-Chine 2024 : « droits de l'homme » ; OK; Ü-Bahn; ÆØÅ æ ø å.",
]


def _random_texts(count=40, seed=27):
    """Texts of words of one to six characters from several scripts and punctuation."""
    pieces = ["a", "I", "EU", "UN", "5", "12", "de", "la", "ü", "é", "ok", "ß", "人", "権", "月",
              "の", "да", "и", "α", "zz", "zzz", "China", "rights", "dialogue", "2024", "Ménage",
              "straße", "Tibet", "人権", "対話", "нет", "βγδ", "x1", "Q&A", "U.S.", "e.g.", "—", ",",
              ";", "(", ")", "'", "«", "»", "\u00a0", "\u2019s", "-", "/", "\n"]
    rng = random.Random(seed)
    return [" ".join(rng.choice(pieces) for _ in range(rng.randint(5, 40))) +
            rng.choice(["", ".", "!"]) for _ in range(count)]


def _index(texts, form):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE w USING FTS5 (added, removed, "
                 "tokenize='unicode61 remove_diacritics 0', content='')")
    for rowid, text in enumerate(texts, 1):
        conn.execute("INSERT INTO w (rowid, added, removed) VALUES (?, ?, '')", [rowid, form(text)])
    conn.commit()  # the index is written out at the commit
    return conn


def _queries(texts):
    """Every query of one or two characters the texts hold (what the word index answers)."""
    found = set()
    for text in texts:
        for length in (1, 2):
            for start in range(len(text) - length + 1):
                words = text[start:start + length]
                if words.strip() and search_words.is_short(words):
                    found.add(words)
    return sorted(found)


def test_the_smaller_word_index_finds_exactly_what_the_whole_one_found():
    texts = TEXTS + _random_texts()
    whole, small = _index(texts, search_words.index_form), _index(texts, search_words.word_index_form)
    queries = _queries(texts)
    assert len(queries) > 300
    found_any = 0
    for words in queries:
        query = search_words.query(words, "added")
        expected = whole.execute("SELECT rowid FROM w WHERE w MATCH ? ORDER BY rowid", [query]).fetchall()
        assert small.execute("SELECT rowid FROM w WHERE w MATCH ? ORDER BY rowid",
                             [query]).fetchall() == expected, words
        found_any += bool(expected)
    assert found_any > 100  # the queries do find things: the comparison means something


def test_the_word_index_keeps_short_words_and_fills_in_for_long_ones():
    assert search_words.word_index_form("The EU and China, 5月") == "zzz EU zzz, 5 月 "
    assert search_words.word_index_form("UN report 2024 de la Chine") == "UN zzz de la zzz"
    # a long word next to a letter of another script stays one long word to the tokenizer
    assert search_words.word_index_form("Tibetα ab") == "zzzα ab"
    small = _index(TEXTS, search_words.word_index_form)
    whole = _index(TEXTS, search_words.index_form)
    size = {name: conn.execute("SELECT SUM(length(block)) FROM w_data").fetchone()[0]
            for name, conn in (("small", small), ("whole", whole))}
    assert size["small"] < size["whole"] * 0.8


def test_a_new_database_gives_freed_pages_back_after_each_crawl(tmp_path):
    db = store.open_db(tmp_path / "monitor.db")
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    db.execute("CREATE TABLE scratch (x BLOB)")
    for _ in range(300):
        db.execute("INSERT INTO scratch VALUES (randomblob(3000))")
    db.execute("DROP TABLE scratch")
    assert db.execute("PRAGMA freelist_count").fetchone()[0] > 200
    crawl_id = store.start_crawl(db, 0)
    store.finish_crawl(db, crawl_id, "completed")
    assert db.execute("PRAGMA freelist_count").fetchone()[0] == 0
    pages, size = (db.execute(f"PRAGMA {name}").fetchone()[0] for name in ("page_count", "page_size"))
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert (tmp_path / "monitor.db").stat().st_size == pages * size


def test_an_older_database_is_vacuumed_once_and_its_word_index_rebuilt(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    db = sqlite_utils.Database(conn)
    migrations.apply(db, stop_before="m037_short_word_index_fillers")
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 0
    text = TEXTS[0]
    sha = blobs.pack(conn, "texts", text.encode("utf-8"))
    db.execute("INSERT INTO sources (id, country, title, url, kind, active) VALUES "
               "('eu-china', 'EU', 'EU-China', 'https://example.org', 'html', 1)")
    db.execute("INSERT INTO versions (id, source_id, seq, at, text_sha256) VALUES "
               "(1, 'eu-china', 1, '2026-12-06T00:00:00Z', ?)", [sha])
    db.execute("INSERT INTO version_words (rowid, added, removed) VALUES (1, ?, '')",
               [search_words.index_form(text)])
    conn.close()
    db = store.open_db(path)
    assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2
    for words, found in (("EU", [(1,)]), ("5", [(1,)]), ("on", [(1,)]), ("in", [(1,)]),
                         ("he", []), ("ld", [])):
        assert db.execute("SELECT rowid FROM version_words WHERE version_words MATCH ?",
                          [search_words.query(words, "added")]).fetchall() == found, words
    assert db.execute("SELECT COUNT(*) FROM version_words WHERE version_words MATCH 'zzz'").fetchone() == (1,)
    assert list(itertools.islice(db.query("PRAGMA integrity_check"), 1)) == [{"integrity_check": "ok"}]

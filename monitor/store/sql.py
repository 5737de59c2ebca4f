"""The bottom of the store: statements every writer and the migrations share, with no
import of any other store module (the migrations run them before the rest exists).

The per-fetch path uses fixed SQL: sqlite-utils' Table methods re-read the schema on
every call (dozens of statements per fetch). Column names come from the callers' own
dicts, never from input.
"""

from monitor.analysis import diffing, search_words


def index_lines(conn, version_id, before, after, words=True):
    """Index what a version added and removed, line by line, for search (``version_lines``),
    and its words (``version_words``) unless ``words`` is False (migrations before m031)."""
    added, removed = diffing.changed_lines(before, after)
    if added or removed:
        conn.execute("INSERT INTO version_lines (rowid, added, removed) VALUES (?, ?, ?)",
                     [version_id, added, removed])
        if words:
            _index_words(conn, version_id, added, removed)


def index_words(conn, version_id, before, after):
    """Index only the words (``version_words``) of what a version added and removed."""
    added, removed = diffing.changed_lines(before, after)
    if added or removed:
        _index_words(conn, version_id, added, removed)


def _index_words(conn, version_id, added, removed):
    """Short words, in every script, for search (``monitor.analysis.search_words``)."""
    conn.execute("INSERT INTO version_words (rowid, added, removed) VALUES (?, ?, ?)",
                 [version_id, search_words.word_index_form(added), search_words.word_index_form(removed)])


def insert_row(db, table, row):
    columns = list(row)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return db.conn.execute(sql, [row[c] for c in columns]).lastrowid


def upsert_state(db, row):
    columns = list(row)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "source_id")
    sql = (f"INSERT INTO source_state ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
           f"ON CONFLICT (source_id) DO UPDATE SET {updates}")
    db.conn.execute(sql, [row[c] for c in columns])

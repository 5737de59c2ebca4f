"""What dialogue-watch does with the file behind --db: it makes a new database
whole or not at all, and refuses (without touching them) an empty file, another
program's file, and a database written by a newer dialogue-watch."""

import fcntl
import os
import sqlite3
import subprocess
import sys
import threading

import pytest

from monitor import store
from monitor.fetch import locks
from monitor.errors import BusyError, StoreError


def stale(db_path, sources="sources.yaml"):
    return subprocess.run([sys.executable, "-m", "monitor", "--sources", sources, "--db", str(db_path),
                           "stale"], capture_output=True, text=True)


def dump(db_path):
    with sqlite3.connect(db_path) as db:
        return list(db.iterdump())


def test_a_zero_byte_file_is_refused_and_left_as_it_is(db_path):
    db_path.write_bytes(b"")
    with pytest.raises(StoreError, match="is an empty file .0 bytes.*delete the empty file"):
        store.open_db(db_path)
    result = stale(db_path)
    assert result.returncode == 2 and "empty file" in result.stderr and "Traceback" not in result.stderr
    assert db_path.read_bytes() == b""
    db_path.unlink()  # what the message says to do, when a new database is wanted
    assert store.open_db(db_path).table_names()


def test_a_database_from_a_newer_dialogue_watch_is_refused(db_path):
    store.open_db(db_path).conn.close()
    with sqlite3.connect(db_path) as db:
        db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
                   "VALUES ('dialogue-watch', 'm099_from_the_future', '2030-01-01')")
    before = dump(db_path)
    with pytest.raises(StoreError, match=r"written by a newer dialogue-watch \(schema "
                                         r"m099_from_the_future.*upgrade"):
        store.open_db(db_path)
    result = stale(db_path)
    assert result.returncode == 2 and "newer dialogue-watch" in result.stderr
    assert dump(db_path) == before


def test_another_programs_database_and_a_non_database_are_refused(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE contacts (name TEXT)")
    with pytest.raises(StoreError, match="not one dialogue-watch wrote"):
        store.open_db(other)
    with sqlite3.connect(other) as db:
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["contacts"]
    text = tmp_path / "notes.db"
    text.write_text("my notes, not a database\n" * 100)
    with pytest.raises(StoreError, match="not a dialogue-watch database"):
        store.open_db(text)
    assert text.read_text().startswith("my notes")


def test_a_new_database_appears_whole_and_leaves_no_draft(tmp_path):
    path = tmp_path / "sub" / "new.db"
    db = store.open_db(path)
    assert not store.migrations.pending(db)
    assert sorted(p.name for p in path.parent.iterdir() if ".new-" in p.name) == []


def test_a_symlinked_database_shares_its_lock(tmp_path):
    real = tmp_path / "real.db"
    store.open_db(real).conn.close()
    link = tmp_path / "link.db"
    os.symlink(real, link)
    with locks.database_lock(real, "run"):
        with pytest.raises(BusyError, match=r"dialogue-watch run \(pid \d+\)"):
            with locks.database_lock(link, "crawl"):
                pass
        assert locks.holder(link)["pid"] == os.getpid()
    assert locks.holder(link) is None


@pytest.mark.parametrize("before", ["", "dead run"], ids=["empty", "names the holder before it"])
def test_a_command_refused_in_the_instant_the_holder_has_not_written_its_name_yet(tmp_path, before):
    """The holder writes who it is just after it takes the lock: a command refused in
    between must still name it (it said "dialogue-watch run (pid ?)" for a crawl)."""
    db = tmp_path / "dialogue.db"
    path = locks.lock_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    if before:  # the file the last holder, a run now gone, left behind
        gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True).stdout.strip()
        path.write_text(f'{{"pid": {gone}, "doing": "run", "since": 0}}')
    with open(path, "a+", encoding="utf-8") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # taken, nothing written yet

        def write():
            held.truncate(0)
            held.write(f'{{"pid": {os.getpid()}, "doing": "crawl", "since": 0}}')
            held.flush()

        later = threading.Timer(0.2, write)
        later.start()
        with pytest.raises(BusyError, match=rf"dialogue-watch crawl \(pid {os.getpid()}\) is working"):
            with locks.database_lock(db, "crawl"):
                pass
        later.join()


def test_a_holder_that_cannot_be_named_is_not_called_a_run(tmp_path):
    words = locks.busy_message(tmp_path / "dialogue.db", None)  # it let go in the meantime
    assert "dialogue-watch command (pid ?) is working" in words and "run (pid" not in words


def _built_by_the_migrations():
    import sqlite_utils

    from monitor.store.schema import migrations

    conn = sqlite3.connect(":memory:")
    migrations.apply(sqlite_utils.Database(conn, execute_plugins=False))
    return conn


def _values(conn):
    """{(table, column): its values in row order} of every ordinary table."""
    values = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                 "AND sql NOT LIKE 'CREATE VIRTUAL%'").fetchall():
        cursor = conn.execute(f"SELECT * FROM [{table}] ORDER BY 1")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
        values.update({(table, name): [row[i] for row in rows] for i, name in enumerate(names)})
    return values


def test_every_value_a_database_makes_its_own_is_made_anew_in_each_copy(tmp_path):
    """A new database is a copy of one the migrations built once per process
    (store.connection._create): the values two databases built by the migrations do not
    share (an identity, a secret, the set-up times) are schema.OWN_VALUES, and each copy
    has its own; everything else is the same as the migrations make it."""
    from monitor.store import schema

    built = [_values(_built_by_the_migrations()) for _ in range(2)]
    listed = {(table, column) for table, columns in schema.OWN_VALUES.items() for column in columns}
    differing = {key for key in built[0] if built[0][key] != built[1][key]}
    assert differing <= listed, f"a migration makes values of its own: list {differing - listed}"
    assert listed <= set(built[0])  # (a time to the second may be the same in both)
    copies = []
    for name in ("one.db", "two.db"):
        db = store.open_db(tmp_path / name)
        copies.append(_values(db.conn))
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental, as m038 sets
        db.conn.close()
    assert set(copies[0]) == set(built[0])  # the same tables and columns
    for key, values in built[0].items():
        if key in listed:  # each copy's own (times to the second may still agree)
            assert all(copies[0][key]) and (copies[0][key] != copies[1][key] or "_at" in key[1]), key
        else:
            assert copies[0][key] == copies[1][key] == values, key


def test_asking_who_holds_the_lock_for_a_hint_never_touches_the_lock(tmp_path, monkeypatch):
    """The crawl command asks before it starts its fork server early: a shared lock taken for
    that instant would refuse another command's exclusive one, so it only reads the file."""
    import fcntl
    import subprocess
    import sys

    from monitor.fetch import locks

    db_path = tmp_path / "monitor.db"
    assert locks.named_holder_alive(db_path) is False  # never locked
    with locks.database_lock(db_path, "crawl"):
        monkeypatch.setattr(fcntl, "flock", lambda *args: (_ for _ in ()).throw(AssertionError("locked")))
        assert locks.named_holder_alive(db_path) is True  # this process, alive
        monkeypatch.undo()
    assert locks.named_holder_alive(db_path) is True  # the file still names this live process
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    locks.lock_path(db_path).write_text(f'{{"pid": {gone}, "doing": "crawl", "since": 0}}')
    assert locks.named_holder_alive(db_path) is False  # its holder is gone
    locks.lock_path(db_path).write_text("")
    assert locks.named_holder_alive(db_path) is False  # an empty file names nobody

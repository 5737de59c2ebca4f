"""Opening the database, transactions, and turning SQLite failures into StoreError."""

import contextlib
import datetime
import fcntl
import functools
import os
import sqlite3
from pathlib import Path

import sqlite_utils

from monitor import clock, files
from monitor.errors import StoreError
from monitor.store import schema
from monitor.store.schema import migrations


def now():
    """Now, to the second: the computer's clock, or the demo's replica clock (``monitor.clock``)."""
    return clock.current().replace(microsecond=0)


def iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def open_db(path):
    """Open the dialogue-watch database at ``path``, creating or migrating it.

    A new database is built under a temporary name and moved into place whole,
    so no other command ever sees it half made. An empty file, a file that is
    not a dialogue-watch database, and a database written by a newer
    dialogue-watch are refused (``StoreError``), never overwritten.
    """
    path = Path(path)
    real = files.resolved(path)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        if not real.exists():
            _create(real)
        db = _connect(real)
        _check_ours(db, path)
        if _needs_setup(db):
            with _setup_lock(real):
                if _needs_setup(db):
                    db.execute("PRAGMA journal_mode=WAL")
                    migrations.apply(db)
    except (sqlite3.DatabaseError, OSError) as error:
        raise StoreError(_describe_db_error(path, error)) from None
    return db


def _connect(real):
    if real.stat().st_size == 0:
        raise StoreError(
            f"{real} is an empty file (0 bytes): it holds no history, and dialogue-watch "
            "never leaves a database empty. Nothing was changed. Fix: if you want a new "
            "database there, delete the empty file and run again; otherwise pass --db with "
            "the path of your database.")
    # mode=rw: never create a file here (a new database comes from _create only)
    conn = sqlite3.connect(f"{real.as_uri()}?mode=rw", uri=True, timeout=30,
                           isolation_level=None)
    # execute_plugins=False: no sqlite-utils plugin is used, and looking for them reads the
    # entry points of every installed package (0.1 to 0.25 s per process, issue 27)
    db = Database(conn, execute_plugins=False)
    db.execute("PRAGMA busy_timeout=30000")
    # With WAL, NORMAL keeps every transaction atomic and the file consistent;
    # a power cut may lose the last commits, never corrupt the database.
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


class Database(sqlite_utils.Database):
    """sqlite-utils' Database whose transactions take the write lock up front.

    sqlite-utils opens its transactions with a plain BEGIN (deferred), and many of its
    writes read first (``update`` looks the row up, ``insert`` the table's columns). In WAL
    mode a deferred transaction that has read, then writes after another command has
    committed, is refused at once with "database is locked": SQLite cannot wait for it,
    since its snapshot is already out of date. A crawl finishing while a campaigner
    subscribed in the workspace was refused so. ``BEGIN IMMEDIATE`` waits its turn
    (``busy_timeout``) before reading anything."""

    @contextlib.contextmanager
    def atomic(self):
        if self.conn.in_transaction:  # nested: sqlite-utils' savepoint
            with super().atomic():
                yield self
        else:
            with immediate_transaction(self):
                yield self

    def begin(self):
        self.conn.execute("BEGIN IMMEDIATE")


def _create(real):
    """Build a new database under a temporary name, then link it into place."""
    with _setup_lock(real):
        if real.exists():  # another command made it while this one waited
            return
        for leftover in real.parent.glob(f"{real.name}.new-*"):  # from a killed set-up
            leftover.unlink()
        draft = real.with_name(f"{real.name}.new-{os.getpid()}")
        try:
            draft.write_bytes(_new_database_image())
            conn = sqlite3.connect(str(draft), isolation_level=None)
            try:
                db = sqlite_utils.Database(conn, execute_plugins=False)
                db.execute("PRAGMA journal_mode=WAL")
                schema.renew_own_values(db)
            finally:
                conn.close()  # checkpoints: the draft is one complete file
            os.link(draft, real)
        finally:
            draft.unlink(missing_ok=True)


_image = None  # (the migrations' names, the bytes of a new database they built)


def _new_database_image():
    """The bytes of a new database: every migration applied, built in memory once per
    process (0.1 s of CPU) and copied for each new file after it (a test run makes
    over a thousand; a process that serves many shards several). The copy then gets
    its own identity and secret (``schema.renew_own_values``)."""
    global _image
    names = tuple(migration.name for migration in migrations._migrations)
    if _image is None or _image[0] != names:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        try:
            migrations.apply(sqlite_utils.Database(conn, execute_plugins=False))
            _image = (names, conn.serialize())
        finally:
            conn.close()
    return _image[1]


def _check_ours(db, path):
    """Refuse another program's SQLite file, and a database from a newer dialogue-watch."""
    applied = [m.name for m in migrations.applied(db)]
    known = [m.name for m in migrations._migrations]
    if not applied and db.table_names():
        raise StoreError(
            f"{path} is a SQLite database, but not one dialogue-watch wrote. Nothing was "
            "changed. Fix: pass --db with the path of your dialogue-watch database (or a "
            "new path to start one).")
    unknown = [name for name in applied if name not in known]
    if unknown:
        raise StoreError(
            f"{path} was written by a newer dialogue-watch (schema {unknown[-1]}; this one "
            f"knows up to {known[-1]}). Nothing was changed. Fix: upgrade dialogue-watch "
            "(git pull, then .venv/bin/pip install -e .) and run again.")


def _needs_setup(db):
    """Read-only check: does the database still need WAL mode or a migration?

    Opening an up-to-date database writes nothing, so ``stale`` or ``status``
    run beside the daemon can never hold up its crawl."""
    mode = db.execute("PRAGMA journal_mode").fetchone()[0]
    return mode.lower() != "wal" or bool(migrations.pending(db))


@contextlib.contextmanager
def _setup_lock(real):
    """One process at a time sets a database up: two first opens at once would
    otherwise race to create or migrate it, and one would fail with "database is locked"."""
    with open(f"{real}.setup.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def _describe_db_error(path, error):
    text = str(error)
    writable = os.access(path if path.exists() else path.parent, os.W_OK)
    if "readonly" in text or "read-only" in text or isinstance(error, PermissionError) or not writable:
        return f"The database {path} is read-only. Fix: give yourself write access to it and its folder, or pass --db PATH."
    if "disk is full" in text or "No space" in text:
        return f"The disk holding {path} is full. Nothing stored was lost. Fix: free some space and run again."
    if "not a database" in text or "malformed" in text:
        return f"{path} is not a dialogue-watch database (or is damaged). Fix: pass --db with another path; keep the file for inspection."
    return f"The database {path} cannot be used: {text}."


def writes(function):
    """Turn SQLite's write failures (disk full, read-only) into a StoreError that says what to do."""

    @functools.wraps(function)
    def wrapper(db, *args, **kwargs):
        try:
            return function(db, *args, **kwargs)
        except sqlite3.OperationalError as error:
            raise StoreError(_describe_db_error(db_path(db), error)) from None

    return wrapper


@contextlib.contextmanager
def immediate_transaction(db):
    """A write transaction that takes the write lock up front (no deadlock upgrades)."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def db_path(db):
    return Path(db.conn.execute("PRAGMA database_list").fetchone()[2])


def one(db, sql, params):
    """The first row as a dict, or None (plain sqlite3: this runs for every fetch)."""
    cursor = db.conn.execute(sql, params)
    row = cursor.fetchone()
    return dict(zip([column[0] for column in cursor.description], row)) if row else None

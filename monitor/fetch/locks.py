"""The one lock per database: who may crawl and deliver alerts on it now.

``crawl``, ``run`` (for as long as it runs), ``run --once`` and ``alerts
deliver`` each hold it while they work, so no page is fetched twice at once
and only one dispatcher sends alerts. It belongs to the database's real path
(symlinks resolved): two names for one file share one lock.

A second command does not wait: it stops at once and says who holds the lock.
A waiting crawl would fetch the very pages the first one is fetching, moments
later, and cron jobs stuck waiting would pile up behind a long crawl.

The kernel drops the lock when its holder dies, however it dies; the crawl
process is started fresh (never forked from the holder), so it never inherits it.

Beside it, a task that repeats by itself takes a lock of its own for each pass
(``held_if_free``: the workspace's e-mails, "monitor.db.mail.lock"), so that two
workspaces on one database never send the same e-mail, without refusing a crawl.
"""

import contextlib
import errno
import fcntl
import json
import os
import time
from pathlib import Path

from monitor import files
from monitor.errors import BusyError, StoreError
from monitor.fetch import processes


def lock_path(db_path, purpose=""):
    """The lock file of the database (the real path: one lock per database); with
    ``purpose``, the lock of that one task instead (``held_if_free``)."""
    return Path(f"{files.resolved(db_path)}{'.' + purpose if purpose else ''}.lock")


UNKNOWN_HOLDER = {"pid": "?", "doing": "command"}  # a holder that cannot be named: not "run"


@contextlib.contextmanager
def database_lock(db_path, doing):
    """Hold the database's lock while ``doing`` ("crawl", "run", ...), or raise BusyError."""
    handle = _take(db_path, lock_path(db_path))
    if handle is None:
        raise BusyError(busy_message(db_path, holder(db_path)))
    handle.truncate(0)
    handle.write(json.dumps({"pid": os.getpid(), "doing": doing, "since": int(time.time())}))
    handle.flush()
    try:
        yield
    finally:
        handle.close()


@contextlib.contextmanager
def held_if_free(db_path, purpose):
    """Hold the lock of one task on the database (``purpose``: "mail"), beside the
    database's lock, for the block; yields False, holding nothing, while another
    process or thread holds it. For a task that runs again soon by itself (the
    workspace's e-mails), which skips a pass rather than fail: what another holder left
    half done is then known to be a dead holder's (the kernel drops a dead one's lock)."""
    handle = _take(db_path, lock_path(db_path, purpose))
    try:
        yield handle is not None
    finally:
        if handle is not None:
            handle.close()


def _take(db_path, path):
    """The open lock file, locked; None if another holds it. StoreError if it cannot be written."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError as error:
        raise StoreError(_unwritable(db_path, path, error)) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def holder(db_path):
    """``{"pid", "doing", "since"}`` of the process holding the lock, or None."""
    path = lock_path(db_path)
    if not path.exists():
        return None
    with open(path, encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _parse(_written(handle))
    return None


def named_holder_alive(db_path):
    """Whether the lock file names a process still alive: read, never locked, so that asking
    can never make another command's ``database_lock`` fail (a shared lock held for the
    instant of the question refuses an exclusive one). A hint only (the crawl command
    starts its fork server early unless it says yes): ``database_lock`` decides.
    True when the file cannot be read: nothing can be told."""
    try:
        text = lock_path(db_path).read_text(encoding="utf-8")
    except FileNotFoundError:  # never locked yet
        return False
    except (OSError, UnicodeDecodeError):
        return True
    return _names_a_live_process(text)


def _written(handle, seconds=1.0):
    """What the holder wrote in the lock file. It writes just after it takes the lock: a
    process that looks in between finds the file empty, or still naming the holder
    before it (a process now gone), so it looks again a little."""
    deadline = time.monotonic() + seconds
    while True:
        handle.seek(0)
        text = handle.read()
        if _names_a_live_process(text) or time.monotonic() >= deadline:
            return text
        time.sleep(0.02)


def _names_a_live_process(text):
    if not text.strip():
        return False
    pid = str(_parse(text).get("pid", ""))
    return pid.isdigit() and processes.alive(int(pid))


def _parse(text):
    try:
        found = json.loads(text)
    except ValueError:
        found = None
    if isinstance(found, dict):
        return found
    # an older version's lock file held only the pid of its `run`; an empty one says nothing
    return {"pid": text.strip(), "doing": "run"} if text.strip() else dict(UNKNOWN_HOLDER)


def _unwritable(db_path, path, error):
    if isinstance(error, PermissionError) or error.errno == errno.EROFS:
        return (f"The database {db_path} is read-only (its lock {path.name} cannot be written). "
                "Nothing was done. Fix: give yourself write access to it and its folder, or "
                "pass --db PATH.")
    return f"The lock {path} cannot be written ({error.strerror}). Nothing was done."


def busy_message(db_path, found):
    found = found or UNKNOWN_HOLDER  # it let go meanwhile, or never wrote who it is
    who = f"dialogue-watch {found.get('doing', 'run')} (pid {found.get('pid', '?')})"
    if found.get("doing") == "run":
        return (f"{who} is working on {db_path}: it checks the pages on schedule and delivers "
                "the alerts. Nothing was done. Fix: let it do the work, or stop it first "
                "('dialogue-watch status' shows what it does).")
    return (f"{who} is working on {db_path} now. Nothing was done, so no page is fetched "
            "twice at once. Fix: run the command again when it has finished.")

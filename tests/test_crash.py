"""Crash safety: SIGKILL any process of a crawl at random moments, while another
crawl tries to start; the database is never damaged, nothing committed is lost,
and nothing of a killed crawl lives on."""

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

from monitor import store
from monitor.fetch import locks
from monitor.replica import send
from tests.test_crawl import BODY, page

PAGES = 16
TRIALS = 50
VICTIMS = ("command", "command", "crawl process", "worker", "everything")


def slow_page(body, delay):
    def serve(handler):
        time.sleep(delay)
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, body)
    return serve


def serve_round(replica, number, rng):
    for index in range(PAGES):
        text = BODY + f" Page {index}, round {number if rng.random() < 0.5 else 0}."  # half change
        body = page(text, f"Last updated {1 + index % 28} March 2024").encode()
        replica.set(f"/p{index}", b"", handler=slow_page(body, rng.uniform(0.02, 0.1)))


def descendants(pid):
    """{pid: depth} of every living process below ``pid`` (from /proc)."""
    parents = {}
    for name in filter(str.isdigit, os.listdir("/proc")):
        stat = _stat(int(name))
        if stat and stat[0] != "Z":
            parents[int(name)] = stat[1]
    found, frontier, depth = {}, [pid], 0
    while frontier:
        depth += 1
        frontier = [child for child, parent in parents.items() if parent in frontier]
        found.update({child: depth for child in frontier})
    return found


def alive(pid):
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"  # a zombie has stopped: it only waits to be reaped


# multiprocessing's resource tracker (it unlinks leaked semaphores once every process
# holding its pipe is gone) and the fork server (it only forks crawl processes, which
# die with it) never fetch or store: on a loaded machine they were once seen alive
# just past 1 s (the fork server once in 50 trials under CI), so they get 4 s more.
# The crawl process and its workers, which fetch and store, must be gone at 1 s.
HELPERS = (b"multiprocessing.resource_tracker", b"multiprocessing.forkserver")


def survivors(pids, tracker_grace=4.0):
    """What of ``pids`` still runs (each one's command line): now for the crawl's own
    processes, after ``tracker_grace`` more seconds for the fork server and the
    resource tracker."""
    running = {pid: _cmdline(pid) for pid in pids if alive(pid)}
    running = {pid: line for pid, line in running.items() if line or not _exited(pid)}
    found = [line for line in running.values() if not _helper(line)]
    deadline = time.monotonic() + tracker_grace
    trackers = [pid for pid, line in running.items() if _helper(line)]
    while time.monotonic() < deadline and any(alive(p) for p in trackers):
        time.sleep(0.1)
    found += [running[p] for p in trackers if alive(p)]
    return [line.replace(b"\0", b" ").decode()[:160] for line in found]


def _exited(pid, seconds=1.0):
    """A process whose command line reads empty has already let go of its memory: it
    is exiting (it was killed; it can no longer fetch or store). True once it is gone."""
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


def _helper(line):
    return any(name in line for name in HELPERS)


def _cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as line:
            return line.read()
    except OSError:
        return b""


def _stat(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1])


def pick_victim(command, kind, wait=8.0):
    """The pid to kill: the command, its crawl process (the fork server's child) or
    an analysis worker (the crawl process's child). A crawl process or worker not
    started yet (a loaded machine starts them late) is waited for; the command is
    killed instead only if the crawl ends first."""
    depth = {"crawl process": 2, "worker": 3}.get(kind)
    deadline = time.monotonic() + wait
    while depth and command.poll() is None and time.monotonic() < deadline:
        chosen = [pid for pid, level in descendants(command.pid).items() if level == depth]
        if chosen:
            return chosen[0], kind
        time.sleep(0.02)
    return (command.pid, "command") if command.poll() is None else (None, "nothing (the crawl had ended)")


def kill(command, kind):
    """SIGKILL the victim; (what was killed, the command's processes then). A worker
    that ended between being picked and being killed is replaced by another pick."""
    if kind == "everything":
        os.killpg(command.pid, signal.SIGKILL)
        return "everything", {}
    for _ in range(50):
        pid, chosen = pick_victim(command, kind)
        if pid is None:
            return chosen, {}
        below = descendants(command.pid) if chosen == "command" else {}
        try:
            os.kill(pid, signal.SIGKILL)
            return chosen, below
        except ProcessLookupError:
            continue
    raise AssertionError(f"no {kind} could be killed")


def ask_for_stacks(pid, wait=1.0):
    """Have the command ``pid`` and its crawl processes and workers write where each of
    their threads is to their standard error (``processes.stacks_on_request``), so that a
    hung crawl's failure says where it hung. Not the command's own children (the fork
    server, the resource tracker): SIGUSR1 would end them."""
    for process, depth in {pid: 0, **descendants(pid)}.items():
        if depth != 1:
            try:
                os.kill(process, signal.SIGUSR1)
            except ProcessLookupError:
                pass
    time.sleep(wait)


def finish(*commands, timeout=60, said=None):
    """Wait for each command; one still running after ``timeout`` s is killed, and the
    failure gives what it had written (``said``: the file its standard error went to)."""
    for command in commands:
        try:
            command.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            ask_for_stacks(command.pid)
            os.killpg(command.pid, signal.SIGKILL)
            command.wait()
            words = said.read_text()[-12000:] if said and command is commands[0] else ""
            raise AssertionError(f"a crawl did not finish in time: {command.args}\n{words}") from None


def test_a_crawl_asked_where_it_is_writes_its_stacks_and_goes_on(replica, make_config, db_path,
                                                                  tmp_path):
    """``kill -USR1`` to a crawl command, its crawl process and its workers: each writes its
    threads' stacks to the crawl's standard error, and the crawl ends as it would have."""
    cfg = make_config(*[{"id": f"p{i}", "path": f"/p{i}"} for i in range(2)], settings={"retries": 0})
    for index in range(2):
        replica.set(f"/p{index}", b"", handler=slow_page(page(BODY, "Last updated 1 March 2024").encode(), 2.5))
    said = tmp_path / "said.txt"
    with open(said, "w") as errors:
        command = subprocess.Popen([sys.executable, "-m", "monitor", "--sources", cfg.path, "--db",
                                    str(db_path), "crawl"], stdout=subprocess.PIPE, stderr=errors,
                                   start_new_session=True)
    deadline = time.monotonic() + 30
    while 3 not in descendants(command.pid).values() and time.monotonic() < deadline:
        time.sleep(0.05)  # the crawl process and its workers are up
    time.sleep(1.5)  # and have asked for it (a process asked before it has ends: SIGUSR1)
    ask_for_stacks(command.pid)
    output, _ = command.communicate(timeout=60)
    written = said.read_text()
    assert command.returncode == 0 and "Checked 2 page(s)" in output.decode(), written[-3000:]
    assert written.count("Current thread") + written.count("Thread 0x") >= 2, written[-3000:]
    assert "monitor/fetch/crawler.py" in written  # the crawl process's own stack


def test_asking_for_stacks_needs_a_standard_error_with_a_file(monkeypatch):
    """A command run with a standard error that is no file (a test runner's, a wrapper's)
    goes on without the stacks instead of failing."""
    import io

    from monitor.fetch import processes

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    processes.stacks_on_request()
    monkeypatch.setattr(sys, "stderr", None)
    processes.stacks_on_request()


def test_random_kills_of_any_crawl_process_never_damage_the_database(replica, make_config, db_path,
                                                                     tmp_path):
    cfg = make_config(*[{"id": f"p{i}", "path": f"/p{i}"} for i in range(PAGES)],
                      settings={"retries": 0})
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path), "crawl", "-q"]
    rng = random.Random(2026)
    committed, killed = {}, {}
    for trial in range(TRIALS):
        serve_round(replica, trial, rng)
        said = tmp_path / "first.txt"
        with open(said, "w") as errors:  # the crawl's progress lines, for a failure's message
            first = subprocess.Popen([*command[:-1]], stdout=subprocess.DEVNULL, stderr=errors,
                                     start_new_session=True)
        time.sleep(rng.uniform(0, 0.6))
        second = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  start_new_session=True)  # overlaps: refused, or runs if the first is gone
        # a crawl needs ~1.5 s to start storing, then ~1 s for the pages: kill anywhere
        time.sleep(rng.uniform(0.3, 3.0))
        kind, below = kill(first, rng.choice(VICTIMS))
        killed[kind] = killed.get(kind, 0) + 1
        if kind == "command":
            time.sleep(1.0)
            assert survivors(below) == [], f"trial {trial}: the crawl outlived its command"
        finish(first, second, said=said)
        assert second.returncode in (0, 2, 4), f"trial {trial}: {second.stderr.read()}"
        assert locks.holder(db_path) is None, f"trial {trial}: the lock outlived the crawl"
        db = store.open_db(db_path)
        assert store.integrity_problems(db) == [], f"trial {trial} ({kind})"
        rows = {r["id"]: (r["source_id"], r["at"], r["body_sha256"]) for r in db.query("SELECT * FROM fetches")}
        assert all(rows[i] == committed[i] for i in committed), f"a committed fetch changed in trial {trial}"
        committed = rows
        db.conn.close()
    assert committed, "no crawl got far enough to store anything: the kills came too early"
    assert {"command", "crawl process", "worker", "everything"} <= set(killed), killed

    serve_round(replica, TRIALS, rng)
    finished = subprocess.run(command, capture_output=True, text=True)
    assert finished.returncode == 0 and f"Checked {PAGES} page(s)" in finished.stdout
    db = store.open_db(db_path)
    assert store.integrity_problems(db) == []
    assert {r["source_id"] for r in db.query("SELECT source_id FROM source_state")} == {
        f"p{i}" for i in range(PAGES)}
    outcomes = [r["outcome"] for r in db.query("SELECT outcome FROM crawls")]
    assert all(outcomes), "a crawl row was left open"
    assert store.INTERRUPTED_CRAWL in outcomes


def test_a_killed_command_leaves_its_crawl_row_closed_as_interrupted(replica, make_config, db_path):
    cfg = make_config(*[{"id": f"p{i}", "path": f"/p{i}"} for i in range(4)])
    for i in range(4):
        replica.set(f"/p{i}", b"", handler=slow_page(page(BODY + f" {i}.").encode(), 2.0))
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path), "crawl", "-q"]
    first = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.monotonic() + 30
    while not replica.requests and time.monotonic() < deadline:  # the crawl is fetching
        time.sleep(0.05)
    below = descendants(first.pid)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    time.sleep(1.0)
    assert survivors(below) == []
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT outcome FROM crawls").fetchall() == [(None,)]
    for i in range(4):
        replica.set(f"/p{i}", page(BODY + f" {i}."))
    again = subprocess.run(command, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT outcome FROM crawls ORDER BY id").fetchall() == [
            (store.INTERRUPTED_CRAWL,), ("completed",)]


def test_start_fork_server_starts_it_once():
    from multiprocessing import forkserver

    from monitor.fetch import crawler

    crawler.start_fork_server()
    server = forkserver._forkserver._forkserver_pid
    assert server and os.path.exists(f"/proc/{server}")
    crawler.start_fork_server()  # already up: the same server
    assert forkserver._forkserver._forkserver_pid == server

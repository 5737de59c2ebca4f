"""What the site's tests share: the demo database, built once per test session,
a real server (``datasette`` or ``dialogue-watch serve``) on a free port, and a real
browser (``browser``: Debian's Chromium driven by Playwright, one per test module; import
it by name, as the public site's and the workspace's browser tests do).

The database comes from a real crawl of the local replica (``monitor.demo``):
five rounds that leave every kind of event. It is named monitor.db, the name
the site's metadata is keyed by, so ``datasette`` serves it as published.
"""

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from monitor import demo
from monitor.publish import site

ROOT = Path(__file__).resolve().parent.parent
_BUILT = {}
# Chromium comes from the system (``apt-get install chromium``), never from
# ``playwright install``; screenshots go to ARTIFACTS.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = ROOT / "test-artifacts"
# Playwright's ``expect`` waits 5 s for a page to show what it should: on a two-core CI
# machine busy with a crawl, a server and the browser at once, a right page can be slower
# than that. The assertions stay the same; only the wait for them to come true is longer.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the test module; each test opens its own context."""
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def demo_db(tmp_path_factory):
    """The demo database's path (built on first use, then shared, read-only)."""
    if "path" not in _BUILT:
        _BUILT["path"] = _build_once(tmp_path_factory)
    return _BUILT["path"]


def demo_said(tmp_path_factory):
    """What ``demo.run`` said (its messages, in order) while it built ``demo_db``."""
    return json.loads(_said(demo_db(tmp_path_factory)).read_text(encoding="utf-8"))


def _said(path):
    return path.with_name("demo-said.json")


def _build(path):
    said = []
    demo.run(path, echo=said.append)
    _said(path).write_text(json.dumps(said), encoding="utf-8")


def _build_once(tmp_path_factory):
    """Under pytest-xdist each worker is a process of its own: the first to ask builds the
    database in the folder the workers share, the others wait on its lock, then read it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        path = tmp_path_factory.mktemp("site") / "monitor.db"
        _build(path)
        return path
    folder = tmp_path_factory.getbasetemp().parent / "site"
    folder.mkdir(exist_ok=True)
    path = folder / "monitor.db"
    with open(folder / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():  # demo.run moves a finished database into place, never a half one
            _build(path)
    return path


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def datasette_command(db_path, port):
    """The `datasette` command line that publishes the site (see the README)."""
    return [str(Path(sys.executable).with_name("datasette")), "serve", str(db_path),
            "--metadata", str(site.METADATA), "--template-dir", str(site.TEMPLATES),
            "--setting", "suggest_facets", "off", "--host", "127.0.0.1", "--port", str(port)]


def serve_command(db_path, port):
    """`dialogue-watch --db PATH serve --port N`."""
    return [sys.executable, "-m", "monitor", "--db", str(db_path), "serve", "--port", str(port)]


@contextlib.contextmanager
def running(command, port):
    """Run a server command until the block ends; yield its base URL once it answers.
    Its output goes to a file: Datasette prints a long traceback for every error page,
    and a full pipe nobody reads would stop the server."""
    with tempfile.TemporaryFile() as output:
        server = subprocess.Popen(command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for(base, server, output=lambda: _read(output))
            yield base
        finally:
            server.terminate()
            server.wait(timeout=10)


def _read(file):
    file.seek(0)
    return file.read().decode(errors="replace")


def wait_for(base, server, path="/-/versions.json", seconds=30, output=None):
    """Wait until the ``server`` process answers ``base + path``; ``output()`` says what it
    printed (its stdout pipe when not given), for the error when it stops or never answers."""
    said = output or (lambda: server.stdout.read().decode())
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"The server exited: {said()}")
        try:
            urllib.request.urlopen(base + path, timeout=1).close()
            return base
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"The server did not answer on {base} within {seconds} s: {said() if output else ''}")

"""Pages that need a browser (render: browser): real crawls of the local replica through
Debian's Chromium driven by scrapy-playwright, in the crawl's own child process.

Chromium comes from the system (``apt-get install chromium``, .ci/run does it), never
from ``playwright install``.
"""

import asyncio
import os
import signal
import threading
import time

import pytest
import yaml

from monitor import config, store
from monitor.analysis import events, shell
from monitor.errors import ConfigError
from monitor.fetch import browser, crawler
from monitor.publish import site
from monitor.store import screenshots
from monitor.replica import send
from monitor import yamlfile

SHELL = """<!doctype html>
<html><head><meta charset="utf-8"><title>Ministry portal</title></head>
<body><noscript>You need to enable JavaScript to run this app.</noscript>
<div id="root"></div><script src="/static/bundle.js"></script></body></html>"""
# The content arrives after load, from the bundle: a plain fetch never sees it.
BUNDLE = """setTimeout(function () {
  document.getElementById('root').innerHTML = '<main><h1>Human rights dialogue</h1>' +
    '<p>The fourteenth round of the dialogue took place in Geneva and covered freedom ' +
    'of expression, arbitrary detention and the rights of minorities.</p>' +
    '<p class="updated">Last updated: 12 March 2024</p></main>';
}, 150);"""
TEXT = "The fourteenth round of the dialogue took place in Geneva"
# Keeps the network busy for ever: the page never settles.
RESTLESS = """<!doctype html><html><head><title>Restless</title></head><body>
<main><h1>Restless</h1><p>This page keeps asking the server for news.</p></main>
<script>setInterval(function () { fetch('/poll?' + Math.random()); }, 100);</script>
</body></html>"""
PLAIN = ("<!doctype html><html><body><main><h1>A plain page</h1><p>" + "A paragraph of text. " * 12
         + "</p><p>Last updated: 3 April 2023</p></main></body></html>")


def serve_app(replica, path="/app"):
    replica.set(path, SHELL)
    replica.set("/static/bundle.js", BUNDLE, content_type="application/javascript")


def results(db_path, cfg, *ids):
    _, rows = crawler.crawl(cfg, db_path, ids)
    return {r["source_id"]: r for r in rows}


def kinds(open_db, source_id):
    return [r["kind"] for r in open_db().query(
        "SELECT kind FROM events WHERE source_id = ? ORDER BY id", [source_id])]


def test_chromium_is_the_systems():
    assert os.path.exists(browser.chromium_path("chromium")), \
        "install Debian's chromium: apt-get install chromium"


def test_a_page_built_by_javascript_is_a_shell_plainly_and_read_in_the_browser(
        replica, make_config, db_path, open_db):
    serve_app(replica)
    replica.set("/plain", PLAIN)
    cfg = make_config({"id": "plainly", "path": "/app"},
                      {"id": "rendered", "path": "/app?rendered", "render": "browser"},
                      {"id": "plain", "path": "/plain"})
    replica.set("/app?rendered", SHELL)
    first = results(db_path, cfg)
    # fetched plainly: the shell, a needs_browser problem that says what to do
    assert first["plainly"]["outcome"] == "error"
    assert shell.SIGN in first["plainly"]["error"]
    assert first["plainly"]["event"] == "needs_browser"
    # through the browser: the text built after load, and its "last updated" line
    assert (first["rendered"]["outcome"], first["rendered"]["event"]) == ("ok", "new")
    db = open_db()
    version = next(db.query("SELECT * FROM versions WHERE source_id = 'rendered'"))
    assert TEXT in store.text_of(db, version["text_sha256"])
    assert (version["marker_text"], version["marker_date"]) == ("Last updated: 12 March 2024",
                                                                "2024-03-12")
    # everything else stays plain HTTP
    assert (first["plain"]["outcome"], first["plain"]["event"]) == ("ok", "new")
    # (only a browser loads the bundle; it too says who is asking, as every fetch does)
    (plain_request,) = replica.requests_for("/plain")
    assert not any(name.lower().startswith("sec-fetch") for name in plain_request["headers"])
    bundle_requests = replica.requests_for("/static/bundle.js")
    assert len(bundle_requests) == 1
    agent = {k.lower(): v for k, v in bundle_requests[0]["headers"].items()}["user-agent"]
    assert agent.startswith("dialogue-watch/")
    # the problem is raised once, not at every crawl; a plain page's picture is not taken
    second = results(db_path, cfg)
    assert second["plainly"]["event"] is None and shell.SIGN in second["plainly"]["error"]
    assert kinds(open_db, "plainly") == ["needs_browser"]
    assert second["rendered"]["outcome"] == "not_modified"
    assert db.execute("SELECT count(*) FROM versions WHERE screenshot_sha256 IS NOT NULL "
                      "AND source_id != 'rendered'").fetchone()[0] == 0


def test_rendered_pages_obey_robots_txt(replica, make_config, db_path):
    serve_app(replica, "/private/app")
    replica.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    cfg = make_config({"id": "rendered", "path": "/private/app", "render": "browser"})
    row = results(db_path, cfg)["rendered"]
    assert row["outcome"] == "error" and "robots.txt forbids" in row["error"]
    assert replica.requests_for("/private/app") == []


def test_rendered_pages_keep_the_per_site_delay(replica, make_config, db_path):
    times = []

    def timed(handler):
        times.append(time.monotonic())
        send(handler, 200, {"Content-Type": "text/html"}, PLAIN.encode())

    for path in ("/one", "/two"):
        replica.set(path, b"", handler=timed)
    cfg = make_config({"id": "one", "path": "/one", "render": "browser"},
                      {"id": "two", "path": "/two", "render": "browser"},
                      settings={"delay_seconds": 1.5})
    rows = results(db_path, cfg)
    assert [rows[i]["outcome"] for i in ("one", "two")] == ["ok", "ok"]
    assert len(times) == 2 and times[1] - times[0] >= 0.7  # Scrapy's delay, 0.5x to 1.5x


def test_wait_for_waits_for_the_selector(replica, make_config, db_path, open_db):
    serve_app(replica)
    cfg = make_config({"id": "rendered", "path": "/app", "render": "browser",
                       "wait_for": "main p.updated"})
    assert results(db_path, cfg)["rendered"]["outcome"] == "ok"
    version = next(open_db().query("SELECT marker_date FROM versions"))
    assert version["marker_date"] == "2024-03-12"


def test_a_page_that_never_settles_is_an_error_in_plain_words(replica, make_config, db_path):
    serve_app(replica)
    replica.set("/restless", RESTLESS)
    replica.set("/poll", "{}", content_type="application/json")
    replica.set("/plain", PLAIN)
    cfg = make_config({"id": "restless", "path": "/restless", "render": "browser"},
                      {"id": "missing", "path": "/app?missing", "render": "browser",
                       "wait_for": "#never-there"},
                      {"id": "rendered", "path": "/app", "render": "browser"},
                      {"id": "plain", "path": "/plain"},
                      settings={"browser_timeout_seconds": 2})
    replica.set("/app?missing", SHELL)
    started = time.monotonic()
    rows = results(db_path, cfg)
    assert rows["restless"]["outcome"] == "error"
    assert rows["restless"]["error"].startswith("the page did not settle in the browser within 2 s")
    assert "browser_timeout_seconds" in rows["restless"]["error"]
    assert rows["missing"]["outcome"] == "error"
    assert "'#never-there' did not appear within 2 s" in rows["missing"]["error"]
    assert rows["missing"]["event"] == "layout_changed"
    # the other pages of the crawl are fine
    assert (rows["rendered"]["outcome"], rows["plain"]["outcome"]) == ("ok", "ok")
    assert time.monotonic() - started < 60


def test_a_browser_killed_mid_crawl_costs_that_page_not_the_crawl(replica, make_config, db_path,
                                                                  open_db):
    """A page during which the browser dies, each time it is tried (as one that makes
    Chromium run out of memory would): that page is an error in plain words; a new
    browser shows the next rendered page, and the crawl ends normally."""
    asked, done = threading.Semaphore(0), threading.Event()
    killed = []

    def deadly(handler):  # the browser is killed while it waits for this picture
        asked.release()
        time.sleep(3)
        try:
            send(handler, 200, {"Content-Type": "image/svg+xml"}, b"<svg xmlns='http://www.w3.org/2000/svg'/>")
        except OSError:
            pass  # the browser that asked is gone

    def kill_the_browser():
        while not done.is_set():
            if not asked.acquire(timeout=0.2):
                continue
            # only the Chromium processes of this test's own crawl (below this process)
            for pid, name, _ in browser.process_tree(os.getpid()):
                if name.startswith("chrom"):
                    try:
                        os.kill(pid, signal.SIGKILL)
                        killed.append(pid)
                    except ProcessLookupError:
                        pass

    serve_app(replica)
    replica.set("/deadly", "<html><body><main><h1>Deadly</h1><p>A picture loads.</p>"
                           "<img src='/picture.svg'></main></body></html>")
    replica.set("/picture.svg", b"", handler=deadly)
    replica.set("/plain", PLAIN)
    replica.set("/app?after", SHELL)
    cfg = make_config({"id": "deadly", "path": "/deadly", "render": "browser"},
                      {"id": "after", "path": "/app?after", "render": "browser"},
                      {"id": "plain", "path": "/plain"},
                      settings={"browser_timeout_seconds": 20, "delay_seconds": 1})  # one at a time
    killer = threading.Thread(target=kill_the_browser)
    killer.start()
    try:
        rows = results(db_path, cfg)
    finally:
        done.set()
        killer.join()
    assert killed, "the test never saw the browser"
    assert set(rows) == {"deadly", "after", "plain"}  # every page stored: the crawl went on
    assert rows["deadly"]["outcome"] == "error" and rows["deadly"]["error"] == browser.CRASHED, rows
    assert (rows["after"]["outcome"], rows["plain"]["outcome"]) == ("ok", "ok"), rows
    assert next(open_db().query("SELECT outcome FROM crawls"))["outcome"] == "completed"
    assert not [pid for pid, name, _ in browser.process_tree(os.getpid()) if name.startswith("chrom")]


def test_a_browser_past_its_memory_ceiling_is_replaced(replica, make_config, db_path):
    """With a ceiling below what any Chromium needs, the browser is closed once no page
    is open in it, and the next rendered page starts a new one; no page is cut off."""
    serve_app(replica)
    paths = ["/app?1", "/app?2", "/app?3"]
    for path in paths:
        replica.set(path, SHELL)
    cfg = make_config(*({"id": f"page-{n}", "path": path, "render": "browser"}
                        for n, path in enumerate(paths)),
                      settings={"browser_memory_mb": 1, "delay_seconds": 0.2})
    browsers, done = set(), threading.Event()

    def watch():  # the browser's main process: a Chromium whose parent is not one
        while not done.is_set():
            tree = browser.process_tree(os.getpid())
            names = {pid: name for pid, name, _ in tree}
            for pid, name, _ in tree:
                if name.startswith("chrom") and not _parent_name(pid, names).startswith("chrom"):
                    browsers.add(pid)
            done.wait(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        rows = results(db_path, cfg)
    finally:
        done.set()
        watcher.join()
    assert [rows[f"page-{n}"]["outcome"] for n in range(3)] == ["ok", "ok", "ok"]
    assert len(browsers) >= 2, browsers  # (two pages may share one: at most 2 at a time)


def _parent_name(pid, names):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            parent = int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        return ""
    return names.get(parent, "")


def test_screenshots_are_stored_once_and_shown_on_the_site(replica, make_config, db_path,
                                                           open_db):
    serve_app(replica)
    replica.set("/app?copy", SHELL)
    replica.set("/plain", PLAIN)
    cfg = make_config({"id": "rendered", "path": "/app", "render": "browser"},
                      {"id": "copy", "path": "/app?copy", "render": "browser"},
                      {"id": "unpictured", "path": "/app?copy2", "render": "browser",
                       "screenshot": False},
                      {"id": "plain", "path": "/plain"})
    replica.set("/app?copy2", SHELL)
    results(db_path, cfg)
    db = open_db()
    shots = list(db.query("SELECT sha256, size, stored_size, width, height FROM screenshots"))
    # the same rendered page twice: one picture, named by both versions
    assert len(shots) == 1
    shot = shots[0]
    assert shot["width"] == browser.VIEWPORT["width"] and shot["height"] >= 100
    named = dict(db.execute("SELECT source_id, screenshot_sha256 FROM versions").fetchall())
    assert named == {"rendered": shot["sha256"], "copy": shot["sha256"], "unpictured": None,
                     "plain": None}
    png = screenshots.png(db.conn, shot["sha256"])
    assert png.startswith(b"\x89PNG") and len(png) == shot["size"]

    # a new version keeps a new picture; the change page shows before and after
    replica.set("/static/bundle.js", BUNDLE.replace("Geneva", "Oslo"),
                content_type="application/javascript")
    assert results(db_path, cfg, "rendered")["rendered"]["event"] == "silent_edit"
    assert db.execute("SELECT count(*) FROM screenshots").fetchone()[0] == 2
    after = db.execute("SELECT screenshot_sha256 FROM versions WHERE source_id = 'rendered' "
                       "AND seq = 2").fetchone()[0]
    event_id = db.execute("SELECT id FROM events WHERE kind = 'silent_edit'").fetchone()[0]
    version_id = db.execute("SELECT id FROM versions WHERE source_id = 'rendered' AND seq = 1"
                            ).fetchone()[0]

    datasette = site.make_datasette(db_path)
    get = lambda path: asyncio.run(datasette.client.get(path))  # noqa: E731
    picture = get(f"/monitor/-/screenshot/{shot['sha256']}.png")
    assert picture.status_code == 200
    assert picture.headers["content-type"] == "image/png"
    assert picture.headers["x-content-type-options"] == "nosniff"
    assert picture.content == png
    assert get(f"/monitor/-/screenshot/{'0' * 64}.png").status_code == 404
    capture = get(f"/monitor/capture?version={version_id}").text
    assert f'src="/monitor/-/screenshot/{shot["sha256"]}.png"' in capture
    change = get(f"/monitor/change?event={event_id}").text
    assert f'src="/monitor/-/screenshot/{shot["sha256"]}.png"' in change
    assert f'src="/monitor/-/screenshot/{after}.png"' in change
    plain_version = db.execute("SELECT id FROM versions WHERE source_id = 'plain'").fetchone()[0]
    assert "/-/screenshot/" not in get(f"/monitor/capture?version={plain_version}").text


CONFIG_PROBLEMS = [
    ({"render": "chrome"}, "render must be 'browser', not 'chrome'"),
    ({"wait_for": "main"}, "wait_for only applies to pages shown in the browser"),
    ({"render": "browser", "wait_for": "main >>> p"}, "wait_for: 'main >>> p' is not a CSS selector"),
    ({"render": "browser", "wait_for": "/Last updated/"}, "wait_for must be a CSS selector, not a regex"),
    ({"render": "browser", "screenshot": "yes please"}, "screenshot must be true or false"),
    ({"render": "browser", "kind": "pdf"}, "render: browser only applies to web pages"),
]


@pytest.mark.parametrize("keys,words", CONFIG_PROBLEMS, ids=[w for _, w in CONFIG_PROBLEMS])
def test_render_keys_are_validated(keys, words):
    entry = {"id": "portal", "country": "Canada", "title": "Portal", "kind": "html",
             "url": "https://www.example.gov/portal", **keys}
    with pytest.raises(ConfigError) as caught:
        config.parse(yamlfile.parse_yaml("sources.yaml", yaml.safe_dump({"sources": [entry]})))
    assert words in str(caught.value)


def test_render_keys_load():
    text = yaml.safe_dump({"sources": [
        {"id": "portal", "country": "Canada", "title": "Portal", "kind": "html",
         "url": "https://www.example.gov/portal", "render": "browser", "wait_for": "main p"},
        {"id": "plain", "country": "Canada", "title": "Plain", "kind": "html",
         "url": "https://www.example.gov/plain"}]})
    portal, plain = config.parse(yamlfile.parse_yaml("sources.yaml", text)).sources
    assert (portal.render, portal.wait_for, browser.wants_screenshot(portal)) == ("browser", "main p", True)
    assert (plain.render, browser.wants_screenshot(plain), browser.target_fields(plain)) == (None, False, {})
    assert browser.crawl_settings([plain], config.SETTINGS_DEFAULTS) == {}  # no browser at all
    settings = browser.crawl_settings([portal, plain], config.SETTINGS_DEFAULTS)
    assert settings["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"].endswith("chromium")
    assert settings["PLAYWRIGHT_MAX_CONTEXTS"] == browser.MAX_PAGES_AT_ONCE


BROWSER_FAILURES = [
    ("TimeoutError", "Timeout 2000ms exceeded.", None, "did not settle in the browser within 2 s"),
    ("TimeoutError", "Timeout 2000ms exceeded. waiting for locator('#x')", "#x",
     "did the page layout change?"),
    ("TargetClosedError", "Target page, context or browser has been closed", None, browser.CRASHED),
    ("Error", "Page crashed", None, browser.CRASHED),
    ("Error", "net::ERR_CONNECTION_REFUSED at http://127.0.0.1:1/", None,
     "the site refused the connection"),
    ("Error", "BrowserType.launch: Executable doesn't exist at /usr/bin/chromium", None,
     "apt-get install chromium"),
    ("Error", "something new\nand more", None, "the browser could not show the page (something new)"),
]


@pytest.mark.parametrize("kind,message,wait_for,words", BROWSER_FAILURES,
                         ids=[m[:30] for _, m, _, _ in BROWSER_FAILURES])
def test_browser_failures_in_plain_words(kind, message, wait_for, words):
    assert words in browser.browser_words(kind, message, 2, wait_for)


def test_an_endless_page_s_picture_is_cut_at_a_height(replica, make_config, db_path, open_db):
    rows = "".join(f"<p style='height:100px;margin:0'>Row {i} of a very long list.</p>"
                   for i in range(300))
    replica.set("/long", f"<html><body style='margin:0'><main><h1>Long</h1>{rows}</main></body></html>")
    cfg = make_config({"id": "long", "path": "/long", "render": "browser"})
    assert results(db_path, cfg)["long"]["outcome"] == "ok"
    (width, height), = open_db().execute("SELECT width, height FROM screenshots").fetchall()
    assert (width, height) == (browser.VIEWPORT["width"], browser.MAX_SCREENSHOT_HEIGHT)


def test_the_problem_kind_reads_as_words():
    assert "read in a browser" in events.KINDS["needs_browser"]  # in plain words, no setting
    assert "needs_browser" in events.PROBLEM_KINDS
    words = shell.Shell(0, ("no text",)).words
    assert events.problem("error", words, None) == ("needs_browser", "needs_browser")
    assert events.problem("error", words, "needs_browser") == ("needs_browser", None)  # once
    assert events.problem("ok", None, "needs_browser") == (None, None)  # rendered: cleared

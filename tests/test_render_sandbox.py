"""Rendering cannot reach in (issue 21): a page shown in the browser reaches only its
own site and the public web, never the crawling machine's services, and whatever it
does, it ends within its deadline and leaves no browser behind.

Real crawls through Debian's Chromium. The watched site is one server on loopback
(its address written in sources.yaml: allowed); a second server on another port plays
a service of the crawling machine and counts every request it gets (nobody wrote it:
refused, though it is on loopback too)."""

import os
import socket
import threading
import time

import pytest

from monitor import store
from monitor.fetch import browser, crawler
from monitor.replica import Replica
from monitor.store import blobs
from tests import loopback

TEXT = "The fourteenth round of the dialogue took place in Geneva"
SECRET = "SERVICE-SECRET"
PASSWD = "root:x:0:0"


def escaping_page(service_url, service_port, leave=True):
    """A watched page that tries every way out of the browser it can (with ``leave``,
    navigating itself away too)."""
    s = service_url
    leaving = f"""<meta http-equiv="refresh" content="1;url={s}/meta-refresh">""" if leave else ""
    navigations = f"""setTimeout(function () {{ location.href = '{s}/navigation'; }}, 50);
setTimeout(function () {{ document.getElementById('f').submit(); }}, 100);""" if leave else ""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Dialogue</title>
{leaving}</head>
<body><main><h1>Human rights dialogue</h1>
<p>{TEXT} and covered freedom of expression and arbitrary detention.</p>
<p class="updated">Last updated: 12 March 2024</p></main>
<iframe src="{s}/iframe"></iframe>
<iframe src="http://localhost:{service_port}/iframe-by-name"></iframe>
<iframe src="file:///etc/passwd"></iframe>
<iframe src="/redirect-out"></iframe>
<img src="{s}/img">
<link rel="stylesheet" href="{s}/style.css">
<form id="f" method="post" action="{s}/form" target="_self"><input name="q" value="1"></form>
<script>
function show(text) {{ document.querySelector('main').insertAdjacentHTML('beforeend', text); }}
fetch('{s}/fetch').then(r => r.text()).then(show).catch(() => {{}});
fetch('{s}/fetch-no-cors', {{mode: 'no-cors'}}).catch(() => {{}});
fetch('/redirect-out').then(r => r.text()).then(show).catch(() => {{}});
var x = new XMLHttpRequest(); x.open('GET', '{s}/xhr');
x.onload = function () {{ show(x.responseText); }}; x.send();
new Worker('/worker.js');
window.open('{s}/popup');
window.open('{s}/popup-noopener', '_blank', 'noopener');
try {{ new WebSocket('ws://127.0.0.1:{service_port}/socket'); }} catch (e) {{}}
try {{ new EventSource('{s}/events'); }} catch (e) {{}}
if (navigator.sendBeacon) navigator.sendBeacon('{s}/beacon', 'x');
try {{
  var peer = new RTCPeerConnection({{iceServers: [{{urls: 'stun:127.0.0.1:{service_port}'}},
                                                 {{urls: 'turn:127.0.0.1:{service_port}?transport=tcp',
                                                   username: 'u', credential: 'p'}}]}});
  peer.createDataChannel('x');
  peer.createOffer().then(offer => peer.setLocalDescription(offer));
}} catch (e) {{}}
alert('Leave this page?');
confirm('Really?');
{navigations}
</script></body></html>"""


WORKER = "fetch('{s}/from-worker').catch(() => {{}}); postMessage('done');"


@pytest.fixture
def service():
    """A service of the crawling machine: every path answers with its secret, and it
    counts every request (TCP) and every packet (UDP, on the same port number)."""
    server = Replica()
    for path in ("/iframe", "/iframe-by-name", "/img", "/style.css", "/fetch", "/fetch-no-cors",
                 "/xhr", "/popup", "/popup-noopener", "/navigation", "/meta-refresh",
                 "/from-worker", "/redirected", "/events", "/beacon", "/socket"):
        server.set(path, f"<p>{SECRET} {path}</p>", headers={"Access-Control-Allow-Origin": "*"})
    server.packets = []
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", server.server.server_address[1]))
    udp.settimeout(0.2)
    stop = threading.Event()

    def listen():
        while not stop.is_set():
            try:
                server.packets.append(udp.recvfrom(4096))
            except OSError:
                continue

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    yield server
    stop.set()
    listener.join()
    udp.close()
    loopback.stop(server.server)


def serve_escape(replica, service):
    port = service.server.server_address[1]
    replica.set("/escape", escaping_page(service.base_url, port))
    replica.set("/escape-staying", escaping_page(service.base_url, port, leave=False))
    replica.set("/worker.js", WORKER.format(s=service.base_url), content_type="application/javascript")
    replica.redirect("/redirect-out", service.url("/redirected"), status=302)


def stored(open_db, source_id):
    """The stored text and body of the source's current version, or None."""
    db = open_db()
    version = db.execute("SELECT v.text_sha256, v.body_sha256 FROM versions v WHERE "
                         "v.source_id = ? ORDER BY v.seq DESC LIMIT 1", [source_id]).fetchone()
    if version is None:
        return None
    body = blobs.unpack(db.conn, "bodies", version[1]) or b""
    return store.text_of(db, version[0]), body.decode("utf-8", "replace")


def chromium_left():
    return [pid for pid, name, _ in browser.process_tree(os.getpid()) if name.startswith("chrom")]


def results(db_path, cfg, *ids):
    _, rows = crawler.crawl(cfg, db_path, ids)
    return {r["source_id"]: r for r in rows}


def test_a_page_that_tries_every_way_out_reaches_nothing(replica, service, make_config, db_path,
                                                         open_db):
    serve_escape(replica, service)
    cfg = make_config({"id": "escape", "path": "/escape", "render": "browser"},
                      settings={"browser_timeout_seconds": 10})
    row = results(db_path, cfg)["escape"]
    time.sleep(0.5)  # anything late would have arrived
    assert [r["path"] for r in service.requests] == []
    assert service.packets == []
    # the page itself is stored, and nothing of the service nor of the machine's files
    assert row["outcome"] == "ok", row
    text, body = stored(open_db, "escape")
    assert TEXT in text
    for found in (text, body):
        assert SECRET not in found and PASSWD not in found
    assert not chromium_left()


def test_a_page_whose_address_redirects_to_this_machine_is_an_error_in_plain_words(
        replica, service, make_config, db_path, open_db):
    replica.redirect("/moved", service.url("/redirected"), status=302)
    cfg = make_config({"id": "moved", "path": "/moved", "render": "browser"},
                      settings={"browser_timeout_seconds": 10})
    row = results(db_path, cfg)["moved"]
    assert service.requests == []
    assert row["outcome"] == "error"
    assert row["error"].startswith("the browser was not let through to the page: "), row["error"]
    assert "loopback address, on this machine (127.0.0.1)" in row["error"]
    assert stored(open_db, "moved") is None


ENDLESS = {
    "loop": "<script>while (true) {}</script>",
    "loop-after-load": "<script>addEventListener('load', function () {"
                       " setTimeout(function () { while (true) {} }, 10); });</script>",
    "dialogs": "<script>while (true) { alert('again'); }</script>",
    "navigations": "<script>setTimeout(function () { location.reload(); }, 20);</script>",
}


def test_a_page_that_never_ends_is_stopped_at_its_deadline(replica, make_config, db_path,
                                                           open_db):
    for name, script in ENDLESS.items():
        replica.set(f"/{name}", f"<html><body><main><h1>{name}</h1><p>{TEXT}.</p></main>"
                                f"{script}</body></html>")
    replica.set("/fine", f"<html><body><main><h1>Fine</h1><p>{TEXT}.</p>"
                         "<p>Last updated: 3 April 2023</p></main></body></html>")
    cfg = make_config(*({"id": name, "path": f"/{name}", "render": "browser"} for name in ENDLESS),
                      {"id": "fine", "path": "/fine", "render": "browser"},
                      settings={"browser_timeout_seconds": 2})
    started = time.monotonic()
    rows = results(db_path, cfg)
    took = time.monotonic() - started
    for name in ENDLESS:
        assert rows[name]["outcome"] == "error", rows[name]
        error = rows[name]["error"]
        assert ("did not settle in the browser within 2 s" in error
                or "past its deadline of 4 s" in error), error
    assert rows["fine"]["outcome"] == "ok", rows["fine"]
    assert next(open_db().query("SELECT outcome FROM crawls"))["outcome"] == "completed"
    # four endless pages, two at a time: each held at most its deadline and the close
    assert took < 4 * (4 + browser.CLOSE_SECONDS) / 2 + 30, took
    assert not chromium_left()


def test_a_rendered_crawl_ends_cleanly(replica, make_config, db_path, tmp_path):
    """The crawl's end closes the browser (it once failed there with TypeError:
    _PageClosing._close() missing 1 required positional argument: 'page')."""
    replica.set("/fine", f"<html><body><main><h1>Fine</h1><p>{TEXT}.</p></main></body></html>")
    cfg = make_config({"id": "fine", "path": "/fine", "render": "browser"})
    log = tmp_path / "crawl.log"
    _, rows = crawler.crawl(cfg, db_path, (), LOG_FILE=str(log), LOG_LEVEL="INFO")
    assert [r["outcome"] for r in rows] == ["ok"]
    said = log.read_text(encoding="utf-8")
    assert "Closing browser" in said
    assert "TypeError" not in said and "Traceback" not in said, said[-3000:]
    assert not chromium_left()


LEFT = [
    (["http://a.example/page"], "http://a.example/page#x", None),
    (["http://a.example/page"], "http://a.example/other", None),  # its own site
    (["http://a.example/page"], "http://b.example/", "another site (http://b.example/)"),
    (["http://a.example/page"], "chrome-error://chromewebdata/", "another site"),
    ([], "http://b.example/", None),  # no document was shown: another error says why
]


@pytest.mark.parametrize("documents,final,words", LEFT)
def test_what_is_stored_comes_from_the_page_s_own_site(documents, final, words):
    found = browser.left_words(documents, final)
    assert (found is None) if words is None else words in found


def test_the_deadline_counts_each_step():
    assert browser.page_deadline(10, {}) == 10
    assert browser.page_deadline(10, {"dw_screenshot": True}) == 20
    assert browser.page_deadline(2, {"dw_wait_for": "main", "dw_screenshot": True}) == 6
    assert "raise settings.browser_timeout_seconds" in browser.overran_words(4)


def test_without_its_gate_the_same_page_reaches_the_service(replica, service):
    """The control: in a browser with no gate, the page above does reach the service
    (so the test above shows the gate at work, not a page that never tried). Its
    navigations away would end the page before WebRTC has sent anything: they are
    tried on their own."""
    from playwright.sync_api import sync_playwright

    serve_escape(replica, service)
    with sync_playwright() as playwright:
        bare = playwright.chromium.launch(executable_path=browser.chromium_path("chromium"),
                                          args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            # the page sets off its navigation away 50 ms before its form's: on a loaded
            # machine both timers may fire in one turn, and the form's replaces it
            away = ("/navigation", "/form")
            for path, until in (("/escape-staying", lambda: service.packets),
                                ("/escape", lambda: any(map(service.requests_for, away)))):
                page = bare.new_page()
                page.goto(replica.url(path), wait_until="commit")
                deadline = time.monotonic() + 10
                while not until() and time.monotonic() < deadline:
                    page.wait_for_timeout(200)
        finally:
            bare.close()
    reached = {r["path"] for r in service.requests}
    assert {"/iframe", "/iframe-by-name", "/img", "/style.css", "/fetch", "/xhr", "/from-worker",
            "/redirected", "/popup"} <= reached, reached
    assert reached & set(away), reached  # the page navigated itself away to the service
    assert service.packets  # WebRTC's STUN


def test_the_gate_lets_through_only_what_the_rule_allows(replica, service):
    """The gate itself, as the browser uses it: a tunnel (HTTPS, WebSockets) and a plain
    request, to the page's own site and to the service."""
    import asyncio

    from monitor.fetch.gate import Gate

    replica.set("/own", "<p>own page</p>")

    async def ask(proxy, head):
        host, port = proxy.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host.split("//")[1], int(port))
        writer.write(head)
        answer = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return answer

    async def run():
        gate = Gate(replica.url("/own"))
        proxy = await gate.open()
        own, service_host = replica.base_url[7:], service.base_url[7:]
        try:
            tunnel = await ask(proxy, f"CONNECT {own} HTTP/1.1\r\nHost: {own}\r\n\r\n"
                                      f"GET /own HTTP/1.1\r\nHost: {own}\r\nConnection: close\r\n\r\n"
                               .encode())
            plain = await ask(proxy, f"GET {replica.url('/own')} HTTP/1.1\r\nHost: {own}\r\n"
                                     "Proxy-Connection: keep-alive\r\n\r\n".encode())
            refused = [await ask(proxy, head.encode()) for head in (
                f"CONNECT {service_host} HTTP/1.1\r\nHost: {service_host}\r\n\r\n",
                f"GET {service.url('/fetch')} HTTP/1.1\r\nHost: {service_host}\r\n\r\n",
                "GET /fetch HTTP/1.1\r\nHost: nowhere\r\n\r\n")]  # not a proxy request
        finally:
            await gate.close()
        return tunnel, plain, refused, gate.refused

    tunnel, plain, refused, reasons = asyncio.run(run())
    assert tunnel.startswith(b"HTTP/1.1 200 Connection established") and b"own page" in tunnel
    assert plain.startswith(b"HTTP/1.1 200") and b"own page" in plain
    assert b"\r\nConnection: close\r\n" in plain  # the browser sends nothing more down it
    assert refused == [b"", b"", b""]  # closed unanswered
    assert service.requests == []
    assert [what for what, _ in reasons] == [service.base_url[7:], service.url("/fetch")]
    assert all("loopback address, on this machine" in reason for _, reason in reasons)

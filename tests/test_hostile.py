"""Misbehaving sites, served from 127.0.0.1 and crawled among normal pages.

Each ends in a recorded outcome with a plain-words message; the normal pages
are unaffected; no encoding or transport problem becomes a text change.
"""

import gzip
import hashlib
import io
import json
import socket
import struct
import time

import pytest
from pypdf import PdfReader, PdfWriter

from monitor import store
from monitor.analysis import analyze
from monitor.fetch import crawler
from monitor.items import PageFetch
from monitor.replica import make_pdf, send
from monitor.store import blobs
from tests.loopback import stop
from tests.test_crawl import BODY, page

JA = "日中人権対話の第十回会合が東京で開催されました。表現の自由と少数民族の権利について協議しました。"
RU = "Состоялся очередной раунд диалога по правам человека. Обсуждались свобода слова и права меньшинств."
ZH = "中国与瑞士举行了人权对话。双方就言论自由、少数民族权利和司法改革交换了意见。"
HU = "A magyar-kínai emberi jogi párbeszéd következő fordulóján szóba kerültek a kisebbségi jogok."


def html_bytes(text, encoding, meta=None):
    head = f'<meta charset="{meta}">' if meta else ""
    return (f"<html><head>{head}<title>Dialogue</title></head><body><main><h1>Dialogue</h1>"
            f"<p>{text}</p><p>{text}</p></main></body></html>").encode(encoding)


# -- handlers for behaviour a plain page cannot have ----------------------------

def drip(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    for _ in range(30):
        try:
            handler.wfile.write(b"x")
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(1)


def reset(handler):
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.rfile.close()
    handler.wfile.close()
    handler.connection.close()  # with linger 0: a TCP reset


def endless(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<p>" + b"more " * 13000 + b"</p>"
    for _ in range(2000):  # bounded: at most ~130 MB, far past the cap
        try:
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except OSError:
            return


def gzip_bomb():
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as packed:
        zeros = b"\0" * (1 << 20)
        for _ in range(60):
            packed.write(zeros)
    return out.getvalue()


def encrypted_pdf():
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf(["Secret dialogue report"]))))
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# name -> (how to serve it, extra source keys, expected outcome, words in the message or text)
HOSTILE = {
    "shift_jis, no charset": (lambda r, p: r.set(p, html_bytes(JA, "shift_jis"), content_type="text/html"),
                              {}, "ok", JA),
    "euc-jp, no charset": (lambda r, p: r.set(p, html_bytes(JA, "euc_jp"), content_type="text/html"),
                           {}, "ok", JA),
    "iso-8859-2 in the header": (lambda r, p: r.set(p, html_bytes(HU, "iso-8859-2"),
                                                    content_type="text/html; charset=ISO-8859-2"), {}, "ok", HU),
    "windows-1251 in a meta tag": (lambda r, p: r.set(p, html_bytes(RU, "cp1251", "windows-1251"),
                                                      content_type="text/html"), {}, "ok", RU),
    "gb2312 in a meta tag": (lambda r, p: r.set(p, html_bytes(ZH, "gb2312", "gb2312"), content_type="text/html"),
                             {}, "ok", ZH),
    "header contradicts meta": (lambda r, p: r.set(p, html_bytes(JA, "shift_jis", "shift_jis"),
                                                   content_type="text/html; charset=iso-8859-1"), {}, "ok", JA),
    "utf-8 with a BOM, header says latin-1": (
        lambda r, p: r.set(p, b"\xef\xbb\xbf" + html_bytes(RU, "utf-8"), content_type="text/html; charset=iso-8859-1"),
        {}, "ok", RU),
    "empty 200": (lambda r, p: r.set(p, b""), {}, "error", "empty page"),
    "50 MB body": (lambda r, p: r.set(p, b"<p>" + b"a" * (50 << 20)), {}, "error", "size limit"),
    "endless chunked stream": (lambda r, p: r.set(p, b"", handler=endless), {}, "error", "size limit"),
    "gzip bomb": (lambda r, p: r.set(p, gzip_bomb(), headers={"Content-Encoding": "gzip"}), {},
                  "error", "size limit"),
    "redirect loop": (lambda r, p: r.redirect(p, r.url(p)), {}, "error", "redirects in a loop"),
    "slow drip": (lambda r, p: r.set(p, b"", handler=drip), {}, "error", "did not answer in time"),
    "connection reset": (lambda r, p: r.set(p, b"", handler=reset), {}, "error", "connection"),
    "403 from a firewall": (lambda r, p: r.set(p, b"Access denied", status=403), {}, "error", "403"),
    "html where a pdf was expected": (lambda r, p: r.set(p, page()), {"kind": "pdf"}, "error",
                                      "expected a PDF"),
    "pdf where html was expected": (lambda r, p: r.set(p, make_pdf(["Dialogue"]), content_type="application/pdf"),
                                    {}, "error", "expected a web page but the site sent a PDF"),
    "corrupt pdf": (lambda r, p: r.set(p, b"%PDF-1.4\n" + bytes(range(256)) * 40, content_type="application/pdf"),
                    {"kind": "pdf"}, "error", "damaged"),
    "encrypted pdf": (lambda r, p: r.set(p, encrypted_pdf(), content_type="application/pdf"), {"kind": "pdf"},
                      "error", "password-protected"),
    "binary garbage labelled text/html": (lambda r, p: r.set(p, bytes(range(256)) * 200), {}, "error",
                                          "not a readable web page"),
    "malformed html": (lambda r, p: r.set(p, "<html><body><main><h1>Dialogue<p>" + BODY + "<div><p><b>unclosed"
                                          "<td>cell</tr></table>" + BODY), {}, "ok", "prison conditions"),
    "one 200,000-character line": (lambda r, p: r.set(p, page("word " * 40000)), {}, "ok", "word word"),
    "soft 404": (lambda r, p: r.set(p, page("Sorry, the page was not found. Try the search.",
                                            marker="", title="Page not found")), {}, "gone", "not found"),
    "pdf page missing": (lambda r, p: r.set(p, make_pdf(["One page only"]), content_type="application/pdf"),
                         {"kind": "pdf", "pages": [34]}, "error", "has 1 pages"),
    "content selector gone": (lambda r, p: r.set(p, page()), {"content": "#dialogue-text"}, "error",
                              "did the page layout change"),
    "redirect to the home page": (lambda r, p: (r.set("/", page(title="Welcome")), r.redirect(p, r.url("/"))),
                                  {}, "gone", "redirects to"),
    "redirect to another host": (lambda r, p: (r.set(p + "-moved", page()),
                                               r.redirect(p, r.url(p + "-moved").replace("127.0.0.1", "localhost"))),
                                 {}, "ok", "Canada-China relations"),
    "404": (lambda r, p: r.remove(p), {}, "gone", "no longer exists"),
    "410": (lambda r, p: r.remove(p, status=410), {}, "gone", "no longer exists"),
    "500": (lambda r, p: r.set(p, b"error", status=500), {}, "error", "500"),
    "connection refused": (None, {"url": "http://127.0.0.1:9/nobody-listens"}, "error", "refused the connection"),
}


def slug(name):
    return "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")


@pytest.fixture(scope="module")
def hostile_crawl(tmp_path_factory):
    """One crawl of every hostile case among three normal pages."""
    from monitor import config
    from monitor.fetch import crawler
    from monitor.replica import Replica
    import yaml

    replica = Replica()
    folder = tmp_path_factory.mktemp("hostile")
    sources = []
    for name, (serve, extra, _, _) in HOSTILE.items():
        path = "/" + slug(name)
        if serve:
            serve(replica, path)
        sources.append({"id": slug(name), "country": "Canada", "title": name, "kind": "html",
                        "url": replica.url(path), **extra})
    for number in range(3):
        replica.set(f"/normal-{number}", page(BODY + f" Normal page {number}."))
        sources.append({"id": f"normal-{number}", "country": "Canada", "title": "normal", "kind": "html",
                        "url": replica.url(f"/normal-{number}")})
    path = folder / "sources.yaml"
    # max_body_mb 2 (the default is 20): every case past the limit is far past it, and the
    # endless stream reaches it long before the 3 s timeout, however busy the machine
    path.write_text(yaml.safe_dump({"settings": {"delay_seconds": 0, "timeout_seconds": 3, "retries": 0,
                                                 "concurrent_requests": 32, "max_body_mb": 2},
                                    "defaults": {"stale_after": "never"}, "sources": sources},
                                   allow_unicode=True))
    db_path = folder / "hostile.db"
    _, results = crawler.crawl(config.load(path), db_path, CONCURRENT_REQUESTS_PER_DOMAIN=32)
    yield {r["source_id"]: r for r in results}, store.open_db(db_path)
    stop(replica.server)


def test_corpus_has_thirty_cases():
    assert len(HOSTILE) >= 30


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_case_has_a_plain_outcome(name, hostile_crawl):
    results, db = hostile_crawl
    _, _, outcome, words = HOSTILE[name]
    row = results[slug(name)]
    assert row["outcome"] == outcome, row
    if outcome == "ok":
        version = store.versions(db, slug(name))[0]
        assert words in store.text_of(db, version["text_sha256"])
    elif outcome == "error":
        assert words in row["error"], row["error"]
        # a broken selector is a monitoring problem, recorded (and alerted) at once
        assert row["event"] == ("layout_changed" if name == "content selector gone" else None)
    else:
        detail = next(db.query("SELECT detail FROM events WHERE source_id = ?", [slug(name)]))["detail"]
        assert words in detail, detail


def test_normal_pages_are_unaffected(hostile_crawl):
    results, _ = hostile_crawl
    assert [results[f"normal-{n}"]["event"] for n in range(3)] == ["new"] * 3


def test_flapping_500_is_neither_failing_nor_gone(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "flaky", "path": "/flaky"}, settings={"retries": 0})
    replica.set("/flaky", page())
    crawl(cfg)
    for round_number in range(6):
        if round_number % 2 == 0:
            replica.set("/flaky", b"oops", status=500)
        else:
            replica.set("/flaky", page())
        crawl(cfg)
    kinds = [row["kind"] for row in store.history(open_db(), "flaky")]
    assert kinds == ["new"]


def test_retry_after_is_honoured(replica, make_config, crawl):
    cfg = make_config({"id": "busy", "path": "/busy"}, settings={"retries": 1, "retry_backoff_seconds": 0})
    served = []

    def busy_once(handler):
        served.append(time.monotonic())
        if len(served) == 1:
            handler.send_response(429)
            handler.send_header("Retry-After", "2")
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        body = page().encode()
        send(handler, 200, {"Content-Type": "text/html"}, body)

    replica.set("/busy", b"", handler=busy_once)
    assert crawl(cfg) == {"busy": ("ok", "new")}
    assert len(served) == 2 and served[1] - served[0] >= 1.9


def test_503_with_retry_after_then_gives_up_plainly(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "down", "path": "/down"}, settings={"retries": 1, "retry_backoff_seconds": 0})
    replica.set("/down", b"maintenance", status=503, headers={"Retry-After": "1"})
    assert crawl(cfg) == {"down": ("error", None)}
    assert len(replica.requests_for("/down")) == 2
    row = next(open_db().query("SELECT error FROM fetches"))
    assert row["error"] == "the site answered 503 (Service Unavailable)"


def test_robots_txt_disallow_is_reported(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "private", "path": "/private/page"},
                      {"id": "allowed", "path": "/private/page2", "ignore_robots_txt": "public record"})
    replica.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    replica.set("/private/page", page())
    replica.set("/private/page2", page(title="Allowed anyway"))
    assert crawl(cfg) == {"private": ("error", "robots_blocked"), "allowed": ("ok", "new")}
    error = next(open_db().query("SELECT error FROM fetches WHERE source_id = 'private'"))["error"]
    assert "robots.txt forbids" in error and "ignore_robots_txt" in error
    assert replica.requests_for("/private/page") == []


def test_rotating_token_and_timestamp_do_not_alert(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "dynamic", "path": "/dynamic"})
    for number in range(3):
        token = f"{number:032x}"
        extra = (f"<p>Page generated at 10:3{number}:1{number} UTC. Session {token}</p>"
                 f"<input type='hidden' name='csrf' value='{token}'><script>var t='{token}'</script>")
        replica.set("/dynamic", page(BODY + extra))
        crawl(cfg)
    assert [row["kind"] for row in store.history(open_db(), "dynamic")] == ["new"]


def test_robots_txt_holds_for_every_page_of_a_site(replica, make_config, crawl):
    """Pages queued while robots.txt downloads are checked too (Scrapy 2.19 let them through)."""
    cfg = make_config(*[{"id": f"private-{n}", "path": f"/private/{n}"} for n in range(4)],
                      {"id": "public", "path": "/public"})
    replica.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    for n in range(4):
        replica.set(f"/private/{n}", page(title=f"Private {n}"))
    replica.set("/public", page())
    results = crawl(cfg)
    assert {k: v[0] for k, v in results.items()} == {**{f"private-{n}": "error" for n in range(4)}, "public": "ok"}
    assert all(replica.requests_for(f"/private/{n}") == [] for n in range(4))


# -- a page too large to read (issue 21: a 22 MB table took the crawl child to 1.4 GB) --

def table_page(megabytes):
    """A statistics page: one table of ten-figure rows, ``megabytes`` (2**20 bytes) long."""
    row = "<tr>" + "<td>12,345</td>" * 10 + "</tr>\n"
    rows = "".join([row] * (megabytes * 2**20 // len(row)))
    return (f"<html><head><title>Statistics</title></head><body><main><h1>Trade figures</h1>"
            f"<p>{BODY}</p><table>\n{rows}</table></main></body></html>").encode()


def test_a_page_too_large_to_read_is_kept_unread_in_plain_words(replica, make_config, db_path,
                                                                 open_db, tmp_path):
    body = table_page(22)
    replica.set("/statistics", body)
    replica.set("/normal", page())
    cfg = make_config({"id": "statistics", "path": "/statistics"}, {"id": "normal", "path": "/normal"},
                      settings={"max_body_mb": 30})  # past the size limit, it would not be fetched
    usage = tmp_path / "usage.json"
    _, results = crawler.crawl(cfg, db_path, DW_USAGE_PATH=str(usage))
    results = {row["source_id"]: row for row in results}
    assert (results["statistics"]["outcome"], results["normal"]["event"]) == ("error", "new")
    assert results["statistics"]["error"] == (
        "the page is 22.0 MB of HTML with 3,171,954 tags (1,441,790 table cells): reading it would "
        "take about 3,273 MB of memory, more than the 512 MB one page may take "
        "(settings.analysis_memory_mb). Its bytes are kept as evidence; its text was not read. "
        "To read it, raise settings.analysis_memory_mb in sources.yaml")
    db = open_db()
    (kept,) = db.query("SELECT body_sha256 FROM fetches WHERE source_id = 'statistics'")
    assert kept["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert blobs.unpack(db.conn, "bodies", kept["body_sha256"]) == body  # the evidence
    assert store.versions(db, "statistics") == []  # never compared as the page's text
    # the crawl child and its analysis workers; reading the page would take about 3 GB
    assert json.loads(usage.read_text())["peak_mb"] < 400


def test_the_memory_budget_is_a_setting(make_config):
    cfg = make_config({"id": "a", "url": "https://example.org/a"}, settings={"analysis_memory_mb": 64})
    assert cfg.source("a").analysis_memory_mb == 64.0
    small = type(cfg.source("a"))(**{**vars(cfg.source("a")), "analysis_memory_mb": 0})
    fetch = PageFetch("a", "https://example.org/a", "2026-12-01T00:00:00Z", status=200,
                      content_type="text/html", body=table_page(1))
    refused = analyze.read(fetch, cfg.source("a"))
    assert refused.outcome == "error" and refused.keeps_body and "the 64 MB one page" in refused.error
    assert analyze.read(fetch, small).outcome == "ok"  # 0: no limit

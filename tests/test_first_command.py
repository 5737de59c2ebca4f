"""The first command, as a newcomer runs it offline: only plain words on the terminal
(Scrapy's tracebacks go to a log file beside the database), then the staleness table,
which says "not yet checked" for pages no check reached (issue 24)."""

import socket

import yaml

from monitor.replica import Replica
from tests.commands import cli
from tests.loopback import stop


def closed_port():
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drop(handler):
    """Drop the connection without an answer. (``connection.close()`` alone left it
    open, since the handler's files still hold the socket: the crawl waited out its
    timeout twice, for robots.txt and for the page, and said "did not answer in time".)"""
    handler.close_connection = True
    handler.connection.shutdown(socket.SHUT_RDWR)


def test_a_crawl_where_every_site_fails_prints_plain_words_then_the_table_follows(
        make_config, db_path, tmp_path):
    port = closed_port()
    gone = Replica()  # a site that answers robots.txt with a dropped connection
    for path in ("/robots.txt", "/page"):
        gone.set(path, b"", handler=drop)
    cfg = make_config({"id": "refused", "url": f"http://127.0.0.1:{port}/dialogue"},
                      {"id": "dropped", "url": gone.url("/page"), "country": "Japan"},
                      settings={"retries": 0})
    try:
        crawled = cli(cfg, db_path, "crawl")
    finally:
        stop(gone.server)
    assert crawled.returncode == 2  # nothing could be fetched
    shown = crawled.stdout + crawled.stderr
    assert "Traceback" not in shown and "ERROR" not in shown
    assert len(shown.strip().splitlines()) <= 8, shown
    assert "refused: failed (the site refused the connection)" in shown
    assert "dropped: failed (the connection failed or was cut before the page arrived)" in shown
    assert "Traceback" in (tmp_path / "monitor.db.log").read_text()  # kept for whoever debugs
    stale = cli(cfg, db_path, "stale")
    assert stale.returncode == 0
    rows = [line for line in stale.stdout.splitlines() if "refused" in line or "dropped" in line]
    assert len(rows) == 2 and all("not yet checked" in row and "never fetched" in row
                                  for row in rows)


def test_pages_failing_for_one_reason_are_summed_up_once_and_discovery_is_counted(
        make_config, db_path, tmp_path):
    """The progress lines name every page; the summary says a reason shared by many
    pages once, and the first line counts the discovery sources read too."""
    port = closed_port()
    cfg = make_config(*({"id": f"refused-{n}", "url": f"http://127.0.0.1:{port}/page-{n}"}
                        for n in range(4)), settings={"retries": 0})
    document = yaml.safe_load(open(cfg.path, encoding="utf-8"))
    document["discover"] = [{"id": "canada-news", "country": "Canada", "title": "News",
                             "url": f"http://127.0.0.1:{port}/news.atom", "type": "feed",
                             "match": ["human rights"]}]
    with open(cfg.path, "w", encoding="utf-8") as file:
        yaml.safe_dump(document, file)
    crawled = cli(cfg, db_path, "crawl")
    shown = (crawled.stdout + crawled.stderr).splitlines()
    assert crawled.stderr.startswith("Crawling 4 page(s) and 1 discovery source(s)")
    assert sum("refused-" in line for line in shown) == 4  # the progress lines only
    assert "  4 pages: the site refused the connection" in shown
    assert len(shown) <= 10, "\n".join(shown)

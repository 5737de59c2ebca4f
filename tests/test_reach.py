"""Where a fetch may go (monitor.fetch.reach): the rule as a table, and plain crawls
that follow links to the crawling machine's own services (real servers on loopback).
The browser's side is tests/test_render_sandbox.py."""

import pytest

from monitor.fetch import reach
from tests.loopback import stop
from tests.test_follow import index, serve_rounds, summary

OWN = ("http", "127.0.0.1", 8080)
FAKE_DNS = {"public.example": ["93.184.215.14"], "mixed.example": ["93.184.215.14", "10.0.0.7"],
            "v6.example": ["2606:4700::1"], "inside.example": ["fd12:3456::1"]}


def fake_resolve(host):
    if host in FAKE_DNS:
        return FAKE_DNS[host]
    return reach.resolve_host(host)  # address literals


RULE = [
    # (url, allowed origins, refused?, words in the refusal)
    ("http://127.0.0.1:8080/page", [OWN], False, None),  # the operator wrote it
    ("http://127.0.0.1:8081/page", [OWN], True, "loopback address, on this machine (127.0.0.1)"),
    ("https://127.0.0.1:8080/page", [OWN], True, "loopback"),  # another scheme: another origin
    ("http://localhost:8080/page", [OWN], True, "loopback"),  # another host, on this machine
    ("http://localhost/", [], True, "loopback"),
    ("http://127.1/", [], True, "loopback"),
    ("http://2130706433/", [], True, "loopback"),  # 127.0.0.1 as one number
    ("http://0x7f.0.0.1/", [], True, "loopback"),
    ("http://[::1]:9000/", [], True, "loopback address, on this machine (::1)"),
    ("http://[::ffff:127.0.0.1]/", [], True, "loopback"),
    ("http://[64:ff9b::7f00:1]/", [], True, "loopback"),  # NAT64 of 127.0.0.1
    ("http://169.254.169.254/latest/meta-data/", [], True, "cloud metadata address (169.254.169.254)"),
    ("http://[fd00:ec2::254]/", [], True, "cloud metadata"),
    ("http://169.254.1.1/", [], True, "link-local"),
    ("http://[fe80::1]/", [], True, "link-local"),
    ("http://10.1.2.3/", [], True, "private network address (10.1.2.3)"),
    ("http://172.16.5.4/", [], True, "private"),
    ("http://192.168.1.1/", [], True, "private"),
    ("http://[fc00::1]/", [], True, "private"),
    ("http://100.64.0.1/", [], True, "carrier-grade NAT"),
    ("http://0.0.0.0:8080/", [], True, "unspecified"),
    ("http://224.0.0.1/", [], True, "multicast"),
    ("http://240.0.0.1/", [], True, "reserved"),
    ("http://public.example/a.pdf", [], False, None),
    ("http://v6.example/a.pdf", [], False, None),
    ("http://mixed.example/", [], True, "private network address (10.0.0.7)"),  # every address
    ("http://inside.example/", [], True, "private"),
    ("http://93.184.215.14/", [], False, None),
    ("file:///etc/passwd", [], True, "a file: address, not a page of the web"),
    ("ftp://public.example/x", [], True, "ftp: address"),
    ("data:text/html,<p>hi</p>", [], False, None),  # in the page itself
    ("http://no-such-host.invalid/", [], True, "could not be found"),
]


@pytest.mark.parametrize("url,allowed,refused,words", RULE, ids=[row[0][:60] for row in RULE])
def test_the_rule(url, allowed, refused, words):
    reason = reach.refusal(url, allowed, fake_resolve)
    assert (reason is not None) == refused, reason
    if words:
        assert words in reason, reason


def test_a_refusal_says_why_in_words():
    reason = reach.refusal("http://169.254.169.254/latest/meta-data/", [], fake_resolve)
    assert reason == ("http://169.254.169.254/latest/meta-data/ is a cloud metadata address "
                      "(169.254.169.254): dialogue-watch reaches only the public web from pages "
                      "that nobody typed into sources.yaml")


ADDRESSES = [("8.8.8.8", None), ("127.0.0.1", "loopback"), ("::1", "loopback"),
             ("fe80::1%eth0", "link-local"), ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
             ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo carrying 127.0.0.1
             ("2606:4700::1", None), ("not an address", "not an address")]


@pytest.mark.parametrize("address,words", ADDRESSES)
def test_address_words(address, words):
    found = reach.address_words(address)
    assert (found is None) if words is None else words in found


def test_the_address_a_connection_reached_is_checked_again():
    assert reach.address_refusal("http://public.example/a", "93.184.215.14") is None
    assert "loopback" in reach.address_refusal("http://public.example/a", "127.0.0.1")
    assert reach.address_refusal("http://127.0.0.1:8080/a", "127.0.0.1", [OWN]) is None
    assert reach.address_refusal("http://public.example/a", None) is None  # not known


def test_origins():
    assert reach.origin("HTTP://Example.ORG/a") == ("http", "example.org", 80)
    assert reach.origin("https://example.org:8443/") == ("https", "example.org", 8443)
    assert reach.origin("http://[::1]:81/") == ("http", "::1", 81)
    assert reach.origins(["http://a/1", "http://a/2", "https://a/"]) == [
        ("http", "a", 80), ("https", "a", 443)]


# -- plain crawls: a followed link to this machine's services --------------------------


@pytest.fixture
def service():
    """Another server on this machine, on another port: a service of the crawling host
    that counts every request it gets."""
    from monitor.replica import Replica

    server = Replica()
    server.set("/secret.pdf", summary(99, "The service's own secret document."),
               content_type="application/pdf")
    yield server
    stop(server.server)


def test_a_followed_link_to_this_machine_is_not_fetched(replica, service, make_config, crawl,
                                                        open_db):
    serve_rounds(replica, 10)
    replica.set("/records", index(("/docs/round-10.pdf", "Round 10 summary"),
                                  (service.url("/secret.pdf"), "Secret"),
                                  (service.url("/secret.pdf").replace("127.0.0.1", "localhost"),
                                   "Secret by name")))
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents"})
    rows = {r["source_id"]: r for r in _crawl(cfg, open_db, crawl)}
    assert service.requests == []  # not even robots.txt
    ten = [r for r in rows.values() if r["url"] == replica.url("/docs/round-10.pdf")]
    assert [r["outcome"] for r in ten] == ["ok"]  # the watched site's own document is
    refused = [r for r in rows.values() if r["url"].endswith("/secret.pdf")]
    assert len(refused) == 2
    for row in refused:
        assert row["outcome"] == "error"
        assert "loopback address, on this machine" in row["error"], row["error"]
        assert "nobody typed into sources.yaml" in row["error"]


def test_a_followed_document_that_redirects_to_this_machine_is_not_fetched(
        replica, service, make_config, crawl, open_db):
    replica.redirect("/docs/moved.pdf", service.url("/secret.pdf"), status=302)
    replica.set("/records", index(("/docs/moved.pdf", "Moved")))
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents"})
    rows = _crawl(cfg, open_db, crawl)
    (moved,) = [r for r in rows if r["url"].endswith("/moved.pdf")]
    assert moved["outcome"] == "error" and "loopback" in moved["error"]
    assert service.requests == []


def test_what_the_operator_writes_may_be_anywhere(replica, service, make_config, crawl):
    """Both servers are on loopback: a page written in sources.yaml is fetched, and so
    is a followed document on a written origin."""
    serve_rounds(replica, 10)
    replica.set("/records", index(("/docs/round-10.pdf", "Round 10 summary"),
                                  (service.url("/secret.pdf"), "On the service")))
    cfg = make_config({"id": "canada", "path": "/records", "follow": "documents"},
                      {"id": "service", "url": service.url("/secret.pdf"), "kind": "pdf"})
    assert all(outcome == "ok" for outcome, _ in crawl(cfg).values())
    assert len(service.requests_for("/secret.pdf")) == 2  # the written page and the followed one


def _crawl(cfg, open_db, crawl):
    """Every fetch of a crawl, with its page's address."""
    crawl(cfg)
    return [dict(r) for r in open_db().query(
        "SELECT f.source_id, s.url, f.outcome, f.error FROM fetches f "
        "JOIN sources s ON s.id = f.source_id")]

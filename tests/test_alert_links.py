"""Every link a campaigner is sent opens on the running site: the "see the change" link
of an alert e-mail leads to the change (issue 22: it answered 500), and so does every
other address in that e-mail, in a digest and in the Atom feed. A real crawl of the
replica, delivery to a real SMTP server on 127.0.0.1, then `dialogue-watch serve`."""

import email
import email.policy
import json
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree

import pytest
from aiosmtpd.controller import Controller

from monitor.fetch import crawler
from monitor.notify import alerts, dispatch
from tests import site_fixtures

BODY = ("The eleventh round of the human rights dialogue was held in Ottawa. Officials "
        "discussed freedom of expression, the rights of minorities and prison conditions.")
ATOM = "{http://www.w3.org/2005/Atom}"


def page(text=BODY):
    return (f"<html><head><title>Canada-China relations</title></head><body><main>"
            f"<h1>Canada-China relations</h1><p>{text}</p><p>Second paragraph about the dialogue "
            f"and its follow-up meetings with non-governmental organisations.</p></main>"
            f"<footer><p>Last updated Oct 2002</p></footer></body></html>")


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def texts(self):
        return {m["Subject"]: m.get_body(("plain",)).get_content().replace("\r\n", "\n")
                for m in self.messages}


@pytest.fixture
def smtp():
    mailbox = Mailbox()
    port = site_fixtures.free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.url = f"mailto://127.0.0.1:{port}?from=watch@example.org&to=campaigner@example.org&mode=insecure"
    yield mailbox
    controller.stop()


def write_alerts(path, site_url, *subscribers):
    lines = [f"site_url: {site_url}", "subscribers:"]
    for subscriber in subscribers:
        lines += [f"  - {key}: {json.dumps(value)}" if n == 0 else f"    {key}: {json.dumps(value)}"
                  for n, (key, value) in enumerate(subscriber.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def links_in(text):
    return re.findall(r"https?://[^\s<>\"']+", text)


def open_link(url):
    """(status, final address, body) of a GET that follows redirects, as a mail reader's
    browser does."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.url, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, url, error.read().decode("utf-8", "replace")


def test_every_link_of_an_alert_a_digest_and_the_feed_opens(replica, make_config, db_path, open_db,
                                                            smtp, tmp_path):
    port = site_fixtures.free_port()
    site = f"http://127.0.0.1:{port}"
    cfg = make_config({"id": "canada", "path": "/ca", "title": "Canada-China relations"})
    settings = alerts.load(write_alerts(tmp_path / "alerts.yaml", site,
                                        {"name": "mail", "url": smtp.url},
                                        {"name": "daily", "url": smtp.url, "mode": "daily"}), cfg)
    replica.set("/ca", page())
    crawler.crawl(cfg, db_path, subscribers=settings.subscribers)
    replica.set("/ca", page(BODY.replace("Ottawa", "Beijing")))
    crawler.crawl(cfg, db_path, subscribers=settings.subscribers)
    assert dispatch.deliver(open_db(), settings)["failed"] == 0
    texts = smtp.texts()
    alert = texts["Canada's page changed but its 'last updated' line did not"]
    (digest,) = [text for subject, text in texts.items() if "digest" in subject]
    (see,) = re.findall(r"See the change: (\S+)", alert)
    assert see.startswith(f"{site}/monitor/events/")

    with site_fixtures.running(site_fixtures.serve_command(db_path, port), port):
        status, landed, html = open_link(see)
        assert status == 200, html[:500]
        assert landed.startswith(f"{site}/monitor/change?event=")
        assert "Beijing" in html and "Ottawa" in html  # the change: the words added and removed
        for text in texts.values():  # the page's own address, the events of the digest, ...
            for url in links_in(text):
                status, _, body = open_link(url)
                assert status == 200, (url, body[:300])
        assert see in links_in(digest)
        status, _, feed = open_link(f"{site}/monitor/feed.atom")
        assert status == 200
        hrefs = [link.get("href") for link in ElementTree.fromstring(feed).iter(f"{ATOM}link")]
        assert any("change?event=" in href for href in hrefs)
        for href in hrefs:
            status, _, body = open_link(href)
            assert status == 200, (href, body[:300])

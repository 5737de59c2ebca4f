"""The workspace served for real on 127.0.0.1 (uvicorn in a thread), and Chromium to drive it
(``browser``, the one ``site_fixtures`` gives every browser test)."""

import contextlib
import email
import email.policy
import threading
import time
import urllib.error
import urllib.request

import pytest
import uvicorn
from aiosmtpd.controller import Controller
from playwright.sync_api import expect

from monitor.workspace import accounts, app, mail
from tests import site_fixtures
from tests.site_fixtures import ARTIFACTS, browser  # noqa: F401 (imported by name by the tests)
PASSWORDS = {"amina": "editor's long passphrase", "ben": "member's long passphrase"}


def add_team(db_path):
    accounts.add_user(db_path, "amina", "editor", PASSWORDS["amina"])
    accounts.add_user(db_path, "ben", "member", PASSWORDS["ben"])


@contextlib.contextmanager
def serving(db_path, sources_path=None, mail_url=None, every=0.2):
    """Serve the workspace until the block ends; yield its base URL. With ``mail_url``, its
    alerts are queued and sent every ``every`` seconds, as ``serve`` does."""
    port = site_fixtures.free_port()
    base = f"http://127.0.0.1:{port}"
    site = app.make_workspace(db_path, sources_path, public_url=base, mails=bool(mail_url))
    sender = mail.Sender(db_path, mail_url, base, "", every) if mail_url else None
    server = uvicorn.Server(uvicorn.Config(site.app(), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _wait(base)
        if sender:
            sender.start()
        yield base
    finally:
        if sender:
            sender.stop()
        server.should_exit = True
        thread.join(timeout=10)


def _wait(base, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/login", timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"The workspace did not answer on {base}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def raw_get(url):
    """(status, Location header, body) without following redirects."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=10) as response:
            return response.status, response.headers.get("Location"), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location"), error.read().decode(errors="replace")


def log_in(page, base, name, path="/"):
    page.goto(base + path)
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    page.click("button[type=submit]")
    page.wait_for_load_state()


def change_page(page, title, field, value, said="Saved the changes"):
    """On the Watched pages, open the page ``title``'s Change form, write ``value`` in
    ``field`` (its element id) and save; the workspace must answer ``said``."""
    page.get_by_role("link", name=f"Change {title}").click()
    page.fill(f"#{field}", value)
    page.get_by_role("button", name="Save the changes").click()
    expect(page.locator("body")).to_contain_text(said)


class Mailbox:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        self.messages = []
        self.port = site_fixtures.free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.url = f"mailto://127.0.0.1:{self.port}?from=watch@example.org&mode=insecure"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def wait_for(self, count, seconds=30):
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(self.messages) >= count, f"{len(self.messages)} e-mails arrived, not {count}"
        return self.messages[:count]


def body_of(message):
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


# -- fixtures shared by the workspace's tests (import them by name) -------------------

PAGE = """<html><head><title>Dialogue</title></head><body><main><h1>Human rights dialogue</h1>
{lines}<p>Last updated 3 March 2024</p></main></body></html>"""
BEFORE = ["The 2023 round discussed Tibet and freedom of expression.",
          "The delegations met in Ottawa for two days."]
AFTER = ["The delegations met in Ottawa for two days.",
         "双方就人权问题交换了意见。 The sides exchanged views."]


def page_with(lines):
    return PAGE.format(lines="".join(f"<p>{line}</p>\n" for line in lines))


def served(box):
    """A mailbox's SMTP server running for a fixture's life: ``yield from served(box)``."""
    box.controller.start()
    try:
        yield box
    finally:
        box.controller.stop()


@pytest.fixture
def mailbox():
    yield from served(Mailbox())


@pytest.fixture
def watched(replica, make_config, crawl, db_path):
    """A Canadian page on the replica crawled once, and the team's accounts."""
    replica.set("/dialogue.html", page_with(BEFORE))
    cfg = make_config({"id": "ca-dialogue", "path": "/dialogue.html", "country": "Canada",
                       "title": "Canada's dialogue page"})
    assert crawl(cfg)["ca-dialogue"][1] == "new"
    add_team(db_path)
    return cfg

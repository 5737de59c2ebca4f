"""A local stand-in for the Wayback Machine, on 127.0.0.1, for the archive tests.

It answers like the Internet Archive's APIs:

- ``/cdx/search/cdx?url=...``: the CDX listing, space-separated (what the ``wayback``
  package reads; ``output=json`` gives the JSON form), with ``from``/``to``;
- ``/web/<timestamp>id_/<url>``: the raw copy, with ``Memento-Datetime`` and the
  site's headers as ``X-Archive-Orig-*``; a copy may be a block page (403, no
  Memento-Datetime), an error page sent as 200, or a redirect to another copy;
- ``/save/<url>``: Save Page Now, answering with the new copy's address in
  ``Content-Location`` (it can be told to be slow, or to refuse).

Tests add captures (``add``), make the next answers 429 (``rate_limit``) or 503
(``fail``), and read every request it received (``requests``).
"""

import base64
import calendar
import dataclasses
import email.utils
import hashlib
import http.server
import json
import re
import threading
import time
import urllib.parse

from monitor.replica import send
from tests.loopback import stop

MEMENTO = re.compile(r"^/web/(\d{14})id_/(.+)$")


def digest(body):
    """The archive's digest of a capture: base32 of its SHA-1."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


@dataclasses.dataclass
class Capture:
    url: str
    timestamp: str
    body: bytes = b""
    status: int = 200  # what the CDX says the site answered
    kind: str = "copy"  # copy | block | error_page | redirect
    to: str | None = None  # redirect: the timestamp of the copy it redirects to
    to_url: str | None = None  # ... and its address (default: the same)
    headers: dict = dataclasses.field(default_factory=dict)
    digest: str | None = None
    listed: bool = True  # in the CDX listing (a redirect target may not be)


class ArchiveServer:
    def __init__(self):
        self.captures = {}  # (url, timestamp) -> Capture
        self.requests = []
        self.limited = {"cdx": 0, "web": 0, "save": 0}  # how many next answers are 429
        self.failing = {}  # timestamp -> how many next answers for that copy are 503
        self.save_behaviour = []  # per Save Page Now request: "ok" | "slow" | "refuse"
        self.save_delay = 2.0
        self.saved = []
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self):
        stop(self.server)

    def add(self, url, timestamp, body=b"", **fields):
        if isinstance(body, str):
            body = body.encode("utf-8")
        capture = Capture(url, timestamp, body, **fields)
        if capture.digest is None:
            capture.digest = digest(body)
        with self.lock:
            self.captures[(url, timestamp)] = capture
        return capture

    def rate_limit(self, what, times=1):
        self.limited[what] = times

    def fail(self, timestamp, times=1):
        self.failing[timestamp] = times

    def requests_for(self, prefix):
        with self.lock:
            return [r for r in self.requests if r["path"].startswith(prefix)]

    # -- answers -------------------------------------------------------------

    def cdx(self, query):
        url = query.get("url", [""])[0]
        start, end = query.get("from", [""])[0], query.get("to", [""])[0]
        with self.lock:
            rows = sorted((c for c in self.captures.values() if c.url == url and c.listed),
                          key=lambda c: c.timestamp)
        rows = [c for c in rows if (not start or c.timestamp[:len(start)] >= start)
                and (not end or c.timestamp[:len(end)] <= end)]
        fields = [["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]]
        lines = [[_urlkey(c.url), c.timestamp, c.url, "text/html", str(c.status), c.digest,
                  str(len(c.body))] for c in rows]
        if query.get("output", [""])[0] == "json":
            return "application/json", json.dumps(fields + lines).encode()
        return "text/plain", "".join(" ".join(line) + "\n" for line in lines).encode()

    def copy(self, timestamp, url):
        with self.lock:
            capture = self.captures.get((url, timestamp))
        if capture is None:
            return 404, {}, b"<html><body><p>Hrm. Wayback Machine doesn't have that page archived.</p></body></html>"
        if capture.kind == "block":
            return 403, {"Content-Type": "text/html"}, (
                b"<html><body><h2>Sorry.</h2><p>This URL has been excluded from the Wayback "
                b"Machine.</p></body></html>")
        if capture.kind == "error_page":
            return 200, {"Content-Type": "text/html"}, (
                b"<html><body><p>Hrm. Wayback Machine doesn't have that page archived.</p>"
                b"</body></html>")
        if capture.kind == "redirect":
            return 302, {"Location": f"/web/{capture.to}id_/{capture.to_url or url}"}, b""
        moment = time.strptime(timestamp, "%Y%m%d%H%M%S")
        headers = {"Content-Type": capture.headers.get("Content-Type", "text/html; charset=utf-8"),
                   "Memento-Datetime": email.utils.formatdate(calendar.timegm(moment), usegmt=True)}
        for name, value in capture.headers.items():
            headers[f"X-Archive-Orig-{name}"] = value
        return capture.status, headers, capture.body  # the status the site answered then

    def save(self, url):
        with self.lock:
            behaviour = self.save_behaviour.pop(0) if self.save_behaviour else "ok"
        if behaviour == "slow":
            time.sleep(self.save_delay)
        if behaviour == "refuse":
            return 520, {"Content-Type": "text/html"}, b"<html><body>Job failed</body></html>"
        stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime()) + ""
        with self.lock:
            self.saved.append(url)
            stamp = f"{stamp[:-2]}{len(self.saved) % 60:02d}"
        return 200, {"Content-Location": f"/web/{stamp}/{url}", "Content-Type": "text/html"}, b"saved"


def _urlkey(url):
    parts = urllib.parse.urlsplit(url)
    host = ",".join(reversed(parts.hostname.split(".")))
    return f"{host}){parts.path or '/'}"


def _handler_for(archive):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            parts = urllib.parse.urlsplit(self.path)
            with archive.lock:
                archive.requests.append({"path": self.path, "at": time.monotonic(),
                                         "agent": self.headers.get("User-Agent")})
            what = ("cdx" if parts.path.startswith("/cdx") else
                    "save" if parts.path.startswith("/save/") else "web")
            if self._limited(what):
                return self._send(429, {"Content-Type": "text/html"}, b"Too Many Requests")
            if what == "cdx":
                kind, body = archive.cdx(urllib.parse.parse_qs(parts.query))
                return self._send(200, {"Content-Type": kind}, body)
            if what == "save":
                return self._send(*archive.save(self.path[len("/save/"):]))
            match = MEMENTO.match(self.path)
            if not match:
                return self._send(404, {"Content-Type": "text/html"}, b"not an archive address")
            if self._failing(match.group(1)):
                return self._send(503, {"Content-Type": "text/html"}, b"Service Unavailable")
            return self._send(*archive.copy(match.group(1), match.group(2)))

        def _limited(self, what):
            with archive.lock:
                if archive.limited[what] > 0:
                    archive.limited[what] -= 1
                    return True
            return False

        def _failing(self, timestamp):
            with archive.lock:
                if archive.failing.get(timestamp, 0) > 0:
                    archive.failing[timestamp] -= 1
                    return True
            return False

        def _send(self, status, headers, body):
            send(self, status, headers, body)

    return Handler

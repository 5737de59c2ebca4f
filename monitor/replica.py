"""A real HTTP server on 127.0.0.1 whose pages can be rewritten at any time.

The demo serves its replica of the partners' pages with it, and the tests
serve their fixtures with it. It answers conditional requests (ETag and
If-Modified-Since) like a well-behaved government site, and records every
request it receives.
"""

import dataclasses
import email.utils
import hashlib
import http.server
import threading

from monitor import clock


@dataclasses.dataclass
class Page:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict = dataclasses.field(default_factory=dict)
    validators: bool = True  # send ETag/Last-Modified and answer 304
    # when the page was set: the demo's replica clock while one is set (monitor.clock)
    modified: float = dataclasses.field(default_factory=lambda: clock.current().timestamp())
    handler: object = None  # optional callable(request_handler) for odd behaviour


class Replica:
    def __init__(self, host="127.0.0.1", port=0):
        self.pages = {}
        self.requests = []
        self.lock = threading.Lock()
        self.server = http.server.ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base_url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path):
        return self.base_url + path

    def set(self, path, body, **fields):
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self.lock:
            self.pages[path] = Page(body=body, **fields)

    def redirect(self, path, to, status=301):
        self.set(path, b"", status=status, headers={"Location": to}, validators=False)

    def remove(self, path, status=404):
        self.set(path, b"<html><body><h1>Not Found</h1></body></html>", status=status, validators=False)

    def requests_for(self, path):
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _handler_for(replica):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            path = self.path.split("#")[0]
            with replica.lock:
                replica.requests.append({"path": path, "headers": dict(self.headers)})
                page = replica.pages.get(path)
            if page is None:
                page = Page(b"<html><body>Not Found</body></html>", status=404, validators=False)
            if page.handler:
                return page.handler(self)
            _answer(self, page)

        def do_POST(self):
            """A form sent to the replica (a page that tries to leave by posting one):
            noted like any request, and refused; nothing is read from it."""
            with replica.lock:
                replica.requests.append({"path": self.path.split("#")[0], "method": "POST",
                                         "headers": dict(self.headers)})
            self.close_connection = True
            send(self, 405, {"Allow": "GET", "Connection": "close"}, b"")

        def log_message(self, *args):
            pass

    return Handler


def _answer(handler, page):
    headers = dict(page.headers)
    if page.validators and page.status == 200:
        headers["ETag"] = '"' + hashlib.sha256(page.body).hexdigest()[:16] + '"'
        headers["Last-Modified"] = email.utils.formatdate(page.modified, usegmt=True)
        if _not_modified(handler.headers, headers, page.modified):
            return send(handler, 304, headers, b"")
    headers.setdefault("Content-Type", page.content_type)
    send(handler, page.status, headers, page.body)


def _not_modified(request_headers, headers, modified):
    if request_headers.get("If-None-Match"):
        return request_headers["If-None-Match"] == headers["ETag"]
    since = request_headers.get("If-Modified-Since")
    if since:
        try:
            return int(modified) <= email.utils.parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def send(handler, status, headers, body):
    """Answer a request from a custom handler (tests use it too)."""
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if body and handler.command != "HEAD":
        handler.wfile.write(body)


def make_pdf(pages, moddate=None, created=None):
    """A real PDF with one text page per item of ``pages``; ``moddate`` a datetime.
    ``created``: its creation date (a datetime; by default now, to the second, so two
    PDFs made in different seconds differ in their bytes)."""
    import io

    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    document = FPDF()
    if created is not None:
        document.set_creation_date(created)
    for text in pages:
        document.add_page()
        document.set_font("helvetica", size=12)
        document.multi_cell(0, 8, text)
    data = bytes(document.output())
    if moddate is None:
        return data
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.add_metadata({"/ModDate": moddate.strftime("D:%Y%m%d%H%M%SZ")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

"""The one way out of the browser for a rendered page: its gate.

Each rendered page gets a ``Gate`` before its browser context is made, and the
context sends every connection through it: Chromium's proxy is the gate, a small
HTTP proxy in the crawl process on 127.0.0.1. Frames, workers, popups, redirects
and WebSockets all go through it, loopback included. The gate lets a connection
through only as ``monitor.fetch.reach`` allows: to the page's own origin (the
address the operator wrote), or to a host whose every address is public. It then
connects to the address it checked itself, so a name cannot resolve one way for
the check and another way for the connection.

The page's own requests meet the rule earlier too, before they leave the browser
(``Gate.guarded``, around scrapy-playwright's request handler): a navigation of the
page to a refused address is cancelled and the page stays on its document.
Requests of any other page of the context (a popup) are refused, and popups are
closed. Every refusal is kept in words (``Gate.refused``).
"""

import asyncio
import functools
from urllib.parse import urlsplit

from monitor.fetch import reach

HEAD_SECONDS = 30  # to send the request line and headers
CONNECT_SECONDS = 30
CHUNK = 64 * 1024
HOP_HEADERS = (b"proxy-connection", b"proxy-authorization", b"connection", b"keep-alive")


class Gate:
    """What one rendered page (``url``, as written in sources.yaml) may reach."""

    def __init__(self, url):
        self.url = url
        self.origin = reach.origin(url)
        self.refused = []  # (what, reason), in the order refused
        self.documents = []  # the main frame's documents, in the order shown
        self.resolve = functools.lru_cache(maxsize=256)(reach.resolve_host)
        self._verdicts = {}  # origin -> reason or None, for the page's requests
        self._server = None
        self._links = set()  # connections in flight (their tasks)
        self._streams = set()  # their two ends' writers
        self._context = None

    async def open(self):
        """Start listening; return the proxy address for the browser context."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def close(self):
        """Stop listening and cut every connection still open."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._streams):
            writer.transport.abort()
        if self._links:
            await asyncio.wait(list(self._links), timeout=5)

    def refusal_words(self):
        """The first refusal, in words, or None."""
        return self.refused[0][1] if self.refused else None

    # -- in the browser: the page's requests, its popups ------------------------------

    async def watch(self, page):
        """Refuse the requests of any other page of ``page``'s context (a popup: the
        page's own are ``guarded``), close popups, and note the page's documents."""
        page.on("popup", _close)
        page.on("framenavigated", lambda frame: self._shown(page, frame))
        if self._context is not page.context:
            self._context = page.context
            await page.context.route("**/*", self._refuse_other_page)

    def _shown(self, page, frame):
        if frame == page.main_frame and frame.url.startswith(("http:", "https:")):
            self.documents.append(frame.url)

    def guarded(self, handler):
        """scrapy-playwright's request ``handler``, behind the rule."""
        async def route_request(route, request):
            reason = await self.check(request.url)
            if reason is None:
                return await handler(route, request)
            # a navigation refused as "aborted" leaves the frame on its document
            return await route.abort("aborted" if request.is_navigation_request()
                                     else "blockedbyclient")
        return route_request

    async def check(self, url):
        """The rule's refusal for a request of the page (None: it may go)."""
        key = reach.origin(url)
        if key not in self._verdicts:
            self._verdicts[key] = await asyncio.to_thread(reach.refusal, url, [self.origin],
                                                          self.resolve)
        reason = self._verdicts[key]
        if reason:
            self.refused.append((url, reason))
        return reason

    async def _refuse_other_page(self, route, request):
        self.refused.append((request.url, "another window (a popup) of the page"))
        await route.abort("blockedbyclient")

    # -- the proxy ---------------------------------------------------------------------

    async def _serve(self, reader, writer):
        task = asyncio.current_task()
        self._links.add(task)
        self._streams.add(writer)
        try:
            await self._pass(reader, writer)
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                asyncio.TimeoutError):
            pass  # a connection cut or malformed: it is closed
        finally:
            writer.close()
            self._streams.discard(writer)
            self._links.discard(task)

    async def _pass(self, reader, writer):
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_SECONDS)
        method, target = head.split(b"\r\n", 1)[0].split(b" ")[:2]
        host, port, where = _destination(method, target.decode("latin-1"))
        upstream = await self._connect(host, port, where)
        if upstream is None:
            return  # refused: closed unanswered, the browser shows nothing of it
        up_reader, up_writer = upstream
        self._streams.add(up_writer)
        try:
            if method == b"CONNECT":
                writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            else:  # one request per connection: the browser never sends another on it
                up_writer.write(_origin_form(head))
                answer = await asyncio.wait_for(up_reader.readuntil(b"\r\n\r\n"), HEAD_SECONDS)
                writer.write(_one_answer(answer))
            await _pipe_both(reader, writer, up_reader, up_writer)
        finally:
            up_writer.close()
            self._streams.discard(up_writer)

    async def _connect(self, host, port, where):
        """A connection to an address of ``host`` the rule allows, or None."""
        try:
            addresses = await asyncio.to_thread(self.resolve, host)
        except (OSError, UnicodeError):
            addresses = []
        own = (host.lower(), port) == self.origin[1:]
        reason = None if own and addresses else reach.addresses_refusal(where, addresses)
        if reason:
            self.refused.append((where, reason))
            return None
        for address in addresses:
            try:
                return await asyncio.wait_for(asyncio.open_connection(address, port),
                                              CONNECT_SECONDS)
            except (OSError, asyncio.TimeoutError):
                continue
        return None


def _destination(method, target):
    """``(host, port, words for it)`` a proxy request asks for."""
    if method == b"CONNECT":
        parts = urlsplit(f"//{target}")
        return parts.hostname or "", parts.port or 443, target
    parts = urlsplit(target)
    if parts.scheme not in ("http", "ws") or not parts.hostname:
        raise ValueError("not a proxy request")
    return parts.hostname, parts.port or 80, target if len(target) < 120 else target[:117] + "..."


def _origin_form(head):
    """The request as the site expects it: its path, no proxy headers, one request."""
    first, *fields = head[:-4].split(b"\r\n")
    method, target, version = first.split(b" ", 2)
    parts = urlsplit(target.decode("latin-1"))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return b"\r\n".join([b" ".join([method, path.encode("latin-1"), version]),
                         *_end_to_end(fields), b"Connection: close", b"", b""])


def _one_answer(head):
    """The site's answer head, saying the connection closes after it: the browser must
    not send its next request (perhaps for another site) down the same connection."""
    first, *fields = head[:-4].split(b"\r\n")
    return b"\r\n".join([first, *_end_to_end(fields), b"Connection: close",
                         b"Proxy-Connection: close", b"", b""])


def _end_to_end(fields):
    return [field for field in fields if field.split(b":", 1)[0].strip().lower() not in HOP_HEADERS]


async def _pipe_both(reader, writer, up_reader, up_writer):
    """Copy both ways until either side is done (a plain request: the site's answer)."""
    ways = [asyncio.ensure_future(_pipe(reader, up_writer)),
            asyncio.ensure_future(_pipe(up_reader, writer))]
    try:
        await asyncio.wait(ways, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for way in ways:
            way.cancel()
        await asyncio.gather(*ways, return_exceptions=True)


async def _pipe(reader, writer):
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    except (OSError, asyncio.IncompleteReadError):
        pass


async def _close(page):
    try:
        await page.close()
    except Exception:  # noqa: BLE001 - already gone with its context
        pass

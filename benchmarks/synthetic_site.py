"""A synthetic government site of N pages, served from its own process on 127.0.0.1.

Pages are 20-200 KB (uniform), built like a ministry page: a head with meta
tags and an inline script, a 40-link menu, a main article of headed sections
(paragraphs with links, now and then a table) and a footer with a "Last
updated" line. The words are pseudo-words drawn with Zipf frequencies from an
8,000-word vocabulary, so text compresses (about 3x with zlib) like a real
language, not like a repeated phrase.

Every page is a pure function of (seed, page number, text version, marker
version), so the parent and the server agree on every byte without sending
any. The server builds all pages before it answers (about 2 ms each: building
them per request would make the site, not the crawler, the bottleneck) and
keeps them in memory, about 110 KB per page. A round
of changes edits 5% of the pages (one paragraph replaced, one inserted), and
bumps the "Last updated" line of half of them.

The server answers like ``monitor.replica.Replica``: with ``validators`` on,
an ETag and a Last-Modified header, and 304 to a matching If-None-Match;
with them off, neither header and the full page every time. It is a small
asyncio HTTP/1.1 server with keep-alive (``kind="threading"`` uses the
standard library's ThreadingHTTPServer instead, for comparison), in a
separate process so it never shares a GIL with the crawl.
"""

import asyncio
import datetime
import email.utils
import http.server
import itertools
import multiprocessing
import random
import socket
import threading

VOCABULARY = 8000
POOL = 6000  # distinct paragraphs the pages are drawn from
MIN_KB, MAX_KB = 20, 200
CHANGED_SHARE = 0.05
MARKER_SHARE = 0.5  # of the changed pages, the share whose "Last updated" line moves too
BASE_DAY = datetime.date(2024, 3, 12)
ONSETS = ("", "", "t", "th", "s", "st", "r", "n", "l", "d", "c", "m", "p", "pr", "b", "f", "g", "h",
          "w", "v", "tr", "ch", "sh", "gr", "k", "pl", "br", "cr")
COMMON_WORDS = (
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "on", "with", "as", "by", "was", "it",
    "be", "at", "from", "this", "are", "which", "or", "an", "have", "has", "not", "their", "its",
    "were", "been", "also", "they", "will", "more", "all", "would", "there", "but", "other", "into",
    "such", "may", "after", "between", "human", "rights", "dialogue", "china", "minister",
    "government", "delegation", "freedom", "meeting", "report",
)
VOWELS = ("a", "e", "i", "o", "u", "e", "a", "io", "ea", "ou", "ai", "y")
CODAS = ("", "", "", "n", "r", "s", "t", "l", "nd", "nt", "st", "m", "ng", "rs", "ct", "ty")


class Site:
    """The pages, their versions, and what a request for one of them gets."""

    def __init__(self, count, seed=7):
        self.count = count
        self.seed = seed
        rng = random.Random(seed)
        words = _vocabulary(rng)
        weights = list(itertools.accumulate(1 / rank ** 1.05 for rank in range(1, len(words) + 1)))
        self.words, self.cum_weights = words, weights
        self.paragraphs = [_paragraph(rng, words, weights) for _ in range(POOL)]
        self.chrome = _chrome(rng, words, weights)
        self.text_versions = [0] * count
        self.marker_versions = [0] * count
        self.validators = True
        self.cache = {}

    def warm(self):
        """Build every page now (about 2 ms each), so that serving one is a dict lookup."""
        for number in range(self.count):
            self.cache[number] = self.body(number)

    # -- what a page is ---------------------------------------------------

    def size_target(self, number):
        return random.Random(f"{self.seed}:size:{number}").randint(MIN_KB * 1024, MAX_KB * 1024)

    def blocks(self, number):
        rng = random.Random(f"{self.seed}:page:{number}")
        target, blocks, size = self.size_target(number), [], len(self.chrome[0]) + len(self.chrome[1]) + 600
        while size < target:
            block = self._block(rng)
            blocks.append(block)
            size += len(block)
        for version in range(1, self.text_versions[number] + 1):
            # an edit writes new words: fresh paragraphs, never ones from the shared pool
            edit = random.Random(f"{self.seed}:edit:{number}:{version}")
            blocks[edit.randrange(len(blocks))] = _paragraph(edit, self.words, self.cum_weights)
            blocks.insert(edit.randrange(len(blocks) + 1), _paragraph(edit, self.words, self.cum_weights))
        return blocks

    def _block(self, rng):
        if rng.random() < 0.12:
            heading = " ".join(rng.choices(self.words, cum_weights=self.cum_weights, k=rng.randint(3, 8)))
            return f'<h2 class="section-title">{heading.capitalize()}</h2>\n'
        if rng.random() < 0.03:
            return _table(rng, self.words, self.cum_weights)
        if rng.random() < 0.06:
            return _related(rng, self.words, self.cum_weights)
        return self.paragraphs[rng.randrange(POOL)]

    def marker_day(self, number):
        offset = random.Random(f"{self.seed}:day:{number}").randrange(3000)
        return BASE_DAY - datetime.timedelta(days=offset) + datetime.timedelta(
            days=7 * self.marker_versions[number])

    def body(self, number):
        day = self.marker_day(number)
        title = f"Human rights dialogue: record {number}"
        return (self.chrome[0].replace("{title}", title)
                + f'<h1 class="page-title">{title}</h1>\n' + "".join(self.blocks(number))
                + self.chrome[1].replace("{updated}", f"{day.day} {day:%B %Y}")).encode("utf-8")

    def etag(self, number):
        return f'"p{number}-t{self.text_versions[number]}-m{self.marker_versions[number]}"'

    def last_modified(self, number):
        day = self.marker_day(number)
        stamp = datetime.datetime(day.year, day.month, day.day, 9, self.text_versions[number] % 60,
                                  tzinfo=datetime.timezone.utc)
        return email.utils.format_datetime(stamp, usegmt=True)

    def respond(self, path, if_none_match):
        """(status, headers, body) for a GET of ``path``."""
        number = _page_number(path, self.count)
        if number is None:
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not Found</body></html>"
        headers = {"Content-Type": "text/html; charset=utf-8"}
        if self.validators:
            headers["ETag"] = self.etag(number)
            headers["Last-Modified"] = self.last_modified(number)
            if if_none_match and if_none_match == headers["ETag"]:
                return 304, headers, b""
        body = self.cache.get(number) or self.body(number)
        return 200, headers, body

    # -- rounds of changes ------------------------------------------------

    def change(self, round_number, share=CHANGED_SHARE):
        """Edit ``share`` of the pages; return [(page, body bytes, marker moved)]."""
        rng = random.Random(f"{self.seed}:round:{round_number}")
        chosen = rng.sample(range(self.count), round(self.count * share))
        changed = []
        for number in sorted(chosen):
            self.text_versions[number] += 1
            moved = rng.random() < MARKER_SHARE
            self.marker_versions[number] += moved
            self.cache[number] = self.body(number)
            changed.append((number, len(self.cache[number]), moved))
        return changed


def _page_number(path, count):
    if not path.startswith("/p/"):
        return None
    digits = path[3:]
    if not digits.isdigit() or int(digits) >= count:
        return None
    return int(digits)


def _vocabulary(rng):
    words = set()
    while len(words) < VOCABULARY:
        syllables = 2 + min(3, int(rng.expovariate(1.0)))
        words.add("".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                          for _ in range(syllables)))
    return list(COMMON_WORDS) + sorted(words - set(COMMON_WORDS), key=lambda w: (len(w), w))


def _sentence(rng, words, weights):
    text = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(8, 30)))
    return text.capitalize() + "."


def _paragraph(rng, words, weights):
    sentences = [_sentence(rng, words, weights) for _ in range(rng.randint(2, 7))]
    if rng.random() < 0.4:
        link = " ".join(rng.choices(words, cum_weights=weights, k=3))
        sentences.insert(rng.randrange(len(sentences) + 1),
                         f'See <a href="/en/documents/{rng.randrange(10**6)}" class="doc-link">{link}</a>.')
    return ('<div class="paragraph paragraph--type--text paragraph--view-mode--default">'
            '<div class="clearfix text-formatted field field--name-field-text field--type-text-long '
            f'field--label-hidden field__item"><p>{" ".join(sentences)}</p></div></div>\n')


def _table(rng, words, weights):
    rows = "".join(
        "<tr>" + "".join(f"<td>{' '.join(rng.choices(words, cum_weights=weights, k=rng.randint(1, 4)))}</td>"
                         for _ in range(4)) + "</tr>\n"
        for _ in range(rng.randint(4, 15)))
    return f'<table class="table table-striped"><tbody>\n{rows}</tbody></table>\n'


def _related(rng, words, weights):
    items = "".join(
        f'<li class="related__item"><a class="related__link" href="/en/news/{rng.randrange(10**6)}">'
        f'{" ".join(rng.choices(words, cum_weights=weights, k=rng.randint(3, 7))).capitalize()}</a></li>'
        for _ in range(rng.randint(4, 8)))
    return (f'<aside class="related" role="complementary"><h3 class="related__title">Related</h3>'
            f'<ul class="related__list">{items}</ul></aside>\n')


def _chrome(rng, words, weights):
    """(everything before the article's h1, everything after its last block): about 15 KB."""
    def label(k):
        return " ".join(rng.choices(words, cum_weights=weights, k=k)).title()

    menu = "".join(
        f'<li class="menu-item menu-item--expanded"><a href="/en/section/{i}" class="menu-link">{label(2)}</a>'
        '<ul class="menu menu--sub">'
        + "".join(f'<li class="menu-item"><a href="/en/section/{i}/{j}" class="menu-link">{label(2)}</a></li>'
                  for j in range(6))
        + "</ul></li>\n"
        for i in range(10))
    style = "".join(f".c{i}{{margin:{i % 7}px 0;padding:0 {i % 5}px;color:#{i * 4099 % 16**6:06x}}}"
                    for i in range(40))
    icons = "".join(f'<symbol id="i{i}" viewBox="0 0 24 24"><path d="M{i} 2 L{22 - i % 9} {i % 20} Z"/></symbol>'
                    for i in range(25))
    head = (
        '<!DOCTYPE html>\n<html lang="en" dir="ltr"><head><meta charset="utf-8">\n'
        "<title>{title} | Ministry of Foreign Affairs</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="description" content="' + label(12) + '">\n'
        '<link rel="stylesheet" href="/static/css/site.css?v=3.2.1">\n'
        f"<style>{style}</style>\n"
        '<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}'
        "gtag('js',new Date());gtag('config','G-XXXXXXX');</script>\n</head>\n"
        '<body class="page node-type-page path-node">\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{icons}</svg>\n'
        '<a class="skip-link visually-hidden focusable" href="#content">Skip to main content</a>\n'
        '<div class="cookie-banner" id="cookie-consent"><p>' + label(20) + '</p>'
        '<button class="btn">Accept</button><button class="btn">Reject</button></div>\n'
        '<header class="site-header" role="banner"><div class="container">'
        '<a class="brand" href="/en">Ministry of Foreign Affairs</a>'
        f'<form class="search" action="/en/search"><input name="q" placeholder="{label(1)}"></form>'
        "</div></header>\n"
        f'<nav class="main-nav" role="navigation"><ul class="menu">\n{menu}</ul></nav>\n'
        '<div class="breadcrumb"><a href="/en">Home</a> &rsaquo; <a href="/en/rights">'
        + label(2) + "</a></div>\n"
        '<main id="content" class="page-content"><div class="container"><article class="node">\n'
    )
    links = "".join(f'<li><a href="/en/footer/{i}">{label(2)}</a></li>' for i in range(20))
    tail = (
        "</article></div></main>\n"
        '<footer class="site-footer" role="contentinfo"><div class="container">\n'
        '<p class="last-updated">Last updated: {updated}</p>\n'
        f'<ul class="footer-links">{links}</ul>\n'
        "<p>&copy; Ministry of Foreign Affairs</p></div></footer>\n"
        '<script src="/static/js/app.min.js?v=3.2.1"></script>\n</body></html>\n'
    )
    return head, tail


# -- the server ---------------------------------------------------------------


class _Protocol(asyncio.Protocol):
    """Minimal HTTP/1.1: GET and HEAD, keep-alive, no request bodies."""

    def __init__(self, site, counts):
        self.site, self.counts, self.buffer = site, counts, b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        while b"\r\n\r\n" in self.buffer:
            head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
            self._answer(head)

    def _answer(self, head):
        lines = head.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        status, extra, body = self.site.respond(path, headers.get("if-none-match"))
        self.counts[status] = self.counts.get(status, 0) + 1
        reason = {200: "OK", 304: "Not Modified", 404: "Not Found"}[status]
        out = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}"]
        out += [f"{name}: {value}" for name, value in extra.items()]
        self.transport.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
        if method != "HEAD" and body:
            self.transport.write(body)
        if headers.get("connection", "").lower() == "close":
            self.transport.close()


def _serve_asyncio(site, sock, counts):
    async def main():
        server = await asyncio.get_running_loop().create_server(
            lambda: _Protocol(site, counts), sock=sock, backlog=512)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def _serve_threading(site, sock, counts):
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            status, extra, body = site.respond(self.path, self.headers.get("If-None-Match"))
            with lock:
                counts[status] = counts.get(status, 0) + 1
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(sock.getsockname(), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
    server.daemon_threads = True
    server.serve_forever()


def _server_main(count, seed, sock, control, kind):
    site, counts = Site(count, seed), {}
    site.warm()
    serve = _serve_asyncio if kind == "asyncio" else _serve_threading
    threading.Thread(target=serve, args=(site, sock, counts), daemon=True).start()
    while True:
        command, argument = control.recv()
        if command == "stop":
            control.send(None)
            return
        if command == "validators":
            site.validators = argument
            control.send(None)
        elif command == "change":
            control.send(site.change(*argument))
        elif command == "counts":
            control.send(dict(counts))
            counts.clear()


class SiteServer:
    """The site in its own process; ``change``/``validators`` steer it between crawls."""

    def __init__(self, count, seed=7, kind="asyncio"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        self.port = sock.getsockname()[1]
        self.control, theirs = multiprocessing.Pipe()
        context = multiprocessing.get_context("fork")
        self.process = context.Process(target=_server_main, args=(count, seed, sock, theirs, kind),
                                       daemon=True)
        self.process.start()
        sock.close()
        self._ask("counts")  # returns once the pages are built

    def url(self, number):
        return f"http://127.0.0.1:{self.port}/p/{number}"

    def _ask(self, command, argument=None):
        self.control.send((command, argument))
        return self.control.recv()

    def set_validators(self, on):
        self._ask("validators", on)

    def change(self, round_number, share=CHANGED_SHARE):
        return self._ask("change", (round_number, share))

    def counts(self):
        """Requests answered per status since the last call."""
        return self._ask("counts")

    def peak_memory_mb(self):
        return peak_memory_mb(self.process.pid)

    def close(self):
        self._ask("stop")
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()


def peak_memory_mb(pid):
    """The peak resident memory (VmHWM) of a live process, in MB (Linux)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None

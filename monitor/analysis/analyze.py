"""What one fetch means: outcome, comparable text and "last updated" marker.

``analyze(fetch, source)`` is pure (no I/O): the pipeline stores its result and
``test-source`` prints it. It never turns a transport or encoding problem into
a text change: those become an ``error`` outcome with a plain-words message.
"""

import dataclasses
import hashlib
import datetime
import re
from urllib.parse import urlsplit

from monitor.analysis import chrome, extract, links, markers, pdf, shell, walls

GONE_STATUSES = {404, 410}
SOFT_404 = re.compile(
    r"page (was )?not found|page cannot be found|seite (wurde )?nicht gefunden|"
    r"page (est )?introuvable|página não encontrada|página no encontrada|"
    r"siden (ble )?ikke funnet|az oldal nem található|ページが見つかりません|"
    r"页面不存在|找不到(该)?页面|\berror 404\b|^404\b",
    re.I | re.M,
)
SOFT_404_MAX_CHARS = 1500
HOME_SEGMENTS = {"home", "start", "index", "default", "welcome", "accueil", "startseite", "inicio"}


@dataclasses.dataclass(frozen=True)
class Observation:
    outcome: str  # "ok" | "not_modified" | "gone" | "error"
    text: str | None = None
    marker: markers.Marker | None = None
    error: str | None = None
    note: str | None = None
    links: tuple | None = None  # monitor.analysis.links.Link of a web page read now, else None
    body_kept: bool = False  # an error whose bytes are still evidence (a page too large to read)
    unfinished: bool = False  # a web page whose markup stops before it closes (cut short?)

    @property
    def keeps_body(self):
        return self.outcome == "ok" or self.body_kept


SOFT_404_GONE = Observation("gone", note="the page says it was not found (a '404' page sent as 200 OK)")


def analyze(fetch, source, known=None):
    """``known``: the stored capture (``body_sha256``, ``marker_origin``, and ``text`` if
    the caller has it), if any."""
    return quick_outcome(fetch, known) or read(fetch, source, (known or {}).get("text"))


def quick_outcome(fetch, known=None):
    """The observation that the status, a redirect or unchanged bytes already give
    (cheap: nothing is parsed), else None: then ``read`` the page."""
    if fetch.error:
        return Observation("error", error=fetch.error)
    if fetch.status == 304:
        return Observation("not_modified")
    if fetch.status in GONE_STATUSES:
        return Observation("gone", note=f"the site answered {fetch.status}: the page no longer exists")
    if fetch.status is None or fetch.status >= 400:
        if fetch.status in (403, 429, 503) and walls.challenge_in(fetch.body):
            reason = f"it answered {fetch.status}, {_reason(fetch.status)}"
            return Observation("error", error=walls.Wall("robot_check", reason).words,
                               body_kept=True)
        return Observation("error", error=f"the site answered {fetch.status} ({_reason(fetch.status)})")
    if _redirected_home(fetch) and not walls.wall_address(fetch.url, fetch.final_url):
        return Observation("gone", note=f"the address now redirects to {fetch.final_url}, an unrelated page")
    if _same_bytes(fetch, known):
        return Observation("not_modified", note="same bytes as the last capture")
    return None


def read(fetch, source, previous_text=None):
    """Text and marker of a fetched page or PDF (the costly part: tens of ms of CPU).
    Pure, so the crawl runs it in a worker process (``monitor.fetch.analysis_pool``).
    ``previous_text``: the current version's text, if the caller has it: a wall that
    shares almost nothing with it is recognised more surely (``monitor.analysis.walls``)."""
    try:
        return _read(fetch, source, previous_text)
    except TooLargeToRead as problem:  # its bytes are kept; only reading them is refused
        return Observation("error", error=str(problem), body_kept=True)
    except (pdf.PdfProblem, extract.ContentMissing, _Unreadable) as problem:
        return Observation("error", error=_problem_words(problem))


def crashed(error):
    """What is stored when analysis itself failed (a bug, or a worker process that
    died): the fetch is kept, as an error, and the crawl goes on."""
    return Observation("error", error=(
        f"dialogue-watch could not analyse this page ({type(error).__name__}: {error}); "
        "please report it with the page's address"))


def gave_up(seconds):
    """What is stored when reading the page took longer than the crawl allows
    (``analysis_timeout_seconds``): the fetch is kept, as an error, and the crawl
    goes on."""
    return Observation("error", error=(
        f"dialogue-watch gave up reading this page after {seconds:g} s (the page may be "
        "malformed or very large, or a content, ignore or marker rule in sources.yaml may be too slow "
        "for it); the crawl went on. To allow more time, raise "
        "settings.analysis_timeout_seconds"))


def _same_bytes(fetch, known):
    """Identical bytes mean identical text and marker, unless the marker came
    from the HTTP Last-Modified header, which can change on its own."""
    if not known or known.get("marker_origin") == "http:last-modified":
        return False
    return fetch.body_sha256() == known.get("body_sha256")


TEXT_START = 600  # characters of the text a report shows


def report(fetch, observation):
    """The JSON that ``test-source --json`` prints."""
    text = observation.text
    return {
        "id": fetch.source_id, "url": fetch.url, "final_url": fetch.final_url,
        "status": fetch.status, "content_type": fetch.content_type,
        "outcome": observation.outcome, "error": observation.error, "note": observation.note,
        "last_updated": observation.marker.to_dict() if observation.marker else None,
        "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None,
        "text_chars": len(text) if text is not None else None,
        # what a person checks first: is this the page's own text? (the workspace's preview)
        "text_start": text[:TEXT_START] if text is not None else None,
        "links": _link_counts(observation.links),
    }


def _link_counts(found):
    if found is None:
        return None
    content = [link for link in found if link.area == "content"]
    return {"content": len(content), "documents": sum(1 for link in content if link.document),
            "navigation": len(found) - len(content)}


class _Unreadable(Exception):
    pass


class TooLargeToRead(Exception):
    """Reading the page would take more memory than ``analysis_memory_mb`` allows."""

    def __init__(self, body, needed, budget_mb):
        self.size, self.needed, self.budget_mb = len(body), needed, budget_mb
        self.tags, self.cells = body.count(b"<"), body.count(b"<td") + body.count(b"<TD")
        super().__init__(self.words())

    def words(self):
        cells = f" ({self.cells:,} table cells)" if self.cells else ""
        return (f"the page is {self.size / MB:.1f} MB of HTML with {self.tags:,} tags{cells}: reading "
                f"it would take about {self.needed / MB:,.0f} MB of memory, more than the "
                f"{self.budget_mb:g} MB one page may take (settings.analysis_memory_mb). Its bytes "
                "are kept as evidence; its text was not read. To read it, raise "
                "settings.analysis_memory_mb in sources.yaml")


MB = 2**20


def check_memory(body, source):
    """Raise ``TooLargeToRead`` if reading ``body`` would pass the source's memory budget."""
    budget_mb = getattr(source, "analysis_memory_mb", None)
    if not budget_mb:
        return
    selectors = any(rule.kind == "selector" for rule in source.ignore or ())
    needed = extract.reading_memory(body, selectors)
    if needed > budget_mb * MB:
        raise TooLargeToRead(body, needed, budget_mb)


def _read(fetch, source, previous_text=None):
    if not fetch.body.strip():
        raise _Unreadable("the site sent an empty page")
    is_pdf = fetch.body.lstrip()[:5] == b"%PDF-"
    if source.kind == "pdf":
        if not is_pdf:
            raise _Unreadable(f"expected a PDF but the site sent {_what(fetch)}")
        return _read_pdf(fetch, source)
    if is_pdf:
        raise _Unreadable("expected a web page but the site sent a PDF: set kind: pdf for this source")
    return _read_html(fetch, source, previous_text)


def _read_pdf(fetch, source):
    document = pdf.pdf_text(fetch.body, source.pages)
    text = extract.normalize(document.text, [r.pattern for r in source.ignore if r.kind == "regex"])
    if not text:
        raise _Unreadable("the PDF pages have no text (a scanned image?)")
    marker = markers.find_marker(text=document.text, headers=fetch.headers,
                                 pdf_moddate=document.moddate, locale=source.locale,
                                 rule=_rule(source), fetched_at=_when(fetch))
    return Observation("ok", text=text, marker=marker, note=_rule_note(source, marker))


def _read_html(fetch, source, previous_text=None):
    check_memory(fetch.body, source)  # before anything is decoded or parsed
    html, _ = extract.decode_html(fetch.body, fetch.content_type)
    if _looks_binary(html):
        raise _Unreadable(f"the site sent {_what(fetch)}, which is not a readable web page")
    parsed = extract.parse_html(html)  # one lxml parse for trafilatura and the marker search
    wall = walls.check(html, fetch.url, fetch.final_url, parsed.tree, previous_text)
    empty = _shell(fetch, source, parsed.tree, wall)
    if empty is not None:  # a JavaScript shell: a needs_browser problem, never a version
        return Observation("error", error=empty.words)
    if wall is not None:  # never compared as the page: an error, or a '404' sent as 200
        # its bytes are kept: what the site showed instead of the page is evidence too
        return SOFT_404_GONE if wall.kind == "not_found" else Observation(
            "error", error=wall.words, body_kept=True)
    # the page's chrome, read once for its text and its links (issue 27)
    reading = None if parsed.tree is None else chrome.read(parsed.tree, source.content)
    text = extract.html_text(html, source.content, source.ignore, tree=parsed.tree, reading=reading)
    if not text:
        raise _Unreadable("the page has no readable text")
    if len(text) <= SOFT_404_MAX_CHARS and SOFT_404.search(text):
        return SOFT_404_GONE
    marker = markers.find_marker(html, headers=fetch.headers, locale=source.locale,
                                 rule=_rule(source), fetched_at=_when(fetch), root=parsed.document)
    found = None if parsed.tree is None else links.extract(
        parsed.tree, fetch.final_url or fetch.url, source.content, source.ignore, reading=reading)
    return Observation("ok", text=text, marker=marker, note=_rule_note(source, marker), links=found,
                       unfinished=unfinished(html))


# A web page ends by closing its markup: </html>, or at least </body> (comments and
# whitespace may follow). One that stops before may have arrived only in part.
FINISHED = re.compile(r"</(?:html|body)\s*>\s*(?:<!--.*?-->\s*)*\Z", re.I | re.S)


def unfinished(html):
    """Whether the page's markup stops before it closes (``FINISHED``)."""
    return not FINISHED.search(html[-4096:])


def _shell(fetch, source, tree, wall):
    """The JavaScript shell a plainly fetched page is (``monitor.analysis.shell``), unless
    the browser showed it, or it is a wall other than "only says JavaScript is required"
    (a robot check's own markup stays a robot check)."""
    if getattr(source, "render", None) or (wall is not None and wall.kind != "robot_check"):
        return None
    if wall is not None and walls.challenge_in(fetch.body):
        return None
    return shell.check(tree)


def _rule(source):
    return source.marker.as_marker_rule() if source.marker else None


def _rule_note(source, marker):
    if source.marker and marker is None:
        return (f"the marker rule {source.marker.value} in sources.yaml matched nothing: "
                "did the page layout change?")
    return None


def _when(fetch):
    return datetime.datetime.fromisoformat(fetch.fetched_at.replace("Z", "+00:00"))


# What a readable page has few of: replacement characters and control characters other
# than \t \n \f \r (one regex count: 0.02 ms for 4,000 characters, a Python loop took 0.14).
NOT_TEXT = re.compile(r"[\ufffd\x00-\x08\x0b\x0e-\x1f]")


def _looks_binary(text):
    sample = text[:4000]
    bad = len(NOT_TEXT.findall(sample))
    return bad > max(10, len(sample) // 20)


def _redirected_home(fetch):
    if not fetch.final_url or fetch.final_url == fetch.url:
        return False
    requested, final = urlsplit(fetch.url), urlsplit(fetch.final_url)
    segments = [s for s in final.path.split("/") if s and not s.lower().startswith("index.")]
    asked = [s for s in requested.path.split("/") if s]
    home = not segments or (len(segments) == 1 and (len(segments[0]) <= 3 or segments[0].lower() in HOME_SEGMENTS))
    return home and len(asked) > len(segments)


def _what(fetch):
    kind = (fetch.content_type or "no content type").split(";")[0].strip()
    return "a web page" if kind in ("text/html", "application/xhtml+xml") else f"'{kind}'"


def _reason(status):
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except (ValueError, TypeError):
        return "an unusual answer"


def _problem_words(problem):
    if isinstance(problem, extract.ContentMissing):
        return (f"the content selector {problem} in sources.yaml matched nothing on the page: "
                "did the page layout change?")
    return str(problem)

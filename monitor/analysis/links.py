"""What a page links to: its outgoing links, documents flagged, chrome kept apart. Pure.

``extract(tree, page_url, content=None, ignore=())`` reads every ``<a href>`` and
``<area href>`` of a parsed page (the lxml tree ``monitor.analysis.extract.parse_html``
already made) and returns ``Link``s: the absolute address (after ``<base href>`` and
the page's own address; the fragment dropped), the anchor text with its spaces
collapsed (else the image's alt, the title or the aria-label), ``document`` (``pdf``,
``word``, ``odf``, ``spreadsheet``, ``presentation``: by the extension of the address'
path or the link's ``type=``) and ``area``:

- ``chrome`` for what ``monitor.analysis.chrome`` reads as the page's chrome (menus,
  page headers and footers, breadcrumbs, language switchers, sidebars, cookie banners;
  the same reading leaves them out of the compared text), and links in what an
  ``ignore`` selector drops;
- ``content`` for the rest. When the source has a ``content:`` selector, content is
  only what it selects (``monitor.analysis.extract`` compares the same part); else,
  when the page has exactly one ``main`` (or ``role=main``), only what is inside it.

Dropped (never links of the page): a fragment alone (``#top``, skip links, tables of
contents) or the page's own address with a fragment, ``javascript:``, ``mailto:``,
``tel:``, ``data:`` and any other scheme than http(s): they point at no other page
or document a campaigner could lose.

``serialize`` / ``parse`` turn a link set into the bytes stored once per distinct set
(``monitor.store.links``); ``compare`` says which content links came and went (an
address that changed only in a session id or cache-buster is the same link:
``monitor.analysis.addresses``); ``words``
says it in plain words.
"""

import dataclasses
import functools
import posixpath
import re
import unicodedata
from urllib.parse import urldefrag, urljoin, urlsplit

from monitor.analysis import addresses, chrome

DOCUMENT_EXTENSIONS = {
    ".pdf": "pdf",
    ".doc": "word", ".docx": "word", ".docm": "word", ".dot": "word", ".dotx": "word", ".rtf": "word",
    ".odt": "odf", ".ott": "odf", ".odg": "odf",
    ".xls": "spreadsheet", ".xlsx": "spreadsheet", ".xlsm": "spreadsheet", ".ods": "spreadsheet",
    ".csv": "spreadsheet",
    ".ppt": "presentation", ".pptx": "presentation", ".pps": "presentation",
    ".ppsx": "presentation", ".odp": "presentation",
}
DOCUMENT_TYPES = {
    "application/pdf": "pdf", "application/x-pdf": "pdf",
    "application/msword": "word", "application/rtf": "word", "text/rtf": "word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word",
    "application/vnd.oasis.opendocument.text": "odf",
    "application/vnd.ms-excel": "spreadsheet", "text/csv": "spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "spreadsheet",
    "application/vnd.oasis.opendocument.spreadsheet": "spreadsheet",
    "application/vnd.ms-powerpoint": "presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "presentation",
    "application/vnd.oasis.opendocument.presentation": "presentation",
}
WEB_SCHEMES = {"http", "https"}
URL_NOISE = re.compile(r"[\t\r\n]")
LISTED = 10  # links named in the words of one change; the rest are counted


@dataclasses.dataclass(frozen=True, order=True)
class Link:
    area: str  # "content" | "chrome"
    url: str
    document: str | None = None  # one of DOCUMENT_EXTENSIONS' values, or None
    text: str = ""


@dataclasses.dataclass(frozen=True)
class Changes:
    """Content links that came (``added``) and went (``removed``) between two link sets."""

    added: tuple = ()
    removed: tuple = ()

    def documents(self):
        return Changes(_documents(self.added), _documents(self.removed))

    def others(self):
        return Changes(_others(self.added), _others(self.removed))

    def __bool__(self):
        return bool(self.added or self.removed)


def extract(tree, page_url, content=None, ignore=(), reading=None):
    """The page's links, sorted (area, url), one per (area, url). ``tree``: an lxml
    root element (``extract.parse_html(html).tree``) or None (no links). ``reading``:
    ``chrome.read(tree, content)``, if the caller has it (the page's text read it too)."""
    if tree is None:
        return ()
    base = _base(tree, page_url)
    own = urldefrag(page_url)[0]
    reading = reading or chrome.read(tree, content)
    ignored = chrome.selected(tree, [r.value for r in ignore if r.kind == "selector"])
    areas = {}
    found = {}
    for anchor in tree.iter("a", "area"):
        link = _link(anchor, base, own, reading, ignored, areas)
        if link is None:
            continue
        key = (link.area, link.url)
        if key not in found or not found[key].text:  # the first link with words names it
            found[key] = link
    return tuple(sorted(found.values()))


def _link(anchor, base, own, reading, ignored, areas):
    href = anchor.get("href")
    if href is None:
        return None
    href = URL_NOISE.sub("", href).strip()
    if not href or href.startswith("#"):
        return None
    resolved = _resolve(base, href)
    if resolved is None:
        return None
    url, path, fragment = resolved
    if fragment and url == own:
        return None
    area = _area(anchor, reading, ignored, areas)
    return Link(area, url, _document(path, anchor.get("type")), _text(anchor))


def _resolve(base, href):
    """(absolute url without its fragment, its path, the fragment), or None for an address
    that is not a web page's. A plain site-absolute path ('/docs/a.pdf', most links)
    is joined without urljoin, which would take most of the time."""
    origin = _origin(base)
    if origin and href[0] == "/" and href[:2] != "//" and "/." not in href and "\\" not in href:
        url, _, fragment = (origin + href).partition("#")
        return url, url[len(origin):].split("?", 1)[0], fragment
    try:
        url, fragment = urldefrag(urljoin(base, href))
        parts = urlsplit(url)
    except ValueError:  # a malformed address (an unclosed IPv6 bracket): not a link
        return None
    if parts.scheme.lower() not in WEB_SCHEMES or not parts.netloc:
        return None
    return url, parts.path, fragment


@functools.lru_cache(maxsize=64)
def _origin(base):
    """'https://host:8080' of an http(s) base address, else None."""
    try:
        parts = urlsplit(base)
    except ValueError:
        return None
    ok = parts.scheme.lower() in WEB_SCHEMES and parts.netloc
    return f"{parts.scheme}://{parts.netloc}" if ok else None


def _base(tree, page_url):
    for element in tree.iter("base"):
        if element.get("href"):
            try:
                return urljoin(page_url, URL_NOISE.sub("", element.get("href")).strip())
            except ValueError:
                break
    return page_url


def _area(anchor, reading, ignored, areas):
    """"chrome" or "content" for ``anchor``: decided by the nearest of its ancestors (itself
    first) that is ignored, in the content scope, or chrome. ``areas`` remembers each
    element's answer, so the links of one list walk up their shared ancestors once."""
    if chrome.language_link(anchor):
        return "chrome"
    walked, element, area = [], anchor, None
    while element is not None:
        area = areas.get(element) or _own_area(element, reading, ignored)
        if area is not None:
            break
        walked.append(element)
        element = element.getparent()
    if area is None:  # reached the root: the whole page is content unless a scope was given
        area = "content" if reading.scope is None else "chrome"
    for passed in walked:
        areas[passed] = area
    return area


def _own_area(element, reading, ignored):
    """What ``element`` itself decides, or None to ask its parent."""
    if element in ignored:
        return "chrome"
    if reading.scope is not None and element in reading.scope:
        return "content"  # what the content selector chose is content, whatever it is
    return "chrome" if reading.is_chrome(element) else None


def _document(path, declared_type):
    kind = DOCUMENT_TYPES.get((declared_type or "").split(";")[0].strip().lower())
    if kind:
        return kind
    # '/a.pdf;jsessionid=…': a path parameter is not part of the file's name
    return DOCUMENT_EXTENSIONS.get(posixpath.splitext(path.lower().split(";", 1)[0])[1])


def _text(anchor):
    text = " ".join(anchor.text_content().split()) if anchor.tag == "a" else ""
    if not text:
        alts = [img.get("alt") for img in anchor.iter("img") if img.get("alt")]
        text = " ".join(" ".join(alts).split()) or " ".join(
            (anchor.get("title") or anchor.get("aria-label") or anchor.get("alt") or "").split())
    return unicodedata.normalize("NFC", text)


# -- stored form ---------------------------------------------------------------


def serialize(links):
    """One line per link: area, document, url, text, tab-separated (links sorted)."""
    lines = (f"{link.area}\t{link.document or ''}\t{link.url}\t{_one_line(link.text)}"
             for link in sorted(links))
    return "\n".join(lines).encode("utf-8")


def parse(data):
    """The links ``serialize`` wrote."""
    links = []
    for line in data.decode("utf-8").split("\n") if data else ():
        area, document, url, text = line.split("\t", 3)
        links.append(Link(area, url, document or None, text))
    return tuple(links)


def _one_line(text):
    return " ".join(text.replace("\t", " ").split())


# -- changes -------------------------------------------------------------------


def content(links):
    return {link.url: link for link in links if link.area == "content"}


def compare(before, after):
    """The content links of ``after`` not in ``before`` and the reverse, by address
    (a link whose words changed is the same link, and so is one whose address changed
    only in a session id or a cache-buster: ``monitor.analysis.addresses``). Chrome
    never counts."""
    old, new = content(before), content(after)
    added, removed = new.keys() - old.keys(), old.keys() - new.keys()
    same = addresses.readdressed(old, new, removed, added)
    added, removed = added - set(same.values()), removed - same.keys()
    return Changes(tuple(new[u] for u in sorted(added)), tuple(old[u] for u in sorted(removed)))


def kinds(changes):
    """The event kinds a change makes: ``documents_changed`` and/or ``links_changed``."""
    return [kind for kind, part in (("documents_changed", changes.documents()),
                                    ("links_changed", changes.others())) if part]


def words(changes, whose):
    """'2 documents were removed from Canada's page: Summary (https://...); ...'."""
    sentences = []
    for noun, part in (("document", changes.documents()), ("link", changes.others())):
        for verb, items, where in (("removed", part.removed, "from"), ("added", part.added, "to")):
            if items:
                sentences.append(_sentence(noun, verb, where, whose, items))
    return " ".join(sentences)


def _sentence(noun, verb, where, whose, items):
    count = len(items)
    named = "; ".join(f"{link.text or _file_name(link.url)} ({link.url})" for link in items[:LISTED])
    more = f"; and {count - LISTED} more" if count > LISTED else ""
    nouns = noun if count == 1 else f"{noun}s"
    was = "was" if count == 1 else "were"
    return f"{count} {nouns} {was} {verb} {where} {whose} page: {named}{more}."


def _file_name(url):
    return posixpath.basename(urlsplit(url).path) or url


def _documents(items):
    return tuple(link for link in items if link.document)


def _others(items):
    return tuple(link for link in items if not link.document)


def possessive(country):
    """"Canada's", "United States'"."""
    return f"{country}'" if country.endswith("s") else f"{country}'s"


# -- follow: the documents a source watches as sources of their own -------------


def to_follow(found, rule):
    """The links a source's ``follow:`` watches, in ``found`` (the page's links, or for a
    selector the links ``extract`` read with it as the content): content links to PDFs
    (``documents``), or to PDFs and web pages (a selector). Other documents (Word,
    spreadsheets) are listed with the page's links but cannot be read, so not followed."""
    readable = {"pdf"} if rule.kind == "documents" else {"pdf", None}
    return tuple(link for link in found if link.area == "content" and link.document in readable)


def followed_id(parent_id, url):
    """A followed document's source id: its page's id and a short stable hash of its address.

    Example: ``followed_id("canada", "https://x/a.pdf") == "canada-" + 8 hex digits``.
    """
    import hashlib

    return f"{parent_id}-{hashlib.sha256(url.encode('utf-8')).hexdigest()[:8]}"


def followed_title(link):
    return link.text or _file_name(link.url)


def followed_kind(link):
    return "pdf" if link.document == "pdf" else "html"

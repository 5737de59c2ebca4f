"""Text extraction from HTML: the words a campaigner would compare. Pure functions.

The page's chrome (menus, page headers and footers, breadcrumbs, language switchers,
cookie banners: ``monitor.analysis.chrome``, the reading ``monitor.analysis.links`` uses
too) is never part of the text, whatever the page's length. Of the rest, the page's main
content is taken with trafilatura (widgets and other boilerplate dropped); a source's
``content`` selector overrides that (chrome inside it still dropped), and its ``ignore``
rules drop parts first. A page that has no words outside its chrome is read whole.
"""

import dataclasses
import re
import unicodedata

import charset_normalizer
import lxml.etree
import lxml.html
import trafilatura
import w3lib.encoding

from monitor.analysis import chrome, stop_words

stop_words.install()  # jusText's stop list made once per process, as the set it reads

# What the plain reading of a short page leaves out besides the chrome (``_fallback_text``).
UNREAD = ("script", "style", "noscript", "template", "svg", "iframe", "form")
MIN_MAIN_CHARS = 40


# Parts of a text that change on every request and mean nothing: clock times
# with seconds ("generated 10:32:11") and long hex tokens (session ids). Each is
# r"\b\d{1,2}:..." and r"\b[0-9a-f...]{24,}\b" written with its first character
# before the word-boundary check, so that re can skip ahead to candidates (2x faster).
VOLATILE = (
    re.compile(r"\d(?<!\w\d)\d?:\d{2}:\d{2}(?:[.,]\d+)?(?:\s?(?:[AaPp]\.?[Mm]\.?|Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"),
    re.compile(r"[0-9a-fA-F](?<!\w[0-9a-fA-F])[0-9a-fA-F]{23,}\b"),
)
# What trafilatura's own parse (trafilatura.load_html) deletes from the page
# before lxml reads it; the marker search keeps it, so it cannot share that tree.
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
MULTIBYTE = ("shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb18030", "gbk", "big5", "euc_kr",
             "utf-16", "utf-32")


# What reading a page may take in memory: lxml's tree, trafilatura's copy of it and what
# it builds, measured on pages of tables, links, inline tags and paragraphs of 1-10 MB
# (benchmarks/read_memory.py, figures in benchmarks/RESULTS.md): about 900 bytes per tag
# and 25 per byte of HTML (a 5 MB table of 312,500 figures took 643 MB, 5 MB of paragraphs
# 148 MB), and 600 more per tag when `ignore:` selectors make BeautifulSoup read it first.
MEMORY_PER_TAG = 900
MEMORY_PER_SOUP_TAG = 600
MEMORY_PER_BYTE = 25


def reading_memory(body, selectors=False):
    """The bytes of memory reading the HTML ``body`` may take, counted before it is parsed
    (its tags are its '<'); ``selectors``: whether `ignore:` selectors apply to it."""
    per_tag = MEMORY_PER_TAG + (MEMORY_PER_SOUP_TAG if selectors else 0)
    return body.count(b"<") * per_tag + len(body) * MEMORY_PER_BYTE


class ContentMissing(Exception):
    """The source's ``content`` selector matched nothing on the page."""


@dataclasses.dataclass(frozen=True)
class ParsedPage:
    """A page parsed once by lxml, for trafilatura and for the marker search."""

    tree: object      # trafilatura.load_html(html): None when trafilatura would not call it HTML
    document: object  # that same tree when the marker search reads it exactly like its own parse, else None


def parse_html(html):
    """Parse ``html`` the way trafilatura does. The marker search shares the tree only
    when it reads it like its own parse: a whole document (not a fragment), nothing
    that trafilatura deletes before parsing, and a newline in it (trafilatura adds one
    after the doctype line otherwise). Then the two differ only in comments, which the
    marker search skips anyway."""
    tree = trafilatura.load_html(html)
    whole = tree is not None and tree.getparent() is None and tree.tag == "html"
    same = whole and "\n" in html and not XML_INVALID.search(html)
    return ParsedPage(tree, tree if same else None)


def html_text(html, content=None, ignore=(), tree=None, reading=None):
    """The comparable text of a page: main content, or what ``content`` selects, without
    the page's chrome.

    ``tree``: ``parse_html(html).tree``, to save parsing the page again (it is read, never
    changed). A ``content`` regex reads the page's whole text, chrome included: the source's
    pattern says what to take. ``reading``: ``chrome.read(tree, content)`` of that ``tree``,
    if the caller has it (``monitor.analysis.links`` reads the same).
    """
    selectors = [r.value for r in ignore if r.kind == "selector"]
    patterns = [r.pattern for r in ignore if r.kind == "regex"]
    if content is not None and content.kind == "regex":
        return normalize(_selected_text(_soup(html, selectors), content), patterns)
    if selectors:
        html = str(_soup(html, selectors))
        tree = None
    if tree is None:  # another tree: the caller's reading of the chrome is not its own
        tree, reading = parse_html(html).tree, None
        tree = _fragment_tree(html) if tree is None else tree
    text = _own_text(html, tree, content, reading)
    if not text.strip() and tree is not None:  # nothing but chrome: the chrome is the page
        text = _read(html, tree, content)
    return normalize(text, patterns)


def _fragment_tree(html):
    """What trafilatura would not call HTML (a fragment), parsed all the same, or None."""
    try:
        return lxml.html.document_fromstring(html) if html.strip() else None
    except (ValueError, lxml.etree.ParserError):
        return None


def _own_text(html, tree, content, reading=None):
    if tree is None:
        return _read(html, None, content)
    reading = reading or chrome.read(tree, content)
    if content is not None and not reading.scope:  # lxml cannot read the selector: soup's choice
        return _read(html, tree, content)
    return _read(None, chrome.without(tree, reading), content)


def _read(html, tree, content):
    """The text of the page (``tree`` when given, else ``html``), or what ``content`` selects."""
    if content is not None:
        return _selected_text(_soup(html if tree is None else _markup(tree)), content)
    return _main_text(html, tree)


def _soup(html, selectors=()):
    # imported here: Beautiful Soup and soupsieve cost every crawl's fork server 0.3 s of
    # CPU, and only a page with a content or ignore selector lxml cannot read needs them
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for selector in selectors:
        for element in soup.select(selector):
            element.decompose()
    return soup


def _markup(tree):
    return lxml.html.tostring(tree, encoding="unicode")


def _selected_text(soup, rule):
    elements = soup.select(rule.value) if rule.kind == "selector" else []
    if rule.kind == "regex":
        found = rule.pattern.search(soup.get_text("\n"))
        if not found:
            raise ContentMissing(rule.value)
        return found.group(0)
    if not elements:
        raise ContentMissing(rule.value)
    return "\n".join(e.get_text("\n") for e in elements)


def _main_text(html, tree=None):
    main = trafilatura.extract(
        html if tree is None else tree, include_comments=False, include_tables=True,
        include_links=False, favor_recall=True, deduplicate=False, with_metadata=False,
    )
    if main and len(main) >= MIN_MAIN_CHARS:
        return main
    return _fallback_text(html if tree is None else _markup(tree))


def _fallback_text(html):
    soup = _soup(html, UNREAD)
    root = soup.body or soup
    return root.get_text("\n")


def normalize(text, patterns=()):
    """NFC, one line per block, spaces collapsed, blank lines, volatile and ignored parts dropped."""
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    for pattern in (*patterns, *VOLATILE):
        text = pattern.sub("", text)
    lines = (" ".join(line.split()) for line in text.splitlines())  # split() and \s agree
    return "\n".join(line for line in lines if line)


def decode_html(body, content_type=None):
    """(text, encoding): BOM, then strict UTF-8, then the declared charsets
    (multi-byte ones first: a header saying iso-8859-1 must not beat a meta
    saying Shift_JIS), then detection. The same words give the same text
    whatever encoding a site switches to."""
    encoding, bom = w3lib.encoding.read_bom(body)
    if encoding:
        return body[len(bom):].decode(encoding, "replace"), encoding
    for name in ["utf-8", *_declared(body, content_type)]:
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    guess = charset_normalizer.from_bytes(body[:200_000]).best()
    if guess is not None:
        return body.decode(guess.encoding, "replace"), guess.encoding
    return body.decode("cp1252", "replace"), "cp1252"


def _declared(body, content_type):
    names = [w3lib.encoding.http_content_type_encoding(content_type or ""),
             w3lib.encoding.html_body_declared_encoding(body)]
    names = [w3lib.encoding.resolve_encoding(n) for n in names if n]
    names = [n for n in names if n]
    return sorted(dict.fromkeys(names), key=lambda n: n not in MULTIBYTE)

"""Text extraction from HTML: the words a campaigner would compare. Pure functions.

By default the page's main content is taken with trafilatura (navigation,
headers, footers, cookie banners and widgets dropped); a source's ``content``
selector overrides that, and its ``ignore`` rules drop parts first.
"""

import re
import unicodedata

import charset_normalizer
import trafilatura
import w3lib.encoding
from bs4 import BeautifulSoup

BOILERPLATE = (
    "script", "style", "noscript", "template", "svg", "iframe", "nav", "header", "footer",
    "aside", "form", "[role=navigation]", "[role=banner]", "[role=contentinfo]",
    "[id*=cookie]", "[class*=cookie]",
)
MIN_MAIN_CHARS = 40


# Parts of a text that change on every request and mean nothing: clock times
# with seconds ("generated 10:32:11") and long hex tokens (session ids).
VOLATILE = (
    re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\s?(?:[AaPp]\.?[Mm]\.?|Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"),
    re.compile(r"\b[0-9a-fA-F]{24,}\b"),
)
MULTIBYTE = ("shift_jis", "cp932", "euc_jp", "iso2022_jp", "gb18030", "gbk", "big5", "euc_kr",
             "utf-16", "utf-32")


class ContentMissing(Exception):
    """The source's ``content`` selector matched nothing on the page."""


def html_text(html, content=None, ignore=()):
    """The comparable text of a page: main content, or what ``content`` selects."""
    selectors = [r.value for r in ignore if r.kind == "selector"]
    patterns = [r.pattern for r in ignore if r.kind == "regex"]
    if content is not None or selectors:
        soup = _soup(html)
        for selector in selectors:
            for element in soup.select(selector):
                element.decompose()
        text = _selected_text(soup, content) if content is not None else _main_text(str(soup))
    else:
        text = _main_text(html)
    return normalize(text, patterns)


def _soup(html):
    return BeautifulSoup(html, "lxml")


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


def _main_text(html):
    main = trafilatura.extract(
        html, include_comments=False, include_tables=True, include_links=False,
        favor_recall=True, deduplicate=False, with_metadata=False,
    )
    if main and len(main) >= MIN_MAIN_CHARS:
        return main
    return _fallback_text(html)


def _fallback_text(html):
    soup = _soup(html)
    for selector in BOILERPLATE:
        for element in soup.select(selector):
            element.decompose()
    root = soup.body or soup
    return root.get_text("\n")


def normalize(text, patterns=()):
    """NFC, one line per block, spaces collapsed, blank lines, volatile and ignored parts dropped."""
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    for pattern in (*patterns, *VOLATILE):
        text = pattern.sub("", text)
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.splitlines())
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

"""Text extraction from HTML: the words a campaigner would compare. Pure functions.

By default the page's main content is taken with trafilatura (navigation,
headers, footers, cookie banners and widgets dropped); a source's ``content``
selector overrides that, and its ``ignore`` rules drop parts first.
"""

import re
import unicodedata

import trafilatura
from bs4 import BeautifulSoup

BOILERPLATE = (
    "script", "style", "noscript", "template", "svg", "iframe", "nav", "header", "footer",
    "aside", "form", "[role=navigation]", "[role=banner]", "[role=contentinfo]",
    "[id*=cookie]", "[class*=cookie]",
)
MIN_MAIN_CHARS = 40


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
    """NFC, one line per block, spaces collapsed, blank lines and ignored parts dropped."""
    text = unicodedata.normalize("NFC", text).replace("\ufeff", "")
    for pattern in patterns:
        text = pattern.sub("", text)
    lines = (re.sub(r"\s+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)

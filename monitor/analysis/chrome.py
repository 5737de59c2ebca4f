"""A page's chrome: what the site wraps around every page's own content. Pure functions.

Menus, page-level headers and footers, breadcrumbs, language switchers, skip links,
sidebars and cookie banners are chrome. ``read(tree, content)`` reads them once per page,
by structure rather than by wording:

- elements: ``nav``, ``menu``, ``aside``; a page-level ``header`` / ``footer`` (one not
  inside an ``article``, ``section`` or ``main``);
- ARIA roles: navigation, banner, contentinfo, menu, menubar, search, complementary;
- markup names (class / id words, never the page's wording): menu, breadcrumb, skip link,
  language switcher, toolbar, pager, sidebar, cookie or consent banner; a page-level
  element named header or footer;
- links: a link with ``hreflang`` or ``lang`` (a language switcher); and a block that is
  mostly short links, none to a document, placed where a page keeps its menus (before the
  page's main heading, or outside its one ``main`` / its ``content:`` selection): a menu
  written as a plain ``<div>`` or table cell of links.

An element holding the page's own content is never chrome, whatever it is called: what
``content:`` selects (and what holds it), the page's one ``main``, and the page's main
heading (its first ``h1`` that is not a linked logo) with what holds it.

``monitor.analysis.links`` calls the links in chrome "chrome" and never compares them;
``monitor.analysis.extract`` leaves chrome out of the compared text (``without``).
"""

import copy
import dataclasses
import functools
import posixpath
import re
from urllib.parse import urlsplit

from lxml.etree import XPath

CHROME_TAGS = {"nav", "menu", "aside"}
PAGE_LEVEL_TAGS = {"header", "footer"}  # chrome unless inside one of SECTIONING_TAGS
SECTIONING_TAGS = {"article", "section", "main"}
CHROME_ROLES = {"navigation", "banner", "contentinfo", "menu", "menubar", "search",
                "complementary"}
# Markup names (class / id words), not page wording: what sites call their chrome.
CHROME_NAMES = {"nav", "navbar", "navigation", "menu", "menubar", "submenu", "breadcrumb",
                "breadcrumbs", "skip", "skiplink", "skiplinks", "toolbar", "pager", "pagination",
                "lang", "language", "languages", "langswitch", "languageswitcher", "sidebar",
                "masthead", "consent", "gdpr", "cookiebanner", "cookies"}
# Names of a whole class or id (separators dropped) that call a page-level element its
# header or footer; "article-header", "card-footer" are not among them.
PAGE_LEVEL_NAMES = {"header", "footer", "siteheader", "sitefooter", "globalheader",
                    "globalfooter", "mainheader", "mainfooter", "pagefooter", "topbar"}
NAME_WORDS = re.compile(r"[a-z]+")
INVISIBLE = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}
# A menu written without markup: at least MENU_LINKS links, MENU_LINK_SHARE of its words'
# characters in them, and at most MENU_LINK_WORDS words a link on average.
MENU_LINKS = 3
MENU_LINK_SHARE = 0.8
MENU_LINK_WORDS = 4
DOCUMENT = re.compile(r"\.(?:pdf|docx?|odt|rtf|xlsx?|ods|csv|pptx?|odp)$")
_ROLES = XPath("//*[@role]")
_TEXT = XPath("descendant::text()[not(" + " or ".join(f"ancestor::{t}" for t in sorted(INVISIBLE)) + ")]")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclasses.dataclass(frozen=True)
class Reading:
    """One page's chrome, as ``read`` found it."""

    scope: frozenset | None   # what content: selects, else the page's one main, else None
    kept: frozenset           # never chrome: the scope, the main heading and what holds them
    menus: frozenset          # blocks of links found to be menus by their links alone

    def is_chrome(self, element):
        """Is ``element`` itself chrome (its ancestors aside)?"""
        if element in self.kept:
            return False
        return element in self.menus or chrome_element(element)


def read(tree, content=None):
    """The chrome of the parsed page ``tree`` (an lxml root element). ``content``: the
    source's ``content:`` rule (a selector chooses the content; a regex chooses nothing here)."""
    scope = content_scope(tree, content)
    heading = main_heading(tree, scope)
    kept = set()
    for element in [*(scope or ()), *([heading] if heading is not None else [])]:
        kept.add(element)
        kept.update(element.iterancestors())
    root = tree.getroottree().getroot()
    kept.update(e for e in (tree, root, root.find("body")) if e is not None)
    return Reading(None if scope is None else frozenset(scope), frozenset(kept),
                   frozenset(_menus(tree, scope, heading, kept)))


def content_scope(tree, content):
    """The elements holding the content: what ``content:`` selects, else the page's one
    ``main`` (or ``role=main``), else None (the whole page, chrome aside)."""
    if content is not None and content.kind == "selector":
        return selected(tree, [content.value]) or set()
    mains = [*tree.iter("main"), *(e for e in _ROLES(tree) if e.tag != "main"
                                   and e.get("role").strip().lower() == "main")]
    return set(mains) if len(mains) == 1 else None


def selected(tree, selectors):
    """The elements the CSS ``selectors`` choose (one lxml cannot read chooses none)."""
    from lxml.cssselect import CSSSelector

    chosen = set()
    for selector in selectors:
        try:
            chosen.update(CSSSelector(selector)(tree))
        except Exception:  # noqa: BLE001 - soupsieve-only syntax: chooses nothing here
            continue
    return chosen


def main_heading(tree, scope=None):
    """The page's main heading: its first ``h1`` (inside the scope, when there is one) that
    is not a linked logo nor inside a ``nav`` or ``aside``, else None."""
    places = list(scope) if scope else [tree]
    for place in places:
        for heading in place.iter("h1"):
            if _logo(heading) or any(a.tag in CHROME_TAGS for a in heading.iterancestors()):
                continue
            return heading
    return None


def _logo(heading):
    """An h1 with no words, or whose words are all a link's and that shows an image or
    links to the site's home ('/', '/en/'): a site's name, not the page's."""
    words = _size(_visible_text(heading))
    if words == 0:
        return True
    anchors = list(heading.iter("a"))
    if words != sum(_size(_visible_text(a)) for a in anchors):
        return False
    return any(True for _ in heading.iter("img", "svg")) or any(_home(a.get("href")) for a in anchors)


def _home(href):
    try:
        path = urlsplit((href or "").strip()).path
    except ValueError:
        return False
    parts = [part for part in path.split("/") if part and not part.startswith("index.")]
    return not parts or len(parts) == 1 and len(parts[0]) <= 5  # '/', '/en/', '/de-ch/'


def chrome_element(element):
    """Is ``element`` chrome by its tag, role or markup names alone?"""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in CHROME_TAGS:
        return True
    if tag in PAGE_LEVEL_TAGS and _page_level(element):
        return True
    if set((element.get("role") or "").lower().split()) & CHROME_ROLES:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    if not names.strip():
        return False
    named = _chrome_names(names)
    return named == "chrome" or named == "page-level" and _page_level(element)


def language_link(anchor):
    """A link to the page in another language (a language switcher's)."""
    return bool(anchor.get("hreflang") or anchor.get("lang"))


def _page_level(element):
    return not any(a.tag in SECTIONING_TAGS for a in element.iterancestors())


@functools.lru_cache(maxsize=4096)
def _chrome_names(names):
    """"chrome", "page-level" or None: what these class / id names call the element.
    (Pages repeat their class names on every item of a list: each is read once.)"""
    lowered = names.lower()
    if _name_words(lowered) & CHROME_NAMES or "cookie" in lowered:
        return "chrome"
    whole = {re.sub(r"[^a-z]", "", name) for name in lowered.split()}
    return "page-level" if whole & PAGE_LEVEL_NAMES else None


def _name_words(names):
    """'main-nav breadcrumb_list' -> {'main', 'nav', 'breadcrumb', 'list', 'mainnav', ...}:
    each word, and each class / id written whole without its separators."""
    words = set(NAME_WORDS.findall(names))
    words.update(re.sub(r"[^a-z]", "", name) for name in names.split())
    return words


# -- menus written as plain blocks of links ---------------------------------------


def _menus(tree, scope, heading, kept):
    """The outermost blocks that are menus by their links (see ``_menu``), among those
    where a page keeps its menus: outside the scope, else before the main heading."""
    anchors = _placed_anchors(tree, scope, heading)
    counts = {}
    for anchor in anchors:
        for block in anchor.iterancestors():
            if block in kept:
                break
            counts.setdefault(block, []).append(anchor)
    menus = set()
    for block, links in sorted(counts.items(), key=lambda item: _depth(item[0])):
        if len(links) >= MENU_LINKS and not any(m in menus for m in block.iterancestors()) \
                and _menu(block, links):
            menus.add(block)
    return menus


def _placed_anchors(tree, scope, heading):
    """The links placed where a page keeps its menus."""
    if scope is not None:
        inside = {e for element in scope for e in element.iter("a")}
        return [a for a in tree.iter("a") if a.get("href") is not None and a not in inside]
    if heading is None:
        return []
    anchors = []
    for element in tree.iter():
        if element is heading:
            return anchors
        if element.tag == "a" and element.get("href") is not None:
            anchors.append(element)
    return anchors


def _menu(block, links):
    """Mostly links (their words are most of the block's), short ones, none to a document."""
    texts = [_visible_text(a) for a in links]
    if any(_document(a.get("href")) for a in links):
        return False
    words = sum(len(t.split()) for t in texts)
    if words > MENU_LINK_WORDS * len(links):
        return False
    total = _size(_visible_text(block))
    return total > 0 and sum(_size(t) for t in texts) >= MENU_LINK_SHARE * total


def _document(href):
    try:
        path = urlsplit(href.strip()).path
    except ValueError:
        return False
    return bool(DOCUMENT.search(posixpath.basename(path.lower().split(";", 1)[0])))


def _depth(element):
    return sum(1 for _ in element.iterancestors())


def _visible_text(element):
    """The words of ``element`` a reader sees (scripts, styles and the like left out)."""
    return " ".join(_TEXT(element))


def _size(text):
    """The characters of ``text``'s words (spaces and punctuation left out)."""
    return len(_NOT_WORD.sub("", text))


# -- the page without its chrome ---------------------------------------------------


def outermost(tree, reading):
    """The chrome elements of ``tree`` that no other chrome element holds, in document order,
    and the language links outside them."""
    found, stack = [], [tree]
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        if reading.is_chrome(element) or element.tag == "a" and language_link(element) \
                and element not in reading.kept:
            found.append(element)
            continue
        stack.extend(reversed(element))
    return found


def without(tree, reading=None, content=None):
    """A copy of ``tree`` without its chrome, or ``tree`` itself when it has none (``tree``
    is left as it was)."""
    reading = reading or read(tree, content)
    dropped = outermost(tree, reading)
    if not dropped:
        return tree
    paths = [_path(tree, element) for element in dropped]
    own = copy.deepcopy(tree)
    for path in reversed(paths):  # the last first: the paths before it stay right
        _drop(_follow(own, path))
    return own


def _path(root, element):
    path = []
    while element is not root:
        parent = element.getparent()
        path.append(parent.index(element))
        element = parent
    return path[::-1]


def _follow(root, path):
    for index in path:
        root = root[index]
    return root


def _drop(element):
    """Remove ``element``, keeping the text that follows it (its tail) where it was."""
    parent, tail = element.getparent(), element.tail
    if tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)

"""The part of a page a "last updated" label may be read in: its visible text (one
newline between blocks, spaces collapsed), with the places and elements of other
pages' content shown on it (teasers, related articles, asides: ``_Scope``) marked,
so ``monitor.analysis.markers`` never reads their dates. Pure functions, no I/O."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import NamedTuple

import lxml.etree
import lxml.html

_SKIP_TAGS = frozenset("script style noscript template svg head iframe object canvas select".split())
_BLOCK_TAGS = frozenset((
    "address article aside blockquote body br caption dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol option p pre "
    "section summary table tbody td tfoot th thead tr ul legend").split())
_SCOPE_TAGS = frozenset("article aside div section ul ol li a tr dd".split())  # where teasers live (see _Scope)
_OUTSIDE, _IN_MAIN, _IN_FOREIGN = 0, 1, 2  # where an element is: outside or in the main article, in a teaser


@dataclass
class Page:
    text: str = ""
    times: list = field(default_factory=list)    # (start, end, datetime attribute)
    root: object = None                           # lxml tree, None for plain text
    foreign: list = field(default_factory=list)   # (start, end) of other pages' content (see _Scope)
    foreign_elements: frozenset = frozenset()     # the elements holding it


def trie(words: list[str]) -> str:
    """One regex for many words, as a prefix tree (a plain alternation is ~20x slower)."""
    tree: dict = {}
    for word in words:
        node = tree
        for ch in " ".join(word.lower().split()):
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie_node(tree)


def _trie_node(node: dict) -> str:
    alts = [(r"\s+" if ch == " " else re.escape(ch)) + _trie_node(child)
            for ch, child in sorted(node.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in node else body


# ---------------------------------------------------------------- visible text
#
# The visible text has whitespace collapsed to one space and one newline between
# blocks. The walk only collects raw pieces (a NUL stands for a block edge: lxml
# text never contains NUL); ``_visible`` then collapses them in a few passes over
# the whole text instead of one Python call per piece.

_BLOCK_EDGE = "\0"
_EDGE_RUN = re.compile("\0[\0 ]*")  # once spaces are collapsed: block edges with the spaces between them


def _walk(el, pieces: list, times: list, scope, regions: list, state: int = _OUTSIDE):
    """Collect the raw visible pieces under ``el``; ``times``: (first piece, end piece, datetime);
    ``regions``: (first piece, end piece, element) of other pages' content, when ``scope``
    (a ``_Scope``) is given; ``state``: where ``el`` is (``_OUTSIDE``, ``_IN_MAIN``, ``_IN_FOREIGN``)."""
    tag = el.tag
    if isinstance(tag, str):  # comments and processing instructions only contribute their tail
        tag = tag.lower()
        if tag not in _SKIP_TAGS and el.get("hidden") is None:
            block = tag in _BLOCK_TAGS
            if block:
                pieces.append(_BLOCK_EDGE)
            start = len(pieces)
            inner = (scope.state_in(el, tag, state) if scope is not None and state != _IN_FOREIGN
                     and tag in _SCOPE_TAGS else state)
            if el.text:
                pieces.append(el.text)
            for child in el:
                _walk(child, pieces, times, scope, regions, inner)
            if tag == "time" and el.get("datetime"):
                times.append((start, len(pieces), el.get("datetime")))
            if inner == _IN_FOREIGN and state != _IN_FOREIGN:
                regions.append((start, len(pieces), el))
            if block:
                pieces.append(_BLOCK_EDGE)
    if el.tail:
        pieces.append(el.tail)


def collapse_pieces(raw: str, last: str) -> str:
    """Whitespace runs to one space, block edges to one newline, nothing at the start of
    a line; ``last`` is the character the text so far ends with ("\n" when empty)."""
    words = " ".join(raw.split())  # str.split() and re's \s agree on what whitespace is
    if words and raw[0].isspace():
        words = " " + words
    if raw and raw[-1].isspace():
        words += " "
    text = _EDGE_RUN.sub("\n", words)
    return text.lstrip(" \n") if last == "\n" else text.lstrip(" ") if last == " " else text


def _visible(root, scope=None) -> tuple[str, list, list]:
    """The visible text under ``root``, its <time datetime> spans (start, end, datetime) and,
    with a ``scope``, the spans of other pages' content (start, end, element)."""
    pieces, spans, regions = [], [], []
    _walk(root, pieces, spans, scope, regions)
    cuts = sorted({i for start, end, _ in spans + regions for i in (start, end)} | {len(pieces)})
    parts, offsets, size, last, done = [], {0: 0}, 0, "\n", 0
    for cut in cuts:
        part = collapse_pieces("".join(pieces[done:cut]), last)
        if part:
            parts.append(part)
            size, last = size + len(part), part[-1]
        offsets[cut], done = size, cut
    spans, regions = ([(offsets[start], offsets[end], value) for start, end, value in found]
                      for found in (spans, regions))
    return "".join(parts), spans, regions


def _parse_html(html: str):
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None


def read_page(html: str | None, text: str | None, root=None, scoped: bool = True) -> Page:
    """``root``: the page already parsed (see ``find_marker``), else ``html`` is parsed here.
    ``scoped``: other pages' content on this one (see ``_Scope``) is set apart."""
    page = Page()
    if root is None and html:
        root = _parse_html(html)
    if root is not None:
        page.text, page.times, regions = _visible(root, _Scope.of(root) if scoped else None)
        page.foreign = [(start, end) for start, end, _ in regions]
        page.foreign_elements = frozenset(el for _, _, el in regions)
        page.root = root
    if text:
        plain = "\n".join(" ".join(line.split()) for line in str(text).splitlines())
        page.text += "\n" + re.sub(r"\n{2,}", "\n", plain).strip()
    return page


def collapse(s: str) -> str:
    return " ".join(s.split())


# ---------------------------------------------------------------- scope: the page's own content
#
# A page often shows other pages' dates: related-article cards, the next story an infinite
# scroll appends, teaser lists, sidebars. Their labels (and microdata) are never read, so a
# page without its own label gives none rather than a teaser's. They are found by structure:
# every <article> other than the page's main one (``_main_article``), <aside> outside the
# main article, elements whose class or id name such content (``_FOREIGN_WORDS``) and
# which link elsewhere, and cards (``_cards``): items of a list of alike siblings, each
# linking to another page with a title and showing a date, whatever they are called. An
# element holding the main article or the page's first <h1> is never set apart.

_FOREIGN_PAIRS = [("most", "read"), ("most", "viewed"), ("mais", "lid"), ("mas", "leid"), ("read", "next"),
                  ("up", "next"), ("next", "article"), ("next", "story"), ("next", "post"), ("article", "next"),
                  ("story", "next"), ("second", "article"), ("under", "article"), ("also", "read"),
                  ("read", "also"), ("see", "also"), ("lesen", "sie-auch"), ("lire", "aussi"),
                  ("leia", "tambem"), ("lea", "tambien"), ("les", "ogsa")]
_FOREIGN_PAIRS += [(more, what) for more in "more other mehr weitere autres otras mas mais outras flere".split()
                   for what in "stories news articles artikel nachrichten actus noticias nyheter saker cikkek".split()]
_FOREIGN_WORDS = ["related", "relacionad", "relaterte", "kapcsolod", "kapcsolód", "teaser", "recommend",
                  "recomend", "empfehl", "ajanl", "ajánl", "trending", "popular", "ranking", "meistgelesen",
                  "legolvasott", "outbrain", "taboola"]
_FOREIGN_WORDS += [a + sep + b for a, b in _FOREIGN_PAIRS for sep in ("", "-", "_")]
_FOREIGN_NAME = re.compile(trie(_FOREIGN_WORDS))  # on lower-cased names: ~5x faster than re.I


class _Scope(NamedTuple):
    main: object        # the page's main <article>, or None
    own: frozenset      # the elements holding it or the page's first <h1>: never foreign
    cards: frozenset    # other pages' cards (``_cards``)

    @classmethod
    def of(cls, root) -> "_Scope":
        main = _main_article(root)
        heading = next((h for h in main.iter("h1")), None) if main is not None else root.find(".//h1")
        own = frozenset(a for el in (main, heading) if el is not None for a in (el, *el.iterancestors()))
        return cls(main, own, _cards(root, own))

    def state_in(self, el, tag: str, state: int) -> int:
        """Where the content of ``el`` (one of ``_SCOPE_TAGS``) is, inside content at ``state``."""
        if el in self.own:
            return _IN_MAIN if el is self.main else state
        if (tag == "article" and self.main is not None or tag == "aside" and state != _IN_MAIN
                or el in self.cards):
            return _IN_FOREIGN
        name, ident = el.get("class"), el.get("id")
        if ((name and _names_foreign(name) or ident and _names_foreign(ident))
                and (tag == "a" or el.find(".//a") is not None)):  # a teaser links elsewhere
            return _IN_FOREIGN
        return state


_CARD_TAGS = frozenset("article div section li tr dd".split())
_CARD_REACH = 5           # the ancestors of a title link that may be its card
_CARD_MAX_CHARS = 1500    # a card: a title, a date, a line or two
_CARD_MAX_LINKS = 4       # a title, an image, a category; more is a menu or a footer
_HEADINGS = frozenset("h2 h3 h4 h5 h6".split())
_NOT_A_PAGE = re.compile(r"\s*(?:#|javascript:|mailto:|tel:)", re.I)
# A card's date. Only whether it matches counts: the month name that opens a date starts
# at a word's start ((?<!...): re then skips the rest of each word instead of trying every
# letter of it, 1.7x faster), and a text without a digit has none (checked first: 5x).
_DATE_LIKE = re.compile(r"\d{1,4}\s?[./-]\s?\d{1,2}|\d{1,2}\s?[月年]|\d{1,2}\.?\s+[^\W\d_]{3,}\.?,?\s+\d{4}"
                        r"|(?<![^\W\d_])[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}|\d{4}\.\s+[^\W\d_]{3,}")
_DIGIT = re.compile(r"\d")


def _cards(root, own: frozenset) -> frozenset:
    """Other pages' cards: the items of a list of at least two alike siblings (same tag and
    class) that each link to another page with a title (``_title_link``) and show a date, in
    at most ``_CARD_MAX_CHARS`` and ``_CARD_MAX_LINKS`` links (``_dated_card``)."""
    groups: dict = {}
    for anchor in root.iter("a"):
        if not _title_link(anchor):
            continue
        for el in islice(anchor.iterancestors(), _CARD_REACH):
            if el in own:
                break
            parent = el.getparent()
            if el.tag in _CARD_TAGS and parent is not None:
                groups.setdefault((parent, el.tag, el.get("class")), set()).add(el)
    cards = set()
    for items in groups.values():
        dated = [el for el in items if len(items) >= 2 and _dated_card(el)]
        if len(dated) >= 2:
            cards.update(dated)
    return frozenset(cards)


def _title_link(anchor) -> bool:
    """A link to another page named by a title: two words or more (four CJK characters), or
    a heading's."""
    href = anchor.get("href")
    if href is None or _NOT_A_PAGE.match(href):
        return False
    words = anchor.text_content().split()
    if len(words) >= 2 or words and len(_CJK_RUN.findall(words[0])) >= 4:
        return True
    return any(el.tag in _HEADINGS for el in (*islice(anchor.iterancestors(), 2), *anchor.iter()))


_CJK_RUN = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def _dated_card(el) -> bool:
    text = el.text_content()  # the cheap tests first: a list or a whole page is no card
    if len(text) > _CARD_MAX_CHARS or not _DIGIT.search(text):
        return False
    links = {a.get("href") for a in el.iter("a") if a.get("href") is not None}
    return len(links) <= _CARD_MAX_LINKS and bool(_DATE_LIKE.search(text))


@lru_cache(maxsize=65536)
def _names_foreign(value: str) -> bool:
    """A class or id value naming other pages' content ("related-stories", "read-next")."""
    return bool(_FOREIGN_NAME.search(value.lower()))


_FURNITURE = frozenset("nav header footer aside".split())


def _main_article(root):
    """The page's main <article>: of those outside nav, header, footer, aside and containers
    named as other pages' content (and inside <main>, if any is), the one holding the first
    <h1>, else the first."""
    articles = [a for a in root.iter("article") if not any(_furniture(p) for p in a.iterancestors())]
    in_main = [a for a in articles if any(p.tag == "main" or p.get("role") == "main" for p in a.iterancestors())]
    pool = set(in_main or articles)
    for heading in root.iter("h1"):
        article = next(heading.iterancestors("article"), None)
        if article in pool:
            return article
    return (in_main or articles or [None])[0]


def _furniture(el) -> bool:
    """Site furniture or other pages' content: no place for the page's main article."""
    return el.tag in _FURNITURE or any(value and _names_foreign(value) for value in (el.get("class"), el.get("id")))


def in_foreign(page: Page, pos: int) -> bool:
    return any(start <= pos < end for start, end in page.foreign)

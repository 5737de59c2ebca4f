"""Walls, part one: a fetched page read once into a plain ``Page`` (what the wall
signals of ``monitor.analysis.walls`` read). Pure functions, no I/O."""

import collections
import dataclasses
import re
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

SKIP_TEXT = {"script", "style", "noscript", "template", "head", "title", "svg", "math", "select"}
CHROME_TAGS = {"nav", "aside"}  # always around the page, never the page
EDGE_TAGS = {"header", "footer"}  # the site's header and footer, unless inside main/article
CHROME_ROLES = {"navigation", "complementary", "search"}
EDGE_ROLES = {"banner", "contentinfo"}
LINK_ATTRIBUTES = ("src", "href", "action", "data-src")
LANDMARKS = {"main", "article", *CHROME_TAGS, *EDGE_TAGS}
PAGE_TAGS = {"html", "body", "main", "article"}  # never a dialog, whatever their class says
HEAD_TAGS = {"title", "h1", "h2", "script", "meta"}
MAX_SCRIPT_CHARS = 20_000

# An element named for consent (OneTrust, Cookiebot, Didomi, Usercentrics, Quantcast,
# Sourcepoint, TrustArc, Google's Funding Choices, home-made "cookie-banner"s).
CONSENT_NAME = re.compile(
    r"consent|cookie|gdpr|rgpd|dsgvo|(?<![a-z])cmp|onetrust|optanon|didomi|usercentrics|"
    r"cybot|truste|sp_message|privacy[-_]?(?:banner|modal|wall|overlay|popup|dialog|notice|manager)",
    re.I)
# Cheap first looks (most elements have none of these), before the expressions.
CONSENT_KEYS = ("consent", "cookie", "gdpr", "rgpd", "dsgvo", "cmp", "onetrust", "optanon", "didomi",
                "usercentrics", "cybot", "truste", "sp_message", "privacy")
DIALOG_KEYS = ("modal", "overlay", "popup", "pop-up", "lightbox", "dialog")
DIALOG_NAME = re.compile(
    r"(?<![a-z])modal(?![a-z])|overlay|popup|pop-up|lightbox|(?<![a-z])dialog(?![a-z])", re.I)
BUTTON_NAME = re.compile(r"(?<![a-z])(?:btn|button)(?![a-z])", re.I)
REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.I)

LINKY, CHROME_SHARE = 0.5, 0.5  # chrome: half its text in links, or under half the page's
# What a consent dialog talks about, in the partners' languages.
COOKIE_WORDS = re.compile(
    r"cookie|consent|gdpr|rgpd|dsgvo|einwillig|zustimm|datenschutz|consentement|"
    r"consentimento|consentimiento|samtykke|informasjonskapsl|hozzájárul|süti|クッキー|同意|隐私|隱私",
    re.I)


# -- what the signals read -----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Form:
    action: str = ""
    password: bool = False
    chars: int = 0  # characters of the page's main text inside the form
    edge: bool = False  # inside the site's menus, header, footer or a sidebar
    hidden: bool = False  # hidden by its markup (a sign-in dialog not open)


@dataclasses.dataclass(frozen=True)
class Region:
    """An element named for consent, or a dialog: its text and its buttons."""

    consent: bool = False  # named for consent (else only a dialog)
    chars: int = 0
    buttons: int = 0
    text: str = ""
    wraps_page: bool = False  # holds <main> or <article>: a page wrapper, not a dialog


@dataclasses.dataclass(frozen=True)
class Page:
    """What the signals read of one fetched page (``summarize`` builds it)."""

    url: str = ""
    final_url: str = ""
    title: str = ""
    heading: str = ""  # the first <h1> (else <h2>)
    text: str = ""  # the visible text
    main_chars: int = 0  # visible characters outside the site's menus, header, footer, sidebars
    shown_chars: int = 0  # of those, not hidden by the markup
    free_chars: int = 0  # of those, outside every consent dialog
    consent_chars: int = 0  # visible characters in consent dialogs
    consent_buttons: int = 0  # buttons in consent dialogs
    forms: tuple = ()
    loose_password: bool = False  # a password field outside any form (script-built sign-in)
    links: tuple = ()  # the addresses the page loads or points to
    names: tuple = ()  # ids, classes and widget attributes
    scripts: str = ""  # inline scripts (the first MAX_SCRIPT_CHARS)
    noscript: str = ""  # what <noscript> says
    refresh: str = ""  # where a <meta http-equiv=refresh> sends the browser

    @property
    def redirected(self):
        return bool(self.final_url) and _address(self.final_url) != _address(self.url)


def _address(url):
    parts = urlsplit(url or "")
    return (parts.hostname or "", parts.path.rstrip("/") or "/", parts.query)


# -- which parts are chrome, which dialogs ask for consent ------------------------


def consent_dialog(region):
    """Is this region a consent dialog: named for consent, or a dialog that speaks
    of cookies or consent; never a wrapper around the whole page?"""
    return not region.wraps_page and (region.consent or bool(COOKIE_WORDS.search(region.text)))


def chrome(edge, total_chars):
    """Is this menu, header, footer or sidebar (an ``Edge``) the site's chrome around
    the page, not the page itself? Broken markup can leave a whole article inside an
    unclosed <header>: chrome is mostly links, or a minor part of the text, and never
    holds <main> or <article>."""
    return not edge.holds_main and (edge.link_chars >= LINKY * edge.chars
                                   or edge.chars < CHROME_SHARE * total_chars)


# -- reading a parsed page once -------------------------------------------------


def summarize(root, url="", final_url=None):
    """One walk over an lxml tree: the ``Page`` the signals read. Leaves the tree as it was."""
    reader = _Reader()
    reader.read(root)
    return reader.page(url, final_url or url)


@dataclasses.dataclass
class Edge:
    """A menu, header, footer or sidebar (outermost), as the walk found it."""

    chars: int = 0
    link_chars: int = 0
    holds_main: bool = False


class _Context:
    """Where a piece of text sits. Shared by the elements that change nothing."""

    __slots__ = ("quiet", "hidden", "noscript", "main", "link", "edge", "form", "regions")

    def __init__(self, quiet=False, hidden=False, noscript=False, main=False, link=False,
                 edge=None, form=None, regions=()):
        self.quiet = quiet  # no visible text (script, style, ...)
        self.hidden = hidden  # hidden by its markup (its password field asks nothing)
        self.noscript = noscript
        self.main = main  # inside <main> or <article>
        self.link = link  # inside <a>
        self.edge = edge  # the menu, header, footer or sidebar it is in (an index)
        self.form = form  # the form it is in (an index)
        self.regions = regions  # the consent elements and dialogs it is in (indexes)

    def but(self, **changes):
        values = {name: getattr(self, name) for name in self.__slots__}
        return _Context(**{**values, **changes})


class _Reader:
    def __init__(self):
        self.lines, self.noscript, self.scripts = [], [], []
        self.script_chars = self.total = 0
        self.places = collections.Counter()  # (edge, form, regions, hidden) -> characters
        self.edges, self.forms, self.regions = [], [], []
        self.passwords = []  # (edge, form) of each password field shown
        self.links, self.names = [], []
        self.title = self.heading = self.refresh = ""
        self.heading_rank = 9

    def read(self, root):
        stack = [(root, _Context())]
        pop, push = stack.pop, stack.append
        while stack:
            item, context = pop()
            if isinstance(item, str):
                self._text(item, context)
                continue
            if not isinstance(item.tag, str):  # a comment or processing instruction
                continue
            inner = self._enter(item, context)
            for child in reversed(item):
                if child.tail:
                    push((child.tail, inner))
                push((child, inner))
            if item.text:
                push((item.text, inner))

    def page(self, url, final_url):
        """Resolve what the walk counted: which edges are chrome, which regions consent."""
        chrome_edges = {i for i, e in enumerate(self.edges) if chrome(e, self.total)}
        regions = [Region(**{**r, "text": " ".join(r["text"])}) for r in self.regions]
        consent = {i for i, r in enumerate(regions) if consent_dialog(r)}

        def chars(keep):
            return sum(n for (edge, form, inside, _), n in self.places.items()
                       if keep(edge not in chrome_edges, form, bool(consent.intersection(inside))))

        shown = [form for edge, form in self.passwords if edge not in chrome_edges]
        forms = tuple(Form(action=f["action"], password=i in shown, hidden=f["hidden"],
                           edge=f["edge"] in chrome_edges,
                           chars=chars(lambda main, form, _, i=i: main and form == i))
                      for i, f in enumerate(self.forms))
        return Page(
            url=url, final_url=final_url, title=self.title, heading=self.heading,
            text=" ".join(self.lines), main_chars=chars(lambda main, *_: main),
            shown_chars=sum(n for (edge, _, _, hidden), n in self.places.items()
                            if edge not in chrome_edges and not hidden),
            free_chars=chars(lambda main, _, in_consent: main and not in_consent),
            consent_chars=chars(lambda _, __, in_consent: in_consent),
            consent_buttons=sum(regions[i].buttons for i in consent),
            forms=forms, loose_password=None in shown,
            links=tuple(self.links), names=tuple(self.names), scripts="".join(self.scripts),
            noscript=" ".join(self.noscript), refresh=self.refresh)

    def _enter(self, element, context):
        tag = element.tag.lower()
        get = element.get
        named = " ".join(filter(None, (get("id"), get("class"))))
        self._note(tag, get, named, element, context)
        changes = {}
        if tag in SKIP_TEXT:  # hidden text counts: tabs and folded parts are the page too
            changes["quiet"] = True
        elif tag == "a":
            changes["link"] = True
        if tag == "noscript":
            changes["noscript"] = True
        if not context.hidden and (get("hidden") is not None or get("style")) and _hidden(get):
            changes["hidden"] = True
        role = (get("role") or "").lower()
        if tag in LANDMARKS or role:
            self._landmark(tag, role, context, changes)
        if tag == "form" and context.form is None:
            changes["form"] = len(self.forms)
            self.forms.append({"action": get("action") or "", "edge": changes.get("edge", context.edge),
                               "hidden": context.hidden or "hidden" in changes})
        kind = (named or role or tag == "dialog" or get("aria-label")) and tag not in PAGE_TAGS \
            and _region_kind(tag, get, named, role)
        if kind:
            changes["regions"] = (*context.regions, len(self.regions))
            self.regions.append({"consent": kind == "consent", "chars": 0, "buttons": 0,
                                 "text": [], "wraps_page": False})
        return context.but(**changes) if changes else context

    def _landmark(self, tag, role, context, changes):
        """<main>/<article>, and the menus, headers, footers and sidebars around them."""
        if tag in ("main", "article") or role == "main":
            changes["main"] = True
            if context.edge is not None:
                self.edges[context.edge].holds_main = True
            for index in context.regions:
                self.regions[index]["wraps_page"] = True
        if context.edge is None and (tag in CHROME_TAGS or role in CHROME_ROLES or (
                not context.main and (tag in EDGE_TAGS or role in EDGE_ROLES))):
            changes["edge"] = len(self.edges)
            self.edges.append(Edge())

    def _note(self, tag, get, named, element, context):
        """What the signals read besides the text: links, names, password fields, title."""
        for name in LINK_ATTRIBUTES:
            value = get(name)
            if value:
                self.links.append(value)
        if named:
            self.names.append(named)
        if tag in ("input", "textarea", "div", "iframe") and (get("name") or get("data-sitekey")):
            self.names.append(get("name") or "sitekey")
        if tag == "input" and (get("type") or "").lower() == "password" \
                and not (context.hidden or context.quiet or _hidden(get)):
            self.passwords.append((context.edge, context.form))
        if context.regions and _is_button(tag, get, named):
            for index in context.regions:
                self.regions[index]["buttons"] += 1
        if tag in HEAD_TAGS:
            self._head(tag, get, element, context)

    def _head(self, tag, get, element, context):
        """The title, the first heading, inline scripts, a meta refresh."""
        if tag == "title" and not self.title:
            self.title = " ".join(element.text_content().split())
        elif tag in ("h1", "h2") and int(tag[1]) < self.heading_rank and not context.quiet:
            self.heading, self.heading_rank = " ".join(element.text_content().split()), int(tag[1])
        elif tag == "script" and not get("src") and self.script_chars < MAX_SCRIPT_CHARS:
            self.scripts.append((element.text or "")[:MAX_SCRIPT_CHARS - self.script_chars])
            self.script_chars += len(self.scripts[-1])
        elif tag == "meta" and (get("http-equiv") or "").lower() == "refresh":
            found = REFRESH_URL.search(get("content") or "")
            self.refresh = found.group(1).strip() if found else self.refresh

    def _text(self, text, context):
        if context.quiet and not context.noscript:
            return
        words = " ".join(text.split())
        if not words:
            return
        if context.noscript:
            self.noscript.append(words)
            return
        self.lines.append(words)
        size = len(words)
        self.total += size
        self.places[(context.edge, context.form, context.regions, context.hidden)] += size
        if context.edge is not None:
            edge = self.edges[context.edge]
            edge.chars += size
            edge.link_chars += size if context.link else 0
        for index in context.regions:
            region = self.regions[index]
            region["chars"] += size
            if len(region["text"]) < 50:
                region["text"].append(words)


def _region_kind(tag, get, named, role):
    described = " ".join(filter(None, (named, get("aria-label"), get("aria-labelledby")))).lower()
    if any(word in described for word in CONSENT_KEYS) and CONSENT_NAME.search(described):
        return "consent"
    if tag == "dialog" or role in ("dialog", "alertdialog") or \
            (get("aria-modal") or "").lower() == "true" or \
            (any(word in described for word in DIALOG_KEYS) and DIALOG_NAME.search(described)):
        return "dialog"
    return None


def _is_button(tag, get, named):
    return (tag == "button" or (tag == "input" and (get("type") or "").lower() in ("button", "submit"))
            or (get("role") or "").lower() == "button"
            or (tag == "a" and bool(BUTTON_NAME.search(named))))


def _hidden(get):
    style = (get("style") or "").replace(" ", "").lower()
    return get("hidden") is not None or "display:none" in style or "visibility:hidden" in style


def _parse(html):
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None

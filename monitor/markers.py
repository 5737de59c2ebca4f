"""The "last updated" marker of a page or PDF: which date the document claims for itself.

This module owns marker detection and date reading for dialogue-watch, as pure
functions (no I/O). ``find_marker`` looks, in this order, for:

1. an update label in the visible text ("Last updated", "Stand", "更新日" ...;
   strong page-level labels before weak "Updated"-style ones, then document order),
2. modification metadata (schema.org dateModified, dcterms.modified, ...),
3. a publication label ("Published", "Publicado em" ...),
4. publication metadata (datePublished, article:published_time, ...),
5. the HTTP Last-Modified header, unless it is merely "now" (a dynamic page),
6. the PDF /ModDate.

A per-source rule (CSS selector or regex) replaces that search entirely.
Dates keep their own precision: "Nov 2002" is ("2002-11", "month"), never a day.
Labels live in ``LABELS`` below; extend that table for new languages.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping, NamedTuple

import lxml.etree
import lxml.html

from monitor import dates
from monitor.dates import latest_day  # noqa: F401 - part of this module's API

__all__ = ["LABELS", "Marker", "find_marker", "parse_date", "latest_day"]


# Per language: "strong" page-level update labels, "weak" bare "updated" verbs,
# "published" publication labels. Matched case-insensitively at word edges;
# weak and published Latin labels must be capitalised on the page (so prose like
# "was updated on ..." is ignored). "Stand" must also open a line or phrase.
LABELS: dict[str, dict[str, list[str]]] = {
    "en": {"strong": ["Last updated", "Page last updated", "Last modified", "Date modified", "Last reviewed",
                      "Last update", "Page updated", "Last revised", "Page last modified",
                      "Page last reviewed", "Date last updated", "Last amended"],
           "weak": ["Updated", "Modified", "Revised"],
           "published": ["Published", "First published", "Date published", "Publication date"]},
    "de": {"strong": ["Stand", "Letzte Aktualisierung", "Zuletzt aktualisiert", "Letzte Änderung",
                      "Zuletzt geändert", "Datum der letzten Änderung"],
           "weak": ["Aktualisiert", "Geändert"],
           "published": ["Veröffentlicht", "Erstellt", "Veröffentlichungsdatum", "Publiziert"]},
    "fr": {"strong": ["Dernière mise à jour", "Dernière modification", "Date de modification"],
           "weak": ["Mis à jour", "Mise à jour", "Modifié"],
           "published": ["Publié", "Date de publication", "Mis en ligne"]},
    "pt": {"strong": ["Última atualização", "Última modificação", "Última actualização",
                      "Página atualizada"],
           "weak": ["Atualizado", "Atualizada"], "published": ["Publicado", "Publicada"]},
    "es": {"strong": ["Última actualización", "Fecha de actualización", "Última modificación",
                      "Página actualizada"],
           "weak": ["Actualizado", "Actualizada", "Modificado"], "published": ["Fecha de publicación"]},
    "nb": {"strong": ["Sist oppdatert", "Sist endret"], "weak": ["Oppdatert", "Endret"],
           "published": ["Publisert"]},
    "hu": {"strong": ["Utolsó módosítás", "Utolsó frissítés"], "weak": ["Frissítve", "Módosítva"],
           "published": ["Közzététel", "Közzétéve", "Létrehozva"]},
    "ja": {"strong": ["最終更新日時", "最終更新日", "最終更新", "更新日時", "更新日"], "weak": ["更新"],
           "published": ["公開日", "掲載日", "公開日時", "発表日"]},
    "zh": {"strong": ["更新时间", "更新日期", "最后更新", "最後更新", "更新時間", "最近更新"], "weak": [],
           "published": ["发布时间", "发布日期", "發布日期", "發佈日期", "發布時間"]},
    "it": {"strong": ["Ultimo aggiornamento", "Ultima modifica"], "weak": ["Aggiornato", "Modificato"],
           "published": ["Pubblicato", "Data di pubblicazione"]},
    "nl": {"strong": ["Laatst gewijzigd", "Laatst bijgewerkt", "Laatste wijziging"],
           "weak": ["Bijgewerkt", "Gewijzigd"], "published": ["Gepubliceerd", "Publicatiedatum"]},
    "sv": {"strong": ["Senast uppdaterad", "Senast ändrad"], "weak": ["Uppdaterad", "Ändrad"],
           "published": ["Publicerad"]},
    "da": {"strong": ["Sidst opdateret", "Senest opdateret", "Sidst ændret"], "weak": ["Opdateret"],
           "published": ["Publiceret", "Offentliggjort"]},
}
PHRASE_START_LABELS = {"stand"}  # common words: only a label when opening a line or phrase
_CLASS_RANK = {"strong": 0, "weak": 1, "published": 2}

# Metadata names (lower-cased) in priority order.
MODIFIED_META = ["datemodified", "dcterms.modified", "dc.date.modified", "dcterms:modified",
                 "dc.modified", "article:modified_time", "og:updated_time", "last-modified"]
PUBLISHED_META = ["datepublished", "dcterms.issued", "dc.date.issued", "dcterms:issued",
                  "dcterms.created", "dc.date.created", "dcterms:created", "article:published_time",
                  "og:published_time", "datecreated"]
DYNAMIC_HEADER_WINDOW = dt.timedelta(minutes=5)

_SKIP_TAGS = frozenset("script style noscript template svg head iframe object canvas select".split())
_BLOCK_TAGS = frozenset((
    "address article aside blockquote body br caption dd details dialog div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol option p pre "
    "section summary table tbody td tfoot th thead tr ul legend").split())
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_SEP = re.compile(r"(?:[\s:：\-–—|]|\b(?:on|am|le|em|el|den|vom|il|op|per|at|à)\b){0,8}", re.I)


@dataclass(frozen=True)
class Marker:
    """A page's own "last updated" claim. ``date`` is ISO 8601 at ``precision``."""

    text: str       # as on the page (label + date, whitespace collapsed) or the raw value
    date: str       # "2002", "2002-11" or "2024-03-12"
    precision: str  # "year" | "month" | "day"
    origin: str     # "label", "selector", "regex", "meta:<name>", "label:published", ...

    def to_dict(self) -> dict:
        return {"text": self.text, "date": self.date, "precision": self.precision,
                "origin": self.origin}


@dataclass
class _Page:
    text: str = ""
    times: list = field(default_factory=list)  # (start, end, datetime attribute)
    root: object = None                         # lxml tree, None for plain text


# ---------------------------------------------------------------- dates

_TRAILER = re.compile(r"""[\s,.;|·–—-]*
    (?:(?:at|um|à|às|a\s+las|kl\.?|T)?\s*\d{1,2}(?:[:h.]\d{2}){1,2}(?:\.\d+)?
       \s*(?:[ap]\.?m\.?|uhr|hrs?|Z|[a-z]{2,5}|[+-]\d{2}:?\d{2})?)?
    [\s.,;)\]]*$""", re.I | re.X)


def parse_date(s: str, locale: str = "en") -> tuple[str, str] | None:
    """Read one date span (a trailing time and a leading known label are tolerated).

    Returns (ISO date at its own precision, precision) or None.
    """
    text = " ".join(str(s).split())
    ctx = dates.context(locale)
    start = 0
    regex, index = _label_table()
    label = regex.match(text)
    if label and _key(label.group()) in index:
        start = _SEP.match(text, label.end()).end()
    found = dates.date_at(text, start, ctx)
    if not found or not _TRAILER.match(text, found[2]):
        return None
    return found[0], found[1]


# ---------------------------------------------------------------- visible text
#
# The visible text has whitespace collapsed to one space and one newline between
# blocks. The walk only collects raw pieces (a NUL stands for a block edge: lxml
# text never contains NUL); ``_visible`` then collapses them in a few passes over
# the whole text instead of one Python call per piece.

_BLOCK_EDGE = "\0"
_EDGE_RUN = re.compile("\0[\0 ]*")  # once spaces are collapsed: block edges with the spaces between them


def _walk(el, pieces: list, times: list):
    """Collect the raw visible pieces under ``el``; ``times``: (first piece, end piece, datetime)."""
    tag = el.tag
    if isinstance(tag, str):  # comments and processing instructions only contribute their tail
        tag = tag.lower()
        if tag not in _SKIP_TAGS and el.get("hidden") is None:
            block = tag in _BLOCK_TAGS
            if block:
                pieces.append(_BLOCK_EDGE)
            start = len(pieces)
            if el.text:
                pieces.append(el.text)
            for child in el:
                _walk(child, pieces, times)
            if tag == "time" and el.get("datetime"):
                times.append((start, len(pieces), el.get("datetime")))
            if block:
                pieces.append(_BLOCK_EDGE)
    if el.tail:
        pieces.append(el.tail)


def _collapse_pieces(raw: str, last: str) -> str:
    """Whitespace runs to one space, block edges to one newline, nothing at the start of
    a line; ``last`` is the character the text so far ends with ("\n" when empty)."""
    words = " ".join(raw.split())  # str.split() and re's \s agree on what whitespace is
    if words and raw[0].isspace():
        words = " " + words
    if raw and raw[-1].isspace():
        words += " "
    text = _EDGE_RUN.sub("\n", words)
    return text.lstrip(" \n") if last == "\n" else text.lstrip(" ") if last == " " else text


def _visible(root) -> tuple[str, list]:
    """The visible text under ``root`` and its <time datetime> spans (start, end, datetime)."""
    pieces, spans = [], []
    _walk(root, pieces, spans)
    cuts = sorted({i for start, end, _ in spans for i in (start, end)} | {len(pieces)})
    parts, offsets, size, last, done = [], {0: 0}, 0, "\n", 0
    for cut in cuts:
        part = _collapse_pieces("".join(pieces[done:cut]), last)
        if part:
            parts.append(part)
            size, last = size + len(part), part[-1]
        offsets[cut], done = size, cut
    return "".join(parts), [(offsets[start], offsets[end], stamp) for start, end, stamp in spans]


def _parse_html(html: str):
    html = re.sub(r"^\s*<\?xml[^>]*\?>", "", html)
    if not html.strip():
        return None
    try:
        return lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None


def _read_page(html: str | None, text: str | None, root=None) -> _Page:
    """``root``: the page already parsed (see ``find_marker``), else ``html`` is parsed here."""
    page = _Page()
    if root is None and html:
        root = _parse_html(html)
    if root is not None:
        page.text, page.times = _visible(root)
        page.root = root
    if text:
        plain = "\n".join(" ".join(line.split()) for line in str(text).splitlines())
        page.text += "\n" + re.sub(r"\n{2,}", "\n", plain).strip()
    return page


def _collapse(s: str) -> str:
    return " ".join(s.split())


# ---------------------------------------------------------------- labels

class _Label(NamedTuple):
    lang: str
    cls: str
    key: str


def _key(label: str) -> str:
    return " ".join(label.split()).lower()


def _trie(words: list[str]) -> str:
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


@lru_cache(maxsize=1)
def _label_table() -> tuple[re.Pattern, dict[str, _Label]]:
    """The regex finding every label in ``LABELS``, and label key -> (language, class)."""
    index: dict[str, _Label] = {}
    for lang, classes in LABELS.items():
        for cls, names in classes.items():
            for name in names:
                index.setdefault(_key(name), _Label(lang, cls, _key(name)))
    latin = _trie([key for key in index if not _CJK.search(key)])
    cjk = _trie([key for key in index if _CJK.search(key)])
    return re.compile(rf"(?<![^\W\d_]){latin}(?![^\W\d_])|{cjk}", re.I), index


def _label_allowed(m: re.Match, label: _Label, text: str) -> bool:
    word = m.group()
    if _CJK.match(word) or label.cls == "strong" and label.key not in PHRASE_START_LABELS:
        return True
    if not word[0].isupper():
        return False
    return label.key not in PHRASE_START_LABELS or _at_phrase_start(text, m.start())


def _at_phrase_start(text: str, pos: int) -> bool:
    before = text[max(0, pos - 40):pos].rstrip(" \t")
    return not before or before[-1] in "\n|·•(–—-,;[/"


# Characters the label regex's case-insensitive matching equates with a label letter
# although str.lower() does not turn them into it (tests/test_markers.py checks this).
_FOLD_TRAPS = re.compile("[\u0130\u0131\u017f]")  # İ ı ſ


@lru_cache(maxsize=1)
def _label_starts() -> tuple[str, ...]:
    """What every label begins with, lower-cased: its first word, or first character if CJK."""
    _, index = _label_table()
    starts = {key[0] if _CJK.search(key) else key.split(" ")[0] for key in index}
    return tuple(sorted(s for s in starts if not any(s != t and s.startswith(t) for t in starts)))


def _label_matches(text: str):
    """``_label_table()``'s regex ``finditer`` over ``text``, the same matches, faster: the regex
    is only tried where the lower-cased text has a label's first word (``str.find``)."""
    regex, _ = _label_table()
    lowered = text.lower()
    if len(lowered) != len(text) or _FOLD_TRAPS.search(text):
        yield from regex.finditer(text)
        return
    starts = set()
    for start in _label_starts():
        at = lowered.find(start)
        while at != -1:
            starts.add(at)
            at = lowered.find(start, at + 1)
    end = 0
    for at in sorted(starts):
        if at >= end and (m := regex.match(text, at)):
            end = m.end()
            yield m


def _label_hits(page: _Page) -> list[tuple[int, int, re.Match, _Label]]:
    """Every acceptable label on the page, best first: (class rank, position, match, label)."""
    hits, (_, index) = [], _label_table()
    for m in _label_matches(page.text):
        label = index.get(_key(m.group()))
        if label and _label_allowed(m, label, page.text):
            hits.append((_CLASS_RANK[label.cls], m.start(), m, label))
    return sorted(hits, key=lambda hit: hit[:2])


def _first_labelled(page: _Page, hits, ranks, locale: str, origin: str) -> Marker | None:
    """The best label in ``ranks`` that is followed by a date (dates read lazily)."""
    for rank, start, m, label in hits:
        dated = _date_after(page, m.end(), dates.context(locale, label.lang)) if rank in ranks else None
        if dated:
            name = "label:published" if origin == "label" and label.cls == "published" else origin
            return Marker(_collapse(page.text[start:dated[2]]), dated[0], dated[1], name)
    return None


def _date_after(page: _Page, pos: int, ctx: dates.Context) -> tuple[str, str, int] | None:
    """The date right after a label (same line, or alone at the start of the next line)."""
    start = _SEP.match(page.text, pos).end()
    found = dates.date_at(page.text, start, ctx)
    stamp = _time_attribute(page, start, ctx)
    if found and "\n" in page.text[pos:start] and found[1] == "year":
        line_rest = page.text[found[2]:].split("\n", 1)[0]
        found = None if line_rest.strip(" .,;") else found  # "2019: dialogue suspended"
    if stamp and (not found or found[1] == "day" and found[0] != stamp[0]):
        return stamp[0], stamp[1], max(stamp[2], found[2] if found else start)
    return found


def _time_attribute(page: _Page, start: int, ctx: dates.Context) -> tuple[str, str, int] | None:
    """The datetime attribute of a <time> element that starts at ``start``."""
    for t_start, t_end, stamp in page.times:
        if t_start == start or t_start <= start < t_end:
            value = dates.machine_date(stamp, ctx)
            return (value[0], value[1], t_end) if value else None
    return None


# ---------------------------------------------------------------- metadata

def _metadata(root) -> dict[str, tuple[str, str]]:
    """Lower-cased name -> (name as written, raw value); first occurrence wins."""
    found: dict[str, tuple[str, str]] = {}
    if root is None:
        return found
    for script in root.iter("script"):
        if "ld+json" in (script.get("type") or "").lower() and script.text:
            _jsonld_dates(_load_json(script.text), found)
    wanted = set(MODIFIED_META) | set(PUBLISHED_META)
    for el in root.xpath("//*[@name or @property or @itemprop or @http-equiv]"):
        for attr in ("itemprop", "property", "name", "http-equiv"):
            name = (el.get(attr) or "").strip()
            if name.lower() in wanted and name.lower() not in found:
                value = el.get("content") or el.get("datetime") or (
                    "" if el.tag == "meta" else el.text_content())
                if value and value.strip():
                    found[name.lower()] = (name, value.strip())
    return found


def _load_json(source: str):
    source = re.sub(r"^\s*(?:<!--|<!\[CDATA\[)|(?:-->|\]\]>)\s*$", "", source.strip())
    try:
        return json.loads(source)
    except ValueError:
        return None


def _jsonld_dates(obj, found: dict):
    if isinstance(obj, list):
        for item in obj:
            _jsonld_dates(item, found)
    elif isinstance(obj, dict):
        for key in ("dateModified", "datePublished", "dateCreated"):
            value = obj.get(key)
            if isinstance(value, str) and value.strip() and key.lower() not in found:
                found[key.lower()] = (key, value.strip())
        for value in obj.values():
            if isinstance(value, (dict, list)):
                _jsonld_dates(value, found)


def _meta_marker(meta: dict, names: list[str], ctx: dates.Context, now: list) -> Marker | None:
    for name in names:
        if name in meta:
            written, raw = meta[name]
            value = dates.machine_date(raw, ctx)
            if value and not _is_now(_iso_datetime(raw), now):
                return Marker(raw, value[0], value[1], f"meta:{written}")
    return None


# ---------------------------------------------------------------- HTTP and PDF

def _header(headers: Mapping | None, name: str) -> str | None:
    """Case-insensitive header lookup; copes with bytes and list values (Scrapy)."""
    for key, value in (headers or {}).items():
        key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if key.lower() == name:
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def _is_now(when: dt.datetime | None, now: list[dt.datetime]) -> bool:
    """Within minutes of the response: a dynamic page stamping "now" on every request."""
    return when is not None and any(abs(when - t) <= DYNAMIC_HEADER_WINDOW for t in now)


def _iso_datetime(value: str) -> dt.datetime | None:
    """A metadata timestamp with a time of day (ISO 8601 or RFC 2822), else None."""
    value = value.strip()
    if not re.search(r"\d:\d\d", value):
        return None
    try:
        return dates.as_utc(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))
    except ValueError:
        return dates.http_date(value)


def _header_marker(headers: Mapping | None, now: list[dt.datetime]) -> Marker | None:
    raw = _header(headers, "last-modified")
    modified = dates.http_date(raw)
    if modified is None or _is_now(modified, now):
        return None
    utc = modified.astimezone(dt.timezone.utc)
    value = dates.iso_date(utc.year, utc.month, utc.day)
    return Marker(raw.strip(), value[0], value[1], "http:last-modified") if value else None


def _pdf_marker(moddate: str | None) -> Marker | None:
    m = re.match(r"\s*(?:D:)?(\d{4})(\d{2})?(\d{2})?", moddate or "")
    value = m and dates.iso_date(int(m[1]), dates.to_int(m[2]), dates.to_int(m[3]))
    return Marker(moddate.strip(), value[0], value[1], "pdf:moddate") if value else None


# ---------------------------------------------------------------- rules

def _first_date(page: _Page, ctx: dates.Context) -> tuple[str, str, int, int] | None:
    """The first date anywhere in the text, labelled or not: (iso, precision, start, end)."""
    for token in re.finditer(r"令和|平成|昭和|\d+|[A-Za-zÀ-ɏ]+", page.text):
        found = dates.date_at(page.text, token.start(), ctx)
        if found:
            return found[0], found[1], token.start(), found[2]
    return None


def _date_in(page: _Page, locale: str, origin: str) -> Marker | None:
    marker = _first_labelled(page, _label_hits(page), (0, 1, 2), locale, origin)
    if marker:
        return marker
    found = _first_date(page, dates.context(locale))
    if found:
        iso, precision, start, end = found
        return Marker(_collapse(page.text[start:end]), iso, precision, origin)
    return None


def _selector_marker(html: str | None, selector: str, locale: str) -> Marker | None:
    from bs4 import BeautifulSoup
    element = BeautifulSoup(html, "lxml").select_one(selector) if html else None
    if element is None:
        return None
    marker = _date_in(_read_page(str(element), None), locale, "selector")
    if marker:
        return marker
    for el in [element, *element.find_all("time")]:
        for attr in ("datetime", "content"):
            value = el.get(attr)
            parsed = dates.machine_date(value, dates.context(locale)) if isinstance(value, str) else None
            if parsed:
                return Marker(value.strip(), parsed[0], parsed[1], "selector")
    return None


def _regex_marker(page: _Page, pattern, locale: str) -> Marker | None:
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    m = regex.search(page.text)
    span = m and (m.group(1) if regex.groups else m.group(0))
    if not span:
        return None
    found = _date_in(_read_page(None, span), locale, "regex")
    return Marker(_collapse(m.group(0)), found.date, found.precision, "regex") if found else None


# ---------------------------------------------------------------- entry point

def find_marker(html: str | None = None, *, text: str | None = None,
                headers: Mapping[str, str] | None = None, pdf_moddate: str | None = None,
                locale: str = "en", rule: tuple[str, object] | None = None,
                fetched_at: dt.datetime | None = None, root=None) -> Marker | None:
    """The page's "last updated" marker, or None. See the module docstring for the order.

    ``root``: ``html`` already parsed into an lxml document (read, never changed), to
    save parsing it again; ``monitor.extract.parse_html`` says when that is the same.
    """
    if rule is not None:
        kind, spec = rule
        if kind == "selector":
            return _selector_marker(html, spec, locale)
        if kind == "regex":
            return _regex_marker(_read_page(html, text, root), spec, locale)
        raise ValueError(f"unknown marker rule kind {kind!r}")
    page = _read_page(html, text, root)
    hits, meta, ctx = _label_hits(page), _metadata(page.root), dates.context(locale)
    now = [t for t in (dates.http_date(_header(headers, "date")), fetched_at and dates.as_utc(fetched_at)) if t]
    return (_first_labelled(page, hits, (0, 1), locale, "label")
            or _meta_marker(meta, MODIFIED_META, ctx, now)
            or _first_labelled(page, hits, (2,), locale, "label")
            or _meta_marker(meta, PUBLISHED_META, ctx, now)
            or _header_marker(headers, now) or _pdf_marker(pdf_moddate))

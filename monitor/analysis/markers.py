"""The "last updated" marker of a page or PDF: which date the document claims for itself.

This module owns marker detection and date reading for dialogue-watch, as pure
functions (no I/O). ``find_marker`` looks, in this order, for:

1. an update label in the visible text ("Last updated", "Stand", "更新日" ...;
   strong page-level labels before weak "Updated"-style ones, then document order),
   a few words may stand before its date, it may be stated in a sentence ("Article mis
   à jour le ...") and, on a published page, it is never older than the publication;
   a numeric date the page's own metadata contradicts is read in the other day-month
   order when that makes it the metadata's day ("Stand: 05/08/2019" published 2019-05-08),
2. modification metadata (schema.org dateModified, dcterms.modified, ...), unless it
   is older than the publication metadata,
3. a publication label ("Published", "Publicado em" ...),
4. publication metadata (datePublished, article:published_time, ...),
5. the HTTP Last-Modified header, unless it is merely "now" (a dynamic page),
6. the PDF /ModDate.

Labels and microdata in other pages' content shown on the page (teasers, the next
story, related articles, asides, cards in a list of news: see ``_Scope``) are never read,
so the page's own update line wins over the newer dates of other articles beside it. A per-source rule
(CSS selector or regex) replaces that search entirely.
Dates keep their own precision: "Nov 2002" is ("2002-11", "month"), never a day.
Labels live in ``LABELS`` below; extend that table for new languages. The dates in
metadata, the HTTP header and the PDF are read by ``monitor.analysis.marker_metadata``;
the visible text and the other pages' content in it by ``monitor.analysis.marker_page``.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from functools import lru_cache
from typing import Mapping, NamedTuple

from monitor.analysis import dates
from monitor.analysis.dates import latest_day  # noqa: F401 - part of this module's API
from monitor.analysis.marker_metadata import (  # noqa: F401 - Marker is part of this module's API
    PUBLISHED_META, Marker, header, header_marker, page_metadata, meta_marker, modified_meta,
    pdf_marker, publication_floor)
from monitor.analysis.marker_page import Page, collapse, in_foreign, read_page, trie

__all__ = ["LABELS", "Marker", "find_marker", "parse_date", "latest_day"]


# Per language: "strong" page-level update labels, "weak" bare "updated" verbs,
# "published" publication labels. Matched case-insensitively at word edges. Weak and
# published Latin labels in lower case count only where a sentence states the update
# ("Article mis à jour le ...", "postado em ... / atualizado em ...", see
# ``_label_start``), so prose like "was updated on ..." is ignored. "Stand" must be
# capitalised and open a line or phrase. Words may stand between a label and its date
# ("Stand der Informationen: ...", "Sist oppdatert av redaksjonen ...": ``_GAP_WORDS``).
LABELS: dict[str, dict[str, list[str]]] = {
    "en": {"strong": ["Last updated", "Page last updated", "Last modified", "Date modified", "Last reviewed",
                      "Last update", "Page updated", "Last revised", "Page last modified",
                      "Page last reviewed", "Date last updated", "Last amended", "Content last reviewed"],
           "weak": ["Updated", "Modified", "Revised"],
           "published": ["Published", "First published", "Date published", "Publication date", "Posted",
                         "Written"]},
    "de": {"strong": ["Stand", "Letzte Aktualisierung", "Zuletzt aktualisiert", "Letzte Änderung",
                      "Zuletzt geändert", "Datum der letzten Änderung", "Datum der letzten Aktualisierung",
                      "Zuletzt bearbeitet", "Letzte Bearbeitung"],
           "weak": ["Aktualisiert", "Geändert"],
           "published": ["Veröffentlicht", "Erstellt", "Veröffentlichungsdatum", "Publiziert"]},
    "fr": {"strong": ["Dernière mise à jour", "Dernière modification", "Date de modification",
                      "Date de mise à jour", "Dernière actualisation"],
           "weak": ["Mis à jour", "Mise à jour", "Modifié", "Modifiée", "Actualisé"],
           "published": ["Publié", "Publiée", "Date de publication", "Mis en ligne"]},
    "pt": {"strong": ["Última atualização", "Última modificação", "Última actualização",
                      "Página atualizada", "Data de atualização", "Última alteração"],
           "weak": ["Atualizado", "Atualizada"],
           "published": ["Publicado", "Publicada", "Postado", "Postada"]},
    "es": {"strong": ["Última actualización", "Fecha de actualización", "Última modificación",
                      "Página actualizada", "Fecha de modificación"],
           "weak": ["Actualizado", "Actualizada", "Modificado", "Modificada"],
           "published": ["Fecha de publicación"]},
    "nb": {"strong": ["Sist oppdatert", "Sist endret", "Sist revidert"], "weak": ["Oppdatert", "Endret"],
           "published": ["Publisert", "Opprettet"]},
    "hu": {"strong": ["Utolsó módosítás", "Utolsó frissítés", "Utoljára frissítve", "Utoljára módosítva",
                      "Legutóbbi módosítás", "Legutolsó módosítás", "Módosítás dátuma", "Frissítés dátuma"],
           "weak": ["Frissítve", "Módosítva", "Frissült"],
           "published": ["Közzététel", "Közzétéve", "Létrehozva", "Megjelent", "Publikálva"]},
    "ja": {"strong": ["最終更新日時", "最終更新日", "最終更新", "更新日時", "更新日"], "weak": ["更新"],
           "published": ["公開日", "掲載日", "公開日時", "発表日", "掲載", "公開"]},
    "zh": {"strong": ["更新时间", "更新日期", "最后更新", "最後更新", "更新時間", "最近更新", "更新于",
                      "更新於", "修改时间", "修改日期"], "weak": [],
           "published": ["发布时间", "发布日期", "發布日期", "發佈日期", "發布時間", "发布于", "發佈於",
                         "发表于", "發表於"]},
    "it": {"strong": ["Ultimo aggiornamento", "Ultima modifica"], "weak": ["Aggiornato", "Modificato"],
           "published": ["Pubblicato", "Data di pubblicazione"]},
    "nl": {"strong": ["Laatst gewijzigd", "Laatst bijgewerkt", "Laatste wijziging"],
           "weak": ["Bijgewerkt", "Gewijzigd"], "published": ["Gepubliceerd", "Publicatiedatum"]},
    "sv": {"strong": ["Senast uppdaterad", "Senast ändrad"], "weak": ["Uppdaterad", "Ändrad"],
           "published": ["Publicerad"]},
    "da": {"strong": ["Sidst opdateret", "Senest opdateret", "Sidst ændret"], "weak": ["Opdateret"],
           "published": ["Publiceret", "Offentliggjort"]},
}
# Nouns naming the page or article: before a lower-case update verb they make it a statement
# about the page ("Article mis à jour le ...", "Seite aktualisiert am ...").
PAGE_NOUNS = ["page", "article", "story", "post", "content", "seite", "artikel", "beitrag", "meldung",
              "inhalt", "contenu", "texte", "página", "pagina", "artigo", "matéria", "materia", "notícia",
              "noticia", "texto", "artículo", "articulo", "nota", "siden", "saken", "artikkelen",
              "oldal", "cikk"]
# Labels a Japanese page may write after their date ("2024年3月12日更新").
DATE_FIRST_LABELS = {"更新", "掲載", "公開"}
PHRASE_START_LABELS = {"stand"}  # common words: only a label when opening a line or phrase
_CLASS_RANK = {"strong": 0, "weak": 1, "published": 2}

# Metadata names (lower-cased) in priority order.

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
_SEP = re.compile(r"(?:[\s:：\-–—|]|\b(?:on|am|le|em|el|den|vom|il|op|per|at|à)\b){0,8}", re.I)


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


# ---------------------------------------------------------------- labels

class _Label(NamedTuple):
    lang: str
    cls: str
    key: str


def _key(label: str) -> str:
    return " ".join(label.split()).lower()


@lru_cache(maxsize=1)
def _label_table() -> tuple[re.Pattern, dict[str, _Label]]:
    """The regex finding every label in ``LABELS``, and label key -> (language, class)."""
    index: dict[str, _Label] = {}
    for lang, classes in LABELS.items():
        for cls, names in classes.items():
            for name in names:
                index.setdefault(_key(name), _Label(lang, cls, _key(name)))
    latin = trie([key for key in index if not _CJK.search(key)])
    cjk = trie([key for key in index if _CJK.search(key)])
    return re.compile(rf"(?<![^\W\d_]){latin}(?![^\W\d_])|{cjk}", re.I), index


def _label_start(m: re.Match, label: _Label, text: str) -> int | None:
    """Where the marker's text starts if ``m`` is a label here (a page noun before a lower-case
    verb is included: "Article mis à jour le ..."), else None."""
    word, start = m.group(), m.start()
    if _CJK.match(word) or label.cls == "strong" and label.key not in PHRASE_START_LABELS:
        return start
    if label.key in PHRASE_START_LABELS:
        return start if word[0].isupper() and _at_phrase_start(text, start) else None
    if (word[0].isupper() or _at_line_start(text, start)
            or _BYLINE_BEFORE.search(text, max(0, start - 24), start)):
        return start
    noun = _PAGE_NOUN_BEFORE.search(text, max(0, start - 30), start)
    return noun.start(1) if noun else None


# A lower-case update verb after a date or time and a separator: "postado em 04/05/2022 05:49 /
# atualizado em ...", "Publié le 30 août 2023 à 14h52, modifié le ...".
_BYLINE_BEFORE = re.compile(r"\d(?:[^\S\n]?(?:[ap]\.?m\.?|h|uhr|hrs?)\b)?\.?\)?[^\S\n]*[,|/·•–—;-][^\S\n]*$", re.I)
_PAGE_NOUN_BEFORE = re.compile(rf"(?:^|(?<=[|·•]))[^\S\n]*(?:[^\W\d_]{{1,4}}[^\S\n]+)?({'|'.join(PAGE_NOUNS)})"
                               r"[^\S\n]+$", re.I | re.M)  # "Article mis à jour", "A cikk frissítve"


def _at_line_start(text: str, pos: int) -> bool:
    before = text[max(0, pos - 40):pos].rstrip(" \t")
    return not before or before[-1] == "\n"


def _at_phrase_start(text: str, pos: int) -> bool:
    """At the start of a line or after a separator; after "(" or "[" only if that opens the
    line: "(Stand Februar 2024)" inside a sentence dates a figure, not the page."""
    first = max(0, pos - 40)
    head = text[first:pos].rstrip(" \t")
    if head and head[-1] in "([":
        return _at_line_start(text, first + len(head) - 1)
    return not head or head[-1] in "\n|·•–—-,;/"


# Characters the label regex's case-insensitive matching equates with a label letter
# although str.lower() does not turn them into it (tests/test_markers.py checks this).
_FOLD_TRAPS = re.compile("[\u0130\u0131\u017f]")  # İ ı ſ


@lru_cache(maxsize=1)
def _label_starts() -> tuple[str, ...]:
    """What every label begins with, lower-cased: its first word, or first character if CJK;
    words sharing their first five letters by what they share ("postado", "postada": "postad"),
    so the text is searched fewer times."""
    _, index = _label_table()
    groups: dict[str, list[str]] = {}
    for word in {key[0] if _CJK.search(key) else key.split(" ")[0] for key in index}:
        groups.setdefault(word[:5], []).append(word)
    starts = {os.path.commonprefix(words) for words in groups.values()}
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


def _label_hits(page: Page) -> list[tuple[int, int, re.Match, _Label]]:
    """Every acceptable label of the page's own content, best first: (class rank, start of the
    marker's text, match, label)."""
    hits, (_, index) = [], _label_table()
    for m in _label_matches(page.text):
        label = index.get(_key(m.group()))
        start = _label_start(m, label, page.text) if label else None
        if start is not None and not in_foreign(page, m.start()):
            hits.append((_CLASS_RANK[label.cls], start, m, label))
    return sorted(hits, key=lambda hit: hit[:2])


def _first_labelled(page: Page, hits, ranks, locale: str, origin: str, words: bool = True,
                    floor: dt.date | None = None, stated: frozenset = frozenset()) -> Marker | None:
    """The best label in ``ranks`` that has a date (dates read lazily); ``words``: words may
    come between label and date (not in a rule's element, where a bare date is next).
    ``floor``: no update is older (the page's publication): an update label's older date is
    read in the other day-month order ("Stand: 11/01/2021" published 1 Nov 2021, "Updated
    11.02.23" published 1 Nov 2023), or skipped (a footer's "Terms of Use Updated 03/26/2020").
    ``stated``: the days the page's metadata states (modified, published): a date that is none
    of them is read in the other order when that makes it one ("Stand: 05/08/2019" on a page
    published 2019-05-08)."""
    for rank, start, m, label in hits:
        if rank not in ranks:
            continue
        ctx = dates.context(locale, label.lang)
        found = _label_date(page, start, m, label, ctx, words)
        if found and stated and _day(found) not in stated:
            other = _label_date(page, start, m, label, _swapped(ctx), words)
            found = other if other and _day(other) in stated else found
        if found and floor and label.cls != "published" and _before(found[0], floor):
            other = _label_date(page, start, m, label, _swapped(ctx), words)
            found = other if other and not _before(other[0], floor) else None
        if found:
            (iso, precision, _), (first, end) = found
            name = "label:published" if origin == "label" and label.cls == "published" else origin
            return Marker(collapse(page.text[first:end]), iso, precision, name)
    return None


def _label_date(page: Page, start: int, m: re.Match, label: _Label, ctx: dates.Context, words: bool):
    """The date of the label ``m`` (after it, or before it for ``DATE_FIRST_LABELS``) and the
    span of the marker's text, or None."""
    dated = _date_after(page, m.end(), ctx, label.cls if words else None)
    if dated:
        return dated, (start, dated[2])
    dated = dates.date_before(page.text, m.start(), ctx) if label.key in DATE_FIRST_LABELS else None
    return (dated, (dated[2], m.end())) if dated else None


def _swapped(ctx: dates.Context) -> dates.Context:
    """The other day-month order: month first (dotted dates too), or day first."""
    return ctx._replace(order="dmy", dots_month_first=False) if ctx.order == "mdy" else \
        ctx._replace(order="mdy", dots_month_first=True)


def _day(found: tuple) -> str | None:
    (iso, precision, _), _ = found
    return iso if precision == "day" else None


def _before(found: tuple, floor: dt.date) -> bool:
    return latest_day(found[0], found[1]) < floor


def _date_after(page: Page, pos: int, ctx: dates.Context, cls: str | None = None) -> tuple[str, str, int] | None:
    """The date right after a label (same line, or alone at the start of the next line), or
    after a few words on the same line when ``cls`` (the label's class) is given."""
    start = _SEP.match(page.text, pos).end()
    found = dates.date_at(page.text, start, ctx)
    stamp = _time_attribute(page, start, ctx)
    if found and found[1] == "year" and (cls and _ZONE_AFTER.match(page.text, found[2]) or "\n" in page.text[pos:start]
                                         and page.text[found[2]:].split("\n", 1)[0].strip(" .,;")):
        found = None  # "2010 GMT" is a time; "2019: dialogue suspended" on the next line is no date
    if stamp and (not found or found[1] == "day" and found[0] != stamp[0]):
        return stamp[0], stamp[1], max(stamp[2], found[2] if found else start)
    if found or stamp or cls is None:
        return found
    return _date_after_words(page, pos, ctx, cls)


# Between a label and its date: up to this many words on the same line ("Stand der
# Informationen: ...", "Date de la dernière mise à jour de la page : ...", "Sist oppdatert
# av redaksjonen ..."), and times of day ("Actualizado a las 10:30 del ..."). Never a bare
# year, and nothing after a colon but the date.
_GAP_WORDS = {"strong": 4, "weak": 2, "published": 2}
_GAP_SPACE = re.compile(r"[^\S\n]*")
_GAP_TIME = re.compile(r"(?:\d{1,2}[:h.]\d{2}(?:[:.]\d{2})?(?:[^\S\n]?(?:[ap]\.?m\.?|uhr|h)\b)?"
                       r"|\(?\d{4}(?=[^\S\n]?(?-i:[A-Z]{2,4})\b))(?:[^\S\n]?(?-i:[A-Z]{2,4})\b\)?)?,?", re.I)
_ZONE_AFTER = re.compile(r"[^\S\n]?(?:GMT|UTC|[A-Z]{1,3}[SD]?T)\b")  # "Updated 2010 GMT ...": a time, not 2010
_GAP_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*,?")


def _date_after_words(page: Page, pos: int, ctx: dates.Context, cls: str) -> tuple[str, str, int] | None:
    """The date after a few words following a label of class ``cls`` (see ``_GAP_WORDS``)."""
    text, words, at = page.text, 0, pos
    while at < pos + 60:
        at = _GAP_SPACE.match(text, at).end()
        token = _GAP_TIME.match(text, at) or _GAP_WORD.match(text, at)
        if not token or _gap_stops(token, text, at, cls):
            return None
        words += token.re is _GAP_WORD
        if words > _GAP_WORDS[cls]:
            return None
        at = token.end()
        start = _SEP.match(text, at).end()
        if "\n" in text[at:start]:
            return None
        found = dates.date_at(text, start, ctx) or _time_attribute(page, start, ctx)
        if found and found[1] != "year":
            return found
        if ":" in text[at:start] or "：" in text[at:start]:
            return None
    return None


def _gap_stops(token: re.Match, text: str, at: int, cls: str) -> bool:
    """A word between a label and a date that ends the search: a long CJK run (prose), or a
    label of the other kind ("Last updated by the desk Published 12 March")."""
    if token.re is _GAP_WORD and _CJK.match(token.group()) and len(token.group()) > 3:
        return True
    regex, index = _label_table()
    m = regex.match(text, at)
    label = m and index.get(_key(m.group()))
    return bool(label) and (label.cls == "published") != (cls == "published")


def _time_attribute(page: Page, start: int, ctx: dates.Context) -> tuple[str, str, int] | None:
    """The datetime attribute of a <time> element that starts at ``start``."""
    for t_start, t_end, stamp in page.times:
        if t_start == start or t_start <= start < t_end:
            value = dates.machine_date(stamp, ctx)
            return (value[0], value[1], t_end) if value else None
    return None


# ---------------------------------------------------------------- rules

def _first_date(page: Page, ctx: dates.Context) -> tuple[str, str, int, int] | None:
    """The first date anywhere in the text, labelled or not: (iso, precision, start, end)."""
    for token in re.finditer(r"令和|平成|昭和|\d+|[A-Za-zÀ-ɏ]+", page.text):
        found = dates.date_at(page.text, token.start(), ctx)
        if found:
            return found[0], found[1], token.start(), found[2]
    return None


def _date_in(page: Page, locale: str, origin: str) -> Marker | None:
    marker = _first_labelled(page, _label_hits(page), (0, 1, 2), locale, origin, words=False)
    if marker:
        return marker
    found = _first_date(page, dates.context(locale))
    if found:
        iso, precision, start, end = found
        return Marker(collapse(page.text[start:end]), iso, precision, origin)
    return None


def _selector_marker(html: str | None, selector: str, locale: str) -> Marker | None:
    from bs4 import BeautifulSoup
    element = BeautifulSoup(html, "lxml").select_one(selector) if html else None
    if element is None:
        return None
    marker = _date_in(read_page(str(element), None, scoped=False), locale, "selector")
    if marker:
        return marker
    for el in [element, *element.find_all("time")]:
        for attr in ("datetime", "content"):
            value = el.get(attr)
            parsed = dates.machine_date(value, dates.context(locale)) if isinstance(value, str) else None
            if parsed:
                return Marker(value.strip(), parsed[0], parsed[1], "selector")
    return None


def _regex_marker(page: Page, pattern, locale: str) -> Marker | None:
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern
    m = regex.search(page.text)
    span = m and (m.group(1) if regex.groups else m.group(0))
    if not span:
        return None
    found = _date_in(read_page(None, span, scoped=False), locale, "regex")
    return Marker(collapse(m.group(0)), found.date, found.precision, "regex") if found else None


# ---------------------------------------------------------------- entry point

def find_marker(html: str | None = None, *, text: str | None = None,
                headers: Mapping[str, str] | None = None, pdf_moddate: str | None = None,
                locale: str = "en", rule: tuple[str, object] | None = None,
                fetched_at: dt.datetime | None = None, root=None) -> Marker | None:
    """The page's "last updated" marker, or None. See the module docstring for the order.

    ``root``: ``html`` already parsed into an lxml document (read, never changed), to
    save parsing it again; ``monitor.analysis.extract.parse_html`` says when that is the same.
    """
    if rule is not None:
        kind, spec = rule
        if kind == "selector":
            return _selector_marker(html, spec, locale)
        if kind == "regex":
            return _regex_marker(read_page(html, text, root, scoped=False), spec, locale)
        raise ValueError(f"unknown marker rule kind {kind!r}")
    page = read_page(html, text, root)
    hits, meta, ctx = _label_hits(page), page_metadata(page.root, page.foreign_elements), dates.context(locale)
    now = [t for t in (dates.http_date(header(headers, "date")), fetched_at and dates.as_utc(fetched_at)) if t]
    published, modified = meta_marker(meta, PUBLISHED_META, ctx, now), modified_meta(meta, ctx, now)
    stated = frozenset(m.date for m in (modified, published) if m and m.precision == "day")
    return (_first_labelled(page, hits, (0, 1), locale, "label", floor=publication_floor(published),
                            stated=stated)
            or modified
            or _first_labelled(page, hits, (2,), locale, "label")
            or published
            or header_marker(headers, now) or pdf_marker(pdf_moddate))

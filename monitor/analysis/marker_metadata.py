"""The dates a document states about itself outside its visible text: schema.org,
Dublin Core and Open Graph metadata, the HTTP Last-Modified header, a PDF's
/ModDate; and ``Marker``, what ``monitor.analysis.markers`` finds. Pure functions."""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Mapping

from monitor.analysis import dates
from monitor.analysis.dates import latest_day

MODIFIED_META = ["datemodified", "dcterms.modified", "dc.date.modified", "dcterms:modified",
                 "dc.modified", "article:modified_time", "og:updated_time", "last-modified"]
PUBLISHED_META = ["datepublished", "dcterms.issued", "dc.date.issued", "dcterms:issued",
                  "dcterms.created", "dc.date.created", "dcterms:created", "article:published_time",
                  "og:published_time", "datecreated"]
DYNAMIC_HEADER_WINDOW = dt.timedelta(minutes=5)


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


# ---------------------------------------------------------------- metadata

def page_metadata(root, foreign: frozenset = frozenset()) -> dict[str, tuple[str, str]]:
    """Lower-cased name -> (name as written, raw value); first occurrence wins. Microdata
    inside ``foreign`` elements (a teaser's itemprop="dateModified") is not the page's."""
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
            if name.lower() in wanted and name.lower() not in found and _own_metadata(el, foreign):
                value = el.get("content") or el.get("datetime") or (
                    "" if el.tag == "meta" else el.text_content())
                if value and value.strip():
                    found[name.lower()] = (name, value.strip())
    return found


def _own_metadata(el, foreign: frozenset) -> bool:
    return el.tag == "meta" or not foreign or not any(a in foreign for a in el.iterancestors())


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


def meta_marker(meta: dict, names: list[str], ctx: dates.Context, now: list) -> Marker | None:
    for name in names:
        if name in meta:
            written, raw = meta[name]
            value = dates.machine_date(raw, ctx)
            if value and not _is_now(_iso_datetime(raw), now):
                return Marker(raw, value[0], value[1], f"meta:{written}")
    return None


def publication_floor(published: Marker | None) -> dt.date | None:
    """The day before the publication metadata's day (a day's slack for time zones)."""
    if published is None or published.precision != "day":
        return None
    return dates.earliest_day(published.date) - dt.timedelta(days=1)


def modified_meta(meta: dict, ctx: dates.Context, now: list) -> Marker | None:
    """The modification metadata, unless it says the page changed before it was published
    (a template's date: VG.no's dateModified is weeks before its datePublished)."""
    modified = meta_marker(meta, MODIFIED_META, ctx, now)
    published = modified and meta_marker(meta, PUBLISHED_META, ctx, now)
    if published and latest_day(modified.date, modified.precision) < dates.earliest_day(published.date):
        return None
    return modified


# ---------------------------------------------------------------- HTTP and PDF

def header(headers: Mapping | None, name: str) -> str | None:
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


def header_marker(headers: Mapping | None, now: list[dt.datetime]) -> Marker | None:
    raw = header(headers, "last-modified")
    modified = dates.http_date(raw)
    if modified is None or _is_now(modified, now):
        return None
    utc = modified.astimezone(dt.timezone.utc)
    value = dates.iso_date(utc.year, utc.month, utc.day)
    return Marker(raw.strip(), value[0], value[1], "http:last-modified") if value else None


def pdf_marker(moddate: str | None) -> Marker | None:
    m = re.match(r"\s*(?:D:)?(\d{4})(\d{2})?(\d{2})?", moddate or "")
    value = m and dates.iso_date(int(m[1]), dates.to_int(m[2]), dates.to_int(m[3]))
    return Marker(moddate.strip(), value[0], value[1], "pdf:moddate") if value else None

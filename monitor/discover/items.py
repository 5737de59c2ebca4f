"""One thing a discovery source lists: its address, title, date and summary. Pure."""

import dataclasses
import datetime
import functools
import email.utils
import re
import unicodedata
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from monitor.analysis import addresses

MAX_TITLE = 300
MAX_SUMMARY = 1000
_SPACES = re.compile(r"\s+")
# an http(s) address with a host and nothing a join would change
_ABSOLUTE = re.compile(r"https?://[A-Za-z0-9.-]+(:\d+)?(/[^\s#\\]*)?(#.*)?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


@dataclasses.dataclass(frozen=True)
class Item:
    url: str
    title: str = ""
    date: str | None = None  # YYYY-MM-DD, or None when the source gave none readable
    summary: str = ""

    @functools.cached_property
    def key(self):
        """The address with its session tokens, cache-busters and tracking tags masked
        (``monitor.analysis.addresses.key``): the same item at every visit."""
        return addresses.key(self.url)

    def words(self):
        """The address's own words ('/news/human-rights-dialogue-2024' -> 'news human
        rights dialogue 2024'): all a sitemap says about a page."""
        path = unquote(urlsplit(self.url).path)
        return _SPACES.sub(" ", re.sub(r"[/_\-.+]", " ", path)).strip()


def item(url, base, title="", date=None, summary=""):
    """An Item from raw values: the address made absolute (fragment dropped), texts
    cleaned and cut, the date read (``read_date``). None without a web address."""
    address = absolute(url, base)
    if address is None:
        return None
    return Item(address, clean(title, MAX_TITLE), read_date(date), clean(summary, MAX_SUMMARY))


def absolute(url, base):
    """``url`` joined to ``base`` without its #fragment; None unless http(s)."""
    url = clean(url, 4000)
    if not url:
        return None
    if _ABSOLUTE.match(url):  # most items: no join needed (50,000 of a sitemap)
        return url.split("#", 1)[0]
    try:
        joined = urldefrag(urljoin(base or "", url))[0]
        parts = urlsplit(joined)
    except ValueError:
        return None
    return joined if parts.scheme in ("http", "https") and parts.hostname else None


def clean(text, size):
    """One line of text: control characters dropped, spaces collapsed, cut at ``size``."""
    text = str(text or "")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= size else text[:size - 1].rstrip() + "…"


def read_date(value):
    """'2024-05-03', 'Fri, 03 May 2024 10:00:00 +0200', '2024-05-03T10:00:00Z' ->
    '2024-05-03'; anything else (broken, empty, out of range) -> None."""
    text = clean(value, 100)
    if not text:
        return None
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
    if match:
        try:
            return datetime.date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None
    return None

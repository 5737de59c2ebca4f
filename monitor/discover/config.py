"""The ``discover:`` list of sources.yaml, validated like the rest of the file.

A top-level list (beside ``sources:``): each entry is one place where a partner
publishes, with its country. Every problem names its line and the fix; nothing
here touches the network. ``monitor.config`` calls ``parse`` once and keeps the
result as ``Config.discover``.

Example::

    discover:
      - id: ch-fdfa-news
        country: Switzerland
        title: FDFA press releases (RSS)
        url: https://www.eda.admin.ch/...rss.xml
        type: feed
        match: [Menschenrechtsdialog, human rights dialogue, {near: [China, Menschenrechte]}]
"""

import dataclasses
import re
from urllib.parse import urlsplit

from monitor.analysis import css
from monitor.discover.match import Matcher, rule

TYPES = ("feed", "sitemap", "listing")
PAGES = 5  # pages fetched per check: a listing's next pages, an index's sitemaps
LIMIT = 50  # items adopted as watched pages, over the source's life
MAX_PAGES = 100
MAX_LIMIT = 2000
PAGE_READS = 10  # with match_page: linked pages read at each check
MAX_PAGE_READS = 50  # a read holds the pages it fetched until it is stored
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
REQUIRED = ("id", "country", "title", "url", "type")
KEY_HELP = {
    "id": "required. A stable short name: lowercase letters, digits and '-'; the pages it "
          "finds are watched as this id, '-' and a hash of their address.",
    "country": "required. The partner that publishes there, as in sources:.",
    "title": "required. What the listing is, in words a campaigner understands.",
    "url": "required. The feed's, sitemap's or listing page's full address.",
    "type": "required. `feed` (RSS or Atom), `sitemap` (a sitemap or sitemap index, "
            "plain or .gz) or `listing` (a web page listing publications).",
    "match": "The words and phrases that make an item count, in the partner's languages "
             "(case, accents and width do not matter); `{near: [China, human rights], "
             "within: 20}` for words close together. Default: every new item counts.",
    "items": "`listing` only, required there: a CSS selector for one item of the list.",
    "next": "`listing` only: a CSS selector for the link to the next page of the list.",
    "pages": f"Pages read at each check: a listing's next pages, a sitemap index's "
             f"sitemaps (newest first). Default: {PAGES}.",
    "limit": f"The most pages adopted (watched) from this source. Default: {LIMIT}.",
    "match_page": "`true`: an item whose title and summary do not match is judged on the text "
                  "of the page it links to (a web page or a PDF, read as a watched page is), "
                  "fetched once, politely; never at the first read. Needs match:. Default: false.",
    "match_page_limit": f"With match_page: the most linked pages read at each check (the others "
                        f"wait for the next check). Default: {PAGE_READS}, at most {MAX_PAGE_READS}.",
    "locale": "BCP 47 tag: how dates in a listing are read. Default: from the country.",
    "notes": "Anything the next person should know (what the source is, how sure it is).",
}
KEYS = set(KEY_HELP)


@dataclasses.dataclass(frozen=True)
class Discovery:
    id: str
    country: str
    title: str
    url: str
    type: str
    matcher: Matcher
    match: tuple = ()
    items: str | None = None
    next: str | None = None
    pages: int = PAGES
    limit: int = LIMIT
    match_page: bool = False  # judge an item that does not match on its linked page's text
    match_page_limit: int = PAGE_READS
    locale: str = "en"
    notes: str | None = None
    line: int = 0


def parse(document, problems, check_country, locale_of, check_keys, source_ids=()):
    """The ``discover:`` entries of ``document`` as Discovery values; each problem is
    appended to ``problems`` as (line, words). ``check_country(entry, where, problems)``,
    ``locale_of(country)`` and ``check_keys(entry, allowed, where, problems)`` (unknown
    and repeated keys) are sources:'s own rules."""
    entries = document.get("discover") if isinstance(document, dict) else None
    if entries is None:
        return ()
    if not isinstance(entries, list):
        problems.append((_line(document, "discover"), "'discover:' must be a list of entries "
                         "starting with '- id: ...'."))
        return ()
    found = [_entry(e, problems, check_country, locale_of, check_keys) for e in entries]
    found = [each for each in found if each is not None]
    _check_unique(found, set(source_ids), problems)
    return tuple(found)


def _entry(entry, problems, check_country, locale_of, check_keys):
    if not isinstance(entry, dict):
        problems.append((0, "each item under 'discover:' must be a mapping starting with '- id: ...'."))
        return None
    where = f"discover '{entry.get('id', '?')}'"
    start = len(problems)
    check_keys(entry, KEYS, where, problems)
    for key in REQUIRED:
        if not entry.get(key):
            problems.append((_line(entry), f"{where}: '{key}' is required. Fix: add '{key}: ...'."))
    if len(problems) > start:
        return None
    country = check_country(entry, where, problems)
    fields = {"id": _id(entry, where, problems), "country": country, "title": str(entry["title"]),
              "url": _url(entry, where, problems), "type": _type(entry, where, problems),
              **_match(entry, where, problems), **_selectors(entry, where, problems),
              "pages": _count(entry, "pages", PAGES, MAX_PAGES, where, problems),
              "limit": _count(entry, "limit", LIMIT, MAX_LIMIT, where, problems),
              **_match_page(entry, where, problems),
              "locale": str(entry.get("locale") or locale_of(country)),
              "notes": entry.get("notes") and str(entry["notes"]), "line": _line(entry)}
    return Discovery(**fields) if len(problems) == start else None


def _line(mapping, key=None):
    if key is not None and hasattr(mapping, "line_of"):
        return mapping.line_of(key)
    return getattr(mapping, "line", 0)


def _id(entry, where, problems):
    value = str(entry["id"])
    if not ID_PATTERN.match(value):
        problems.append((_line(entry, "id"), f"{where}: id may use only lowercase letters, "
                         "digits and '-', e.g. 'ch-fdfa-news'."))
    return value


def _url(entry, where, problems):
    value = str(entry["url"]).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        problems.append((_line(entry, "url"), f"{where}: '{value}' is not a web address. Fix: "
                         "write the full address, starting with https:// or http://."))
    return value


def _type(entry, where, problems):
    value = str(entry["type"]).strip().lower()
    if value not in TYPES:
        problems.append((_line(entry, "type"), f"{where}: type must be feed, sitemap or "
                         f"listing, not '{value}'. Fix: feed for RSS or Atom, sitemap for a "
                         "sitemap.xml, listing for a web page that lists publications."))
    return value


def _match(entry, where, problems):
    values = entry.get("match", [])
    values = values if isinstance(values, list) else [values]
    rules = []
    for value in values:
        try:
            rules.append(rule(value))
        except ValueError as error:
            problems.append((_line(entry, "match"), f"{where}: match: {error}. Fix: list words "
                             "or phrases, e.g. match: [human rights dialogue, "
                             "Menschenrechtsdialog, {near: [China, human rights]}]."))
    return {"matcher": Matcher(rules), "match": tuple(r.text for r in rules)}


def _selectors(entry, where, problems):
    is_listing = str(entry.get("type")).strip().lower() == "listing"
    if is_listing and not entry.get("items"):
        problems.append((_line(entry, "type"), f"{where}: a listing needs items: a CSS selector "
                         "for one item of the list. Fix: add e.g. items: '.news-list li'."))
    values = {}
    for key in ("items", "next"):
        value = entry.get(key)
        values[key] = None if value is None else str(value).strip()
        if value is None:
            continue
        if not is_listing:
            problems.append((_line(entry, key), f"{where}: {key}: only applies to type: "
                             "listing. Fix: remove it, or set type: listing."))
        try:
            css.check(values[key])
        except ValueError as error:
            problems.append((_line(entry, key), f"{where}: {key}: {error}. Fix: write one such "
                             "as '.news-list li' or 'a.next'."))
    return values


def _match_page(entry, where, problems):
    """``match_page:`` (a yes or no) and ``match_page_limit:`` (only with it)."""
    value = entry.get("match_page", False)
    if not isinstance(value, bool):
        problems.append((_line(entry, "match_page"), f"{where}: match_page must be true or "
                         f"false, not '{value}'. Fix: write match_page: true to read the linked "
                         "page of an item whose title does not match, or remove the line."))
        value = False
    if value and not entry.get("match"):
        problems.append((_line(entry, "match_page"), f"{where}: match_page needs match: words "
                         "(without them every new item counts already, and no page is read). "
                         "Fix: add e.g. match: [human rights dialogue], or remove match_page."))
    if "match_page_limit" in entry and not value:
        problems.append((_line(entry, "match_page_limit"), f"{where}: match_page_limit only "
                         "applies with match_page: true. Fix: add match_page: true, or remove it."))
    most = _count(entry, "match_page_limit", PAGE_READS, MAX_PAGE_READS, where, problems)
    return {"match_page": value, "match_page_limit": most}


def _count(entry, key, default, most, where, problems):
    value = entry.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= most:
        problems.append((_line(entry, key), f"{where}: {key} must be a whole number from 1 to "
                         f"{most}, not '{value}'. Fix: write e.g. {key}: {default}."))
        return default
    return value


def _check_unique(found, source_ids, problems):
    seen = {}
    for each in found:
        if each.id in seen or each.id in source_ids:
            other = f"the entry on line {seen[each.id]}" if each.id in seen else "a source"
            problems.append((each.line, f"discover '{each.id}': the id is also used by {other}. "
                             "Fix: give this entry an id of its own."))
        seen.setdefault(each.id, each.line)

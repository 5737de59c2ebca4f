"""A listing page (a ministry's news or publications index, a site search's results)
read into items with the CSS selectors its discovery source gives. Pure.

``items:`` selects one element per item. Its address is the element's own ``href``
or its first link's; its title the first heading inside, else that link's words;
its date a ``<time datetime>``, else the first short text inside that reads as a
date in the source's locale; its summary the element's words. ``next:`` selects the
link(s) to the following page(s).
"""

import dataclasses

from monitor.analysis import extract, markers
from monitor.discover.items import absolute, item, read_date

HEADINGS = ["h1", "h2", "h3", "h4", "h5", "h6"]
MAX_ITEMS_PER_PAGE = 2000
MAX_DATE_TEXT = 60


@dataclasses.dataclass
class Listing:
    items: list
    next_pages: list


def read_listing(body, base, items, next_page=None, locale="en", content_type=None):
    """The items ``items`` selects on the page at ``base`` and the addresses ``next_page``
    selects (both CSS selectors)."""
    from bs4 import BeautifulSoup  # here: only listings need it, and every crawl imports this

    html, _ = extract.decode_html(body, content_type)
    soup = BeautifulSoup(html, "lxml")
    found = [_item(element, base, locale) for element in soup.select(items, limit=MAX_ITEMS_PER_PAGE)]
    pages = []
    if next_page:
        for link in soup.select(next_page, limit=10):
            address = absolute(link.get("href") or _first_link(link), base)
            if address and address not in pages:
                pages.append(address)
    return Listing([each for each in found if each is not None], pages)


def _item(element, base, locale):
    href = element.get("href") if element.name == "a" else _first_link(element)
    link = element if element.name == "a" else element.find("a", href=True)
    heading = element.find(HEADINGS)
    title = _words(heading) if heading else _words(link) if link else ""
    return _dated(item(href, base, title, None, _words(element)), element, locale)


def _dated(found, element, locale):
    if found is None:
        return None
    return dataclasses.replace(found, date=_date(element, locale))


def _first_link(element):
    link = element.find("a", href=True)
    return link["href"] if link else None


def _words(element):
    return element.get_text(" ", strip=True) if element is not None else ""


def _date(element, locale):
    time = element.find("time")
    if time is not None:
        found = read_date(time.get("datetime")) or _parsed(_words(time), locale)
        if found:
            return found
    for text in element.find_all(string=True):
        text = text.strip()
        if 6 <= len(text) <= MAX_DATE_TEXT:
            found = _parsed(text, locale)
            if found:
                return found
    return None


def _parsed(text, locale):
    """'3 May 2024', '03.05.2024', '2024年5月3日' -> '2024-05-03' (a day only)."""
    found = read_date(text)
    if found:
        return found
    parsed = markers.parse_date(text, locale)
    return parsed[0] if parsed and parsed[1] == "day" else None

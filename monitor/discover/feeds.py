"""RSS 0.9x/2.0, RSS 1.0 (RDF) and Atom feeds read into items. Pure."""

from monitor.discover import xml
from monitor.discover.items import item

RSS_DATES = ("pubdate", "date", "published", "updated", "issued", "modified")
ATOM_DATES = ("published", "updated", "issued", "modified", "date")


def read_feed(body, base):
    """The feed's items, newest as the feed orders them; DiscoveryError when unreadable."""
    return xml.read(body, lambda elements: _items(elements, base))


ROOTS = {"rss", "rdf", "feed"}


def _items(elements, base):
    found, tag = [], None
    for tag, element in elements:
        if tag == "item":
            found.append(_rss(element, base))
        elif tag == "entry":
            found.append(_atom(element, base))
    if tag not in ROOTS:  # the last element to end is the root
        raise xml.DiscoveryError(f"the answer is not a news feed (it is <{tag}>, not RSS or "
                                 "Atom): did the feed's address change?")
    return [each for each in found if each is not None]


def _rss(element, base):
    url = xml.child_text(element, "link") or _permalink(element)
    return item(url, base, xml.child_text(element, "title"),
                xml.child_text(element, *RSS_DATES),
                xml.child_text(element, "description", "summary", "encoded"))


def _permalink(element):
    for child in element:
        if xml.local(child.tag) == "guid" and child.get("isPermaLink", "true") != "false":
            return (child.text or "").strip()
    return ""


def _atom(element, base):
    return item(_atom_link(element), base, xml.child_text(element, "title"),
                xml.child_text(element, *ATOM_DATES),
                xml.child_text(element, "summary", "content"))


def _atom_link(element):
    """The entry's ``alternate`` link (a link with no rel is one)."""
    links = [child for child in element if xml.local(child.tag) == "link"]
    for link in links:
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return link.get("href")
    return links[0].get("href", "") if links else ""

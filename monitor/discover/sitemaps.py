"""Sitemaps (urlset and sitemap index, plain or gzip) read into items. Pure.

A sitemap says little: an address and perhaps its ``lastmod``. The item's title is
then the address's own words (``Item.words``), which ``match:`` reads. A sitemap
index names other sitemaps: they come back as ``children`` newest ``lastmod`` first,
for the crawl to fetch within its page budget.
"""

import dataclasses

from monitor.discover import xml
from monitor.discover.items import absolute, item, read_date


@dataclasses.dataclass
class Sitemap:
    items: list
    children: list  # addresses of further sitemaps, newest lastmod first


def read_sitemap(body, base):
    """The sitemap's pages and the sitemaps it names; DiscoveryError when unreadable."""
    return xml.read(body, lambda elements: _read(elements, base))


def _read(elements, base):
    found, children, tag = [], [], None
    for tag, element in elements:
        if tag == "url":
            page = item(xml.child_text(element, "loc"), base,
                        date=xml.child_text(element, "lastmod"))
            if page is not None:
                found.append(dataclasses.replace(page, title=page.title or page.words()))
        elif tag == "sitemap":
            address = absolute(xml.child_text(element, "loc"), base)
            if address:
                children.append((read_date(xml.child_text(element, "lastmod")) or "", address))
    if tag not in ("urlset", "sitemapindex"):  # the last element to end is the root
        raise xml.DiscoveryError(f"the answer is not a sitemap (it is <{tag}>, not <urlset> "
                                 "or <sitemapindex>): did the sitemap's address change?")
    children.sort(key=lambda pair: pair[0], reverse=True)  # stable: undated keep their order
    return Sitemap(found, [address for _, address in children])

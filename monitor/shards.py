"""Which node crawls which page: sources.yaml split across machines by site.

A page belongs to shard ``K`` of ``N`` when the SHA-256 of its site's host name
(lower case, without the port), read as a number, leaves ``K - 1`` divided by
``N``. The assignment depends on nothing but the host and ``N``: adding, removing
or reordering entries never moves a page to another node, and every page of a
site lands on the same node, so the site's politeness delay (one request at a
time, ``delay_seconds`` apart) is kept by one crawler. Changing ``N`` moves pages;
``dialogue-watch merge`` then refuses a page stored by two nodes
(``monitor.store.merge``).

The discovery sources (``discover:``, issue 26) are split by the same rule, on the
feed's, sitemap's or listing's own address: each is read by exactly one node, which
keeps the items it listed and watches the pages it gave.
"""

import dataclasses
import hashlib
import re
from urllib.parse import urlsplit

_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def site(url):
    """The host a page is assigned by. Example: ``site("https://Www.X.org:8443/a") == "www.x.org"``."""
    return (urlsplit(url).hostname or "").lower()


def shard_of(url, count):
    """The shard (1..count) of the page at ``url``.

    Example: ``shard_of("http://localhost:8001/a", 2) == 2``.
    """
    digest = hashlib.sha256(site(url).encode("utf-8")).digest()
    return int.from_bytes(digest, "big") % count + 1


def parse(text):
    """``"K/N"`` as ``(K, N)``; ValueError in words when it is not one of N shards.

    Example: ``parse("2/3") == (2, 3)``.
    """
    found = _SPEC.match(str(text))
    if not found:
        raise ValueError(f"'{text}' is not a shard: write K/N, e.g. 1/2 for the first of two nodes.")
    number, count = int(found[1]), int(found[2])
    if count < 1 or not 1 <= number <= count:
        raise ValueError(f"'{text}' is not a shard: K/N needs 1 <= K <= N, e.g. 1/2 or 2/2.")
    return number, count


def select(config, shard):
    """``config`` with only the sources and discovery sources of ``shard`` (``(K, N)``,
    or None: all of them)."""
    if shard is None:
        return config
    number, count = shard
    return dataclasses.replace(
        config, sources=tuple(s for s in config.sources if shard_of(s.url, count) == number),
        discover=tuple(d for d in config.discover if shard_of(d.url, count) == number))

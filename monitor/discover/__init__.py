"""Discovery: hear when a partner publishes something new, not only when a known page
changes (issue 26).

A discovery source (sources.yaml's ``discover:`` list, ``config``) is a news feed, a
sitemap or a listing page. Each check fetches it in the crawl (``spiders.pages``, up
to its ``pages:``), reads each page into items (``read``: ``feeds``, ``sitemaps``,
``listings``, all XML through ``xml``: defusedxml, gzip capped), and
``monitor.store.discovery`` compares them with what it listed before: the first read
is a baseline; an item new since, that ``match:`` counts (``match``), is a
``new_publication`` event and becomes a watched page of its own.

Everything in this package is pure: no network, no database. This file imports
nothing: ``monitor.config`` reads ``config`` at every command, and the readers bring
lxml and trafilatura.
"""

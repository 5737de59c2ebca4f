"""Thin Scrapy spiders: they turn targets into requests and responses into
``monitor.items.PageFetch`` items. No parsing, no SQL, no state between runs."""

"""The one Scrapy spider, ``pages``: it turns targets into requests and responses into
``monitor.items.PageFetch`` items. No parsing, no SQL, no state between runs.

``monitor.fetch.crawler`` starts it by name and hands it the targets. A crawl Scrapy
starts itself (``scrapy crawl pages -a sources=... -a db=...``, a Scrapyd job) has no
targets yet: ``PagesSpider.from_crawler`` then prepares it as ``dialogue-watch crawl``
does (``monitor.fetch.session.standalone``: the database's lock, the analysis workers, the crawl row
and the targets), and closes the crawl row when Scrapy closes the spider."""

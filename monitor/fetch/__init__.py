"""Fetching: the crawl process (``crawler``: one child process per crawl, the spider
started by name, forked by the fork server of ``forking``), Scrapy's settings,
middlewares and the pipeline that hands each fetch to the analysis workers and the
store, robots.txt and reach checks, the browser for pages that need one, and the
database's lock (``locks``)."""

"""Fetching: the crawl process, Scrapy's settings, middlewares and pipelines, the analysis workers, the database lock."""

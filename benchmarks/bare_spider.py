"""The framework's own ceiling: a Scrapy spider that fetches and stores nothing.

It sends exactly the requests ``spiders.pages.PagesSpider`` sends (same URLs,
same conditional headers, same statuses handled) with the same settings, but
its callback drops the response: what is left is Scrapy, Twisted and the
network. ``benchmarks/pipeline_benchmark.py`` runs it side by side with the
full pipeline.
"""

import scrapy

from spiders.pages import HANDLED_STATUSES, _conditional_headers


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, targets=(), **kwargs):
        super().__init__(**kwargs)
        self.targets = list(targets)
        self.responses = 0

    async def start(self):
        for target in self.targets:
            yield scrapy.Request(
                target["url"],
                headers=_conditional_headers(target),
                callback=self.drop,
                errback=self.drop,
                dont_filter=True,
                meta={"handle_httpstatus_list": HANDLED_STATUSES},
            )

    def drop(self, response):
        self.responses += 1


def run(targets, settings_values):
    """Crawl ``targets`` in this process (a forked child: the reactor starts once)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("monitor.fetch.settings", priority="project")
    settings.update(settings_values, priority="cmdline")
    settings.set("ITEM_PIPELINES", {}, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl(BareSpider, targets=targets)
    process.start()

"""Item pipelines: where a fetch is analysed and stored (or reported)."""

import json
import sys

from scrapy.settings import Settings

from monitor import analyze, store


class _AnalysingPipeline:
    def __init__(self, settings):
        self.config = settings["DW_CONFIG"]
        self.total = settings.getint("DW_TOTAL")
        self.progress = settings.getbool("DW_PROGRESS")
        self.done = 0

    @classmethod
    def from_crawler(cls, crawler):
        standalone = getattr(crawler.spider, "standalone", None)
        if standalone:  # started by `scrapy crawl` / Scrapyd: settings come from the spider
            return cls(Settings(standalone["settings"]))
        return cls(crawler.settings)

    def _tell(self, source_id, words):
        self.done += 1
        if self.progress:
            print(f"  [{self.done}/{self.total}] {source_id}: {words}", file=sys.stderr, flush=True)


class StorePipeline(_AnalysingPipeline):
    """Analyse each fetch and store it with its version, diff and event."""

    def __init__(self, settings):
        super().__init__(settings)
        self.db = store.open_db(settings["DW_DB_PATH"])
        self.crawl_id = settings.getint("DW_CRAWL_ID") or None
        self.failing_after = settings.getint("DW_FAILING_AFTER", 3)
        self.subscribers = settings.get("DW_SUBSCRIBERS") or ()

    def process_item(self, item):
        source = self.config.source(item.source_id)
        known = store.current_capture(self.db, item.source_id)
        observation = analyze.analyze(item, source, known)
        kind = store.record_fetch(self.db, item, observation, self.failing_after, self.crawl_id,
                                  self.subscribers)
        self._tell(item.source_id, _summary(observation, kind))
        return item


class ReportPipeline(_AnalysingPipeline):
    """Analyse each fetch and write the result as JSON lines; store nothing."""

    def __init__(self, settings):
        super().__init__(settings)
        self.path = settings["DW_REPORT_PATH"]

    def process_item(self, item):
        source = self.config.source(item.source_id)
        observation = analyze.analyze(item, source)
        with open(self.path, "a", encoding="utf-8") as out:
            out.write(json.dumps(analyze.report(item, observation), ensure_ascii=False) + "\n")
        return item


def _summary(observation, kind):
    words = {"ok": "fetched", "not_modified": "unchanged", "gone": "gone", "error": "failed"}[
        observation.outcome]
    if kind:
        words = f"{words}, event: {kind}"
    detail = observation.error or observation.note
    return f"{words} ({detail})" if detail else words

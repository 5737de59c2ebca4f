"""Imported last by the crawl fork server (``monitor.fetch.forking.PRELOAD``): the modules
of every Scrapy component a crawl builds (its extensions, middlewares, pipelines,
download handlers, scheduler, queues, stats), so that a crawl process, forked from the
server, finds them imported. Otherwise each crawl imported them itself after the fork,
on its critical path: 0.5 to 2 s on a busy 2-core machine (issue 27; the TLS context
factory alone walks the call stack three times while it is imported).

Nothing here runs a component or installs a reactor: the crawl installs its own
(``TWISTED_REACTOR``), which must be the first one.

It also reads one sample page (``warm_analysis``): the reading builds parts of itself
on first use (dateparser's time-zone patterns and month names, trafilatura's
settings), about 0.2 to 0.4 s of CPU. Built here once, every crawl process and
analysis worker forked from the server finds them ready; otherwise each worker
built them again, in every crawl, for its first page with a date written in words.
"""

from scrapy.utils.misc import load_object

from monitor.fetch.crawl_settings import CrawlSettings

COMPONENT_DICTS = ("EXTENSIONS", "DOWNLOADER_MIDDLEWARES", "SPIDER_MIDDLEWARES", "ITEM_PIPELINES")
CLASS_SETTINGS = ("SCHEDULER", "DUPEFILTER_CLASS", "SCHEDULER_PRIORITY_QUEUE", "SCHEDULER_DISK_QUEUE",
                  "SCHEDULER_MEMORY_QUEUE", "SCHEDULER_START_DISK_QUEUE", "SCHEDULER_START_MEMORY_QUEUE",
                  "STATS_CLASS", "LOG_FORMATTER", "REQUEST_FINGERPRINTER_CLASS", "DOWNLOADER",
                  "ROBOTSTXT_PARSER", "TWISTED_DNS_RESOLVER", "SPIDER_LOADER_CLASS")


def component_paths(settings):
    """The dotted paths of the components a crawl with ``settings`` loads."""
    paths = []
    for name in COMPONENT_DICTS:
        # those set to None too: Scrapy 2.19 imports every listed one
        paths += [path for path in settings.getwithbase(name) if isinstance(path, str)]
    paths += [path for path in settings.getwithbase("DOWNLOAD_HANDLERS").values() if isinstance(path, str)]
    paths += [settings[name] for name in CLASS_SETTINGS if isinstance(settings.get(name), str)]
    return paths


def load(paths):
    """Import each component's module; one that fails is left to the crawl, which says why."""
    for path in paths:
        try:
            load_object(path)
        except Exception:  # noqa: BLE001 - the crawl loads it again and reports the error
            pass


# A page as the partners write them: a menu, a title, paragraphs long enough for
# trafilatura's own reading (a short page makes it load jusText's word lists of every
# language, 33 MB that every crawl process would then carry), and a "last updated" label
# whose date is written in words (the costly reading: dateparser's first use).
_PARAGRAPH = (b"<p>The delegations discussed freedom of expression, the rights of minorities, "
              b"the death penalty and the situation of detained lawyers and journalists, and "
              b"agreed to continue the dialogue at the next round.</p>")
SAMPLE_PAGE = (b"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Human rights "
               b"dialogue</title></head><body><nav><a href='/'>Home</a> <a href='/news'>News</a>"
               b"</nav><main><h1>Human rights dialogue</h1>" + _PARAGRAPH * 6 +
               b"<p>Last updated 3 March 2024</p></main>"
               b"<footer><p>Ministry of Foreign Affairs</p></footer></body></html>")


def warm_analysis():
    """Read ``SAMPLE_PAGE`` once (see the module's docstring); returns its observation."""
    from monitor.analysis import analyze
    from monitor.config import Source
    from monitor.items import PageFetch

    url = "https://www.example.org/dialogue"
    source = Source(id="sample", country="", title="", url=url, kind="html", locale="en")
    fetch = PageFetch("sample", url, "2024-03-04T00:00:00Z", status=200, body=SAMPLE_PAGE,
                      content_type="text/html; charset=utf-8")
    return analyze.read(fetch, source)


def _settings():
    settings = CrawlSettings()
    settings.setmodule("monitor.fetch.settings", priority="project")
    return settings


load(component_paths(_settings()))
try:
    warm_analysis()
except Exception:  # noqa: BLE001 - only time is lost: each worker then builds what it needs
    pass

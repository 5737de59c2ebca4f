"""Imported last by the crawl fork server (``monitor.fetch.crawler.PRELOAD``): the modules
of every Scrapy component a crawl builds (its extensions, middlewares, pipelines,
download handlers, scheduler, queues, stats), so that a crawl process, forked from the
server, finds them imported. Otherwise each crawl imported them itself after the fork,
on its critical path: 0.5 to 2 s on a busy 2-core machine (issue 27; the TLS context
factory alone walks the call stack three times while it is imported).

Nothing here runs a component or installs a reactor: the crawl installs its own
(``TWISTED_REACTOR``), which must be the first one.
"""

from scrapy.settings import Settings
from scrapy.utils.misc import load_object

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


def _settings():
    settings = Settings()
    settings.setmodule("monitor.fetch.settings", priority="project")
    return settings


load(component_paths(_settings()))

"""Scrapy settings: polite, evidence-grade crawling.

``scrapy.cfg`` points here. ``crawl_settings(config, ...)`` adds the values
that come from sources.yaml (contact address, delays, limits) for one run.
"""

BOT_NAME = "dialogue-watch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Each response yields exactly one item; Scrapy otherwise starts 100 item tasks per response.
CONCURRENT_ITEMS = 1
DOWNLOAD_DELAY = 5
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
HTTPCACHE_ENABLED = False
LOG_LEVEL = "WARNING"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
# Scrapy components a crawl never uses, off (issue 27: each costs start-up time): the
# remote-control HTTP server (Scrapy 2.19), the memory poll (no MEMUSAGE_LIMIT), the
# minute-by-minute stats line, the depth count (no DEPTH_LIMIT) and the check of
# request meta copied between requests. (The referer middleware stays: without it
# the redirect middlewares log a warning on every crawl.)
REMOTE_CONTROL_ENABLED = False
MEMUSAGE_ENABLED = False
LOGSTATS_INTERVAL = 0
# Scrapy reads the source of a generator callback (inspect.getsource, ast.parse) to warn
# about a 'return value' in it; its cache misses on bound methods, so it did so for about
# one response in three (3% of a steady crawl's CPU). A check for spider authors, not crawls.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Only the extensions a crawl uses are listed: Scrapy 2.19 imports every listed extension's
# module, even one set to None, before it learns that it is off; the remote control's
# brings aiohttp, the telnet console's Twisted's conch (0.3-0.8 s of CPU in every crawl
# process, issue 27). Off and so not listed: the remote control, the telnet console,
# the memory poll and debugger, the stats line (the settings above switch them off too).
EXTENSIONS_BASE = {
    "scrapy.extensions.corestats.CoreStats": 0,
    "scrapy.extensions.logcount.LogCount": 0,
    "scrapy.extensions.closespider.CloseSpider": 0,
    "scrapy.extensions.feedexport.FeedExporter": 0,
    "scrapy.extensions.spiderstate.SpiderState": 0,
    "scrapy.extensions.throttle.AutoThrottle": 0,
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "monitor.fetch.middlewares.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "monitor.fetch.middlewares.RobotsTxtMiddleware": 100,
    # before robots.txt: a page the rule refuses is never asked for (monitor.fetch.reach)
    "monitor.fetch.reach.ReachMiddleware": 50,
}
ITEM_PIPELINES = {"monitor.fetch.pipelines.StorePipeline": 300}
# Processes that read changed pages (text, marker) while the crawl goes on, forked by
# the crawl process: None = one per CPU; 0 = read inline on the reactor thread
# (monitor.fetch.analysis_pool; `scrapy crawl` without dialogue-watch always reads inline).
DW_ANALYSIS_WORKERS = None
# Seconds a worker may spend reading one page before that page is stored as an error
# and the workers are replaced (sources.yaml's analysis_timeout_seconds; 0 = no limit).
# Pages read inline have no limit.
DW_ANALYSIS_TIMEOUT = 60.0

VERSION = "0.1"


def user_agent(contact):
    return f"dialogue-watch/{VERSION} (human-rights dialogue page monitor; contact: {contact})"


def crawl_settings(config, **extra):
    """Settings for one crawl, from sources.yaml's ``settings:`` section."""
    s = config.settings
    values = {
        "USER_AGENT": user_agent(s["contact"]),
        "DOWNLOAD_DELAY": s["delay_seconds"],
        "AUTOTHROTTLE_START_DELAY": max(s["delay_seconds"], 0.01),
        "AUTOTHROTTLE_ENABLED": s["delay_seconds"] > 0,
        "DOWNLOAD_TIMEOUT": s["timeout_seconds"],
        "RETRY_TIMES": s["retries"],
        "DW_RETRY_BACKOFF": s["retry_backoff_seconds"],
        "DOWNLOAD_MAXSIZE": int(s["max_body_mb"] * 1024 * 1024),
        "CONCURRENT_REQUESTS": s["concurrent_requests"],
        "DW_FAILING_AFTER": s["failing_after"],
        "DW_CONFIRM_AFTER": s["confirm_after_seconds"],
        "DW_ANALYSIS_TIMEOUT": s["analysis_timeout_seconds"],
        # hands DW_ANALYSIS_TIMEOUT to the analysis workers (built before the pipeline)
        "EXTENSIONS": {"monitor.fetch.analysis_pool.TimeLimit": 0},
    }
    values.update(extra)
    return values
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
# A name that does not resolve will not resolve seconds later either (and
# offline, every site would wait out the back-off): fail at once, retry next crawl.
RETRY_EXCEPTIONS = [
    "scrapy.exceptions.DownloadConnectionRefusedError",
    "scrapy.exceptions.DownloadFailedError",
    "scrapy.exceptions.DownloadTimeoutError",
    "scrapy.exceptions.ResponseDataLossError",
    "twisted.internet.error.ConnectionDone",
    "twisted.internet.error.ConnectError",
    "twisted.internet.error.ConnectionLost",
    "scrapy.core.downloader.handlers.http11.TunnelError",
]

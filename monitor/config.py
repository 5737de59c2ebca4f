"""Loads and validates sources.yaml.

Every problem is collected (not just the first) and reported with the file,
the line and how to fix it, via ``ConfigError``. Nothing here touches the
network or the database.
"""

import dataclasses
import functools
import difflib
import re
from pathlib import Path


from monitor.discover import config as discover_config
from monitor.errors import ConfigError
from monitor import source_keys
from monitor.source_keys import (  # noqa: F401 - read as monitor.config.<name> too
    BASELINE_KEYS, COUNTRY_LOCALES, FOLLOW_LIMIT, ID_PATTERN, KINDS, LOCALE_PATTERN, Rule, parse_rule,
)
from monitor.yamlfile import Located, check_keys, parse_yaml, read_config_text

TOP_KEYS = {"settings", "defaults", "sources", "discover"}  # discover: monitor.discover.config
SETTINGS_DEFAULTS = {
    "contact": "dialogue-watch user (set settings.contact in sources.yaml)",
    "delay_seconds": 5.0,
    "timeout_seconds": 30.0,
    "retries": 2,
    "retry_backoff_seconds": 10.0,
    "max_body_mb": 20.0,
    "failing_after": 3,
    # a doubtful change (most of the page replaced, only numbers changed...) is confirmed
    # by fetching the page again this many seconds later before anyone is told
    # (monitor.analysis.doubt); `run` fetches it then, a `crawl` at its next check
    "confirm_after_seconds": 300.0,
    "concurrent_requests": 8,
    "analysis_timeout_seconds": 60.0,
    # the memory reading one web page may take (monitor.analysis.extract.reading_memory): a
    # page that would take more is kept unread, as an error (0: no limit)
    "analysis_memory_mb": 512.0,
    # every Nth check of a page goes without ETag / If-Modified-Since (0: only the weekly one)
    "verify_unchanged_every": 7,
    # render: browser pages (monitor.fetch.browser): the Chromium to run (a command or a
    # path), seconds a page may take to settle, and the browser's memory ceiling
    "browser": "chromium",
    "browser_timeout_seconds": 30.0,
    "browser_memory_mb": 1500.0,
    # the Internet Archive (monitor.archive): its address, the pause between two CDX
    # listings (its published limit), the first wait after a 429 (doubled each time),
    # and whether every change is sent to Save Page Now (also per source)
    "archive_url": "https://web.archive.org",
    "archive_delay_seconds": 2.5,
    "archive_backoff_seconds": 60.0,
    "archive_changes": False,
    "archive_save_delay_seconds": 5.0,  # between two Save Page Now requests
}
# stale_after: a page whose 'last updated' date is older raises a stale event
# (never: no stale events; the shipped sources.yaml sets 365d).
DEFAULTS_DEFAULTS = {"every": "24h", "jitter_seconds": 300.0, "stale_after": "365d"}
REQUIRED_SOURCE_KEYS = ("id", "country", "title", "url", "kind")
# What each key of a source means (the README's sources.yaml reference is generated from this).
SOURCE_KEY_HELP = {
    "id": "required. A stable short name: lowercase letters, digits and '-'.",
    "country": "required. One of the twelve partners as written here (`United Kingdom`, "
               "`European Union`...), or `Other (Name)` for a government beyond them.",
    "title": "required. What the page is, in words a campaigner understands.",
    "url": "required. The full address, starting with https:// or http://.",
    "kind": "required. `html` for a web page, `pdf` for a PDF.",
    "pages": "PDF only: the pages to watch, counted from 1, e.g. `[31]`. Default: all.",
    "locale": "BCP 47 tag (`en-AU`, `de-CH`, `ja-JP`): the language of labels and the "
              "day/month order of dates like 03/04/2024. Default: from the country.",
    "content": "The part of the page to compare: a CSS selector, or a `/regex/`. "
               "Default: the main content (menus, headers, footers, banners dropped).",
    "ignore": "CSS selectors and/or `/regexes/` removed before comparing (counters, widgets).",
    "marker": "Where the 'last updated' line is, when automatic finding fails: "
              "a CSS selector or a `/regex/` (its first group is the date).",
    "cited_as": "The address exactly as the 2003 report printed it, typos included.",
    "baseline": "What the 2003 report saw: `observed` (a date), `marker` (its 'last "
                "updated' text), `transparency` (its words).",
    "ignore_robots_txt": "Fetch even where robots.txt forbids it; the value must be your reason.",
    "every": "How often to check: `30m`, `6h`, `1d`, `1w`, or a cron line. Default: defaults.every.",
    "stale_after": "Raise a `stale` event when the page's 'last updated' date is older than "
                   "this (`365d`, `52w`), once more at twice as old; `never` for none. "
                   "Default: defaults.stale_after.",
    "render": "`browser` for a page built by JavaScript: fetched through a headless Chromium, "
              "then read like any page. Default: plain HTTP.",
    "wait_for": "With `render: browser`: a CSS selector the browser waits for before reading the "
                "page. Default: wait until the network is idle.",
    "screenshot": "`true` or `false`: keep a full-page picture of each new version. Default: "
                  "`true` with `render: browser`.",
    "follow": "`documents`: every PDF linked from the page's content becomes a watched source "
              "of its own (id: this id, '-' and a hash of the address; title: the link's words; "
              "this source's country, locale and schedule); or a CSS selector: the PDFs and "
              "pages linked inside what it selects. Default: none.",
    "follow_limit": "With `follow:`: the most documents watched for this source (a "
                    "`follow_limit` problem says when more are linked). Default: 200.",
    "archive_changes": "`true`: ask the Internet Archive's Save Page Now to copy the page at "
                       "each change (an independent copy). Default: settings.archive_changes.",
    "notes": "Anything the next person should know.",
    "paused": "`true`: the page is not checked for now (`crawl` and `run` skip it; it is not "
              "called stale or failing meanwhile) and the site shows it as paused; remove the "
              "line, or write `false`, to check it again. Default: `false`.",
    "paused_note": "With `paused: true`: why, in a few words, shown beside \"paused\" on the "
                   "site and in the workspace.",
}
SOURCE_KEYS = set(SOURCE_KEY_HELP)
# The twelve partners of the 2003 report, as every filter, feed and alert names them; a
# government beyond them is written "Other (Name)".
PARTNERS = tuple(COUNTRY_LOCALES)
OTHER_COUNTRY = re.compile(r"^Other \((.+)\)$")
COUNTRY_ALIASES = {
    "uk": "United Kingdom", "gb": "United Kingdom", "great britain": "United Kingdom",
    "britain": "United Kingdom", "england": "United Kingdom", "us": "United States",
    "usa": "United States", "u.s.": "United States", "america": "United States",
    "united states of america": "United States", "eu": "European Union", "europe": "European Union",
    "deutschland": "Germany", "nippon": "Japan", "brasil": "Brazil", "norge": "Norway",
    "schweiz": "Switzerland", "suisse": "Switzerland", "magyarország": "Hungary",
}
EVERY_PATTERN = re.compile(r"^(\d+(\.\d+)?)\s*(m|min|h|d|w)$")
EVERY_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclasses.dataclass(frozen=True)
class Source:
    id: str
    country: str
    title: str
    url: str
    kind: str
    locale: str
    pages: tuple = ()
    content: Rule | None = None
    ignore: tuple = ()
    marker: Rule | None = None
    cited_as: str | None = None
    baseline: dict | None = None
    ignore_robots_txt: str | None = None
    every: str | None = None
    stale_after: int | None = None  # days; None: never stale
    notes: str | None = None
    archive_changes: bool = False  # Save Page Now at each change (monitor.archive.savepagenow)
    follow: Rule | None = None  # "documents" (kind "documents"), or a CSS selector
    follow_limit: int = 200
    render: str | None = None  # "browser": fetched through a headless Chromium
    wait_for: str | None = None  # a CSS selector the browser waits for
    screenshot: bool | None = None  # None: on for rendered pages
    analysis_memory_mb: float = SETTINGS_DEFAULTS["analysis_memory_mb"]  # from settings: for the analysis
    paused: bool = False  # not checked for now (``Config.select`` leaves it out)
    paused_note: str | None = None
    line: int = 0


@dataclasses.dataclass(frozen=True)
class Config:
    path: str
    settings: dict
    defaults: dict
    sources: tuple
    discover: tuple = ()  # monitor.discover.config.Discovery: feeds, sitemaps, listings

    def source(self, source_id):
        return self._by_id.get(source_id)

    def __deepcopy__(self, memo):
        """Shared, not copied: a loaded Config is never changed, and a crawl carries it in
        its Scrapy settings, which Scrapy deep-copies twice per crawl (about 20 ms of CPU
        for a few sources, more for many; issue 27)."""
        return self

    @functools.cached_property
    def _by_id(self):
        return {source.id: source for source in self.sources}

    def select(self, ids):
        """The sources named by ``ids`` (all but the paused ones when empty); unknown ids raise."""
        from monitor.errors import UnknownSourceError

        if not ids:
            return [source for source in self.sources if not source.paused]
        missing = [i for i in ids if self.source(i) is None]
        if missing:
            ids = [s.id for s in self.sources]
            near = difflib.get_close_matches(missing[0], ids, 3, 0.4) or [
                i for i in ids if missing[0].split("-")[0] in i][:3]
            hint = f"Did you mean {', '.join(near)}? " if near else ""
            raise UnknownSourceError(
                f"No source with id {', '.join(missing)} in {self.path}. {hint}"
                f"Run 'dialogue-watch sources check' to list them (e.g. {', '.join(ids[:8])})."
            )
        return [self.source(i) for i in ids]


# -- loading ------------------------------------------------------------------


def load(path):
    """Read and validate a sources file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        text = read_config_text(path)
    except FileNotFoundError:
        raise ConfigError(path, [(0, "file not found. Fix: run from the project folder, "
                                    "or pass --sources PATH.")]) from None
    return parse(parse_yaml(path, text), path)


def parse(document, path="sources.yaml"):
    problems = []
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise ConfigError(path, [(1, "expected a mapping with a 'sources:' list. Fix: start "
                                    "the file with 'sources:' followed by '- id: ...' entries.")])
    check_keys(document, TOP_KEYS, "top level", problems)
    settings = _section(document, "settings", SETTINGS_DEFAULTS, problems)
    defaults = _section(document, "defaults", DEFAULTS_DEFAULTS, problems)
    _check_every(defaults["every"], document.get("defaults") or document, problems)
    stale_after = _stale_after(defaults["stale_after"], "defaults",
                               document.get("defaults") or document, problems)
    sources = [_source(entry, defaults, stale_after, problems) for entry in document["sources"]]
    sources = [s for s in sources if s is not None]
    sources = [s if s.archive_changes is not None else
               dataclasses.replace(s, archive_changes=bool(settings["archive_changes"]))
               for s in sources]
    budget = settings["analysis_memory_mb"]  # the analysis reads it with each source
    sources = [dataclasses.replace(s, analysis_memory_mb=budget) for s in sources]
    _check_unique(sources, problems)
    discover = discover_config.parse(document, problems, _check_country,
                                     lambda country: COUNTRY_LOCALES.get(country, "en"),
                                     check_keys, {source.id for source in sources})
    if problems:
        raise ConfigError(path, sorted(problems, key=lambda p: p[0]))
    return Config(str(path), settings, defaults, tuple(sources), discover)


def _section(document, name, defaults, problems):
    given = document.get(name) or Located()
    if not isinstance(given, dict):
        problems.append((document.line_of(name), f"'{name}:' must be a mapping of keys."))
        return dict(defaults)
    check_keys(given, set(defaults), name, problems)
    merged = dict(defaults)
    for key, default in defaults.items():
        if key not in given:
            continue
        value = given[key]
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                problems.append((given.line_of(key), f"{name}.{key} must be a number of 0 "
                                                     f"or more (default {default})."))
                continue
            value = type(default)(value)
        merged[key] = value
    return merged


def _check_every(value, where, problems, key="every"):
    if parse_every(value) is None:
        problems.append((where.line_of(key) if isinstance(where, Located) else 0,
                         f"'{key}: {value}' is not a schedule. Fix: write an interval such "
                         "as 30m, 6h, 1d or 1w, or a cron line such as '0 6 * * 1'."))


def parse_every(value):
    """('interval', seconds) or ('cron', expression); None when invalid."""
    text = str(value).strip()
    match = EVERY_PATTERN.match(text)
    if match:
        seconds = float(match.group(1)) * EVERY_UNITS[match.group(3)]
        return ("interval", seconds) if seconds >= 60 else None
    if len(text.split()) == 5:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(text)
        except ValueError:
            return None
        return ("cron", text)
    return None


def parse_stale_after(value):
    """``365d`` / ``52w`` / ``48h`` -> whole days; ``never`` (or YAML false) -> None.

    Raises ValueError for anything else. Example: ``parse_stale_after("52w") == 364``.
    """
    if value is False or str(value).strip().lower() == "never":
        return None
    match = EVERY_PATTERN.match(str(value).strip())
    days = float(match.group(1)) * EVERY_UNITS[match.group(3)] / 86400 if match else 0
    if days < 1 or days != int(days):
        raise ValueError(f"not a whole number of days: {value!r}")
    return int(days)


def _stale_after(value, where, mapping, problems):
    """Days from a ``stale_after:`` value, or None; a bad value is a problem naming the fix."""
    try:
        return parse_stale_after(value)
    except ValueError:
        line = mapping.line_of("stale_after") if isinstance(mapping, Located) else 0
        problems.append((line, f"{where}: 'stale_after: {value}' is not a number of days. Fix: "
                         "write how old a 'last updated' date may get before it is stale, in "
                         "whole days or weeks such as 365d or 52w, or never to raise no "
                         "stale events."))
        return None


def _check_country(entry, where, problems):
    """One of the twelve partners (or 'Other (Name)'); else a problem naming the nearest."""
    value = str(entry["country"]).strip()
    if value in COUNTRY_LOCALES or OTHER_COUNTRY.match(value):
        return value
    guess = COUNTRY_ALIASES.get(value.lower()) or next(iter(difflib.get_close_matches(
        value.title(), PARTNERS, 1, 0.6)), None)
    hint = f"Did you mean '{guess}'? " if guess else ""
    problems.append((entry.line_of("country"), (
        f"{where}: '{value}' is not one of the twelve partners of the 2003 report "
        f"({', '.join(PARTNERS)}). {hint}Fix: write the partner's name as listed (filters, "
        f"feeds and alerts use it), or 'Other ({value})' for a government beyond the twelve.")))
    return value


def _source(entry, defaults, stale_after, problems):
    if not isinstance(entry, dict):
        problems.append((0, "each item under 'sources:' must be a mapping starting with '- id: ...'."))
        return None
    where = f"source '{entry.get('id', '?')}'"
    check_keys(entry, SOURCE_KEYS, where, problems)
    missing = [k for k in REQUIRED_SOURCE_KEYS if not entry.get(k)]
    for key in missing:
        problems.append((entry.line, f"{where}: '{key}' is required. Fix: add '{key}: ...'."))
    if missing:
        return None
    start = len(problems)
    fields = {
        "id": source_keys.check_id(entry, where, problems),
        "country": _check_country(entry, where, problems),
        "title": str(entry["title"]),
        "url": source_keys.check_url(entry, "url", where, problems),
        "kind": source_keys.check_kind(entry, where, problems),
        "locale": source_keys.check_locale(entry, where, problems),
        "pages": source_keys.check_pages(entry, where, problems),
        "content": source_keys.rule(entry, "content", where, problems),
        "ignore": source_keys.rules(entry, where, problems),
        "marker": source_keys.rule(entry, "marker", where, problems),
        "cited_as": source_keys.optional_text(entry, "cited_as"),
        "baseline": source_keys.check_baseline(entry, where, problems),
        "ignore_robots_txt": source_keys.optional_text(entry, "ignore_robots_txt"),
        "every": str(entry.get("every") or defaults["every"]),
        "stale_after": _stale_after(entry["stale_after"], where, entry, problems)
        if "stale_after" in entry else stale_after,
        "notes": source_keys.optional_text(entry, "notes"),
        "archive_changes": source_keys.archive_changes(entry, where, problems),
        **source_keys.check_follow(entry, where, problems),
        **source_keys.check_render(entry, where, problems),
        **source_keys.check_paused(entry, where, problems),
        "line": entry.line,
    }
    if "every" in entry:
        _check_every(entry["every"], entry, problems)
    if "ignore_robots_txt" in entry and not fields["ignore_robots_txt"]:
        problems.append((entry.line_of("ignore_robots_txt"), f"{where}: ignore_robots_txt needs "
                         "the reason as its value, e.g. ignore_robots_txt: \"robots.txt blocks "
                         "all robots; the page is public record\"."))
    return Source(**fields) if len(problems) == start else None


def _check_unique(sources, problems):
    for attribute, label in (("id", "id"), ("url", "URL")):
        first_seen = {}
        for source in sources:
            value = getattr(source, attribute)
            key = value.rstrip("/").lower() if attribute == "url" else value
            if key in first_seen:
                problems.append((source.line, f"source '{source.id}': the {label} {value} is also "
                                 f"used by the source on line {first_seen[key]}. Fix: make it unique "
                                 "or remove one of the two entries."))
            else:
                first_seen[key] = source.line

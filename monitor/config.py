"""Loads and validates sources.yaml.

Every problem is collected (not just the first) and reported with the file,
the line and how to fix it, via ``ConfigError``. Nothing here touches the
network or the database.
"""

import dataclasses
import functools
import datetime
import difflib
import re
from pathlib import Path
from urllib.parse import urlsplit

import soupsieve
import yaml

from monitor.discover import config as discover_config
from monitor.errors import ConfigError

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
}
SOURCE_KEYS = set(SOURCE_KEY_HELP)
BASELINE_KEYS = {"observed", "marker", "transparency"}
KINDS = ("html", "pdf")

# The locale a page is read with when its source names none: it decides the
# language of labels and the day/month order of dates like 03/04/2024.
COUNTRY_LOCALES = {
    "Australia": "en-AU",
    "Brazil": "pt-BR",
    "Canada": "en-CA",
    "Chile": "es-CL",
    "European Union": "en-IE",
    "Germany": "de-DE",
    "Hungary": "hu-HU",
    "Japan": "ja-JP",
    "Norway": "nb-NO",
    "Switzerland": "de-CH",
    "United Kingdom": "en-GB",
    "United States": "en-US",
}
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
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LOCALE_PATTERN = re.compile(r"^([a-zA-Z]{2,3})(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")
EVERY_PATTERN = re.compile(r"^(\d+(\.\d+)?)\s*(m|min|h|d|w)$")
EVERY_UNITS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}


@dataclasses.dataclass(frozen=True)
class Rule:
    """A CSS selector, or a regex written between slashes: ``/Stand: (.*)/i``."""

    kind: str  # "selector" | "regex"
    value: str
    pattern: re.Pattern | None = None

    def as_marker_rule(self):
        return (self.kind, self.pattern if self.kind == "regex" else self.value)


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

    @functools.cached_property
    def _by_id(self):
        return {source.id: source for source in self.sources}

    def select(self, ids):
        """The sources named by ``ids`` (all when empty); unknown ids raise."""
        from monitor.errors import UnknownSourceError

        if not ids:
            return list(self.sources)
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


# -- YAML with line numbers ---------------------------------------------------

# A settings file is refused past this size before it is read: 20,000 sources
# take 8 to 9 MB, so only a wrong or damaged file comes near it.
MAX_CONFIG_BYTES = 50 * 2**20
# YAML aliases (*name repeats the value marked &name) allowed in one file, and how
# many values they may repeat in all: nested aliases otherwise let a file of a few
# hundred bytes stand for billions of values and fill the memory.
MAX_YAML_ALIASES = 100
MAX_YAML_ALIAS_VALUES = 10_000


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader whose mappings remember the line of every key (libyaml's
    parser when PyYAML has it: 20,000 sources load in a fraction of the time)."""


def _construct_mapping(loader, node):
    merged = _flatten_merges(loader, node)
    mapping = _Located()
    mapping.line = node.start_mark.line + 1
    own = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if index >= merged and key in own:
            mapping.dupes.append((key, line))
        else:
            mapping.lines[key] = line  # a key of its own wins over a merged one
            if index >= merged:
                own.add(key)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _flatten_merges(loader, node):
    """Expand ``<<: *defaults`` merge keys in place and return how many of the pairs
    now in ``node`` came from them: they come first, and the mapping's own keys
    override them (that is the point of a merge, not a key written twice)."""
    merge_tag = "tag:yaml.org,2002:merge"
    own = sum(1 for key_node, _ in node.value if key_node.tag != merge_tag)
    loader.flatten_mapping(node)
    return len(node.value) - own


class _Located(dict):
    def __init__(self):
        super().__init__()
        self.line = 0
        self.lines = {}
        self.dupes = []

    def line_of(self, key):
        return self.lines.get(key, self.line)


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _parse_yaml(path, text):
    """The document in ``text``, its mappings remembering their lines. Aliases are
    checked first (``_check_aliases``), so a file built to exhaust the memory is
    refused before any Python object is made; invalid YAML is one ConfigError."""
    try:
        _check_aliases(path, text)
        return yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(
            path,
            [(line, f"this is not valid YAML ({problem}). Fix: check the indentation "
                    "and quoting on this line and the one above it.")],
        ) from None


def _check_aliases(path, text):
    """Refuse aliases past MAX_YAML_ALIASES or MAX_YAML_ALIAS_VALUES, naming the line
    of the first alias over the budget. A 550-byte file of nested aliases ("billion
    laughs") stands for billions of values: reading one as a title ran for a minute
    and ran out of memory. Only libyaml's parser events are read, no objects are
    built; a file where no '*' can start an alias skips even that."""
    if not _may_have_alias(text):
        return
    budget = _AliasBudget()
    for event in yaml.parse(text, Loader=_LineLoader):
        problem = budget.see(event)
        if problem:
            raise ConfigError(path, [(event.start_mark.line + 1, f"{problem} Fix: write the "
                                      "values out in full instead of using & anchors and * aliases.")])


def _may_have_alias(text):
    """False only when no '*' in ``text`` can start an alias. In valid YAML an alias
    is '*' and a name of letters, digits, '-' or '_', at the start of the file or
    after a space, a line break or one of  [ { , : ? -  so the stars of a regex such
    as /Stand: (.*)/ or of a cron line such as '0 6 * * 1' need no scan (a '*name'
    anywhere else is a syntax error, refused before anything is built)."""
    index = text.find("*")
    while index != -1:
        before = text[index - 1] if index else " "
        after = text[index + 1:index + 2]
        if (before.isspace() or before in "[{,:?-\ufeff") and (after.isalnum() or after in ("-", "_")):
            return True
        index = text.find("*", index + 1)
    return False


class _AliasBudget:
    """What the aliases of one file would repeat, followed event by event: the size
    of each anchored value (its values, aliases inside it expanded) is known when it
    closes, and every alias to it adds that size again."""

    def __init__(self):
        self.sizes = {}  # anchor name -> number of values it stands for
        self.open = []  # [anchor, values so far] for each collection being read
        self.aliases = 0
        self.repeated = 0

    def see(self, event):
        """None while within the budget, else what is wrong at ``event``."""
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self._close(event.anchor, 1)
        elif kind is yaml.AliasEvent:
            return self._alias(event.anchor)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self.open.append([event.anchor, 1])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self._close(*self.open.pop())
        return None

    def _close(self, anchor, size):
        if anchor is not None:
            self.sizes[anchor] = size
        if self.open:
            self.open[-1][1] += size

    def _alias(self, anchor):
        self.aliases += 1
        size = self.sizes.get(anchor, 1)  # an anchor still open (a value inside itself) adds 1
        self.repeated += size
        what = f"*{anchor} repeats the value marked &{anchor}"
        if self.aliases > MAX_YAML_ALIASES:
            return (f"{what}; it is alias number {self.aliases} in this file, and at most "
                    f"{MAX_YAML_ALIASES} are allowed.")
        if self.repeated > MAX_YAML_ALIAS_VALUES:
            return (f"{what}; with the aliases before it that makes {self.repeated:,} repeated "
                    f"values, and at most {MAX_YAML_ALIAS_VALUES:,} are allowed (more is how "
                    "a small file is made to fill the memory).")
        self._close(None, size)
        return None


# -- loading ------------------------------------------------------------------


def load(path):
    """Read and validate a sources file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        text = read_config_text(path)
    except FileNotFoundError:
        raise ConfigError(path, [(0, "file not found. Fix: run from the project folder, "
                                    "or pass --sources PATH.")]) from None
    return parse(_parse_yaml(path, text), path)


def read_config_text(path):
    """The text of a settings file (sources.yaml, alerts.yaml). One ConfigError when
    it is over MAX_CONFIG_BYTES, checked before reading so a huge file costs nothing,
    or not UTF-8. FileNotFoundError is left to the caller: the fix differs per file."""
    _check_size(path, path.stat().st_size)
    with path.open("rb") as file:
        data = file.read(MAX_CONFIG_BYTES + 1)  # a pipe or a device has no size to check
    _check_size(path, len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, [(0, "file is not UTF-8 text. Fix: save it as UTF-8.")]) from None


def _check_size(path, size):
    """Refuse a file over MAX_CONFIG_BYTES, saying how big it is and what to do."""
    if size <= MAX_CONFIG_BYTES:
        return
    megabytes = size / 2**20
    limit = MAX_CONFIG_BYTES / 2**20
    raise ConfigError(path, [(0, f"this file is {megabytes:,.1f} MB, over the {limit:g} MB "
                                 "limit for a settings file (20,000 sources take about 9 MB), "
                                 "so it was not read. Fix: check that this is the right file; "
                                 "if it is, remove what is not settings or sources, such as "
                                 "pasted web pages or logs.")])


def parse(document, path="sources.yaml"):
    problems = []
    if not isinstance(document, dict) or not isinstance(document.get("sources"), list):
        raise ConfigError(path, [(1, "expected a mapping with a 'sources:' list. Fix: start "
                                    "the file with 'sources:' followed by '- id: ...' entries.")])
    _check_keys(document, TOP_KEYS, "top level", problems)
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
                                     {source.id for source in sources})
    if problems:
        raise ConfigError(path, sorted(problems, key=lambda p: p[0]))
    return Config(str(path), settings, defaults, tuple(sources), discover)


def _check_keys(mapping, allowed, where, problems):
    for key, line in getattr(mapping, "dupes", []):
        problems.append((line, f"{where}: key '{key}' appears twice. Fix: keep one of them."))
    for key in mapping:
        if key in allowed:
            continue
        hint = difflib.get_close_matches(str(key), allowed, n=1)
        fix = f"did you mean '{hint[0]}'?" if hint else "remove it"
        problems.append((mapping.line_of(key), f"{where}: unknown key '{key}'. Fix: {fix} "
                                              f"(allowed: {', '.join(sorted(allowed))})."))


def _section(document, name, defaults, problems):
    given = document.get(name) or _Located()
    if not isinstance(given, dict):
        problems.append((document.line_of(name), f"'{name}:' must be a mapping of keys."))
        return dict(defaults)
    _check_keys(given, set(defaults), name, problems)
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
        problems.append((where.line_of(key) if isinstance(where, _Located) else 0,
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
        line = mapping.line_of("stale_after") if isinstance(mapping, _Located) else 0
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
    _check_keys(entry, SOURCE_KEYS, where, problems)
    missing = [k for k in REQUIRED_SOURCE_KEYS if not entry.get(k)]
    for key in missing:
        problems.append((entry.line, f"{where}: '{key}' is required. Fix: add '{key}: ...'."))
    if missing:
        return None
    start = len(problems)
    fields = {
        "id": _check_id(entry, where, problems),
        "country": _check_country(entry, where, problems),
        "title": str(entry["title"]),
        "url": _check_url(entry, "url", where, problems),
        "kind": _check_kind(entry, where, problems),
        "locale": _check_locale(entry, where, problems),
        "pages": _check_pages(entry, where, problems),
        "content": _rule(entry, "content", where, problems),
        "ignore": _rules(entry, where, problems),
        "marker": _rule(entry, "marker", where, problems),
        "cited_as": _optional_text(entry, "cited_as"),
        "baseline": _check_baseline(entry, where, problems),
        "ignore_robots_txt": _optional_text(entry, "ignore_robots_txt"),
        "every": str(entry.get("every") or defaults["every"]),
        "stale_after": _stale_after(entry["stale_after"], where, entry, problems)
        if "stale_after" in entry else stale_after,
        "notes": _optional_text(entry, "notes"),
        "archive_changes": _archive_changes(entry, where, problems),
        **_check_follow(entry, where, problems),
        **_check_render(entry, where, problems),
        "line": entry.line,
    }
    if "every" in entry:
        _check_every(entry["every"], entry, problems)
    if "ignore_robots_txt" in entry and not fields["ignore_robots_txt"]:
        problems.append((entry.line_of("ignore_robots_txt"), f"{where}: ignore_robots_txt needs "
                         "the reason as its value, e.g. ignore_robots_txt: \"robots.txt blocks "
                         "all robots; the page is public record\"."))
    return Source(**fields) if len(problems) == start else None


def _check_render(entry, where, problems):
    """``render``, ``wait_for`` and ``screenshot`` of a source (``monitor.fetch.browser``)."""
    render = _optional_text(entry, "render")
    if render is not None and render.lower() != "browser":
        problems.append((entry.line_of("render"), f"{where}: render must be 'browser', not "
                         f"'{render}'. Fix: write render: browser for a page built by "
                         "JavaScript, or remove the line to fetch it plainly."))
    if render is not None and str(entry.get("kind")).lower() == "pdf":
        problems.append((entry.line_of("render"), f"{where}: render: browser only applies to "
                         "web pages (kind: html); a PDF is read as it is. Fix: remove render."))
    wait_for = _optional_text(entry, "wait_for")
    if wait_for is not None:
        _check_wait_for(entry, where, wait_for, render, problems)
    screenshot = entry.get("screenshot")
    if screenshot is not None and not isinstance(screenshot, bool):
        problems.append((entry.line_of("screenshot"), f"{where}: screenshot must be true or "
                         f"false, not '{screenshot}'."))
    return {"render": render and render.lower(), "wait_for": wait_for,
            "screenshot": screenshot if isinstance(screenshot, bool) else None}


def _check_wait_for(entry, where, wait_for, render, problems):
    line = entry.line_of("wait_for")
    if render is None:
        problems.append((line, f"{where}: wait_for only applies to pages shown in the browser. "
                         "Fix: add render: browser, or remove wait_for."))
    try:
        rule = parse_rule(wait_for)
    except ValueError as error:
        rule = None
        problems.append((line, f"{where}: wait_for: {error}. Fix: write a CSS selector such "
                         "as '#content p' or 'main article'."))
    if rule is not None and rule.kind != "selector":
        problems.append((line, f"{where}: wait_for must be a CSS selector, not a regex. Fix: "
                         "write a selector such as '#content p'."))


FOLLOW_LIMIT = 200


def _check_follow(entry, where, problems):
    """``follow`` (``documents`` or a CSS selector) and ``follow_limit`` of a source."""
    fields = {"follow": None, "follow_limit": FOLLOW_LIMIT}
    value = _optional_text(entry, "follow")
    fix = ("Fix: write follow: documents, or a CSS selector such as follow: '#publications a'.")
    if value == "documents":
        fields["follow"] = Rule("documents", value)
    elif value is not None:
        try:
            rule = parse_rule(value)
        except ValueError as error:
            problems.append((entry.line_of("follow"), f"{where}: follow: {error}. {fix}"))
        else:
            if rule.kind == "selector":
                fields["follow"] = rule
            else:
                problems.append((entry.line_of("follow"), f"{where}: follow takes no /regex/. {fix}"))
    limit = entry.get("follow_limit", FOLLOW_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        problems.append((entry.line_of("follow_limit"), f"{where}: follow_limit must be a whole "
                         f"number of documents, 1 or more, not '{limit}'."))
    else:
        fields["follow_limit"] = limit
    if "follow_limit" in entry and value is None:
        problems.append((entry.line_of("follow_limit"), f"{where}: follow_limit only applies "
                         f"with follow:. {fix}"))
    return fields


def _archive_changes(entry, where, problems):
    """True, False, or None (then settings.archive_changes decides: ``parse``)."""
    value = entry.get("archive_changes")
    if value is not None and not isinstance(value, bool):
        problems.append((entry.line_of("archive_changes"), f"{where}: archive_changes must be "
                         f"true or false, not '{value}'."))
        return None
    return value


def _optional_text(entry, key):
    value = entry.get(key)
    return None if value is None else str(value).strip() or None


def _check_id(entry, where, problems):
    value = str(entry["id"])
    if not ID_PATTERN.match(value):
        problems.append((entry.line_of("id"), f"{where}: id may use only lowercase letters, "
                         "digits and '-', e.g. 'canada-relations'."))
    return value


def _check_url(entry, key, where, problems):
    value = str(entry[key]).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        problems.append((entry.line_of(key), f"{where}: '{value}' is not a web address. Fix: "
                         "write the full address, starting with https:// or http://."))
    return value


def _check_kind(entry, where, problems):
    value = str(entry["kind"]).lower()
    if value not in KINDS:
        problems.append((entry.line_of("kind"), f"{where}: kind must be 'html' or 'pdf', not '{value}'."))
    return value


def _check_locale(entry, where, problems):
    if "locale" not in entry:
        return COUNTRY_LOCALES.get(str(entry["country"]), "en")
    value = str(entry["locale"])
    match = LOCALE_PATTERN.match(value)
    if not match or match.group(1).lower() not in _known_languages():
        problems.append((entry.line_of("locale"), f"{where}: '{value}' is not a locale. Fix: use a "
                         "BCP 47 tag such as en-AU, de-CH, ja-JP or pt-BR."))
    return value


def _known_languages():
    from dateparser.data import languages_info

    return {code.split("-")[0].lower() for code in languages_info.language_order} | {"nb", "nn"}


def _check_pages(entry, where, problems):
    if "pages" not in entry:
        return ()
    pages = entry["pages"]
    if not isinstance(pages, list):
        pages = [pages]
    if str(entry.get("kind")).lower() != "pdf":
        problems.append((entry.line_of("pages"), f"{where}: 'pages' only applies to kind: pdf. "
                         "Fix: remove it, or set kind: pdf."))
    if not pages or not all(isinstance(p, int) and not isinstance(p, bool) and p > 0 for p in pages):
        problems.append((entry.line_of("pages"), f"{where}: pages must be page numbers counted "
                         "from 1, e.g. pages: [31] or pages: [31, 32]."))
        return ()
    return tuple(pages)


def parse_rule(text):
    """'/regex/flags' -> regex rule, anything else -> CSS selector; raises ValueError."""
    text = str(text).strip()
    match = re.fullmatch(r"/(.+)/([imsx]*)", text, flags=re.S)
    if match:
        flags = 0
        for letter in match.group(2):
            flags |= {"i": re.I, "m": re.M, "s": re.S, "x": re.X}[letter]
        try:
            return Rule("regex", text, re.compile(match.group(1), flags))
        except re.error as error:
            raise ValueError(f"the regex {text} does not compile ({error})") from None
    try:
        soupsieve.compile(text)
    except Exception as error:  # soupsieve raises SelectorSyntaxError and others
        first_line = str(error).splitlines()[0]
        raise ValueError(f"'{text}' is not a CSS selector ({first_line})") from None
    return Rule("selector", text)


def _rule(entry, key, where, problems):
    if key not in entry:
        return None
    try:
        return parse_rule(entry[key])
    except ValueError as error:
        problems.append((entry.line_of(key), f"{where}: {key}: {error}. Fix: write a CSS selector "
                         "such as 'main .content', or a regex between slashes such as "
                         "'/Last updated: (.+)/i'."))
        return None


def _rules(entry, where, problems):
    values = entry.get("ignore") or []
    if not isinstance(values, list):
        values = [values]
    rules = []
    for value in values:
        try:
            rules.append(parse_rule(value))
        except ValueError as error:
            problems.append((entry.line_of("ignore"), f"{where}: ignore: {error}. Fix: list CSS "
                             "selectors and/or /regexes/ to drop before comparing."))
    return tuple(rules)


def _check_baseline(entry, where, problems):
    baseline = entry.get("baseline")
    if baseline is None:
        return None
    if not isinstance(baseline, dict):
        problems.append((entry.line_of("baseline"), f"{where}: baseline must be a mapping with "
                         "observed:, marker: and transparency:."))
        return None
    _check_keys(baseline, BASELINE_KEYS, f"{where} baseline", problems)
    observed = baseline.get("observed")
    if not isinstance(observed, datetime.date):
        problems.append((baseline.line_of("observed"), f"{where}: baseline.observed must be a "
                         "date written as YYYY-MM-DD, e.g. observed: 2003-04-02."))
    return {k: v for k, v in baseline.items() if k in BASELINE_KEYS}


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

"""Who hears about what: alerts.yaml, matching events to subscribers, and the
words of each message. No I/O here except reading alerts.yaml.

``load(path, sources)`` validates alerts.yaml like ``monitor.config`` does
(every problem with its line and fix, via ``ConfigError``) and expands
``${VARIABLE}`` from the environment, so secrets never sit in the file. A source
id or country that sources.yaml no longer has (renamed, removed, misspelled) is
a warning, not an error, so configuration drift never stops monitoring: the
value is left out, the subscriber keeps what still exists, and
``Settings.warnings`` says what to fix.
``Subscriber.wants`` decides who gets an event (``store.enqueue_alerts`` calls
it inside the event's transaction); ``render_event`` / ``render_digest`` /
``render_test`` write the messages that ``monitor.notify.dispatch`` sends.
"""

import dataclasses
import datetime
import difflib
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from monitor.analysis import events
from monitor.config import ID_PATTERN
from monitor.errors import ConfigError
from monitor.yamlfile import check_keys, parse_yaml, read_config_text

TOP_KEYS = {"site_url", "digest_time", "digest_weekday", "retry_seconds", "retry_max_seconds",
            "subscribers"}
SUBSCRIBER_KEYS = {"name", "url", "sources", "countries", "kinds", "mode"}
MODES = ("immediate", "daily", "weekly")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# links_changed (a content link that is not a document) is alerted only when asked for
DEFAULT_KINDS = events.ALERTED_KINDS
ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
PASSWORD_PATTERN = re.compile(r"^[A-Za-z0-9+.-]+://[^/@?#]*?:([^/@?#]+)@")
TIME_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
UTC = datetime.timezone.utc

# The first line of an alert, per event kind ({whose}: "Canada's", "United States'").
HEADLINES = {
    "new": "{whose} page is now watched",
    "updated": "{whose} page changed, and so did its 'last updated' line",
    "silent_edit": "{whose} page changed but its 'last updated' line did not",
    "changed": "{whose} page changed (it shows no 'last updated' line)",
    "marker_only": "{whose} page changed only its 'last updated' line",
    "gone": "{whose} page has disappeared",
    "restored": "{whose} page is back",
    "failing": "{whose} page could not be fetched several times in a row",
    "recovered": "{whose} page can be fetched again",
    "layout_changed": "{whose} page no longer matches its selector: did the layout change?",
    "robots_blocked": "{whose} site now forbids robots to fetch the page",
    "needs_browser": "{whose} page is an empty shell built by JavaScript: it must be read in a browser",
    "volatile_text": "{whose} page has a part that changes at every check: those changes are no "
                     "longer alerted",
    "stale": "{whose} page still shows an old 'last updated' date",
    "rules_changed": "{whose} page was read again with new rules (a note)",
    "moved": "{whose} page moved to a new address (a note)",
    "volatile_change": "{whose} page changed only where it changes at every check (a note)",
    "documents_changed": "{whose} page added or removed a document",
    "links_changed": "{whose} page added or removed a link",
    "unlinked": "A document is no longer linked from {whose} page (a note)",
    "replaced": "{whose} page now shows something else entirely",
    "transient": "{whose} page showed something else for one check, then was back (a note)",
    "seen_in_archive": "{whose} page reads as the Internet Archive's last copy (a note)",
    "follow_limit": "{whose} page links to more documents than are watched for it: the rest "
                    "are not watched",
    "new_publication": "{whose} government published something new on the words you watch",
    "delisted": "A publication of {whose} is no longer listed where it was found (a note)",
}
MARKER_KINDS = events.MARKER_KINDS
# Kinds whose detail is the news itself (how old, against the 2003 report): shown in digests too.
DIGEST_DETAIL_KINDS = events.DIGEST_KINDS
EXCERPT_LINES = 6


@dataclasses.dataclass(frozen=True)
class Subscriber:
    name: str
    url: str = dataclasses.field(repr=False)  # may hold a secret: never printed
    mode: str = "immediate"
    kinds: frozenset = DEFAULT_KINDS
    sources: frozenset | None = None  # None (and no countries): every source
    countries: frozenset | None = None
    line: int = 0

    def wants_source(self, source_id, country):
        if self.sources is None and self.countries is None:
            return True
        return source_id in (self.sources or ()) or country in (self.countries or ())

    def wants(self, source_id, country, kind):
        return kind in self.kinds and self.wants_source(source_id, country)

    def follows_nothing(self):
        """True when it listed sources or countries and none of them is watched."""
        return (self.sources is not None or self.countries is not None) and not (
            self.sources or self.countries)

    def describe(self):
        where = "every page" if self.sources is None and self.countries is None else ", ".join(
            sorted(self.countries or ()) + sorted(self.sources or ())) or "no page"
        kinds = {frozenset(events.KINDS): "every kind", DEFAULT_KINDS: "every kind but recovered"}.get(
            self.kinds) or ", ".join(sorted(self.kinds))
        return f"{self.mode} alerts for {where}; events: {kinds}"


@dataclasses.dataclass(frozen=True)
class Settings:
    path: str
    subscribers: tuple = ()
    site_url: str | None = None
    digest_time: datetime.time = datetime.time(8, 0)
    digest_weekday: int = 0
    retry_seconds: float = 60.0
    retry_max_seconds: float = 3600.0
    warnings: tuple = ()  # (line, message): unknown sources/countries, left out

    def subscriber(self, name):
        return next((s for s in self.subscribers if s.name == name), None)

    def names(self, *modes):
        return [s.name for s in self.subscribers if s.mode in modes]

    def warning_lines(self):
        """Each warning as ``alerts.yaml:7: warning: ...``, for the log or the terminal."""
        return [f"{self.path}:{line}: warning: {message}" for line, message in self.warnings]


NO_ALERTS = Settings(path="(no alerts file)")


@dataclasses.dataclass(frozen=True)
class Message:
    title: str
    body: str


# -- loading ------------------------------------------------------------------


def load(path, sources=None, environ=None):
    """Read and validate alerts.yaml; ``sources`` (a Config) lets ids and countries be checked."""
    path = Path(path)
    try:
        text = read_config_text(path)
    except FileNotFoundError:
        raise ConfigError(path, [(0, "file not found. Fix: copy alerts.example.yaml to "
                                    f"{path.name} and edit it, or pass --alerts PATH.")]) from None
    return parse(parse_yaml(path, text), path, sources, os.environ if environ is None else environ)


def parse(document, path="alerts.yaml", sources=None, environ=None):
    environ = os.environ if environ is None else environ
    if not isinstance(document, dict) or not isinstance(document.get("subscribers"), list):
        raise ConfigError(path, [(1, "expected a mapping with a 'subscribers:' list. Fix: start "
                                    "from alerts.example.yaml.")])
    problems, warnings = [], []
    check_keys(document, TOP_KEYS, "top level", problems)
    settings = {"path": str(path), **_top_settings(document, environ, problems)}
    subscribers = [_subscriber(entry, sources, environ, problems, warnings)
                   for entry in document["subscribers"]]
    _check_unique_names(subscribers, problems)
    if problems:
        raise ConfigError(path, sorted(problems, key=lambda p: p[0]))
    warnings = tuple(sorted(warnings, key=lambda w: w[0]))
    return Settings(subscribers=tuple(subscribers), warnings=warnings, **settings)


def _top_settings(document, environ, problems):
    values = {}
    if document.get("site_url"):
        values["site_url"] = _check_site_url(document, environ, problems)
    if "digest_time" in document:
        values["digest_time"] = _check_time(document, problems)
    if "digest_weekday" in document:
        values["digest_weekday"] = _check_weekday(document, problems)
    for key in ("retry_seconds", "retry_max_seconds"):
        if key in document:
            values[key] = _check_seconds(document, key, problems)
    return values


def _check_site_url(document, environ, problems):
    value = expand(str(document["site_url"]), environ, document.line_of("site_url"), problems)
    parts = urlsplit(value or "")
    if value and (parts.scheme not in ("http", "https") or not parts.hostname):
        problems.append((document.line_of("site_url"), f"site_url '{value}' is not a web address. "
                         "Fix: write where the site is published, e.g. https://example.org/dialogue-watch."))
    return (value or "").rstrip("/") or None


def _check_time(document, problems):
    match = TIME_PATTERN.match(str(document["digest_time"]).strip())
    if not match:
        problems.append((document.line_of("digest_time"), "digest_time must be a time of day in "
                         "UTC written HH:MM, e.g. digest_time: \"08:00\"."))
        return datetime.time(8, 0)
    return datetime.time(int(match.group(1)), int(match.group(2)))


def _check_weekday(document, problems):
    value = str(document["digest_weekday"]).strip().lower()
    if value not in WEEKDAYS:
        problems.append((document.line_of("digest_weekday"), f"digest_weekday '{value}' is not a "
                         f"day. Fix: write one of {', '.join(WEEKDAYS)}."))
        return 0
    return WEEKDAYS.index(value)


def _check_seconds(document, key, problems):
    value = document[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        problems.append((document.line_of(key), f"{key} must be a number of seconds, 0 or more."))
        return Settings.retry_seconds
    return float(value)


def expand(text, environ, line, problems):
    """``${NAME}`` -> the environment variable NAME; a missing one is a problem."""
    missing = [name for name in ENV_PATTERN.findall(text) if name not in environ]
    for name in missing:
        problems.append((line, f"the environment variable {name} is not set. Fix: export "
                         f"{name}=... before starting dialogue-watch (or set it in the systemd "
                         "unit's EnvironmentFile); never write secrets in this file."))
    if missing:
        return None
    return ENV_PATTERN.sub(lambda m: environ[m.group(1)], text)


def _subscriber(entry, sources, environ, problems, warnings):
    if not isinstance(entry, dict) or "name" not in entry:
        problems.append((getattr(entry, "line", 0), "each subscriber must be a mapping starting "
                         "with '- name: ...'."))
        return None
    where = f"subscriber '{entry['name']}'"
    check_keys(entry, SUBSCRIBER_KEYS, where, problems)
    if not ID_PATTERN.match(str(entry["name"])):
        problems.append((entry.line_of("name"), f"{where}: a name may use only lowercase letters, "
                         "digits and '-', e.g. 'ngo-team-email'."))
    unknown = []
    subscriber = Subscriber(
        name=str(entry["name"]), url=_check_url(entry, where, environ, problems),
        mode=_check_mode(entry, where, problems), kinds=_check_kinds(entry, where, problems),
        sources=_check_sources(entry, where, sources, problems, unknown),
        countries=_check_countries(entry, where, sources, unknown), line=entry.line)
    warnings += unknown
    if unknown and subscriber.follows_nothing():
        warnings.append((entry.line, f"{where} follows none of the pages in {sources.path} "
                         "any more, so it gets no alerts at all. Fix: correct its sources: and "
                         "countries: (the warnings on their lines say how), or remove the "
                         "subscriber."))
    return subscriber


def _check_url(entry, where, environ, problems):
    if not entry.get("url"):
        problems.append((entry.line, f"{where}: 'url' is required. Fix: add url: with an Apprise "
                         "address, e.g. mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.org"
                         "?to=team@example.org"))
        return ""
    raw, line = str(entry["url"]).strip(), entry.line_of("url")
    password = PASSWORD_PATTERN.match(raw)
    if password and "${" not in password.group(1):
        problems.append((line, f"{where}: the url has a password written in the file. Fix: write "
                         "${SMTP_PASSWORD} (or another variable) instead, and set that variable."))
    url = expand(raw, environ, line, problems)
    if url is not None and not channel_accepts(url):
        problems.append((line, f"{where}: Apprise cannot send to this url (scheme "
                         f"'{raw.split(':', 1)[0]}'). Fix: check it against "
                         "https://github.com/caronc/apprise/wiki (mailtos://, slack://, "
                         "matrixs://, tgram://, signal://, discord://, json://, ...)."))
    return url or ""


def channel_accepts(url):
    import apprise

    return apprise.Apprise.instantiate(url, suppress_exceptions=True) is not None


def _check_mode(entry, where, problems):
    value = str(entry.get("mode", "immediate")).strip().lower()
    if value not in MODES:
        problems.append((entry.line_of("mode"), f"{where}: mode must be immediate, daily or "
                         f"weekly, not '{value}'."))
    return value


def _check_kinds(entry, where, problems):
    if "kinds" not in entry:
        return DEFAULT_KINDS
    values = _listed(entry["kinds"])
    if values == ["all"]:
        return frozenset(events.KINDS)
    for value in values:
        if value not in events.KINDS:
            problems.append((entry.line_of("kinds"), f"{where}: '{value}' is not an event kind. "
                             f"Fix: {_suggest(value, events.KINDS)}"))
    return frozenset(values)


def _check_sources(entry, where, sources, problems, unknown):
    if "sources" not in entry or _listed(entry["sources"]) == ["all"]:
        if "countries" in entry and "sources" in entry:
            problems.append((entry.line_of("countries"), f"{where}: sources: all already "
                             "includes every country. Fix: remove countries, or list source ids."))
        return None
    known = {s.id for s in sources.sources} if sources else None
    return _known_values(entry, "sources", known, f"{where}: no source with id", sources, unknown)


def _check_countries(entry, where, sources, unknown):
    if "countries" not in entry:
        return None
    known = {s.country for s in sources.sources} if sources else None
    return _known_values(entry, "countries", known, f"{where}: no source for the country",
                         sources, unknown)


def _known_values(entry, key, known, words, sources, unknown):
    """The listed values of ``key`` that sources.yaml has (all of them when ``known``
    is None); each one it does not have is left out with a warning in ``unknown``."""
    values = _listed(entry[key])
    if known is None:
        return frozenset(values)
    for value in values:
        if value not in known:
            unknown.append((entry.line_of(key), f"{words} '{value}' in {sources.path} (renamed "
                            "or removed?), so it is left out; alerts for the rest go on. Fix: "
                            f"{_suggest(value, known)} Correct it on this line, or remove it."))
    return frozenset(v for v in values if v in known)


def _listed(value):
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values]


def _suggest(value, allowed):
    hint = difflib.get_close_matches(value, sorted(allowed), n=1)
    return f"did you mean '{hint[0]}'?" if hint else f"use one of {', '.join(sorted(allowed))}."


def _check_unique_names(subscribers, problems):
    first_seen = {}
    for subscriber in subscribers:
        if subscriber is None:
            continue
        if subscriber.name in first_seen:
            problems.append((subscriber.line, f"subscriber '{subscriber.name}' is also defined on "
                             f"line {first_seen[subscriber.name]}. Fix: give each subscriber its "
                             "own name (one subscriber = one channel url)."))
        first_seen.setdefault(subscriber.name, subscriber.line)


# -- timing (pure) ------------------------------------------------------------


def retry_delay(attempts, first, maximum):
    """Seconds before the next attempt after ``attempts`` failed ones: doubling, capped."""
    return min(first * 2 ** max(attempts - 1, 0), maximum)


def digest_period(mode, now, at, weekday=0):
    """The key of the latest digest due at or before ``now``: '2024-03-12' (daily)
    or '2024-W11' (weekly, sent on ``weekday`` at ``at`` UTC)."""
    moment = datetime.datetime.combine(now.astimezone(UTC).date(), at, tzinfo=UTC)
    if mode == "daily":
        return (moment if moment <= now else moment - datetime.timedelta(days=1)).date().isoformat()
    moment -= datetime.timedelta(days=(moment.weekday() - weekday) % 7)
    if moment > now:
        moment -= datetime.timedelta(days=7)
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


# -- messages (pure) ----------------------------------------------------------


def idempotency_key(event_id, subscriber):
    return f"dialogue-watch-event-{event_id}-{subscriber}"


def digest_key(subscriber, period):
    return f"dialogue-watch-digest-{subscriber}-{period}"


def headline(kind, country):
    template = HEADLINES.get(kind) or "{whose} page: " + events.KINDS.get(kind, kind)
    return template.format(whose=possessive(country))


def possessive(country):
    from monitor.analysis import links  # here: it brings lxml, which 'status' never needs

    return links.possessive(country)


def event_link(site_url, event_id):
    return f"{site_url}/monitor/events/{event_id}" if site_url else None


def render_event(alert, site_url=None):
    """The message for one event; ``alert`` is a row of ``store.alert_details``."""
    title = headline(alert["kind"], alert["country"])
    lines = [title + ".", "", f"Page: {alert['title']}", f"      {alert['url']}"]
    if alert["kind"] in MARKER_KINDS:
        lines.append(marker_line(alert["marker_before"], alert["marker_after"]))
    if alert["detail"]:
        lines.append(f"What dialogue-watch saw: {alert['detail']}")
    lines += diff_excerpt(alert)
    if alert.get("archive_copy_url"):  # Save Page Now's copy (monitor.archive.savepagenow)
        lines += ["", f"Independent copy: {alert['archive_copy_url']}"]
    link = event_link(site_url, alert["event_id"])
    see = "See it on the site" if alert["kind"] in DIGEST_DETAIL_KINDS else "See the change"
    lines += ["", f"{see}: {link}"] if link else []
    lines += ["", f"What this means: {events.KINDS.get(alert['kind'], alert['kind'])} "
                  f"(seen {when_words(alert['at'])})."]
    lines += _footer(alert["interrupted"])
    return Message(_title(title, alert["interrupted"]), "\n".join(lines))


def marker_line(before, after):
    note = " (unchanged)" if before == after else ""
    return f"'Last updated' line: {before or '(none)'} → {after or '(none)'}{note}"


def diff_excerpt(alert, limit=EXCERPT_LINES, width=200):
    """'What changed' and the first changed lines of the stored diff."""
    if not alert.get("diff"):
        return []
    changed = [line for line in alert["diff"].splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    lines = ["", f"What changed ({alert['lines_added'] or 0} line(s) added, "
                 f"{alert['lines_removed'] or 0} removed):"]
    lines += [f"  {line[0]} {_cut(line[1:], width)}" for line in changed[:limit]]
    if len(changed) > limit:
        lines.append(f"  ... and {len(changed) - limit} more changed line(s)")
    return lines


def _cut(text, width):
    return text if len(text) <= width else text[:width - 3] + "..."


def _title(title, interrupted):
    return f"(possible repeat) {title}" if interrupted else title


def when_words(moment):
    """'6 December 2026, 10:05 UTC' for a stored time ('2026-12-06T10:05:00Z')."""
    at = datetime.datetime.fromisoformat(moment.replace("Z", "+00:00"))
    return f"{day_words(moment)}, {at:%H:%M} UTC"


def day_words(moment):
    """'6 December 2026' for a stored time or date."""
    day = datetime.date.fromisoformat(moment[:10])
    return f"{day.day} {day:%B %Y}"


def _footer(interrupted):
    """The alert's key is not shown: it travels in the message's headers (e-mail, webhooks:
    X-Dialogue-Watch-Key) and JSON body (``monitor.notify.dispatch``)."""
    lines = []
    if interrupted:
        lines.append("An earlier attempt to send this may have reached you (dialogue-watch was "
                     "stopped while sending it, or the channel did not answer in time), so it "
                     "is sent again: if you already have it, ignore this copy.")
    return lines


def render_digest(subscriber, period, alerts, stale, site_url=None, interrupted=False):
    """A digest: the period's events, then the staleness table of the subscriber's pages.

    ``stale`` is ``monitor.analysis.staleness.staleness(...)`` output, already filtered.
    """
    noun = "event" if len(alerts) == 1 else "events"
    title = f"dialogue-watch {subscriber.mode} digest {period}: {len(alerts)} {noun}"
    lines = [title + ".", ""]
    lines += [_digest_line(alert, site_url) for alert in alerts] or [
        "Nothing changed on the pages you follow."]
    lines += ["", "How stale each page is (days since its 'last updated' date):", ""]
    lines += stale_table(stale)
    lines += _footer(interrupted)
    return Message(_title(title, interrupted), "\n".join(lines))


def _digest_line(alert, site_url):
    link = event_link(site_url, alert["event_id"])
    text = f"- {day_words(alert['at'])}: {headline(alert['kind'], alert['country'])}: {alert['title']}"
    if alert["kind"] in DIGEST_DETAIL_KINDS and alert["detail"]:
        text += f"\n  {alert['detail']}"
    return text + (f"\n  {link}" if link else f"\n  {alert['url']}")


def stale_table(stale):
    from monitor.analysis import staleness  # here: the markers bring lxml (issue 27)

    rows = [[("?" if r["days_stale"] is None else str(r["days_stale"])), r["country"], r["id"],
             staleness.claim_words(r), r["state"]]
            for r in stale]
    headers = ["days", "country", "page", "claims last updated", "state"]
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows)]
    return ["  ".join(_cut(str(c), 60).ljust(w) for c, w in zip(row, widths)).rstrip()
            for row in [headers] + rows]


def render_test(subscriber, site_url=None):
    body = "\n".join([
        f"This is a test message from dialogue-watch to the subscriber '{subscriber.name}'.",
        f"It is set up for: {subscriber.describe()}.",
        f"Links go to: {site_url or '(no site_url set in alerts.yaml)'}.",
        "If you can read this, the channel works."])
    return Message("dialogue-watch test message", body)

"""What each key of one source in sources.yaml may hold: the checks ``monitor.config``
runs on every entry, collecting each problem with its line and its fix, and the values
they read (the partners' locales, the kinds of page, the rules' syntax)."""

import dataclasses
import datetime
import functools
import re
from urllib.parse import urlsplit

from monitor.analysis import css
from monitor.yamlfile import check_keys

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
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LOCALE_PATTERN = re.compile(r"^([a-zA-Z]{2,3})(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")


@dataclasses.dataclass(frozen=True)
class Rule:
    """A CSS selector, or a regex written between slashes: ``/Stand: (.*)/i``."""

    kind: str  # "selector" | "regex"
    value: str
    pattern: re.Pattern | None = None

    def as_marker_rule(self):
        return (self.kind, self.pattern if self.kind == "regex" else self.value)


def check_render(entry, where, problems):
    """``render``, ``wait_for`` and ``screenshot`` of a source (``monitor.fetch.browser``)."""
    render = optional_text(entry, "render")
    if render is not None and render.lower() != "browser":
        problems.append((entry.line_of("render"), f"{where}: render must be 'browser', not "
                         f"'{render}'. Fix: write render: browser for a page built by "
                         "JavaScript, or remove the line to fetch it plainly."))
    if render is not None and str(entry.get("kind")).lower() == "pdf":
        problems.append((entry.line_of("render"), f"{where}: render: browser only applies to "
                         "web pages (kind: html); a PDF is read as it is. Fix: remove render."))
    wait_for = optional_text(entry, "wait_for")
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


def check_follow(entry, where, problems):
    """``follow`` (``documents`` or a CSS selector) and ``follow_limit`` of a source."""
    fields = {"follow": None, "follow_limit": FOLLOW_LIMIT}
    value = optional_text(entry, "follow")
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


def archive_changes(entry, where, problems):
    """True, False, or None (then settings.archive_changes decides: ``parse``)."""
    value = entry.get("archive_changes")
    if value is not None and not isinstance(value, bool):
        problems.append((entry.line_of("archive_changes"), f"{where}: archive_changes must be "
                         f"true or false, not '{value}'."))
        return None
    return value


def check_paused(entry, where, problems):
    """``paused`` (true or false) and ``paused_note`` (why; only with ``paused: true``)."""
    value, note = entry.get("paused", False), optional_text(entry, "paused_note")
    if not isinstance(value, bool):
        problems.append((entry.line_of("paused"), f"{where}: paused must be true or false, not "
                         f"'{value}'. Fix: write paused: true to stop checking the page for now, "
                         "or remove the line."))
        value = False
    if note is not None and not value:
        problems.append((entry.line_of("paused_note"), f"{where}: paused_note only applies "
                         "with paused: true. Fix: add paused: true, or remove paused_note."))
    return {"paused": value, "paused_note": note if value else None}


def optional_text(entry, key):
    value = entry.get(key)
    return None if value is None else str(value).strip() or None


def check_id(entry, where, problems):
    value = str(entry["id"])
    if not ID_PATTERN.match(value):
        problems.append((entry.line_of("id"), f"{where}: id may use only lowercase letters, "
                         "digits and '-', e.g. 'canada-relations'."))
    return value


def check_url(entry, key, where, problems):
    value = str(entry[key]).strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        problems.append((entry.line_of(key), f"{where}: '{value}' is not a web address. Fix: "
                         "write the full address, starting with https:// or http://."))
    return value


def check_kind(entry, where, problems):
    value = str(entry["kind"]).lower()
    if value not in KINDS:
        problems.append((entry.line_of("kind"), f"{where}: kind must be 'html' or 'pdf', not '{value}'."))
    return value


def check_locale(entry, where, problems):
    if "locale" not in entry:
        return COUNTRY_LOCALES.get(str(entry["country"]), "en")
    value = str(entry["locale"])
    match = LOCALE_PATTERN.match(value)
    if not match or not _known_language(match.group(1).lower()):
        problems.append((entry.line_of("locale"), f"{where}: '{value}' is not a locale. Fix: use a "
                         "BCP 47 tag such as en-AU, de-CH, ja-JP or pt-BR."))
    return value


# The partners' own languages, French and Italian (Switzerland, Canada, the EU) and Chinese
# (China's own pages): all known to dateparser (tests/test_config.py checks it), so the
# partners' pages need no look at its list.
PARTNER_LANGUAGES = {locale.split("-")[0] for locale in COUNTRY_LOCALES.values()} | {"fr", "it", "zh"}


def _known_language(language):
    """Whether dateparser reads dates in ``language``. Its list is read only for a language
    no partner writes: importing it costs every command that loads sources.yaml 0.1 s."""
    return language in PARTNER_LANGUAGES or language in _dateparser_languages()


@functools.lru_cache(maxsize=1)
def _dateparser_languages():
    from dateparser.data import languages_info

    return {code.split("-")[0].lower() for code in languages_info.language_order} | {"nb", "nn"}


def check_pages(entry, where, problems):
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
    css.check(text)
    return Rule("selector", text)


def rule(entry, key, where, problems):
    if key not in entry:
        return None
    try:
        return parse_rule(entry[key])
    except ValueError as error:
        problems.append((entry.line_of(key), f"{where}: {key}: {error}. Fix: write a CSS selector "
                         "such as 'main .content', or a regex between slashes such as "
                         "'/Last updated: (.+)/i'."))
        return None


def rules(entry, where, problems):
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


def check_baseline(entry, where, problems):
    baseline = entry.get("baseline")
    if baseline is None:
        return None
    if not isinstance(baseline, dict):
        problems.append((entry.line_of("baseline"), f"{where}: baseline must be a mapping with "
                         "observed:, marker: and transparency:."))
        return None
    check_keys(baseline, BASELINE_KEYS, f"{where} baseline", problems)
    observed = baseline.get("observed")
    if not isinstance(observed, datetime.date):
        problems.append((baseline.line_of("observed"), f"{where}: baseline.observed must be a "
                         "date written as YYYY-MM-DD, e.g. observed: 2003-04-02."))
    return {k: v for k, v in baseline.items() if k in BASELINE_KEYS}

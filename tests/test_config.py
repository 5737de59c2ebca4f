"""sources.yaml: the shipped file, and every error a user can make."""

import subprocess
import sys
import textwrap
import time

import pytest
import yaml

from monitor import config
from monitor import yamlfile
from monitor.errors import ConfigError

GOOD = """\
settings:
  contact: "me <me@example.org>"
sources:
  - id: canada-relations
    country: Canada
    title: Canada-China relations
    url: https://example.org/china/relation-en.asp
    kind: html
"""

PARTNERS = {"Australia", "Brazil", "Canada", "Chile", "European Union", "Germany", "Hungary",
            "Japan", "Norway", "Switzerland", "United Kingdom", "United States"}


def load_text(tmp_path, text):
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return config.load(path)


def problems_of(tmp_path, text):
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, text)
    return caught.value.problems


def test_shipped_sources_cover_all_twelve_partners():
    cfg = config.load("sources.yaml")
    assert {s.country for s in cfg.sources} == PARTNERS
    for country in PARTNERS:
        assert any(s.cited_as for s in cfg.sources if s.country == country), country


@pytest.mark.parametrize("cited, marker, fixed_host", [
    ("www.dfait-maeci.gc.ca/china/relation-en.asp", "Last updated Oct 2002", "www.dfait-maeci.gc.ca"),
    ("www.Dfat.gov", "Last updated Nov 2002", "www.dfat.gov.au"),
    ("http://eropa.eu.int/comm/external_relations/human_rights/doc/report_00_en.pdf",
     "Last updated 2000", "europa.eu.int"),
    ("www.fco.gov.uk/files/kfile/contents,o.pdf", "last updated 2002", "www.fco.gov.uk"),
])
def test_shipped_baselines_keep_the_report_as_cited(cited, marker, fixed_host):
    source = next(s for s in config.load("sources.yaml").sources if s.cited_as == cited)
    assert source.baseline["marker"] == marker
    assert str(source.baseline["observed"]) == "2003-04-02"
    assert f"//{fixed_host}" in source.url


def test_shipped_pdf_pages():
    by_cited = {s.cited_as: s for s in config.load("sources.yaml").sources if s.cited_as}
    assert by_cited["http://eropa.eu.int/comm/external_relations/human_rights/doc/report_00_en.pdf"].pages == (31,)
    assert by_cited["www.fco.gov.uk/files/kfile/contents,o.pdf"].pages == (34,)


def test_good_file_loads_with_defaults(tmp_path):
    cfg = load_text(tmp_path, GOOD)
    (source,) = cfg.sources
    assert source.locale == "en-CA"  # from the country
    assert source.every == "24h"
    assert cfg.settings["failing_after"] == 3


STALE_AFTER = [
    # what sources.yaml says, days
    ("365d", 365), ("52w", 364), ("1d", 1), ("48h", 2), ("never", None), ("Never", None),
    (False, None),  # stale_after: off
]


@pytest.mark.parametrize("value, days", STALE_AFTER)
def test_parse_stale_after(value, days):
    assert config.parse_stale_after(value) == days


@pytest.mark.parametrize("value", ["365", 365, "1y", "12h", "0d", "0 6 * * 1", "", None, True])
def test_parse_stale_after_refuses_what_is_not_whole_days(value):
    with pytest.raises(ValueError):
        config.parse_stale_after(value)


def test_stale_after_has_a_default_and_a_per_source_value(tmp_path):
    assert load_text(tmp_path, GOOD).sources[0].stale_after == 365  # a year, unless set
    text = GOOD.replace("sources:\n", "defaults:\n  stale_after: 30d\nsources:\n")
    text += GOOD.split("sources:\n")[1].replace("canada-relations", "canada-two").replace(
        "relation-en.asp", "two.asp") + "    stale_after: 2w\n"
    text += GOOD.split("sources:\n")[1].replace("canada-relations", "canada-off").replace(
        "relation-en.asp", "off.asp") + "    stale_after: never\n"
    assert [s.stale_after for s in load_text(tmp_path, text).sources] == [30, 14, None]


def test_the_shipped_sources_are_stale_after_a_year():
    assert {s.stale_after for s in config.load("sources.yaml").sources} == {365}


def test_a_bad_default_stale_after_names_its_line(tmp_path):
    text = GOOD.replace("sources:\n", "defaults:\n  stale_after: a year\nsources:\n")
    (found,) = problems_of(tmp_path, text)
    assert found[0] == 4 and "defaults: 'stale_after: a year' is not a number of days" in found[1]


def test_rules_are_selectors_or_slash_regexes(tmp_path):
    cfg = load_text(tmp_path, GOOD + "    content: main .body\n    ignore: ['.share', '/Visits: \\d+/i']\n"
                                     "    marker: '/Stand: (.+)/'\n")
    (source,) = cfg.sources
    assert source.content.kind == "selector"
    assert [r.kind for r in source.ignore] == ["selector", "regex"]
    assert source.ignore[1].pattern.search("VISITS: 12")
    assert source.marker.pattern.pattern == "Stand: (.+)"


BAD_CASES = {
    "unknown key": ("    ignroe: .x\n", 9, "unknown key 'ignroe'", "did you mean 'ignore'"),
    "bad url": ("", 7, "is not a web address", "https://"),
    "bad selector": ("    content: 'div[['\n", 9, "is not a CSS selector", "CSS selector such as"),
    "bad regex": ("    marker: '/Stand: (/'\n", 9, "does not compile", "regex between slashes"),
    "bad locale": ("    locale: english\n", 9, "is not a locale", "BCP 47"),
    "bad kind": ("", 8, "kind must be 'html' or 'pdf'", "html"),
    "pages on html": ("    pages: [3]\n", 9, "only applies to kind: pdf", "set kind: pdf"),
    "bad every": ("    every: sometimes\n", 9, "is not a schedule", "6h"),
    "robots without reason": ("    ignore_robots_txt: ''\n", 9, "needs the reason", "ignore_robots_txt:"),
    "duplicate key": ("    title: again\n", 9, "key 'title' appears twice", "keep one"),
    "baseline date": ("    baseline: {observed: April 2003, marker: x}\n", 9, "YYYY-MM-DD", "2003-04-02"),
    "bad stale_after": ("    stale_after: 365\n", 9, "'stale_after: 365' is not a number of days",
                        "such as 365d or 52w, or never"),
    "stale_after in hours": ("    stale_after: 36h\n", 9, "is not a number of days", "365d"),
}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_each_error_names_line_and_fix(tmp_path, name):
    extra, line, problem, fix = BAD_CASES[name]
    text = GOOD + extra
    if name == "bad url":
        text = text.replace("https://example.org/china/relation-en.asp", "example.org/china")
    if name == "bad kind":
        text = text.replace("kind: html", "kind: word")
    (found,) = problems_of(tmp_path, text)
    assert found[0] == line
    assert problem in found[1] and fix in found[1]


def test_duplicate_ids_and_urls(tmp_path):
    text = GOOD + GOOD.split("sources:\n")[1].replace("https://example.org/china/relation-en.asp",
                                                       "https://example.org/other")
    text += GOOD.split("sources:\n")[1].replace("canada-relations", "canada-two")
    problems = problems_of(tmp_path, text)
    messages = " ".join(m for _, m in problems)
    assert "the id canada-relations is also used by the source on line 4" in messages
    assert "the URL https://example.org/china/relation-en.asp is also used" in messages
    assert len(problems) == 2


def test_missing_required_key(tmp_path):
    (found,) = problems_of(tmp_path, GOOD.replace("    title: Canada-China relations\n", ""))
    assert found[0] == 4 and "'title' is required" in found[1]


def test_every_problem_is_reported_at_once(tmp_path):
    text = GOOD.replace("kind: html", "kind: word") + "    locale: english\n    colour: red\n"
    assert len(problems_of(tmp_path, text)) == 3


def test_invalid_yaml_names_the_line(tmp_path):
    (found,) = problems_of(tmp_path, GOOD + "  - id: [unclosed\n")
    assert found[0] >= 9 and "not valid YAML" in found[1]


def test_missing_file_and_wrong_shape(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        config.load(tmp_path / "nope.yaml")
    (found,) = problems_of(tmp_path, "- just a list\n")
    assert "'sources:' list" in found[1]


def test_settings_and_top_level_keys_are_checked(tmp_path):
    problems = problems_of(tmp_path, "setings: {}\n" + GOOD.replace('contact: "me <me@example.org>"',
                                                                    "retries: many"))
    messages = [m for _, m in problems]
    assert any("unknown key 'setings'" in m and "did you mean 'settings'" in m for m in messages)
    assert any("settings.retries must be a number" in m for m in messages)


def test_cli_sources_check_exits_3_with_every_message(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD + "    colour: red\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "monitor", "--sources", str(path), "sources", "check"],
                            capture_output=True, text=True)
    assert result.returncode == 3  # a configuration error (errors.EXIT_CODES)
    assert f"{path}:9: source 'canada-relations': unknown key 'colour'" in result.stderr
    assert "nothing was crawled or changed" in result.stderr


# -- files built to exhaust the memory, and files too large to read --------------


def billion_laughs(levels=9, width=9):
    """The 'billion laughs' sources.yaml: each line is a list of ``width`` aliases to
    the line above, and a source's title is the last one, so a few hundred bytes
    stand for width**levels values (reading that title ran for a minute or more)."""
    names = [chr(ord("a") + i) for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [{', '.join(['lol'] * width)}]"]
    for above, name in zip(names, names[1:]):
        lines.append(f"{name}: &{name} [{', '.join([f'*{above}'] * width)}]")
    lines.append(f"sources:\n  - {{id: lol, country: Canada, title: *{names[-1]}, "
                 "url: 'https://example.org/lol', kind: html}")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_once_with_its_line(tmp_path):
    started = time.monotonic()
    (found,) = problems_of(tmp_path, billion_laughs())
    assert time.monotonic() - started < 10  # expanded, the values would take minutes and gigabytes
    line, message = found
    assert line == 5  # *d: the first alias that takes the repeated values over the budget
    assert "repeats the value marked &d" in message and "at most 10,000" in message
    assert "Fix: write the values out in full instead of using & anchors and * aliases" in message


def test_more_aliases_than_the_budget_are_refused(tmp_path):
    uses = "\n".join(["      - *tag"] * (yamlfile.MAX_YAML_ALIASES + 1))
    text = GOOD + "    notes: &tag just one word\n  - id: many\n    country: Canada\n    title: t\n" \
                  "    url: https://example.org/many\n    kind: html\n    ignore:\n" + uses + "\n"
    (found,) = problems_of(tmp_path, text)
    assert found[0] == 16 + yamlfile.MAX_YAML_ALIASES  # the 101st alias; the first is on line 16
    assert f"alias number {yamlfile.MAX_YAML_ALIASES + 1}" in found[1] and "Fix: write the values" in found[1]


def test_a_few_anchors_and_merge_keys_still_load(tmp_path):
    cfg = load_text(tmp_path, """\
        settings:
          contact: "me <me@example.org>"
        sources:
          - &canada
            id: canada-relations
            country: Canada
            title: Canada-China relations
            url: https://example.org/china/relation-en.asp
            kind: html
            ignore: &noise [".counter", "/Visits: [0-9]*/"]
          - <<: *canada
            id: canada-relations-2
            url: https://example.org/china/relation-2.asp
            ignore: *noise
        """)
    first, second = cfg.sources
    assert (second.id, second.title, second.kind) == ("canada-relations-2", first.title, "html")
    assert second.url.endswith("relation-2.asp") and second.ignore == first.ignore
    assert second.line == 11


def test_a_key_written_twice_next_to_a_merge_is_still_reported(tmp_path):
    text = GOOD + "  - <<: &d {country: Canada, kind: html}\n    id: b\n    title: t\n" \
                  "    url: https://example.org/b\n    title: again\n"
    (found,) = problems_of(tmp_path, text)
    assert found[0] == 13 and "key 'title' appears twice" in found[1]


@pytest.mark.parametrize("text, may", [
    ("a: *x", True), ("*x", True), ("[1,*x]", True), ("{a: [?*x]}", True), ("a:\n\t*_x", True),
    ("every: '0 6 * * 1'", False), ("every: '*/5 * * * *'", False), ("a: '* b'", False),
    ("marker: /Stand: (.*)/", False), ("ignore: ['[0-9]*']", False), ("a: b", False),
])
def test_only_a_star_that_can_start_an_alias_costs_a_scan(text, may):
    assert yamlfile.may_have_alias(text) is may


def test_the_shipped_files_use_no_aliases():
    for name in ("sources.yaml", "alerts.example.yaml", "db/demo-sources.yaml"):
        events = yaml.parse(open(name, encoding="utf-8"), Loader=yamlfile.LineLoader)
        assert not any(isinstance(event, yaml.AliasEvent) for event in events), name


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "sources.yaml"
    with path.open("wb") as file:  # sparse: no disk space and no time
        file.truncate(yamlfile.MAX_CONFIG_BYTES + 10 * 2**20)
    with pytest.raises(ConfigError) as caught:
        config.load(path)
    (found,) = caught.value.problems
    assert "this file is 60.0 MB, over the 50 MB limit" in found[1]
    assert "Fix: check that this is the right file" in found[1]


def test_cli_refuses_an_alias_bomb_in_seconds_without_a_traceback(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "monitor", "--sources", str(path), "sources", "check"],
                            capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 15  # it ran for 48 s and died with MemoryError
    assert result.returncode != 0
    assert f"{path}:5: *d repeats the value marked &d" in result.stderr
    assert "write the values out in full" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("written, suggested", [
    ("UK", "United Kingdom"), ("USA", "United States"), ("EU", "European Union"),
    ("Swizerland", "Switzerland"), ("germany ", None), ("Japn", "Japan"), ("Narnia", None),
])
def test_a_country_beyond_the_twelve_is_refused_with_the_nearest(tmp_path, written, suggested):
    if written.strip().title() in PARTNERS:  # the case alone differs: still refused, named
        suggested = written.strip().title()
    found = problems_of(tmp_path, GOOD.replace("country: Canada", f"country: {written}"))
    (line, words), = found
    assert line == 5 and f"'{written.strip()}' is not one of the twelve partners" in words
    assert (f"Did you mean '{suggested}'?" in words) if suggested else "Did you mean" not in words
    assert f"'Other ({written.strip()})'" in words


def test_the_twelve_and_other_governments_are_accepted(tmp_path):
    for country in [*PARTNERS, "Other (New Zealand)"]:
        loaded = load_text(tmp_path, GOOD.replace("country: Canada", f"country: {country}"))
        assert loaded.sources[0].country == country


def test_the_languages_checked_without_dateparser_are_all_known_to_it():
    """source_keys reads dateparser's list only for a language no partner writes."""
    from monitor import source_keys

    assert source_keys.PARTNER_LANGUAGES <= source_keys._dateparser_languages()
    assert {"en", "de", "ja", "nb", "hu", "pt", "es", "fr", "zh"} <= source_keys.PARTNER_LANGUAGES
    assert source_keys._known_language("sw") and not source_keys._known_language("xx")

"""sources.yaml: the shipped file, and every error a user can make."""

import subprocess
import sys
import textwrap

import pytest

from monitor import config
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


def test_cli_sources_check_exits_1_with_every_message(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(GOOD + "    colour: red\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "monitor", "--sources", str(path), "sources", "check"],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert f"{path}:9: source 'canada-relations': unknown key 'colour'" in result.stderr
    assert "nothing was crawled or changed" in result.stderr

"""The CSS selector check of sources.yaml (monitor.analysis.css): its plain grammar never
accepts what soupsieve, which applies the selectors, refuses; what it does not know is
judged by soupsieve itself."""

import subprocess
import sys

import pytest
import soupsieve

from monitor.analysis import css

PLAIN = ["main", "article", "*", ".news-list li", "div#content > p", "a.next", "#main",
         "a[rel=next]", 'a[rel="next"]', "a[href^='/news']", "div.a.b", "ul > li + li",
         "h1 ~ p", "main, article", "  .content  ", "div[data-x]", "p.lead-text", "-x",
         "section._private", "a[href$=\".pdf\"]", "a[title*='report']", "nav ul li a"]
JUDGED_BY_SOUPSIEVE = [":is(main, article)", "li:nth-child(2)", "a:not(.skip)",
                       "div:has(> p)", "p:-soup-contains('Last updated')", "a[href$=pdf i]",
                       "td:first-child", "html|body", "div\\:x"]
INVALID = ["", "..x", "#", "a[", "a]", "div >", "> p", "p,", ",p", "a[href=", "a..b",
           "div #", "1abc", "p::", "a:nope", "a[href='x]", "//main", "/main/", "p {", "a}",
           "div > > p", "main,,article"]


@pytest.mark.parametrize("selector", PLAIN + JUDGED_BY_SOUPSIEVE + INVALID)
def test_the_plain_grammar_accepts_only_what_soupsieve_accepts(selector):
    try:
        soupsieve.compile(selector)
        valid = True
    except Exception:  # noqa: BLE001 - any refusal
        valid = False
    plain = css.PLAIN.fullmatch(selector) is not None
    assert not plain or valid, f"{selector!r}: plain, but soupsieve refuses it"
    assert plain == (selector in PLAIN), f"{selector!r}: expected plain={selector in PLAIN}"
    if valid:
        css.check(selector)
    else:
        with pytest.raises(ValueError, match="is not a CSS selector"):
            css.check(selector)


def test_a_plain_selector_is_checked_without_importing_soupsieve():
    done = subprocess.run([sys.executable, "-c", "import sys\nfrom monitor.analysis import css\n"
                           "css.check('div#content > p.lead, a[rel=\"next\"]')\n"
                           "print('soupsieve' in sys.modules, 'bs4' in sys.modules)\n"
                           "css.check('li:nth-child(2)')\nprint('soupsieve' in sys.modules)"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False", "True"]


def test_random_strings_the_plain_grammar_accepts_are_all_selectors():
    """Shapes nobody wrote down: 5,000 random strings of selector characters."""
    import random

    rng = random.Random(2026)
    alphabet = "ab-_.#*[]=\"'~|^$> +,:()1 "
    accepted = 0
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        if css.PLAIN.fullmatch(text):
            accepted += 1
            soupsieve.compile(text)  # raises if the plain grammar let a wrong one through
    assert accepted > 100  # the grammar was exercised, not only refused

"""Is a plainly fetched page an empty JavaScript shell? (monitor.analysis.shell)"""

import pytest

from monitor.analysis import extract, shell

BUNDLE = '<script src="/static/js/main.4f2a.js"></script>'
REAL_TEXT = ("<p>The fourteenth round of the human rights dialogue took place in Geneva on "
             "12 March 2024. Both delegations discussed freedom of expression, arbitrary "
             "detention and the rights of minorities, and agreed to meet again next year.</p>")


def page(body, head=""):
    return f"<!doctype html>\n<html><head><title>Ministry</title>{head}</head><body>{body}</body></html>"


CASES = [
    # (what, html, is a shell, a word its reasons must contain)
    ("create-react-app", page('<noscript>You need to enable JavaScript to run this app.</noscript>'
                              '<div id="root"></div>' + BUNDLE), True, "id=root"),
    ("Next.js without server rendering", page('<div id="__next"></div>' + BUNDLE), True, "__next"),
    ("Angular custom element", page('<app-root></app-root><script type="module" src="main.js">'
                                    '</script>'), True, "app-root"),
    ("a 'Loading…' line and an empty mount", page('<div id="app"><!-- app --></div><p>Loading…</p>'
                                                  + BUNDLE), True, "only 8 characters"),
    ("noscript in another language", page('<noscript>Bitte aktivieren Sie JavaScript.</noscript>'
                                          '<div class="x"></div>' + BUNDLE, ), True, "noscript"),
    ("only a big inline script", page("<script>" + "var a=1;" * 400 + "</script>"), True,
     "inline JavaScript"),
    ("a real page with a bundle", page('<div id="root"><main><h1>Dialogue</h1>' + REAL_TEXT
                                       + '</main></div>' + BUNDLE), False, None),
    ("a short real page without scripts", page("<main><h1>Dialogue</h1><p>Held in 2024.</p></main>"),
     False, None),
    ("little text and a script, but nothing missing", page('<h1>Dialogue</h1><p>Held in 2024.</p>'
                                                           + BUNDLE), False, None),
    ("an empty div inside the content is not a mount", page('<main><h1>Dialogue</h1><div id="map">'
                                                            '</div></main>' + BUNDLE), False, None),
    ("a small inline script only", page('<div id="root"></div><script>var x = 1;</script>'),
     False, None),
    ("JSON data is not a script", page('<div id="root"></div><script type="application/json">'
                                       '{"a": 1}</script>'), False, None),
]


@pytest.mark.parametrize("what,html,expected,word", CASES, ids=[c[0] for c in CASES])
def test_shell_detection(what, html, expected, word):
    found = shell.check(extract.parse_html(html).tree)
    assert (found is not None) == expected, what
    if expected:
        assert word in "; ".join(found.reasons)
        assert shell.SIGN in found.words  # the sign of the needs_browser problem


def test_shown_text_skips_scripts_styles_and_noscript():
    tree = extract.parse_html(page("<style>p{}</style><noscript>Enable JavaScript</noscript>"
                                   "<p>Hello <b>world</b> again</p><script>x()</script>")).tree
    assert shell.shown_chars(tree) == len("Hello") + len("world") + len("again")  # not the <title>


def test_shown_text_count_stops_past_its_limit():
    tree = extract.parse_html(page("<p>words</p>" * 1000)).tree
    assert shell.shown_chars(tree) > 4000
    assert 10 < shell.shown_chars(tree, limit=10) < 20  # passed the limit, not read to the end


def test_no_tree_is_no_shell():
    assert shell.check(None) is None

"""jusText's stop words read once per process (monitor.analysis.stop_words): the very set
jusText made before, and the very text read from a page that needs it."""

import justext.core
import pytest
import trafilatura.external

from monitor.analysis import extract, stop_words
from tests.test_crawl import BODY, page


@pytest.fixture
def jusText_own(monkeypatch):
    """trafilatura and jusText as they come, the list not built yet in this process."""
    monkeypatch.setattr(trafilatura.external, "jt_stoplist_init", stop_words._trafilatura_stoplist_init)
    monkeypatch.setattr(justext.core, "define_stoplist", stop_words._jusText_define_stoplist)
    monkeypatch.setattr(trafilatura.external, "JT_STOPLIST", None)


@pytest.fixture
def ours(monkeypatch):
    monkeypatch.setattr(trafilatura.external, "JT_STOPLIST", None)
    stop_words.install()


def test_every_stop_word_is_the_set_jusText_made_from_trafilatura_s_list(jusText_own):
    reference = stop_words._jusText_define_stoplist(trafilatura.external.jt_stoplist_init())
    trafilatura.external.JT_STOPLIST = None
    assert stop_words.every_stop_word() == reference
    assert len(reference) > 100_000 and "the" in reference and "und" in reference and "и" in reference


def test_the_set_is_kept_and_taken_as_it_is(ours):
    words = trafilatura.external.jt_stoplist_init()
    assert trafilatura.external.JT_STOPLIST is words and isinstance(words, frozenset)
    assert justext.core.define_stoplist(words) is words  # not copied at each page
    # any other list: jusText's own (lowercased, a new set)
    assert stop_words.define_stoplist(("The", "Und")) == frozenset({"the", "und"})
    assert stop_words.define_stoplist(tuple(words)) == words


@pytest.mark.parametrize("text, lines", [
    ("", []), ("a", ["a"]), ("a\n", ["a"]), ("a\nb", ["a", "b"]), ("a\r\nb\r\n", ["a", "b"]),
    ("a\rb\r", ["a", "b"]), ("a\n\nb", ["a", "", "b"]), ("\n", [""]), ("a\x0bb\x85c", ["a\x0bb\x85c"]),
])
def test_lines_are_cut_as_bytes_splitlines_cuts_them(text, lines):
    assert stop_words._lines(text) == lines
    assert stop_words._lines(text) == [line.decode() for line in text.encode().splitlines()]


# pages short enough that trafilatura hands them to jusText, in three languages
SHORT_PAGES = [
    "<html><body><main><h1>Dialogue</h1><p>The round was held in Ottawa.</p></main></body></html>",
    page("Die Delegationen sprachen über die Meinungsfreiheit und die Rechte der Minderheiten.",
         "Stand: 3. März 2024", "Menschenrechtsdialog"),
    "<html><body><div><p>Диалог по правам человека прошёл в Пекине.</p><p>Меню</p></div></body></html>",
    "<html><body><ul><li>Home</li><li>News</li></ul><p>" + BODY + "</p></body></html>",
]


@pytest.mark.parametrize("html", SHORT_PAGES)
def test_a_page_read_through_jusText_gives_the_same_text(html, monkeypatch):
    tree = extract.parse_html(html).tree
    monkeypatch.setattr(trafilatura.external, "JT_STOPLIST", None)
    stop_words.install()
    calls = []
    monkeypatch.setattr(justext.core, "define_stoplist", lambda s: calls.append(s) or stop_words.define_stoplist(s))
    new_text = extract.html_text(html, tree=extract.parse_html(html).tree)
    assert calls, "jusText was not reached: the page is not short enough for this test"
    new_rescue = trafilatura.external.try_justext(tree, None, None)

    monkeypatch.setattr(trafilatura.external, "jt_stoplist_init", stop_words._trafilatura_stoplist_init)
    monkeypatch.setattr(justext.core, "define_stoplist", stop_words._jusText_define_stoplist)
    monkeypatch.setattr(trafilatura.external, "JT_STOPLIST", None)
    assert extract.html_text(html, tree=extract.parse_html(html).tree) == new_text
    old_rescue = trafilatura.external.try_justext(tree, None, None)
    assert [p.text for p in old_rescue] == [p.text for p in new_rescue]

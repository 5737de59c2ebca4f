"""The page's chrome (issue 22): menus, headers, footers, breadcrumbs, language switchers
and cookie banners are never part of the compared text, whatever the page's length, and
one reading of them serves text and links. Table-tested on the pure functions, then on a
real local server: a short page whose chrome changes gives no event; an edit of its own
words still does."""

import pytest

from monitor import demo, store
from monitor.analysis import chrome, extract, links
from monitor.config import parse_rule

OWN = ("The fourteenth round of the human rights dialogue was held in Geneva on 12 May 2025.",
       "The delegations discussed freedom of expression and the rights of minorities.")
TITLE = "Human rights dialogue with China"


def short_page(menu="News", crumb="Human rights", languages=("fr", "de"), footer="2024",
               cookies="This site uses cookies to count visits.", own=OWN, layout="tags"):
    """A page with two sentences of its own, its chrome written as ``layout`` says."""
    switcher = "".join(f"<li><a href='/{code}/' lang='{code}'>{code.upper()}</a></li>"
                       for code in languages)
    crumbs = (f"<div class='breadcrumb'><a href='/'>Home</a> › <a href='/foreign-policy'>"
              f"Foreign policy</a> › <a href='/human-rights'>{crumb}</a></div>")
    words = "".join(f"<p>{sentence}</p>" for sentence in own)
    if layout == "plain":  # no nav, header, footer, main nor names: a div of links
        return _html(f"<div class='top'><a href='/'><img src='/logo.png' alt='Ministry'></a>"
                     f"<div><a href='/'>Home</a> | <a href='/news'>{menu}</a> | "
                     "<a href='/about'>About us</a> | <a href='/contact'>Contact</a></div></div>"
                     f"<div class='page'><h1>{TITLE}</h1>{words}</div>")
    if layout == "table":  # a 2000s layout: the menu is a table cell left of the content
        return _html("<table><tr><td class='left'><p><a href='/'>Home</a></p><p><a href='/news'>"
                     f"{menu}</a></p><p><a href='/press'>Press releases</a></p></td>"
                     f"<td class='right'><h1>{TITLE}</h1>{words}</td></tr></table>")
    return _html(f"<div id='cookie-notice'><p>{cookies}</p><button>OK</button></div>"
                 "<header><a href='/'><img src='/logo.png' alt='Ministry of Foreign Affairs'></a>"
                 f"<ul><li><a href='/'>Home</a></li><li><a href='/news'>{menu}</a></li>"
                 f"<li><a href='/contact'>Contact</a></li></ul><ul>{switcher}</ul></header>"
                 f"<main>{crumbs}<h1>{TITLE}</h1>{words}</main>"
                 f"<footer><p>© Ministry of Foreign Affairs {footer}</p><p><a href='/privacy'>"
                 "Privacy</a> <a href='/accessibility'>Accessibility</a></p></footer>")


def _html(body):
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'><title>{TITLE}</title>"
            f"</head><body>{body}</body></html>")


# (what changes, page before, page after): the chrome only, the page's own words unchanged
CHROME_CHANGES = [
    ("header menu item renamed", short_page(), short_page(menu="Press")),
    ("breadcrumb changed", short_page(), short_page(crumb="Human rights and democracy")),
    ("language switcher gains a language", short_page(), short_page(languages=("fr", "de", "it"))),
    ("footer changed", short_page(), short_page(footer="2025")),
    ("cookie banner reworded", short_page(), short_page(cookies="We use cookies. Choose yours.")),
    ("menu as a plain div of links", short_page(layout="plain"), short_page(menu="Press", layout="plain")),
    ("menu in a table cell", short_page(layout="table"), short_page(menu="Press", layout="table")),
]


def own_text(title=TITLE, own=OWN):
    return "\n".join([title, *own])


@pytest.mark.parametrize("what, before, after", CHROME_CHANGES, ids=[c[0] for c in CHROME_CHANGES])
def test_chrome_is_never_part_of_the_text(what, before, after):
    text = extract.html_text(before)
    assert text == extract.html_text(after)
    assert all(sentence in text for sentence in OWN)
    chrome_words = {"Home", "News", "Press", "Contact", "cookies", "FR", "Foreign policy", "©"}
    assert not {word for word in chrome_words if word in text}


@pytest.mark.parametrize("layout", ["tags", "plain", "table"])
def test_the_shared_tree_gives_the_same_text_and_is_left_as_it_was(layout):
    html = short_page(layout=layout)
    parsed = extract.parse_html(html)
    before = extract._markup(parsed.tree)
    assert extract.html_text(html, tree=parsed.tree) == extract.html_text(html)
    assert "Home" not in extract.html_text(html)
    assert extract._markup(parsed.tree) == before


def test_a_long_page_reads_the_same_way():
    own = [f"{sentence} Paragraph {n}." for n in range(12) for sentence in OWN[:1]]
    assert extract.html_text(short_page(own=own)) == own_text(own=own)


def test_a_menu_of_links_is_chrome_for_links_too():
    html = short_page(layout="plain")
    found = {link.url: link.area for link in links.extract(
        extract.parse_html(html).tree, "http://site.test/dialogue")}
    assert found == {f"http://site.test/{path}": "chrome" for path in ("", "news", "about", "contact")}


# (what, html, text): blocks of links that are the page's own, kept in its text
OWN_LINKS = [
    ("documents listed after the heading",
     "<div><h1>Reports</h1><ul><li><a href='/r/2019'>Report 2019</a></li><li><a href='/r/2020'>"
     "Report 2020</a></li><li><a href='/r/2021'>Report 2021</a></li></ul></div>",
     "Reports\nReport 2019\nReport 2020\nReport 2021"),
    ("a list of PDFs before the heading",
     "<div><a href='/a.pdf'>Agenda</a> <a href='/b.pdf'>Minutes</a> <a href='/c.pdf'>Annex</a></div>"
     "<h1>Dialogue</h1><p>The round was held in Bern.</p>",
     "Agenda\nMinutes\nAnnex\nDialogue\nThe round was held in Bern."),
    ("an article's own header",
     "<article><header><h1>Dialogue</h1><p>12 May 2025</p></header><p>The round was held in Bern."
     "</p></article>", "Dialogue\n12 May 2025\nThe round was held in Bern."),
    ("a page-level header holding the page's title",
     "<header class='page-header'><h1>Dialogue</h1><nav><a href='/'>Home</a></nav></header>"
     "<p>The round was held in Bern.</p>",
     "Dialogue\nThe round was held in Bern."),
    ("a wrapper named like a sidebar layout holding the title",
     "<div class='layout-with-sidebar'><h1>Dialogue</h1><p>The round was held in Bern.</p></div>",
     "Dialogue\nThe round was held in Bern."),
    ("a page that is nothing but a menu is read whole",
     "<nav><a href='/a'>Dialogue reports</a> <a href='/b'>Statements</a></nav>",
     "Dialogue reports\nStatements"),
]


@pytest.mark.parametrize("what, body, text", OWN_LINKS, ids=[c[0] for c in OWN_LINKS])
def test_the_pages_own_words_stay(what, body, text):
    assert extract.html_text(_html(body)) == text


def test_a_content_selector_keeps_its_choice_and_drops_the_chrome_inside_it():
    html = _html("<nav id='list'><p>Documents of the dialogue</p><div class='menu'><a href='/m'>Menu"
                 "</a></div></nav><div id='body'><ol class='breadcrumb'><li><a href='/'>Home</a></li>"
                 "</ol><p>The round was held in Bern.</p></div>")
    assert extract.html_text(html, parse_rule("#list")) == "Documents of the dialogue"
    assert extract.html_text(html, parse_rule("#body")) == "The round was held in Bern."
    # a pattern reads the page's whole text: the source's regex says what to take
    assert extract.html_text(html, parse_rule("/Home\\s+The round/")) == "Home\nThe round"


def test_an_articles_own_header_and_footer_are_not_chrome():
    tree = extract.parse_html(_html("<header><a href='/'>Site</a></header><article><header><h1>"
                                    "Dialogue</h1></header><p>x</p><footer><a href='/r.pdf'>Report"
                                    "</a></footer></article><footer>Site</footer>")).tree
    assert [e.tag for e in chrome.outermost(tree, chrome.read(tree))] == ["header", "footer"]


def test_one_reading_tells_the_chrome():
    tree = extract.parse_html(short_page()).tree
    reading = chrome.read(tree)
    dropped = chrome.outermost(tree, reading)
    assert [e.tag for e in dropped] == ["div", "header", "div", "footer"]  # cookies, crumbs
    assert all(reading.is_chrome(e) for e in dropped)
    assert not any(reading.is_chrome(e) for e in reading.kept)


def test_the_demo_pages_have_no_menu_in_their_text():
    for source_id, (_, _, title, paragraph, marker) in demo.PAGES.items():
        text = extract.html_text(demo.html(title, paragraph, marker))
        assert "Home" not in text and "Contact" not in text, source_id
        assert text.splitlines()[0] == title


# -- on a real server ----------------------------------------------------------------


def history(open_db, source_id="p"):
    return [row["kind"] for row in store.history(open_db(), source_id)]


@pytest.mark.parametrize("what, before, after", CHROME_CHANGES, ids=[c[0] for c in CHROME_CHANGES])
def test_a_chrome_change_on_a_short_page_gives_no_event(replica, make_config, crawl, open_db,
                                                        what, before, after):
    cfg = make_config({"id": "p", "path": "/p"})
    replica.set("/p", before)
    assert crawl(cfg) == {"p": ("ok", "new")}
    replica.set("/p", after)
    assert crawl(cfg) == {"p": ("ok", None)}
    crawl(cfg)  # and nothing held for a second look either
    assert history(open_db) == ["new"]


@pytest.mark.parametrize("layout", ["tags", "plain", "table"])
def test_an_edit_of_the_short_pages_own_words_is_still_reported(replica, make_config, crawl,
                                                                 open_db, layout):
    cfg = make_config({"id": "p", "path": "/p"})
    replica.set("/p", short_page(layout=layout))
    crawl(cfg)
    edited = (OWN[0], OWN[1].replace("freedom of expression", "freedom of religion"))
    replica.set("/p", short_page(menu="Press", own=edited, layout=layout))
    assert crawl(cfg) == {"p": ("ok", "changed")}
    assert history(open_db) == ["new", "changed"]

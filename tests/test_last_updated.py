"""'Last updated' on pages written like the partners' ministries and public bodies write
them (issue 22): the page's own update line wins over the dates of other articles shown
on it as cards or teasers, and a dotted date with a two-digit year next to its label is
read. Written for these tests (not saved pages: tests/files/markers/ holds those), in the
partners' languages; benchmarks/marker_accuracy.py reports them per language."""

import pytest

from monitor.analysis import dates
from monitor.analysis.markers import find_marker


def sample(id, lang, html, locale, expect):
    return {"id": id, "lang": lang, "args": {"html": html, "locale": locale}, "expect": expect}


def page(lang, title, own, before="", after="", head=""):
    """A ministry page: menu, the page's own text and update line (``own``), and what the
    site shows around it (``before`` / ``after`` the article: news cards, document lists)."""
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
            f"{head}</head><body><header><nav><a href='/'>Start</a> <a href='/news'>News</a></nav>"
            f"</header><main>{before}<div class='content'><h1>{title}</h1><p>{title}: the "
            f"delegations met and discussed the cases raised.</p>{own}</div>{after}</main>"
            "<footer><p>© Ministry</p></footer></body></html>")


def cards(items, tag="li", wrapper="ul", cls="item", date_tag="p"):
    """A list of other pages' cards, each a linked title and a date line; no class or id
    names it as teasers."""
    inner = "".join(f"<{tag} class='{cls}'><h3><a href='/news/{n}'>{title}</a></h3>"
                    f"<{date_tag}>{line}</{date_tag}></{tag}>" for n, (title, line) in enumerate(items))
    return f"<section class='latest'><h2>News</h2><{wrapper} class='list'>{inner}</{wrapper}></section>"


# ---------------------------------------------------------------- teaser cards beside the page's line

TEASERS = [
    sample("en-gov-cards-strong-before-own-strong", "en", page(
        "en", "UK-China human rights dialogue", "<p>Last updated 3 March 2023</p>",
        before=cards([("Foreign Secretary statement on Hong Kong", "Last updated 5 May 2024"),
                      ("Human rights report published", "Last updated 2 May 2024")])),
        "en-GB", ("Last updated 3 March 2023", "2023-03-03", "day", "label")),
    sample("en-gov-own-weak-cards-strong-after", "en", page(
        "en", "US-China human rights dialogue", "<p class='byline'>Updated March 3, 2023</p>",
        after=cards([("Secretary's remarks on the dialogue", "Last updated: May 5, 2024"),
                     ("Joint statement on detained lawyers", "Last updated: May 2, 2024")], tag="div",
                    wrapper="div", cls="card")),
        "en-US", ("Updated March 3, 2023", "2023-03-03", "day", "label")),
    sample("de-bmz-list-items-stand-before", "de", page(
        "de", "Menschenrechtsdialog mit China", "<p class='stand'>Stand: 03.04.24</p>",
        before=cards([("Ministerin reist nach Peking", "Stand: 12.05.2024"),
                      ("Dialog zu Rechtsstaatlichkeit fortgesetzt", "Stand: 02.05.2024"),
                      ("Bericht zur Menschenrechtslage", "Stand: 28.04.2024")], tag="div",
                     wrapper="div", cls="c-list__item")),
        "de-DE", ("Stand: 03.04.24", "2024-04-03", "day", "label")),
    sample("de-ch-letzte-aenderung-with-news-rows", "de", page(
        "de", "Menschenrechtsdialog Schweiz-China", "<p>Letzte Änderung 03.04.2024</p>",
        before="<table class='news'><tr><td><a href='/n/1'>Bundesrat verabschiedet Strategie</a></td>"
               "<td>Letzte Änderung 12.05.2024</td></tr><tr><td><a href='/n/2'>Dialog in Bern "
               "durchgeführt</a></td><td>Letzte Änderung 02.05.2024</td></tr></table>"),
        "de-CH", ("Letzte Änderung 03.04.2024", "2024-04-03", "day", "label")),
    sample("fr-diplomatie-actus-mis-a-jour", "fr", page(
        "fr", "Dialogue franco-chinois sur les droits de l'homme",
        "<p class='date'>Mise à jour : 03.04.24</p>",
        before=cards([("Entretien du ministre avec son homologue", "Mis à jour le 12/05/2024"),
                      ("Déclaration conjointe sur les défenseurs", "Mis à jour le 02/05/2024")],
                     tag="div", wrapper="div", cls="actu")),
        "fr-FR", ("Mise à jour : 03.04.24", "2024-04-03", "day", "label")),
    sample("nb-regjeringen-results-oppdatert", "nb", page(
        "no", "Menneskerettighetsdialogen med Kina", "<p>Sist oppdatert: 03.04.24</p>",
        before=cards([("Utenriksministeren møtte kinesisk delegasjon", "Sist oppdatert: 12.05.2024"),
                      ("Ny rapport om ytringsfrihet", "Sist oppdatert: 02.05.2024")])),
        "nb-NO", ("Sist oppdatert: 03.04.24", "2024-04-03", "day", "label")),
    sample("hu-kormany-hirek-frissitve", "hu", page(
        "hu", "Magyar-kínai emberi jogi párbeszéd", "<p>Frissítve: 2024. április 3.</p>",
        before=cards([("A miniszter Pekingbe utazott", "Utolsó módosítás: 2024. május 12."),
                      ("Közlemény a párbeszédről", "Utolsó módosítás: 2024. május 2.")])),
        "hu-HU", ("Frissítve: 2024. április 3.", "2024-04-03", "day", "label")),
    sample("ja-mofa-news-list-date-first", "ja", page(
        "ja", "日中人権対話の開催", "<p>最終更新日：2024年4月3日</p>",
        before=cards([("日中外相会談の開催", "2024年5月12日更新"), ("人権に関する共同声明", "2024年5月2日更新")],
                     date_tag="span")),
        "ja-JP", ("最終更新日：2024年4月3日", "2024-04-03", "day", "label")),
    sample("es-minrel-cards-actualizado", "es", page(
        "es", "Chile y China sostienen diálogo sobre derechos humanos",
        "<p>Última actualización: 03-04-2024</p>",
        before=cards([("Canciller se reúne con su par chino", "Actualizado: 12-05-2024"),
                      ("Declaración conjunta sobre el diálogo", "Actualizado: 02-05-2024")],
                     tag="article", wrapper="div", cls="noticia")),
        "es-CL", ("Última actualización: 03-04-2024", "2024-04-03", "day", "label")),
    sample("pt-govbr-cards-atualizado", "pt", page(
        "pt", "Diálogo Brasil-China sobre direitos humanos",
        "<p class='documentByLine'>Publicado em 01/04/2024 09h00 Atualizado em 03/04/2024 10h15</p>",
        before=cards([("Ministro recebe delegação chinesa em Brasília", "Atualizado em 12/05/2024 18h30"),
                      ("Nota conjunta sobre o diálogo bilateral", "Atualizado em 02/05/2024 11h00")],
                     tag="div", wrapper="div", cls="tileItem")),
        "pt-BR", ("Atualizado em 03/04/2024", "2024-04-03", "day", "label")),
    sample("de-cards-with-time-and-microdata", "de", page(
        "de", "Menschenrechtsdialog", "<p>Zuletzt aktualisiert: <time datetime='2024-04-03'>3. April "
        "2024</time></p>",
        after="<div class='list'>" + "".join(
            f"<div class='entry' itemscope itemtype='https://schema.org/NewsArticle'><a href='/n/{n}'>"
            f"Meldung Nummer {n} zum Dialog</a><span itemprop='dateModified'>2024-05-1{n}</span>"
            f"<p>Zuletzt aktualisiert: <time datetime='2024-05-1{n}'>1{n}. Mai 2024</time></p></div>"
            for n in range(3)) + "</div>"),
        "de-DE", ("Zuletzt aktualisiert: 3. April 2024", "2024-04-03", "day", "label")),
    # the page's own metadata list is no card: its items link to nothing of another page's
    sample("de-own-meta-list-is-not-a-card", "de", page(
        "de", "Menschenrechtsdialog", "<ul class='meta'><li>Veröffentlicht: 01.04.24</li><li>Stand: "
        "03.04.24 <a href='#print'>Drucken</a></li></ul>",
        before=cards([("Ministerin reist nach Peking", "Stand: 12.05.2024"),
                      ("Dialog zu Rechtsstaatlichkeit fortgesetzt", "Stand: 02.05.2024")])),
        "de-DE", ("Stand: 03.04.24", "2024-04-03", "day", "label")),
    # no line of its own: the cards' dates are not the page's
    sample("nb-only-cards-no-own-line", "nb", page(
        "no", "Menneskerettighetsdialogen med Kina", "",
        before=cards([("Utenriksministeren møtte kinesisk delegasjon", "Sist oppdatert: 12.05.2024"),
                      ("Ny rapport om ytringsfrihet", "Sist oppdatert: 02.05.2024")])),
        "nb-NO", None),
    sample("en-only-cards-published-meta", "en", page(
        "en", "Human rights dialogue", "",
        head="<meta property='article:published_time' content='2023-03-01T09:00:00Z'>",
        after=cards([("Secretary's remarks", "Last updated: May 5, 2024"),
                     ("Joint statement", "Last updated: May 2, 2024")])),
        "en-US", ("2023-03-01T09:00:00Z", "2023-03-01", "day", "meta:article:published_time")),
]

# ---------------------------------------------------------------- dotted dates with a two-digit year

TWO_DIGIT_YEARS = [
    sample("de-stand-dotted", "de", page("de", "Menschenrechtsdialog", "<p>Stand: 03.04.24</p>"),
           "de-DE", ("Stand: 03.04.24", "2024-04-03", "day", "label")),
    sample("de-aktualisiert-short", "de", page("de", "Menschenrechtsdialog", "<p>Aktualisiert 3.4.24</p>"),
           "de-DE", ("Aktualisiert 3.4.24", "2024-04-03", "day", "label")),
    sample("de-stand-spaced", "de", page("de", "Menschenrechtsdialog", "<p>Stand: 03. 04. 24</p>"),
           "de-DE", ("Stand: 03. 04. 24", "2024-04-03", "day", "label")),
    sample("de-weekday-abbreviated", "de", page(
        "de", "Menschenrechtsdialog", "<p>Zuletzt aktualisiert: Mi., 03.04.24, 10:15 Uhr</p>"),
        "de-DE", ("Zuletzt aktualisiert: Mi., 03.04.24", "2024-04-03", "day", "label")),
    sample("de-weekday-full", "de", page(
        "de", "Menschenrechtsdialog", "<p>Stand: Mittwoch, 03.04.2024</p>"),
        "de-DE", ("Stand: Mittwoch, 03.04.2024", "2024-04-03", "day", "label")),
    sample("de-ch-letzte-aenderung-short", "de", page(
        "de", "Menschenrechtsdialog Schweiz-China", "<p>Letzte Änderung: 03.04.24</p>"),
        "de-CH", ("Letzte Änderung: 03.04.24", "2024-04-03", "day", "label")),
    sample("fr-mise-a-jour-dotted", "fr", page(
        "fr", "Dialogue sur les droits de l'homme", "<p>Mise à jour : 03.04.24</p>"),
        "fr-FR", ("Mise à jour : 03.04.24", "2024-04-03", "day", "label")),
    sample("fr-ch-derniere-mise-a-jour-short", "fr", page(
        "fr", "Dialogue sur les droits de l'homme", "<p>Dernière mise à jour le 3.4.24</p>"),
        "fr-CH", ("Dernière mise à jour le 3.4.24", "2024-04-03", "day", "label")),
    sample("fr-publie-mis-a-jour-dotted", "fr", page(
        "fr", "Dialogue sur les droits de l'homme", "<p>Publié le 01.04.24, mis à jour le 03.04.24 à 10h15</p>"),
        "fr-FR", ("mis à jour le 03.04.24", "2024-04-03", "day", "label")),
    sample("fr-weekday", "fr", page(
        "fr", "Dialogue sur les droits de l'homme", "<p>Mis à jour le mercredi 03.04.24</p>"),
        "fr-FR", ("Mis à jour le mercredi 03.04.24", "2024-04-03", "day", "label")),
    sample("hu-frissitve-year-first", "hu", page(
        "hu", "Emberi jogi párbeszéd", "<p>Frissítve: 24.04.03.</p>"),
        "hu-HU", ("Frissítve: 24.04.03.", "2024-04-03", "day", "label")),
    sample("hu-utolso-modositas-spaced-with-time", "hu", page(
        "hu", "Emberi jogi párbeszéd", "<p>Utolsó módosítás: 24. 04. 03. 10:15</p>"),
        "hu-HU", ("Utolsó módosítás: 24. 04. 03.", "2024-04-03", "day", "label")),
    sample("hu-modositva-full-year", "hu", page(
        "hu", "Emberi jogi párbeszéd", "<p>Módosítva: 2024.04.03. 10:15</p>"),
        "hu-HU", ("Módosítva: 2024.04.03.", "2024-04-03", "day", "label")),
    sample("nb-sist-oppdatert-dotted", "nb", page(
        "no", "Menneskerettighetsdialogen", "<p>Sist oppdatert 03.04.24</p>"),
        "nb-NO", ("Sist oppdatert 03.04.24", "2024-04-03", "day", "label")),
    sample("nb-oppdatert-kl", "nb", page(
        "no", "Menneskerettighetsdialogen", "<p>Oppdatert: 3.4.24 kl. 10.15</p>"),
        "nb-NO", ("Oppdatert: 3.4.24", "2024-04-03", "day", "label")),
    sample("nb-publisert-oppdatert", "nb", page(
        "no", "Menneskerettighetsdialogen", "<p>Publisert 01.04.24, oppdatert 03.04.24</p>"),
        "nb-NO", ("oppdatert 03.04.24", "2024-04-03", "day", "label")),
    sample("nb-weekday", "nb", page(
        "no", "Menneskerettighetsdialogen", "<p>Sist endret: onsdag 03.04.24</p>"),
        "nb-NO", ("Sist endret: onsdag 03.04.24", "2024-04-03", "day", "label")),
    sample("en-gb-last-updated-dotted", "en", page(
        "en", "Human rights dialogue", "<p>Last updated: 03.04.24</p>"),
        "en-GB", ("Last updated: 03.04.24", "2024-04-03", "day", "label")),
    sample("es-ultima-actualizacion-dotted", "es", page(
        "es", "Diálogo sobre derechos humanos", "<p>Última actualización: 03.04.24</p>"),
        "es-CL", ("Última actualización: 03.04.24", "2024-04-03", "day", "label")),
    sample("pt-atualizado-dotted", "pt", page(
        "pt", "Diálogo sobre direitos humanos", "<p>Atualizado em 03.04.24 às 10h15</p>"),
        "pt-BR", ("Atualizado em 03.04.24", "2024-04-03", "day", "label")),
    # read month first only when the page's own metadata says that day (never on a guess)
    sample("de-at-stand-month-first-matches-metadata", "de", page(
        "de", "Menschenrechtsdialog", "<p>Stand: 05/08/2019, 5:30</p>",
        head="<meta property='article:published_time' content='2019-05-08T05:30:23Z'>"),
        "de-AT", ("Stand: 05/08/2019", "2019-05-08", "day", "label")),
    sample("en-gb-updated-dotted-month-first-after-publication", "en", page(
        "en", "Human rights dialogue", "<p>Updated 11.02.23, 11:52 EST: a correction.</p>",
        head="<meta property='article:published_time' content='2023-11-01T18:06:56Z'>"),
        "en-GB", ("Updated 11.02.23", "2023-11-02", "day", "label")),
    # not dates: a version number and a score are not read as a two-digit year
    sample("de-stand-version-number", "de", page(
        "de", "Menschenrechtsdialog", "<p>Stand: Version 1.2.24 der Leitlinien</p>"), "de-DE", None),
]

PARTNER_SAMPLES = TEASERS + TWO_DIGIT_YEARS


@pytest.mark.parametrize("case", PARTNER_SAMPLES, ids=[s["id"] for s in PARTNER_SAMPLES])
def test_partner_pages(case):
    marker = find_marker(**case["args"])
    assert (marker and (marker.text, marker.date, marker.precision, marker.origin)) == case["expect"]


def test_samples_cover_the_partner_languages():
    ids = [s["id"] for s in PARTNER_SAMPLES]
    assert len(ids) == len(set(ids))
    assert {"en", "de", "fr", "ja", "es", "pt", "hu", "nb"} <= {s["lang"] for s in TEASERS}
    assert {"de", "fr", "hu", "nb"} <= {s["lang"] for s in TWO_DIGIT_YEARS}


@pytest.mark.parametrize("text, locale, expected", [
    ("03.04.24", "de-DE", ("2024-04-03", "day")),
    ("3.4.24", "nb-NO", ("2024-04-03", "day")),
    ("03. 04. 24", "de-DE", ("2024-04-03", "day")),
    ("24.04.03.", "hu-HU", ("2024-04-03", "day")),
    ("24. 04. 03.", "hu-HU", ("2024-04-03", "day")),
    ("24.04.03", "ja-JP", ("2024-04-03", "day")),
    ("24.13.03.", "hu-HU", None),  # no 13th month, either way round
    ("Mi., 03.04.24", "de-DE", ("2024-04-03", "day")),
    ("Mittwoch, 03.04.2024", "de-DE", ("2024-04-03", "day")),
    ("onsdag 03.04.24", "nb-NO", ("2024-04-03", "day")),
    ("mercredi 3.4.24", "fr-FR", ("2024-04-03", "day")),
    ("Berlin, 03.04.24", "de-DE", None),  # a place is no weekday
    ("1.2.24.5", "de-DE", None),
])
def test_dotted_two_digit_years(text, locale, expected):
    found = dates.date_at(text, 0, dates.context(locale))
    assert (found and found[:2]) == expected

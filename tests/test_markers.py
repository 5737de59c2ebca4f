"""Tests for monitor.analysis.markers: the page's own "last updated" line.

``SAMPLES`` is a table of snippets modelled on real government pages, ``REAL_SAMPLES``
the real pages in tests/files/markers/ (their sources and expected markers are in
samples.yaml there); the benchmark (benchmarks/marker_accuracy.py) imports both, so
keep them plain module-level lists of dicts:

    {"id": ..., "lang": ..., "args": {kwargs for find_marker}, "expect": (text, date, precision, origin) | None}
"""
import datetime as dt
import pathlib
import re

import pytest
import yaml

from monitor.analysis import dates, marker_page, markers
from monitor.analysis.markers import Marker, find_marker, latest_day, parse_date

REAL_PAGES = pathlib.Path(__file__).parent / "files" / "markers"


def sample(id, lang, html=None, expect=None, **kwargs):
    args = dict(kwargs)
    if html is not None:
        args["html"] = html
    return {"id": id, "lang": lang, "args": args, "expect": expect}


GOVUK = """<html lang="en"><head><title>UK-China human rights dialogue - GOV.UK</title>
<meta name="govuk:first-published-at" content="2024-03-12T10:00:00.000+00:00">
<meta name="govuk:updated-at" content="2024-03-13T15:20:11.000+00:00"></head><body>
<header class="govuk-header"><a href="/">GOV.UK</a></header>
<main class="govuk-main-wrapper"><h1 class="gem-c-title__text">UK-China human rights dialogue</h1>
<div class="gem-c-metadata" data-module="gem-toggle"><dl>
<dt class="gem-c-metadata__term">From:</dt><dd class="gem-c-metadata__definition"><a href="/fcdo">Foreign, Commonwealth &amp; Development Office</a></dd>
<dt class="gem-c-metadata__term">Published</dt><dd class="gem-c-metadata__definition">12 March 2024</dd>
<dt class="gem-c-metadata__term">Last updated</dt><dd class="gem-c-metadata__definition">13 March 2024
 <span class="gem-c-metadata__definition-link"><a href="#full-publication-update-history">&mdash; See all updates</a></span></dd>
</dl></div><div class="govuk-govspeak"><p>The dialogue took place in Beijing on 5 March 2024.</p></div></main></body></html>"""

GOVUK_HISTORY = """<main><h1>Human rights and democracy report</h1>
<div class="gem-c-published-dates"><h2>Updates to this page</h2>
<p>Published 12 March 2024<br>Last updated 13 March 2024
<a href="#history">+ show all updates</a></p>
<ol class="gem-c-published-dates__list"><li><time datetime="2024-03-13">13 March 2024</time> Added Chinese translation.</li>
<li><time datetime="2024-03-12">12 March 2024</time> First published.</li></ol></div></main>"""

CANADA = """<main property="mainContentOfPage" resource="#wb-main" typeof="WebPageElement">
<h1 property="name" id="wb-cont">Canada-China Bilateral Human Rights Dialogue</h1>
<p>Canada raised concerns about the treatment of Uyghurs and Tibetans.</p>
<section class="pagedetails"><h2 class="wb-inv">Page details</h2>
<dl id="wb-dtmd"><dt>Date modified:&#32;</dt><dd><time property="dateModified">2024-03-12</time></dd></dl>
</section></main>"""

CANADA_FR = """<main><h1>Dialogue bilatéral Canada-Chine sur les droits de la personne</h1>
<dl id="wb-dtmd"><dt>Date de modification&#160;:</dt><dd><time property="dateModified">2024-03-12</time></dd></dl></main>"""

DFAT = """<div class="page-content"><h1>Australia-China Human Rights Dialogue</h1>
<p>The sixth round of the dialogue was held in Beijing.</p></div>
<div class="last-updated"><p>Last updated Nov 2002</p></div>
<footer><p>&copy; Commonwealth of Australia 2002</p></footer>"""

STATE_GOV = """<html><head>
<meta property="article:published_time" content="2024-03-12T14:00:00+00:00" />
<meta property="article:modified_time" content="2024-03-13T09:12:45+00:00" />
<script type="application/ld+json" class="yoast-schema-graph">{"@context":"https://schema.org","@graph":[
{"@type":"WebPage","@id":"https://www.state.gov/x/","url":"https://www.state.gov/x/","name":"U.S.-China Human Rights Dialogue",
"isPartOf":{"@id":"https://www.state.gov/#website"},"datePublished":"2024-03-12T14:00:00+00:00","dateModified":"2024-03-13T09:12:45+00:00"},
{"@type":"BreadcrumbList","itemListElement":[{"@type":"ListItem","position":1,"name":"Home"}]}]}</script>
</head><body><div class="article-meta"><p class="article-meta__publish-date">March 12, 2024</p></div>
<div class="entry-content"><p>The United States and China held the dialogue on March 11, 2024.</p></div></body></html>"""

STATE_GOV_META_ONLY = """<html><head><meta property="og:type" content="article" />
<meta property="article:modified_time" content="2024-03-13T09:12:45+00:00" /></head>
<body><p class="article-meta__publish-date">March 12, 2024</p><p>Text of the readout.</p></body></html>"""

EEAS = """<html><head><meta name="dcterms.modified" content="2024-03-14" />
<meta name="dcterms.issued" content="2024-03-12" /></head><body>
<div class="ecl-page-header__meta"><span>Press and information team of the Delegation to CHINA</span></div>
<div class="ecl-u-type-paragraph-m">Brussels, 12.03.2024</div>
<h1>EU-China: 39th Human Rights Dialogue took place in Chongqing</h1></body></html>"""

EEAS_LABEL = """<div class="node__content"><p class="ecl-u-type-s">Brussels, 12/03/2024 - 14:05<br>
UNIQUE ID: 240312_5</p><p>Last updated on 13/03/2024 | 14:05 CET</p></div>"""

NEWS_LIST = """<section class="news"><h2>Latest news</h2><ul>
<li><span class="date">12 March 2024</span> <a href="/a">Minister meets Chinese counterpart</a></li>
<li><span class="date">5 February 2024</span> <a href="/b">Statement on Hong Kong</a></li>
<li><span class="date">19 January 2024</span> <a href="/c">Human rights dialogue announced</a></li></ul></section>"""

TODAY_WIDGET = """<div id="top-bar"><span class="today">Today is Friday 27 November 2026</span>
<span class="clock">10:32</span></div><h1>Human rights dialogue</h1>
<p>The EU-China Human Rights Dialogue took place on 16 June 2024.</p>"""

GOVBR = """<div id="plone-document-byline" class="documentByLine">
<span class="documentAuthor">por <a href="/author/mre">Ministério das Relações Exteriores</a></span>
<span class="documentPublished"><span>Publicado em</span> <span class="value">12/03/2024 10h30</span></span>
<span class="documentModified"><span>Atualizado em</span> <span class="value">13/03/2024 15h20</span></span>
</div><h1 class="documentFirstHeading">Diálogo Brasil-China sobre Direitos Humanos</h1>"""

GOVBR_PUBLISHED = """<div class="documentByLine"><span class="documentPublished"><span>Publicado em</span>
<span class="value">12/03/2024 10h30</span></span></div><h1>Nota à imprensa nº 123</h1>"""

REGJERINGEN = """<div class="article-info"><span class="type">Pressemelding</span>
<span class="date">Publisert: 12.03.2024</span> <span class="date">Sist oppdatert: 13.03.2024</span></div>
<h1>Menneskerettighetsdialog med Kina</h1>"""

MOFA_JP = """<div id="maincontents"><h1>日中人権対話の開催</h1>
<p class="rightalign">令和6年3月12日</p><p>3月11日、北京において第17回日中人権対話が開催されました。</p>
<div class="rightalign">更新日：令和6年3月12日</div></div>"""

KORMANY = """<div class="article-head"><h1>Magyar-kínai emberi jogi párbeszéd</h1>
<p class="article-date">Közzététel: 2024. március 12. 14:05</p>
<p class="article-modified">Utolsó módosítás: 2024. március 13.</p></div>"""

MINREL = """<div class="detalle-noticia"><h1>Chile y China sostienen diálogo sobre derechos humanos</h1>
<p class="fecha">Publicado el 12 de marzo de 2024</p><p>Santiago, 12 de marzo de 2024.</p>
<p class="actualizacion">Fecha de actualización: 13-03-2024</p></div>"""

ADMIN_CH = """<div class="container"><h1>Menschenrechtsdialog Schweiz-China</h1>
<p>Der 16. Menschenrechtsdialog fand in Bern statt.</p></div>
<footer><div class="container-fluid"><p class="pull-right"><small>Letzte Änderung 12.03.2024</small></p>
<div class="footer-address">Eidgenössisches Departement für auswärtige Angelegenheiten EDA</div></div></footer>"""

ADMIN_CH_FR = """<div class="container"><h1>Dialogue sur les droits de l'homme Suisse-Chine</h1></div>
<footer><p class="pull-right"><small>Dernière modification 12.03.2024</small></p></footer>"""

BUNDESREGIERUNG = """<div class="bpa-article"><h1>Menschenrechtsdialog mit China</h1>
<h2>Stand der Dinge</h2><p>Der Dialog wurde 2019 ausgesetzt und 2023 wieder aufgenommen.</p>
<p class="bpa-article-date">Stand: 12.03.2024</p></div>"""

SAMPLES = [
    # ---------------------------------------------------------------- English
    sample("govuk-published-and-updated", "en", GOVUK, locale="en-GB",
           expect=("Last updated 13 March 2024", "2024-03-13", "day", "label")),
    sample("govuk-update-history", "en", GOVUK_HISTORY, locale="en-GB",
           expect=("Last updated 13 March 2024", "2024-03-13", "day", "label")),
    sample("govuk-published-only", "en",
           '<dl><dt class="gem-c-metadata__term">Published</dt><dd>12 March 2024</dd></dl>',
           locale="en-GB", expect=("Published 12 March 2024", "2024-03-12", "day", "label:published")),
    sample("canada-date-modified", "en", CANADA, locale="en-CA",
           expect=("Date modified: 2024-03-12", "2024-03-12", "day", "label")),
    sample("dfat-month-precision", "en", DFAT, locale="en-AU",
           expect=("Last updated Nov 2002", "2002-11", "month", "label")),
    sample("state-gov-jsonld-graph", "en", STATE_GOV, locale="en-US",
           expect=("2024-03-13T09:12:45+00:00", "2024-03-13", "day", "meta:dateModified")),
    sample("state-gov-article-modified-time", "en", STATE_GOV_META_ONLY, locale="en-US",
           expect=("2024-03-13T09:12:45+00:00", "2024-03-13", "day", "meta:article:modified_time")),
    sample("us-month-first", "en", '<p class="updated">Last Updated: 3/12/2012</p>', locale="en-US",
           expect=("Last Updated: 3/12/2012", "2012-03-12", "day", "label")),
    sample("gb-day-first", "en", '<p class="updated">Last Updated: 3/12/2012</p>', locale="en-GB",
           expect=("Last Updated: 3/12/2012", "2012-12-03", "day", "label")),
    sample("au-page-with-us-date", "en", "<p>Page last updated: 3/25/2024</p>", locale="en-AU",
           expect=("Page last updated: 3/25/2024", "2024-03-25", "day", "label")),
    sample("eeas-dcterms-modified", "en", EEAS,
           expect=("2024-03-14", "2024-03-14", "day", "meta:dcterms.modified")),
    sample("eeas-last-updated-with-time", "en", EEAS_LABEL, locale="en-IE",
           expect=("Last updated on 13/03/2024", "2024-03-13", "day", "label")),
    sample("table-label-then-cell", "en",
           "<table><tr><th>Document</th><td>Dialogue report</td></tr>"
           "<tr><th>Last modified</th><td>12/03/2024</td></tr></table>", locale="en-NZ",
           expect=("Last modified 12/03/2024", "2024-03-12", "day", "label")),
    sample("strong-label-beats-earlier-weak", "en",
           '<aside><ul><li>Updated: 5 May 2024 <a href="/x">Travel advice</a></li></ul></aside>'
           "<main><p>Report.</p></main><footer>Page last updated: 1 February 2024</footer>",
           expect=("Page last updated: 1 February 2024", "2024-02-01", "day", "label")),
    sample("weak-label-alone", "en",
           '<p class="meta">Updated 13 March 2024</p><h1>Joint statement</h1>',
           expect=("Updated 13 March 2024", "2024-03-13", "day", "label")),
    sample("label-beats-jsonld", "en",
           '<script type="application/ld+json">{"@type":"WebPage","dateModified":"2024-03-20"}</script>'
           "<p>Last reviewed: 13 March 2024</p>",
           expect=("Last reviewed: 13 March 2024", "2024-03-13", "day", "label")),
    sample("meta-beats-published-label", "en",
           '<meta name="DC.date.modified" content="2024-03-15"><p>Published 12 March 2024</p>',
           expect=("2024-03-15", "2024-03-15", "day", "meta:DC.date.modified")),
    sample("published-label-beats-published-meta", "en",
           '<meta property="article:published_time" content="2024-03-01T09:00:00Z">'
           "<p>Published: 12 March 2024</p>",
           headers={"Last-Modified": "Tue, 12 Mar 2024 10:15:00 GMT"},
           expect=("Published: 12 March 2024", "2024-03-12", "day", "label:published")),
    sample("og-updated-time", "en",
           '<meta property="og:updated_time" content="2024-03-12T16:40:00+01:00"><p>Statement</p>',
           expect=("2024-03-12T16:40:00+01:00", "2024-03-12", "day", "meta:og:updated_time")),
    sample("dynamic-jsonld-modified-is-skipped", "en",
           '<script type="application/ld+json">{"@type":"WebPage","dateModified":"2026-11-27T09:00:02Z"}'
           "</script><p>Published 12 March 2024</p>",
           headers={"Date": "Fri, 27 Nov 2026 09:00:00 GMT"},
           expect=("Published 12 March 2024", "2024-03-12", "day", "label:published")),
    sample("jsonld-date-published-only", "en",
           '<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
           '"headline":"Dialogue","datePublished":"2024-03-12T08:00:00+08:00"}</script><p>Text</p>',
           expect=("2024-03-12T08:00:00+08:00", "2024-03-12", "day", "meta:datePublished")),
    sample("microdata-itemprop", "en",
           '<article itemscope itemtype="https://schema.org/Article"><h1 itemprop="headline">Dialogue</h1>'
           '<span itemprop="dateModified" content="2024-03-12">12 March</span></article>',
           expect=("2024-03-12", "2024-03-12", "day", "meta:dateModified")),
    sample("time-element-datetime", "en",
           '<p>Last updated: <time datetime="2024-03-12T10:00:00Z">Tuesday afternoon</time></p>',
           expect=("Last updated: Tuesday afternoon", "2024-03-12", "day", "label")),
    sample("time-datetime-beats-ambiguous-text", "en",
           '<p>Last updated <time datetime="2024-03-12">12/03/2024</time></p>', locale="en-US",
           expect=("Last updated 12/03/2024", "2024-03-12", "day", "label")),
    sample("weekday-and-ordinal", "en", "<p>Last updated on Tuesday, March 12th, 2024</p>",
           locale="en-US",
           expect=("Last updated on Tuesday, March 12th, 2024", "2024-03-12", "day", "label")),
    sample("last-modified-header", "en", "<p>No marker here.</p>",
           headers={"last-modified": "Tue, 12 Mar 2024 10:15:00 GMT",
                    "Date": "Fri, 27 Nov 2026 09:00:00 GMT"},
           expect=("Tue, 12 Mar 2024 10:15:00 GMT", "2024-03-12", "day", "http:last-modified")),
    sample("scrapy-style-bytes-headers", "en", "<p>No marker.</p>",
           headers={b"Last-Modified": [b"Tue, 12 Mar 2024 10:15:00 GMT"]},
           expect=("Tue, 12 Mar 2024 10:15:00 GMT", "2024-03-12", "day", "http:last-modified")),
    sample("pdf-text-year-only", "en", text="Human Rights Dialogue\n\nPage 3\nLast updated 2000\n",
           expect=("Last updated 2000", "2000", "year", "label")),
    sample("pdf-label-beats-moddate", "en", text="Country brief\nLast updated: 12 March 2024",
           pdf_moddate="D:20240401101500+01'00'",
           expect=("Last updated: 12 March 2024", "2024-03-12", "day", "label")),
    sample("pdf-moddate-only", "en", text="Joint press communiqué\nBeijing, 12 March",
           pdf_moddate="D:20240312101500+01'00'",
           expect=("D:20240312101500+01'00'", "2024-03-12", "day", "pdf:moddate")),
    sample("rule-selector-labelled", "de",
           '<div class="meta"><span class="date">Stand: 12.03.2024</span></div><p>Letzte Änderung 01.01.2020</p>',
           locale="de-DE", rule=("selector", "div.meta span.date"),
           expect=("Stand: 12.03.2024", "2024-03-12", "day", "selector")),
    sample("rule-selector-bare-date", "en",
           '<p>Last updated 1 January 2020</p><div id="revised"><b>Revised</b> version of 12 March 2024</div>',
           rule=("selector", "#revised"),
           expect=("12 March 2024", "2024-03-12", "day", "selector")),
    sample("rule-regex-group", "en", "<p>Document revised (12 March 2024) by the desk officer</p>",
           rule=("regex", re.compile(r"revised \((.+?)\)")),
           expect=("revised (12 March 2024)", "2024-03-12", "day", "regex")),
    sample("rule-regex-no-group", "de", "<p>Aktueller Sachstand 03/2024 – Auswärtiges Amt</p>",
           locale="de-DE", rule=("regex", re.compile(r"Sachstand \d\d/\d{4}")),
           expect=("Sachstand 03/2024", "2024-03", "month", "regex")),
    # ---------------------------------------------------------------- negatives
    sample("today-widget-and-body-dates", "en", TODAY_WIDGET, expect=None),
    sample("copyright-year", "en",
           "<main><h1>Dialogue</h1></main><footer><p>© 2024 Government of Canada</p></footer>",
           expect=None),
    sample("news-list-of-dates", "en", NEWS_LIST, expect=None),
    sample("lowercase-prose-updated", "en",
           "<p>This page was updated on 12 March 2024 to add the joint statement.</p>", expect=None),
    sample("year-opening-next-block-is-not-a-date", "en",
           "<h2>Last updated</h2><ul><li>2019: dialogue suspended</li><li>2023: resumed</li></ul>",
           expect=None),
    sample("impossible-date", "en", "<p>Last updated: 31/02/2024</p>", expect=None),
    sample("year-out-of-range", "en", "<p>Last updated 1850</p>", expect=None),
    sample("dynamic-last-modified-equals-date", "en", TODAY_WIDGET,
           headers={"Last-Modified": "Fri, 27 Nov 2026 09:00:00 GMT",
                    "Date": "Fri, 27 Nov 2026 09:00:00 GMT"}, expect=None),
    sample("dynamic-last-modified-near-fetch", "en", "<p>Nothing.</p>",
           headers={"Last-Modified": "Fri, 27 Nov 2026 08:57:30 GMT"},
           fetched_at=dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.timezone.utc), expect=None),
    sample("rule-selector-matches-nothing", "en", "<p>Last updated 13 March 2024</p>",
           rule=("selector", "div.no-such-thing"), expect=None),
    sample("rule-regex-matches-nothing", "en", "<p>Last updated 13 March 2024</p>",
           rule=("regex", re.compile(r"Revised: (.*)")), expect=None),
    # ---------------------------------------------------------------- German
    sample("bundesregierung-stand", "de", BUNDESREGIERUNG, locale="de-DE",
           expect=("Stand: 12.03.2024", "2024-03-12", "day", "label")),
    sample("stand-der-dinge-is-not-a-marker", "de",
           "<h2>Stand der Dinge</h2><p>Der Dialog wurde 2019 ausgesetzt.</p>", locale="de-DE",
           expect=None),
    sample("stand-month", "de", "<p>Menschenrechtsbericht der Bundesregierung</p><p>Stand: März 2024</p>",
           locale="de-DE", expect=("Stand: März 2024", "2024-03", "month", "label")),
    sample("stand-two-digit-year", "de", '<p class="stand">Stand: 12.03.24</p>', locale="de-DE",
           expect=("Stand: 12.03.24", "2024-03-12", "day", "label")),
    sample("letzte-aktualisierung-month-name", "de", "<p>Letzte Aktualisierung: 12. März 2024</p>",
           locale="de-DE", expect=("Letzte Aktualisierung: 12. März 2024", "2024-03-12", "day", "label")),
    sample("zuletzt-aktualisiert-with-time", "de",
           "<p>Zuletzt aktualisiert am 12.03.2024 um 10:30 Uhr</p>", locale="de-DE",
           expect=("Zuletzt aktualisiert am 12.03.2024", "2024-03-12", "day", "label")),
    sample("admin-ch-letzte-aenderung", "de", ADMIN_CH, locale="de-CH",
           expect=("Letzte Änderung 12.03.2024", "2024-03-12", "day", "label")),
    sample("auswaertiges-amt-veroeffentlicht", "de",
           '<p class="c-article__date">Veröffentlicht am 12.03.2024</p>', locale="de-DE",
           expect=("Veröffentlicht am 12.03.2024", "2024-03-12", "day", "label:published")),
    # ---------------------------------------------------------------- French
    sample("admin-ch-derniere-modification", "fr", ADMIN_CH_FR, locale="fr-CH",
           expect=("Dernière modification 12.03.2024", "2024-03-12", "day", "label")),
    sample("canada-date-de-modification", "fr", CANADA_FR, locale="fr-CA",
           expect=("Date de modification : 2024-03-12", "2024-03-12", "day", "label")),
    sample("diplomatie-mis-a-jour-beats-publie", "fr",
           '<p class="date">Publié le 11 mars 2024</p><p class="maj">Mis à jour le 12 mars 2024</p>',
           locale="fr-FR", expect=("Mis à jour le 12 mars 2024", "2024-03-12", "day", "label")),
    sample("derniere-mise-a-jour-1er", "fr", "<p>Dernière mise à jour : 1er mars 2024</p>",
           locale="fr-FR", expect=("Dernière mise à jour : 1er mars 2024", "2024-03-01", "day", "label")),
    # ---------------------------------------------------------------- Portuguese
    sample("govbr-atualizado-em", "pt", GOVBR, locale="pt-BR",
           expect=("Atualizado em 13/03/2024", "2024-03-13", "day", "label")),
    sample("govbr-publicado-only", "pt", GOVBR_PUBLISHED, locale="pt-BR",
           expect=("Publicado em 12/03/2024", "2024-03-12", "day", "label:published")),
    sample("ultima-atualizacao-month-name", "pt",
           "<p>Última atualização: 12 de março de 2024</p>", locale="pt-BR",
           expect=("Última atualização: 12 de março de 2024", "2024-03-12", "day", "label")),
    # ---------------------------------------------------------------- Spanish
    sample("minrel-fecha-de-actualizacion", "es", MINREL, locale="es-CL",
           expect=("Fecha de actualización: 13-03-2024", "2024-03-13", "day", "label")),
    sample("ultima-actualizacion-month-name", "es",
           "<p>Última actualización: 12 de marzo de 2024</p>", locale="es-ES",
           expect=("Última actualización: 12 de marzo de 2024", "2024-03-12", "day", "label")),
    sample("pagina-actualizada", "es", "<footer><p>Página actualizada el 12/03/2024</p></footer>",
           locale="es-AR", expect=("Página actualizada el 12/03/2024", "2024-03-12", "day", "label")),
    sample("actualizado-el", "es", "<p>Actualizado el 13/03/2024</p>", locale="es-CL",
           expect=("Actualizado el 13/03/2024", "2024-03-13", "day", "label")),
    sample("ultima-modificacion-month-only", "es", "<p>Última modificación: marzo de 2024</p>",
           locale="es-MX", expect=("Última modificación: marzo de 2024", "2024-03", "month", "label")),
    # ---------------------------------------------------------------- Norwegian
    sample("regjeringen-sist-oppdatert", "nb", REGJERINGEN, locale="nb-NO",
           expect=("Sist oppdatert: 13.03.2024", "2024-03-13", "day", "label")),
    sample("regjeringen-publisert-only", "nb",
           '<div class="article-info"><span class="date">Publisert: 12.03.2024</span></div>',
           locale="nb-NO", expect=("Publisert: 12.03.2024", "2024-03-12", "day", "label:published")),
    sample("oppdatert-month-name", "nb", "<p>Oppdatert 12. mars 2024</p>", locale="nb-NO",
           expect=("Oppdatert 12. mars 2024", "2024-03-12", "day", "label")),
    # ---------------------------------------------------------------- Hungarian
    sample("kormany-utolso-modositas", "hu", KORMANY, locale="hu-HU",
           expect=("Utolsó módosítás: 2024. március 13.", "2024-03-13", "day", "label")),
    sample("frissitve-numeric", "hu", "<p>Frissítve: 2024. 03. 12.</p>", locale="hu-HU",
           expect=("Frissítve: 2024. 03. 12.", "2024-03-12", "day", "label")),
    sample("kozzetetel-only", "hu", "<p>Közzététel: 2024. március 12. 14:05</p>", locale="hu-HU",
           expect=("Közzététel: 2024. március 12.", "2024-03-12", "day", "label:published")),
    # ---------------------------------------------------------------- Japanese
    sample("mofa-reiwa", "ja", MOFA_JP, locale="ja-JP",
           expect=("更新日：令和6年3月12日", "2024-03-12", "day", "label")),
    sample("heisei-saishu-koshinbi", "ja", "<p>最終更新日：平成23年11月24日</p>", locale="ja-JP",
           expect=("最終更新日：平成23年11月24日", "2011-11-24", "day", "label")),
    sample("reiwa-gannen", "ja", "<p>更新日：令和元年5月1日</p>", locale="ja-JP",
           expect=("更新日：令和元年5月1日", "2019-05-01", "day", "label")),
    sample("koshin-month-only", "ja", "<p>更新：2024年3月</p>", locale="ja-JP",
           expect=("更新：2024年3月", "2024-03", "month", "label")),
    sample("full-width-digits", "ja", "<p>最終更新：２０２４年３月１２日</p>", locale="ja-JP",
           expect=("最終更新：２０２４年３月１２日", "2024-03-12", "day", "label")),
    sample("kokaibi-published", "ja", "<p>公開日：2024年3月12日</p>", locale="ja-JP",
           expect=("公開日：2024年3月12日", "2024-03-12", "day", "label:published")),
    # ---------------------------------------------------------------- Chinese
    sample("zh-gengxin-shijian", "zh", '<div class="info">更新时间：2024-03-12 10:30</div>',
           locale="zh-CN", expect=("更新时间：2024-03-12", "2024-03-12", "day", "label")),
    sample("zh-fabu-riqi", "zh", "<p>发布日期：2024年03月12日</p>", locale="zh-CN",
           expect=("发布日期：2024年03月12日", "2024-03-12", "day", "label:published")),
    sample("zh-tw-zuihou-gengxin", "zh", "<p>最後更新：2024/3/12</p>", locale="zh-TW",
           expect=("最後更新：2024/3/12", "2024-03-12", "day", "label")),
    # ---------------------------------------------------------------- Italian, Dutch, Nordic
    sample("esteri-ultimo-aggiornamento", "it", "<p>Ultimo aggiornamento: 12 marzo 2024</p>",
           locale="it-IT", expect=("Ultimo aggiornamento: 12 marzo 2024", "2024-03-12", "day", "label")),
    sample("aggiornato-il", "it", "<p>Aggiornato il 12/03/2024</p>", locale="it-IT",
           expect=("Aggiornato il 12/03/2024", "2024-03-12", "day", "label")),
    sample("rijksoverheid-laatst-gewijzigd", "nl",
           '<p class="article-meta">Nieuwsbericht | 12-03-2024 | 10:30</p><p>Laatst gewijzigd op 13 maart 2024</p>',
           locale="nl-NL", expect=("Laatst gewijzigd op 13 maart 2024", "2024-03-13", "day", "label")),
    sample("gepubliceerd-op", "nl", "<p>Gepubliceerd op 12-03-2024</p>", locale="nl-NL",
           expect=("Gepubliceerd op 12-03-2024", "2024-03-12", "day", "label:published")),
    sample("regeringen-uppdaterad", "sv",
           '<p class="published">Publicerad 12 mars 2024 · Uppdaterad 13 mars 2024</p>', locale="sv-SE",
           expect=("Uppdaterad 13 mars 2024", "2024-03-13", "day", "label")),
    sample("senast-uppdaterad-iso", "sv", "<p>Senast uppdaterad: 2024-03-12</p>", locale="sv-SE",
           expect=("Senast uppdaterad: 2024-03-12", "2024-03-12", "day", "label")),
    sample("um-dk-sidst-opdateret", "da", "<p>Sidst opdateret den 12. marts 2024</p>", locale="da-DK",
           expect=("Sidst opdateret den 12. marts 2024", "2024-03-12", "day", "label")),
]


def load_real_samples() -> list[dict]:
    """The real pages of tests/files/markers/, as ``sample`` dicts (plus source, case, known_miss)."""
    entries = yaml.safe_load((REAL_PAGES / "samples.yaml").read_text(encoding="utf-8"))
    return [{"id": e["id"], "lang": e["lang"], "case": e["case"], "source": e["source"],
             "known_miss": e.get("known_miss"), "expect": tuple(e["expect"]) if e["expect"] else None,
             "args": {"html": (REAL_PAGES / f"{e['id']}.html").read_text(encoding="utf-8"), "locale": e["locale"]}}
            for e in entries]


REAL_SAMPLES = load_real_samples()


@pytest.mark.parametrize("case", SAMPLES, ids=[s["id"] for s in SAMPLES])
def test_samples(case):
    marker = find_marker(**case["args"])
    if case["expect"] is None:
        assert marker is None
    else:
        assert marker is not None
        assert (marker.text, marker.date, marker.precision, marker.origin) == case["expect"]


def test_sample_table_is_broad():
    ids = [s["id"] for s in SAMPLES]
    assert len(ids) == len(set(ids))
    assert len(SAMPLES) >= 60
    assert len({s["lang"] for s in SAMPLES}) >= 9


@pytest.mark.parametrize("case", [pytest.param(s, marks=pytest.mark.xfail(reason=s["known_miss"], strict=True))
                                  if s["known_miss"] else s for s in REAL_SAMPLES],
                         ids=[s["id"] for s in REAL_SAMPLES])
def test_real_pages(case):
    marker = find_marker(**case["args"])
    assert (marker and (marker.text, marker.date, marker.precision, marker.origin)) == case["expect"]


def test_real_pages_cover_the_partner_languages():
    ids = [s["id"] for s in REAL_SAMPLES]
    assert len(ids) == len(set(ids)) >= 40
    assert {p.stem for p in REAL_PAGES.glob("*.html")} == set(ids)
    per_lang = {lang: [s for s in REAL_SAMPLES if s["lang"] == lang]
                for lang in ("en", "de", "fr", "pt", "es", "nb", "hu", "ja", "zh")}
    assert all(len(cases) >= 5 for cases in per_lang.values())
    assert {"a", "b", "c", "negative"} <= {s["case"] for s in REAL_SAMPLES}
    assert sum(s["expect"] is None for s in REAL_SAMPLES) >= 10
    assert all(set(s["source"]) == {"repo", "path", "commit"} for s in REAL_SAMPLES)


# ---------------------------------------------------------------- (a) words between label and date

@pytest.mark.parametrize("html, locale, expected", [
    ("<p>Última atualização de dados do painel: 05/07/2020</p>", "pt-BR",
     ("Última atualização de dados do painel: 05/07/2020", "2020-07-05")),
    ("<p>Stand der Informationen: 12.03.2024</p>", "de-DE", ("Stand der Informationen: 12.03.2024", "2024-03-12")),
    ("<p>Date de la dernière mise à jour de la page : 3 mars 2024</p>", "fr-FR",
     ("dernière mise à jour de la page : 3 mars 2024", "2024-03-03")),
    ("<p>Page last reviewed and updated on 12 March 2024</p>", "en-GB",
     ("Page last reviewed and updated on 12 March 2024", "2024-03-12")),
    ("<p>Fecha de la última actualización de esta página: 12/03/2024</p>", "es-ES",
     ("última actualización de esta página: 12/03/2024", "2024-03-12")),
    ("<p>Sist oppdatert av redaksjonen 12.03.2024</p>", "nb-NO", ("Sist oppdatert av redaksjonen 12.03.2024", "2024-03-12")),
    ("<p>Utoljára frissítve: 2024. március 12.</p>", "hu-HU", ("Utoljára frissítve: 2024. március 12.", "2024-03-12")),
    ("<p>最后更新时间：2024-03-12</p>", "zh-CN", ("最后更新时间：2024-03-12", "2024-03-12")),
    ("<p>Actualizado a las 10:30 del 12 de marzo de 2024</p>", "es-ES",
     ("Actualizado a las 10:30 del 12 de marzo de 2024", "2024-03-12")),
    ("<p>Updated 10:32 AM EST, Tue March 12, 2024</p>", "en-US",
     ("Updated 10:32 AM EST, Tue March 12, 2024", "2024-03-12")),
    ("<p>Updated 2010 GMT (0410 HKT) March 14, 2021</p>", "en-US",
     ("Updated 2010 GMT (0410 HKT) March 14, 2021", "2021-03-14")),
    # negatives: a colon ends the words, a bare year is no date, at most four words (two after
    # "Updated"), no label of the other kind on the way, no CJK prose
    ("<p>Stand der Dinge: Der Dialog wurde am 12. März 2019 ausgesetzt.</p>", "de-DE", None),
    ("<p>Last updated figures for 2019 show a decline.</p>", "en", None),
    ("<p>Last updated in the minutes of the meeting held on 12 March 2024</p>", "en", None),
    ("<p>Updated guidance on the dialogue held on 12 March 2024</p>", "en", None),
    ("<p>更新されたデータは2024年3月12日に公表</p>", "ja-JP", None),
    ("<p>Last updated by the desk officer Published 12 March 2024</p>", "en",
     ("Published 12 March 2024", "2024-03-12")),
])
def test_words_between_label_and_date(html, locale, expected):
    marker = find_marker(html, locale=locale)
    assert (marker and (marker.text, marker.date)) == expected


# ---------------------------------------------------------------- (b) an update stated in a sentence

@pytest.mark.parametrize("html, locale, expected", [
    ("<p>Article mis à jour le 12 mars 2024 à 10h</p>", "fr-FR", ("Article mis à jour le 12 mars 2024", "2024-03-12")),
    ("<p>Artikel aktualisiert am 12.03.2024</p>", "de-DE", ("Artikel aktualisiert am 12.03.2024", "2024-03-12")),
    ("<p>Página actualizada el 12/03/2024</p>", "es-ES", ("Página actualizada el 12/03/2024", "2024-03-12")),
    ("<p>A cikk frissítve: 2024. március 12.</p>", "hu-HU", ("cikk frissítve: 2024. március 12.", "2024-03-12")),
    ("<p>Updated on 12 March 2024</p>", "en", ("Updated on 12 March 2024", "2024-03-12")),
    ("<p>Aktualisiert am 12.03.2024</p>", "de-DE", ("Aktualisiert am 12.03.2024", "2024-03-12")),
    ("<p>Atualizado em 12/03/2024 às 10h</p>", "pt-BR", ("Atualizado em 12/03/2024", "2024-03-12")),
    ("<p>postado em 04/05/2022 05:49 / atualizado em 04/05/2022 05:50</p>", "pt-BR",
     ("atualizado em 04/05/2022", "2022-05-04")),
    ("<p>Publié le 11 mars 2024 à 10h00, mis à jour le 12 mars 2024 à 11h00</p>", "fr-FR",
     ("mis à jour le 12 mars 2024", "2024-03-12")),
    ("<p>Publicado: 12/03/2024 10:00 | actualizado: 13/03/2024</p>", "es-ES", ("actualizado: 13/03/2024", "2024-03-13")),
    ("<p>Publisert 12.03.2024 kl. 10.00, oppdatert 13.03.2024</p>", "nb-NO", ("oppdatert 13.03.2024", "2024-03-13")),
    ("<p>このページは外務省が作成しました。更新日：2024年3月12日</p>", "ja-JP", ("更新日：2024年3月12日", "2024-03-12")),
    ("<p>2024年3月12日更新</p>", "ja-JP", ("2024年3月12日更新", "2024-03-12")),
    ("<p>（令和6年3月12日 10時30分更新）</p>", "ja-JP", ("令和6年3月12日 10時30分更新", "2024-03-12")),
    # negatives: prose about something else, a verb after its date in German, no year
    ("<p>This page was updated on 12 March 2024 to add the joint statement.</p>", "en", None),
    ("<p>The figures, which were updated on 12 March 2024, show a decline.</p>", "en", None),
    ("<p>Les chiffres mis à jour le 12 mars 2024 montrent une baisse.</p>", "fr-FR", None),
    ("<p>Die Zahlen wurden am 12.03.2024 aktualisiert.</p>", "de-DE", None),
    ("<p>2025年1月14日 01時28分 (1月14日 01時40分更新)</p>", "ja-JP", None),
    ("<p>Nach Hessen kamen 89.500 Menschen (Stand Februar 2024). Mehr dazu unten.</p>", "de-DE", None),
])
def test_update_stated_in_a_sentence(html, locale, expected):
    marker = find_marker(html, locale=locale)
    assert (marker and (marker.text, marker.date)) == expected


def test_parenthesis_opening_the_line_still_counts_for_stand():
    assert find_marker("<p>(Stand: 12.03.2024)</p>", locale="de-DE").date == "2024-03-12"


# ---------------------------------------------------------------- (c) other pages' content on the page

NEXT_STORY = """<main><article id="main"><h1>Menneskerettighetsdialog med Kina</h1>
<p>Publisert 06.01.2026 - 17:29</p><p>Teksten.</p></article>
<div class="under-article"><article id="second-article"><h1>Neste sak</h1>
<p>Publisert 06.01.2026 - 16:25</p><p>Sist oppdatert 06.01.2026 - 17:35</p><a href="/b">Les</a></article></div></main>"""

RELATED_FIRST = """<body><div class="related-stories"><a href="/x">Other story</a><p>Last updated 1 May 2024</p></div>
<main><h1>Human rights dialogue</h1><p>Text.</p><footer>Page last updated: 3 February 2024</footer></main></body>"""


@pytest.mark.parametrize("html, locale, expected", [
    (NEXT_STORY, "nb-NO", ("Publisert 06.01.2026", "label:published")),
    (RELATED_FIRST, "en", ("Page last updated: 3 February 2024", "label")),
    ('<div class="read-next"><a href="/n">Next</a><p>ACTUALIZADO 19 de abril de 2022</p></div>'
     '<h1>Diálogo</h1><p>Publicado el 26 de abril de 2022</p>', "es-US",
     ("Publicado el 26 de abril de 2022", "label:published")),
    ('<main><h1>Dialog</h1><p>Text</p></main><aside><h2>Mehr</h2><ul><li><a href="/a">A</a> Stand: 3.5.2024</li>'
     '</ul></aside>', "de-DE", None),
    ('<h1>Dialogue</h1><p>Body.</p><section id="trending-stories"><article><a href="/t">T</a>'
     '<p>Updated Sep 27, 2020</p></article><article><a href="/u">U</a><p>Updated Sep 28, 2020</p></article></section>',
     "en-US", None),
    ('<article><h1>Dialogue</h1><p>Body.</p><section class="comments"><article class="comment">'
     '<p>Updated 2 May 2024: typo fixed</p></article></section></article>', "en", None),
    ('<h1>Story</h1><div class="teaser"><a href="/t"><span itemprop="dateModified">2024-05-01</span></a></div>'
     '<meta itemprop="datePublished" content="2024-04-01">', "en", ("2024-04-01", "meta:datePublished")),
    # not set apart: a teaser class without a link (the page's own text), an aside inside
    # the main article, the Next.js root <div id="__next">, an article in the menu is not the main one
    ('<h1>Waldorfschule</h1><div class="blog_teaser_text" id="erstelldatum">Erstellt am 22.05.2014</div>', "de-DE",
     ("Erstellt am 22.05.2014", "label:published")),
    ('<main><article><h1>Dialog</h1><aside class="meta">Zuletzt aktualisiert: 18.10.2023</aside></article></main>',
     "de-DE", ("Zuletzt aktualisiert: 18.10.2023", "label")),
    ('<div id="__next"><main><h1>Dialogue</h1><p>Last updated 3 March 2024</p></main></div>', "en",
     ("Last updated 3 March 2024", "label")),
    ('<nav><article><h1>Zoos</h1><a href="/z">Zoos</a></article></nav><main><article><h1>Dialog</h1>'
     '<p>Stand: 12.03.2024</p></article></main>', "de-DE", ("Stand: 12.03.2024", "label")),
])
def test_other_pages_content_is_never_read(html, locale, expected):
    marker = find_marker(html, locale=locale)
    assert (marker and (marker.text, marker.origin)) == expected


@pytest.mark.parametrize("sample_id", ["es-elnuevoherald-read-next", "en-us-local-news-cards",
                                       "nb-dagbladet-next-story", "de-agrarheute-teaser-aktualisiert"])
def test_real_teasers_are_not_read_when_the_page_has_no_date_of_its_own(sample_id):
    """The real pages without their metadata: their teasers' labels stay unread."""
    case = next(s for s in REAL_SAMPLES if s["id"] == sample_id)
    html = re.sub(r"<script[^>]*ld\+json.*?</script>|<meta[^>]*>", "", case["args"]["html"], flags=re.S)
    marker = find_marker(html, locale=case["args"]["locale"])
    assert marker is None or marker.origin == "label:published" and "Publisert 06.01.2026" in marker.text


# ---------------------------------------------------------------- no update before the page existed

@pytest.mark.parametrize("html, expected", [
    ('<meta property="article:published_time" content="2020-09-08T13:22:00Z"><p>Published: Sept. 8, 2020</p>'
     "<footer>Subscriber Agreement &amp; Terms of Use Updated 03/26/2020</footer>", ("Published: Sept. 8, 2020", "2020-09-08")),
    ('<meta property="article:published_time" content="2021-11-01T04:00:14Z"><p>Stand: 11/01/2021, 05:00</p>',
     ("Stand: 11/01/2021", "2021-11-01")),
    ('<meta property="article:published_time" content="2024-03-13T01:00:00Z"><p>Last updated 12 March 2024</p>',
     ("Last updated 12 March 2024", "2024-03-12")),  # a day's slack for time zones
    ('<meta property="article:published_time" content="2024-08-05T12:47:21Z">'
     '<meta property="article:modified_time" content="2024-07-23T20:51:17Z"><p>Publisert: 05.08.24 kl. 14:47</p>',
     ("Publisert: 05.08.24", "2024-08-05")),
])
def test_no_update_before_publication(html, expected):
    marker = find_marker(html, locale="de-DE" if "Stand" in html else "en")
    assert (marker.text, marker.date) == expected


@pytest.mark.parametrize("text, end, expected", [
    ("2024年3月12日更新", 10, ("2024-03-12", "day", 0)),
    ("（令和元年5月1日 10時30分更新）", 16, ("2019-05-01", "day", 1)),
    ("掲載 2024/03/12 10:30更新", 19, ("2024-03-12", "day", 3)),
    ("1月14日 01時40分更新", 12, None),
    ("更新", 0, None),
])
def test_date_before(text, end, expected):
    assert dates.date_before(text, end, dates.context("ja-JP")) == expected


def test_earliest_day():
    assert [dates.earliest_day(v) for v in ("2002", "2002-11", "2002-11-05")] == [
        dt.date(2002, 1, 1), dt.date(2002, 11, 1), dt.date(2002, 11, 5)]


# ---------------------------------------------------------------- find_marker details

def test_label_on_next_line_after_dt():
    html = "<dl><dt>Date modified:</dt>\n\n   <dd>\n 2024-03-12 </dd></dl>"
    assert find_marker(html).text == "Date modified: 2024-03-12"


def test_script_style_and_head_text_is_not_visible():
    html = ("<head><title>Last updated 1 January 2020</title></head><body>"
            "<script>var s = 'Last updated 2 January 2020';</script><style>/* Updated 2020 */</style>"
            "<noscript>Last updated 3 January 2020</noscript><p>Last updated 4 January 2021</p></body>")
    assert find_marker(html).date == "2021-01-04"


def test_first_of_equal_labels_wins():
    html = "<p>Last updated: 1 May 2024</p><footer>Last updated: 2 June 2024</footer>"
    assert find_marker(html).date == "2024-05-01"


def test_english_labels_are_tried_on_non_english_locale():
    assert find_marker("<p>Last updated 12 March 2024</p>", locale="ja-JP").date == "2024-03-12"


def test_last_modified_more_than_five_minutes_before_date_is_kept():
    headers = {"Last-Modified": "Fri, 27 Nov 2026 08:54:00 GMT", "Date": "Fri, 27 Nov 2026 09:00:00 GMT"}
    assert find_marker("<p>x</p>", headers=headers).date == "2026-11-27"
    headers["Last-Modified"] = "Fri, 27 Nov 2026 08:56:00 GMT"
    assert find_marker("<p>x</p>", headers=headers) is None


def test_naive_fetched_at_is_utc():
    headers = {"Last-Modified": "Fri, 27 Nov 2026 09:01:00 GMT"}
    assert find_marker("<p>x</p>", headers=headers, fetched_at=dt.datetime(2026, 11, 27, 9, 0)) is None


def test_regex_rule_given_as_string_and_on_pdf_text():
    marker = find_marker(text="Revision 12.03.2024\nPage 1", rule=("regex", r"Revision (\S+)"), locale="de")
    assert marker == Marker("Revision 12.03.2024", "2024-03-12", "day", "regex")


def test_selector_rule_reads_datetime_attribute():
    html = '<p class="stamp"><time datetime="2024-03-12">gestern</time></p>'
    marker = find_marker(html, rule=("selector", "p.stamp"))
    assert marker == Marker("2024-03-12", "2024-03-12", "day", "selector")


def test_selector_rule_without_a_date_is_none():
    assert find_marker("<p class='x'>no date here</p><p>Last updated 2024</p>",
                       rule=("selector", "p.x")) is None


def test_unknown_rule_kind_raises():
    with pytest.raises(ValueError):
        find_marker("<p>x</p>", rule=("xpath", "//p"))


def test_empty_and_odd_inputs():
    assert find_marker() is None
    assert find_marker("") is None
    assert find_marker("<?xml version='1.0' encoding='utf-8'?><html><body><p>Stand: 2024</p></body></html>",
                       locale="de").date == "2024"


def test_to_dict_and_frozen():
    marker = Marker("Stand: 12.03.2024", "2024-03-12", "day", "label")
    assert marker.to_dict() == {"text": "Stand: 12.03.2024", "date": "2024-03-12",
                                "precision": "day", "origin": "label"}
    with pytest.raises(AttributeError):
        marker.date = "2025"


def test_label_table_is_plain_and_extensible():
    assert "Last updated" in markers.LABELS["en"]["strong"]
    assert set(markers.LABELS) >= {"en", "de", "fr", "pt", "es", "nb", "hu", "ja", "zh"}


def test_large_page_finds_the_footer_label():
    item = ('<li><span class="date">12 March 2024</span> <a href="/n/{0}">Minister meets counterpart {0}</a>'
            "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p></li>\n")
    html = ("<html><body><ul>" + "".join(item.format(i) for i in range(1100)) + "</ul>"
            "<footer>Page last updated: 13 March 2024</footer></body></html>")
    assert len(html) > 200_000
    assert find_marker(html).date == "2024-03-13"


def test_many_dated_weak_labels_are_read_lazily():
    item = '<li><p class="meta">Updated {0} March 2024</p><a href="/n/{0}">Item {0}</a></li>'
    html = "<ul>" + "".join(item.format(1 + i % 28) for i in range(2000)) + "</ul>"
    assert find_marker(html) is None  # a list of other pages' dated cards: none is the page's
    assert find_marker(html + "<footer>Last updated: 2 April 2024</footer>").date == "2024-04-02"


# ---------------------------------------------------------------- parse_date

@pytest.mark.parametrize("text, locale, expected", [
    ("Nov 2002", "en-AU", ("2002-11", "month")),
    ("2000", "en", ("2000", "year")),
    ("2024-03-12", "en", ("2024-03-12", "day")),
    ("2024-03", "en", ("2024-03", "month")),
    ("03/2024", "de", ("2024-03", "month")),
    ("12.03.2024", "de-DE", ("2024-03-12", "day")),
    ("12.3.2024", "de-DE", ("2024-03-12", "day")),
    ("12.03.24", "de-DE", ("2024-03-12", "day")),
    ("5/1/98", "en-US", ("1998-05-01", "day")),
    ("12/03/2024", "en-GB", ("2024-03-12", "day")),
    ("3/12/2012", "en-US", ("2012-03-12", "day")),
    ("12.03.2024", "en-US", ("2024-03-12", "day")),
    ("2024/3/12", "ja-JP", ("2024-03-12", "day")),
    ("2024. 03. 12.", "hu-HU", ("2024-03-12", "day")),
    ("12 March 2024", "en", ("2024-03-12", "day")),
    ("March 12, 2024", "en-US", ("2024-03-12", "day")),
    ("12. März 2024", "de", ("2024-03-12", "day")),
    ("12 mars 2024", "fr", ("2024-03-12", "day")),
    ("12 de março de 2024", "pt-BR", ("2024-03-12", "day")),
    ("12 de marzo de 2024", "es-CL", ("2024-03-12", "day")),
    ("2024. március 12.", "hu-HU", ("2024-03-12", "day")),
    ("12. mars 2024", "nb-NO", ("2024-03-12", "day")),
    ("März 2024", "de", ("2024-03", "month")),
    ("2024年3月12日", "zh-CN", ("2024-03-12", "day")),
    ("2024年3月", "ja", ("2024-03", "month")),
    ("令和6年3月12日", "ja-JP", ("2024-03-12", "day")),
    ("平成23年11月24日", "ja-JP", ("2011-11-24", "day")),
    ("令和元年5月1日", "ja-JP", ("2019-05-01", "day")),
    ("平成元年1月8日", "ja-JP", None),  # 1989: before the supported year range
    ("13/03/2024 15h20", "pt-BR", ("2024-03-13", "day")),
    ("13.03.2024 | 14:05 CET", "de", ("2024-03-13", "day")),
    ("2024-03-12T10:15:00+01:00", "en", ("2024-03-12", "day")),
    ("Last updated Nov 2002", "en", ("2002-11", "month")),
    ("Stand: 12.03.2024", "de", ("2024-03-12", "day")),
    ("29.02.2023", "de", None),
    ("31/04/2024", "en-GB", None),
    ("1850", "en", None),
    ("2101", "en", None),
    ("Nov", "en", None),
    ("yesterday", "en", None),
    ("12 March 2024 and then some prose", "en", None),
    ("Today is Friday 27 November 2026 — weather sunny", "en", None),
    ("", "en", None),
])
def test_parse_date(text, locale, expected):
    assert parse_date(text, locale) == expected


def test_parse_date_does_not_pad_with_today():
    iso, precision = parse_date("May 2024")
    assert (iso, precision) == ("2024-05", "month")


# ---------------------------------------------------------------- latest_day

@pytest.mark.parametrize("iso, precision, expected", [
    ("2002-11", "month", dt.date(2002, 11, 30)),
    ("2002", "year", dt.date(2002, 12, 31)),
    ("2024-02", "month", dt.date(2024, 2, 29)),
    ("2023-02", "month", dt.date(2023, 2, 28)),
    ("2100-02", "month", dt.date(2100, 2, 28)),
    ("2000-02", "month", dt.date(2000, 2, 29)),
    ("2024-12", "month", dt.date(2024, 12, 31)),
    ("2024-04", "month", dt.date(2024, 4, 30)),
    ("2024-03-12", "day", dt.date(2024, 3, 12)),
])
def test_latest_day(iso, precision, expected):
    assert latest_day(iso, precision) == expected


def test_latest_day_rejects_unknown_precision():
    with pytest.raises(ValueError):
        latest_day("2024", "week")


# ---------------------------------------------------------------- visible text and label search

@pytest.mark.parametrize("html, text, times", [
    ("<p>a  b\n\tc</p>", "a b c\n", []),
    ("<div> <p> x </p> </div>y", "x \ny\n", []),
    ("<p>a</p><p>b</p>", "a\nb\n", []),
    ("<p>a <b>b</b> c</p>", "a b c\n", []),
    ("<p>a<!-- gone --> b</p>", "a b\n", []),
    ("<p>a<br>b</p>", "a\nb\n", []),
    ("<p>\u00a0a\u2003b </p><p> </p>", "a b \n", []),
    ("<p>x<script>no</script><span hidden>no</span> y</p>", "x y\n", []),
    ("<p>On <time datetime='2024-03-12'> 12 <b>March</b> </time> 2024</p>", "On 12 March 2024\n",
     [(3, 12, "2024-03-12")]),
    ("<time datetime='2024'>a</time><time datetime='2023'> b </time>", "a b \n",
     [(0, 1, "2024"), (1, 4, "2023")]),
])
def test_visible_text_and_time_spans(html, text, times):
    page = marker_page.read_page(html, None)
    assert (page.text, page.times) == (text, times)


@pytest.mark.parametrize("raw, last, expected", [
    ("a  b", "\n", "a b"),
    ("  a", "\n", "a"),
    ("  a", " ", "a"),
    ("  a", "x", " a"),
    ("\0 \0a", "x", "\na"),
    ("a \0 \0 b", "\n", "a \nb"),
    (" \0x", " ", "\nx"),
    ("\0\0", "\n", ""),
    ("", "x", ""),
    ("a\n\t", "x", "a "),
])
def test_collapse_pieces(raw, last, expected):
    assert marker_page.collapse_pieces(raw, last) == expected


@pytest.mark.parametrize("text", [
    "Last updated: 12 March 2024",
    "blast updated Last Updated LAST UPDATED last  updated",
    "Stand: 3. Mai 2024 | Zuletzt geändert am 4. Mai 2024",
    "Dernière mise à jour le 3 mai 2024, mis à jour, Mise à jour",
    "ÚLTIMA ACTUALIZACIÓN 3 de mayo de 2024 última atualização",
    "ページ最終更新日時：2024年5月3日 更新日 发布时间",
    "Laſt updated 3 May 2024",          # ſ: the regex's case folding reads it as s
    "Sıst oppdatert 3. mai 2024",       # ı likewise as i
    "İ Last updated",                   # lower() makes İ two characters
    "understand standard Published datastand",
    "",
])
def test_label_matches_are_the_regex_matches(text):
    regex, _ = markers._label_table()
    expected = [(m.start(), m.end()) for m in regex.finditer(text)]
    assert [(m.start(), m.end()) for m in markers._label_matches(text)] == expected


def test_fold_traps_are_every_character_the_label_regex_folds_unlike_lower():
    """_label_matches looks for labels in text.lower(); it may only do so when no character
    of the page is matched by the case-insensitive label regex as a label letter that
    lower() does not give (every code point is checked)."""
    _, index = markers._label_table()
    letters = {ch for key in index for ch in key if not ch.isspace()}
    letter = re.compile("[" + "".join(re.escape(ch) for ch in sorted(letters)) + "]", re.I)
    traps = {chr(c) for c in range(0x110000)
             if letter.fullmatch(chr(c)) and chr(c).lower() not in letters}
    assert all(markers._FOLD_TRAPS.fullmatch(ch) for ch in traps)


# The card date pattern as first written (every letter of a word tried as a month's start).
_PLAIN_DATE_LIKE = re.compile(r"\d{1,4}\s?[./-]\s?\d{1,2}|\d{1,2}\s?[月年]|\d{1,2}\.?\s+[^\W\d_]{3,}\.?,?\s+\d{4}"
                              r"|[^\W\d_]{3,}\.?\s+\d{1,2},?\s+\d{4}|\d{4}\.\s+[^\W\d_]{3,}")


@pytest.mark.parametrize("text", [
    "Human rights dialogue: record 12 — Updated March 5, 2024", "UpdatedMarch 5, 2024",
    "xMarch 5 2024", "Ma 5, 2024", "née Décembre 12, 2023.", "3.5.2024", "2024. május",
    "12 de maio de 2024", "2024年5月", "１２ March 2024", "no date at all", "", "March 2024",
    "ab 12345 6789", "Mar. 5, 2024 and 5 Mar 2024", "a_b March 5, 2024", "x9March 5, 2024",
])
def test_the_card_test_finds_the_dates_the_plain_pattern_finds(text):
    """marker_page's card test starts a month name only at a word's start and skips a text
    without a digit: whether it finds a date is what the plain pattern says."""
    expected = bool(_PLAIN_DATE_LIKE.search(text))
    assert bool(marker_page._DATE_LIKE.search(text)) == expected
    assert (marker_page._DIGIT.search(text) is not None) or not expected

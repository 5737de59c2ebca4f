"""Walls: what a site shows instead of the page (sign-in, cookie consent, robot check,
parked domain, error page) is never compared as the page, in any partner's language;
genuine pages, short ones included, are never taken for one."""

import json
import subprocess
import sys

import lxml.html
import pytest

from monitor import config, store
from monitor.analysis import analyze, walls
from monitor.items import PageFetch
from tests.test_crawl import BODY, page

URL = "https://www.dialogue.gov.example/china/human-rights-dialogue"
LONG = BODY + " " + ("The delegations agreed to meet again next year and to invite civil society "
                     "organisations to a side event before the next round. ") * 6


def doc(title, body, head="", lang="en"):
    return (f"<!doctype html>\n<html lang='{lang}'><head><meta charset='utf-8'><title>{title}</title>"
            f"{head}</head><body>{body}</body></html>")


def site(content, title="Human rights dialogue", head="", lang="en", extra=""):
    """A government page: menu, header, main content, footer."""
    return doc(title, "<header><a href='/'>Ministry of Foreign Affairs</a></header>"
                      "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/login'>Log in</a></nav>"
                      f"<main><h1>{title}</h1>{content}</main>{extra}"
                      "<footer><p>Copyright 2024 Ministry of Foreign Affairs</p></footer>", head, lang)


# -- walls, modelled on real ones: (html, final address) -> kind -------------------

SIGN_IN = {
    "ADFS sign-in after a redirect (en)": (doc(
        "Sign In", "<div id='loginArea'><form method='post' id='loginForm' "
        "action='/adfs/ls/?SAMLRequest=fZJNT8MwDIb'><label>User account</label><input name='UserName'>"
        "<label>Password</label><input type='password' name='Password'>"
        "<span id='submitButton'>Sign in</span></form><a href='#'>Forgot your password?</a></div>"),
        "https://sts.dialogue.gov.example/adfs/ls/?SAMLRequest=fZJNT8MwDIb"),
    "Keycloak login served as 200 (de)": (doc(
        "Anmeldung bei Intranet", "<div id='kc-header'>INTRANET</div><div id='kc-content'>"
        "<h1 id='kc-page-title'>Melden Sie sich an</h1><form id='kc-form-login' method='post' "
        "action='https://www.dialogue.gov.example/auth/realms/intranet/login-actions/authenticate?"
        "session_code=x'><label>Benutzername oder E-Mail</label><input id='username' name='username'>"
        "<label>Passwort</label><input id='password' name='password' type='password'>"
        "<input type='submit' value='Anmelden'></form><a href='#'>Passwort vergessen?</a></div>",
        lang="de"), None),
    "ログイン page (ja)": (doc(
        "ログイン | 外務省職員ポータル", "<main><h2>ログイン</h2><form method='post' action='/portal/'>"
        "<p>職員IDとパスワードを入力してください。</p><input name='id'><input type='password' name='pw'>"
        "<button type='submit'>ログイン</button></form></main>", lang="ja"), None),
    "FranceConnect button, no password (fr)": (doc(
        "Connexion", "<main><h1>Connexion</h1><p>Pour accéder à ce contenu, identifiez-vous.</p>"
        "<form method='post' action='https://app.franceconnect.gouv.fr/api/v1/authorize'>"
        "<button>S'identifier avec FranceConnect</button></form></main>", lang="fr"), None),
    "redirect to a script-built sign-in (pt)": (doc(
        "Entrar", "<div id='app'>Carregando…</div><noscript>Ative o JavaScript.</noscript>",
        lang="pt"), "https://login.microsoftonline.com/common/oauth2/authorize?client_id=1"),
}

CONSENT = {
    "consent page with buttons (en)": (doc(
        "Before you continue", "<div class='consent-bump'><h1>Before you continue</h1><p>We use "
        "cookies and data to deliver and maintain our services, measure audience engagement and "
        "site statistics.</p><form action='https://consent.dialogue.gov.example/save'>"
        "<button>Reject all</button><button>Accept all</button></form></div>"),
        "https://consent.dialogue.gov.example/ml?continue=https://www.dialogue.gov.example/china"),
    "Didomi wall (fr)": (doc(
        "Ministère", "<header><img alt='Ministère'></header><div id='didomi-host'><div "
        "class='didomi-popup-container'><h2>Nous respectons votre vie privée</h2><p>Nos partenaires et "
        "nous utilisons des cookies pour stocker et accéder à des informations sur votre appareil.</p>"
        "<button id='didomi-notice-agree-button'>Accepter &amp; Fermer</button>"
        "<button>Continuer sans accepter</button></div></div>", lang="fr"), None),
    "unnamed dialog about cookies (de)": (doc(
        "Auswärtiges Amt", "<div role='dialog' aria-modal='true'><h2>Datenschutzeinstellungen</h2>"
        "<p>Wir verwenden Cookies, um Ihnen die bestmögliche Nutzung unserer Webseite zu ermöglichen. "
        "Mit Ihrer Einwilligung setzen wir auch Statistik-Cookies ein.</p><a class='btn' href='#'>Alle "
        "akzeptieren</a><a class='btn' href='#'>Nur notwendige</a></div>", lang="de"), None),
    "informasjonskapsler (no)": (doc(
        "Regjeringen", "<div class='modal'><h2>Vi bruker informasjonskapsler</h2><p>Vi bruker "
        "informasjonskapsler for å forbedre nettstedet. Du kan velge hvilke du godtar.</p>"
        "<button>Godta alle</button><button>Bare nødvendige</button></div>", lang="no"), None),
    "Sourcepoint: only the consent frame's script (es)": (doc(
        "Ministerio", "<div id='sp_message_container_1234'></div>",
        "<script src='https://cdn.privacy-mgmt.com/unified/wrapperMessagingWithoutDetection.js'>"
        "</script>", lang="es"), None),
}

ROBOT_CHECK = {
    "Cloudflare: just a moment (en)": (doc(
        "Just a moment...", "<div class='main-wrapper' role='main'><div class='main-content'>"
        "<h1 class='zone-name-title h1'>www.dialogue.gov.example</h1><h2 class='h2' id='challenge-"
        "running'>Checking if the site connection is secure</h2><noscript><div id='challenge-error-title'>"
        "Enable JavaScript and cookies to continue</div></noscript><div id='challenge-body-text'>"
        "www.dialogue.gov.example needs to review the security of your connection before proceeding."
        "</div><form id='challenge-form' action='/china?__cf_chl_f_tk=x' method='POST'></form></div></div>"
        "<script>(function(){window._cf_chl_opt={cvId: '2'};var a=document.createElement('script');"
        "a.src='/cdn-cgi/challenge-platform/h/g/orchestrate/jsch/v1';}())</script>"), None),
    "DataDome captcha frame (fr)": (doc(
        "dialogue.gouv.example", "<p>Veuillez patienter…</p><iframe src='https://geo.captcha-delivery.com/"
        "captcha/?initialCid=AHrlqAAA&cid=x' width='100%' height='100%'></iframe>", lang="fr"), None),
    "reCAPTCHA check (es)": (doc(
        "Verificación de seguridad", "<main><p>Confirme que no es un robot para continuar.</p>"
        "<form method='post'><div class='g-recaptcha' data-sitekey='6Lc_aCMTAAAAABx7u2W0WPXnVbI'></div>"
        "<button>Enviar</button></form></main>",
        "<script src='https://www.google.com/recaptcha/api.js' async defer></script>", lang="es"), None),
    "JavaScript-only interstitial (zh)": (doc(
        "", "<div id='root'></div><noscript>您需要启用 JavaScript 才能访问本网站。</noscript>",
        "<script src='/static/js/main.8a2f.js'></script>", lang="zh"), None),
    "browser check words and a meta refresh (hu)": (doc(
        "Kérjük, várjon", "<p>A böngésző ellenőrzése folyamatban…</p>",
        "<meta http-equiv='refresh' content='5;url=/_Incapsula_Resource?SWJIYLWA=5074a744'>",
        lang="hu"), None),
    "Cloudflare: its puzzle in hidden text (en)": (doc(
        "Just a moment...", "<div class='cf-browser-verification cf-im-under-attack'><h1>Checking your "
        "browser before accessing dialogue.gov.example.</h1><p>This process is automatic.</p></div>"
        "<form id='challenge-form' action='/china?__cf_chl_jschl_tk__=8d7c02' method='POST'>"
        "<input type='hidden' name='r' value='x'></form><div style='display:none;visibility:hidden;' "
        "id='cf-dn-xyz'>" + "+((!+[]+(!![])+!![]+!![]+[])+(!+[]+(!![])+!![]))" * 120 + "</div>"), None),
    "ブラウザを確認しています (ja)": (doc(
        "しばらくお待ちください", "<p>ブラウザを確認しています。数秒後に自動的に移動します。</p>", lang="ja"), None),
}

PARKED = {
    "for sale (en)": (doc(
        "dialogue.gov.example - This domain is for sale", "<div class='wrap'><h1>dialogue.gov.example</h1>"
        "<p>This domain may be for sale!</p><a href='/buy'>Buy now</a>"
        "</div>"), None),
    "Sedo parking (de)": (doc(
        "menschenrechtsdialog.de", "<div id='content'><p>Diese Website steht zum Verkauf!</p><p>Ähnliche "
        "Suchanfragen: Reisen, Versicherung, Kredit</p></div>",
        "<script src='https://img.sedoparking.com/jspartner/caf.js'></script>", lang="de"),
        "https://menschenrechtsdialog.de/china"),
    "dominio en venta (es)": (doc(
        "dialogo-ddhh.es", "<p>El dominio dialogo-ddhh.es está en venta. Contacte con nosotros.</p>",
        lang="es"), "https://dialogo-ddhh.es/china"),
    "このドメインは販売中 (ja)": (doc(
        "jinken-taiwa.jp", "<p>jinken-taiwa.jp このドメインは販売中です。お問い合わせください。</p>",
        lang="ja"), "http://jinken-taiwa.jp/china.html"),
    "GoDaddy lander (pt)": (doc(
        "dialogo.example", "<div id='root'></div>",
        "<script src='https://img1.wsimg.com/parking-lander/static/js/main.a1b2.js'></script>",
        lang="pt"), "https://dialogo.example/lander"),
}

ERROR_PAGE = {
    "Service Unavailable (en)": (doc(
        "Service Unavailable", "<h1>Service Unavailable</h1><p>The server is temporarily unable to "
        "service your request due to maintenance downtime or capacity problems. Please try again later.</p>"),
        None),
    "Wartungsarbeiten (de)": (site("<p>Diese Seite ist wegen Wartungsarbeiten vorübergehend nicht "
                                   "erreichbar. Bitte versuchen Sie es später erneut.</p>",
                                   title="Wartungsarbeiten | Auswärtiges Amt", lang="de"), None),
    "Erreur 500 (fr)": (doc("Erreur 500", "<h1>Erreur interne du serveur</h1><p>Veuillez réessayer "
                                          "plus tard.</p>", lang="fr"), None),
    "em manutenção (pt)": (doc("Portal em manutenção", "<p>Voltamos em breve.</p>", lang="pt"), None),
    "en feil har oppstått (no)": (doc("Beklager, en feil har oppstått - Regjeringen.no",
                                      "<p>Prøv igjen senere.</p>", lang="no"), None),
    "karbantartás (hu)": (doc("Karbantartás miatt az oldal nem elérhető",
                              "<p>Kérjük, látogasson vissza később.</p>", lang="hu"), None),
    "系统维护 (zh)": (doc("系统维护中", "<p>网站正在进行系统维护，请稍后访问。</p>", lang="zh"), None),
    "メンテナンス中 (ja)": (doc("ただいまメンテナンス中です", "<p>ご迷惑をおかけしております。</p>", lang="ja"),
                         None),
    "redirected to an error address": (site("<p>We are sorry. Please try again later.</p>",
                                            title="Ministry of Foreign Affairs"),
                                       "https://www.dialogue.gov.example/error.html?code=500"),
}

NOT_FOUND = {
    "Seite nicht gefunden (de)": (doc("Seite nicht gefunden", "<h1>Ups!</h1><p>Die angeforderte "
                                                              "Adresse gibt es hier leider nicht.</p>",
                                      lang="de"), None),
    "404 (en)": (doc("404 - Ministry of Foreign Affairs", "<p>Sorry, we could not find that.</p>"), None),
}

WALLS = {**{n: (*v, "sign_in") for n, v in SIGN_IN.items()},
         **{n: (*v, "consent") for n, v in CONSENT.items()},
         **{n: (*v, "robot_check") for n, v in ROBOT_CHECK.items()},
         **{n: (*v, "parked") for n, v in PARKED.items()},
         **{n: (*v, "error_page") for n, v in ERROR_PAGE.items()},
         **{n: (*v, "not_found") for n, v in NOT_FOUND.items()}}

# -- genuine pages: never a wall ------------------------------------------------

SHORT_JA = "第十五回日中人権対話を北京で開催しました。詳細は後日掲載します。"
GENUINE = {
    "the test pages' page()": (page(), None),
    "full page in German": (site("<p>Der Menschenrechtsdialog mit China fand im Juni in Berlin statt. "
                                 "Beide Seiten erörterten die Lage der Minderheiten, die Meinungsfreiheit "
                                 "und die Haftbedingungen.</p>" * 3, title="Menschenrechtsdialog", lang="de"),
                            None),
    "newsletter sign-up (email, no password)": (site(
        "<p>" + BODY + "</p><form action='/newsletter/subscribe' method='post'><label>Email address</label>"
        "<input type='email' name='email'><button>Subscribe</button></form>"), None),
    "staff login box in the header, full page": (site(
        "<p>" + LONG + "</p>", extra="<header><form action='/login'><input name='u'><input type='password' "
                                     "name='p'><button>Log in</button></form></header>"), None),
    "login box in a sidebar, short page": (site(
        "<p>The 2024 round has been postponed. A new date will be announced.</p>",
        extra="<aside><form action='/login'><input name='u'><input type='password'></form></aside>"), None),
    "hidden login dialog, short page": (site(
        "<p>The 2024 round has been postponed. A new date will be announced.</p>",
        extra="<div class='modal' style='display: none'><form action='/login'><input name='u'>"
              "<input type='password'><button>Log in</button></form></div>"), None),
    "cookie banner beside the full page (de)": (site(
        "<p>Der Menschenrechtsdialog mit China fand im Juni in Berlin statt. Beide Seiten erörterten die "
        "Lage der Minderheiten.</p>" * 3, title="Menschenrechtsdialog", lang="de",
        extra="<div id='cookie-banner'><p>Diese Website verwendet Cookies.</p><button>OK</button>"
              "<button>Ablehnen</button></div>"), None),
    "cookies mentioned in the footer (fr)": (site(
        "<p>Le dialogue sur les droits de l'homme entre la France et la Chine s'est tenu à Paris. Les "
        "délégations ont évoqué la liberté d'expression.</p>" * 2, title="Dialogue", lang="fr",
        extra="<footer><p>Ce site utilise des cookies. <a href='/cookies'>En savoir plus</a></p></footer>"),
        None),
    "short page beside a cookie banner (ja)": (site(
        f"<p>{SHORT_JA}</p>" * 2, title="日中人権対話", lang="ja",
        extra="<div class='cookie-consent'><p>当サイトではクッキーを使用しています。同意しますか。</p>"
              "<button>同意する</button></div>"), None),
    "short page with a consent manager's script": (site(
        "<p>The 2024 round has been postponed to the autumn. A new date will be announced here.</p>",
        head="<script src='https://cdn.cookielaw.org/scripttemplates/otSDKStub.js'></script>"), None),
    "modal body class and a share dialog, full page": (doc(
        "Dialogue", "<main><h1>Dialogue</h1><p>" + LONG + "</p></main><div role='dialog'><p>Share this page"
        "</p><button>Copy link</button></div>").replace("<body>", "<body class='modal-open'>"), None),
    "a page about an error and maintenance": (site(
        "<p>The joint statement published in March contained an error in the date of the next round. "
        "The embassy building is closed for maintenance in July; the dialogue takes place in Geneva.</p>",
        title="Correcting an error in the joint statement"), None),
    "a title about maintenance of relations (no)": (site(
        "<p>Norge og Kina holdt den tolvte runden av menneskerettighetsdialogen i Oslo.</p>",
        title="Vedlikehold av dialogen med Kina", lang="no"), None),
    "a resolution number in the title": (site("<p>The Council adopted resolution 500 in 1982.</p>",
                                              title="Resolution 500 | Council"), None),
    "legitimately short page": (site("<p>The 2024 round was postponed.</p>"), None),
    "short page, noscript asks for JavaScript for the search": (site(
        "<p>The 2024 round was postponed. A new date will be announced on this page soon.</p>"
        "<noscript>Enable JavaScript to use the search.</noscript>"), None),
    "feedback form with reCAPTCHA, full page": (site(
        "<p>" + LONG + "</p><form action='/feedback'><div class='g-recaptcha' data-sitekey='x'></div>"
        "<button>Send</button></form>", head="<script src='https://www.google.com/recaptcha/api.js'>"
                                             "</script>"), None),
    "own host in the footer, publications to buy (no)": (site(
        "<p>Norge og Kina holdt den tolvte runden av menneskerettighetsdialogen i Oslo. Trykte "
        "publikasjoner kan du kjøpe i bokhandelen.</p>", title="Dialog", lang="no",
        extra="<footer><p>Ansvarlig redaktør, Utenriksdepartementet · Alle rettigheter reservert · "
              "regjeringen.no</p></footer>"), "https://www.regjeringen.no/no/tema/china"),
    "page moved to another address": (page(), "https://www.dialogue.gov.example/en/china/dialogue"),
    "short page in Chinese": (site("<p>中瑞人权对话第十四轮会议在伯尔尼举行。</p>", title="中瑞人权对话",
                                   lang="zh"), None),
    "short page in Hungarian": (site("<p>A párbeszéd következő fordulója 2025-ben lesz.</p>",
                                     title="Emberi jogi párbeszéd", lang="hu"), None),
    "search form and a short page (es)": (site(
        "<p>La ronda de 2024 del diálogo fue aplazada.</p><form role='search' action='/buscar'>"
        "<input name='q'><button>Buscar</button></form>", title="Diálogo", lang="es"), None),
    "a page about JavaScript-free access (pt)": (site(
        "<p>O diálogo sobre direitos humanos realizou-se em Brasília. As delegações discutiram a "
        "liberdade de expressão e os direitos das minorias.</p>", title="Diálogo", lang="pt"), None),
    "http to https, same page": (page(), URL.replace("https://", "http://")),
    "a page titled with a number": (site("<p>" + BODY + "</p>", title="404 days since the last round"),
                                    None),
    "a short page titled 'Dialogue: not available in English'": (site(
        "<p>This page is available in French and German only.</p>",
        title="Dialogue - Version anglaise"), None),
    "cookie settings dialog hidden, short page (de)": (site(
        "<p>Die Runde 2024 wurde verschoben. Ein neuer Termin wird hier bekanntgegeben.</p>",
        title="Menschenrechtsdialog", lang="de",
        extra="<div id='cookie-settings' hidden><p>Cookie-Einstellungen</p><button>Speichern</button></div>"),
        None),
    "an article wrapped in an overlay container": (doc(
        "Dialogue", "<div class='overlay-container'><article><h1>Dialogue</h1><p>Cookies: see our "
        "policy.</p><p>The 2024 round was postponed.</p></article><button>Menu</button></div>"), None),
    "a login link and a short page": (site("<p>The 2024 round was postponed.</p>"
                                           "<p><a href='/sso/login'>Staff sign in</a></p>"), None),
    "short page, no heading, noscript for statistics": (doc(
        "Dialogue", "<p>The round was postponed.</p><noscript><img src='/stats.gif?js=0'></noscript>"), None),
    "sign-in mentioned in the text (de)": (site(
        "<p>Die Anmeldung zum Begleitprogramm der Zivilgesellschaft ist bis Mai möglich.</p>",
        title="Menschenrechtsdialog: Anmeldung", lang="de"), None),
    "privacy statement beside the page (en)": (site(
        "<p>" + BODY + "</p>", extra="<div class='privacy-statement'><p>We collect no personal data.</p>"
                                     "</div>"), None),
    "short page behind Cloudflare (its script is on every page)": (site(
        "<p>The 2024 round was postponed.</p>", extra="<script>(function(){window.__CF$cv$params={r:'8f'};"
        "var a=document.createElement('script');a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';"
        "})();</script>"), None),
    "short page behind Incapsula (its script is on every page)": (site(
        "<p>The 2024 round was postponed.</p>",
        extra="<script src='/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3'></script>"), None),
    "short page with reCAPTCHA v3 on every page": (site(
        "<p>The 2024 round was postponed.</p>",
        head="<script src='https://www.google.com/recaptcha/api.js?render=6LcXyz'></script>"), None),
    "a PDF's page: a heading, a link and a consent manager": (site(
        "<p><a href='/report.pdf'>Report (PDF, 2 MB)</a></p>", title="Dialogue 2024",
        head="<script src='https://consent.cookiebot.com/uc.js' data-cbid='x'></script>"), None),
    "a page mentioning captcha in its text": (site(
        "<p>Our contact form no longer uses a captcha. The human rights dialogue report is below.</p>"
        "<p>" + BODY + "</p>"), None),
}


def check(html, final_url=None, previous=None):
    return walls.check(html, URL, final_url or URL, previous_text=previous)


@pytest.mark.parametrize("name", list(WALLS))
def test_wall_is_recognised(name):
    html, final_url, kind = WALLS[name]
    wall = check(html, final_url)
    assert wall is not None and wall.kind == kind, wall
    assert wall.words.startswith(f"the site showed {walls.WHAT[kind]} instead of the page (")


@pytest.mark.parametrize("name", list(GENUINE))
def test_genuine_page_is_no_wall(name):
    html, final_url = GENUINE[name]
    assert check(html, final_url) is None


def test_more_genuine_pages_than_walls():
    assert len(GENUINE) >= len(WALLS)


# -- the comparative signal -------------------------------------------------------

PREVIOUS = "\n".join([
    "Canada-China relations",
    "The eleventh round of the human rights dialogue was held in Ottawa.",
    "Officials discussed freedom of expression, the rights of minorities and prison conditions.",
    "Second paragraph about the dialogue and its follow-up meetings with organisations.",
] + [f"Paragraph {n} of the detailed record of the dialogue, agreed by both delegations." for n in range(30)])
HELP = "".join(f"<p>Help {n}: if you have forgotten your password, ask the service desk.</p>" for n in range(16))
SIGN_IN_WITH_HELP = doc("Sign in", "<main><form action='/portal'><input name='u'><input type='password'>"
                                   f"<button>Sign in</button></form>{HELP}</main>")
SHORT_PAGE_WITH_LOGIN = doc("Canada-China relations", "<main><h1>Canada-China relations</h1><p>"
                            "The eleventh round of the human rights dialogue was held in Ottawa.</p><p>"
                            "Officials discussed freedom of expression, the rights of minorities and prison "
                            "conditions.</p><form action='/portal'><input name='u'><input type='password'>"
                            "</form></main>")


@pytest.mark.parametrize("html, previous, kind", [
    (SIGN_IN_WITH_HELP, None, None),  # too much text of its own for a wall, alone
    (SIGN_IN_WITH_HELP, PREVIOUS, "sign_in"),  # but nothing like the page it replaced
    (SIGN_IN_WITH_HELP, HELP.replace("<p>", "").replace("</p>", "\n"), None),  # it is the page
    (SHORT_PAGE_WITH_LOGIN, None, "sign_in"),
    (SHORT_PAGE_WITH_LOGIN, PREVIOUS[:400], None),  # still shows the last version: the page
    (site("<p>The page was rewritten: see the new report.</p>"), PREVIOUS, None),  # shorter, no wall
])
def test_previous_text_only_strengthens_a_wall_signal(html, previous, kind):
    wall = check(html, previous=previous)
    assert (wall and wall.kind) == kind


@pytest.mark.parametrize("text, previous, shared, away", [
    ("anything", "Home\nNews", None, False),  # no line long enough to judge by
    (PREVIOUS.replace("\n", " "), PREVIOUS, 1.0, False),
    ("Sign in to continue. Forgot your password?", PREVIOUS, 0.0, True),
    ("The eleventh round of the human rights dialogue was held in Ottawa.", PREVIOUS, 1 / 34, True),
    (PREVIOUS[: len(PREVIOUS) * 2 // 3], PREVIOUS, 22 / 34, False),
])
def test_shared_lines_and_stands_in(text, previous, shared, away):
    assert walls.shared_lines(text, previous) == (pytest.approx(shared) if shared is not None else None)
    assert walls.stands_in(text, previous) is away


# -- the signals, one by one ------------------------------------------------------

@pytest.mark.parametrize("title, said", [
    ("Service Unavailable | Ministry", "Service Unavailable"),
    ("404 - Not Found", "404"),
    ("Error", "Error"),
    ("Erreur 500 | France Diplomatie", "Erreur 500"),
    ("403 Forbidden", "403 Forbidden"),
    ("Seite nicht gefunden – Auswärtiges Amt", "Seite nicht gefunden"),
    ("Wartungsarbeiten", "Wartungsarbeiten"),
    ("Page introuvable", "Page introuvable"),
    ("Página não encontrada", "Página não encontrada"),
    ("Sitio en mantenimiento", "Sitio en mantenimiento"),
    ("Siden finnes ikke", "Siden finnes ikke"),
    ("Hiba történt", "Hiba történt"),
    ("ページが見つかりません｜外務省", "ページが見つかりません"),
    ("系统维护中", "系统维护中"),
    ("Correcting an error in the 2002 statement", None),
    ("Maintenance of the dialogue", None),
    ("Resolution 404 (1977)", None),
    ("关于中方错误言论的声明", None),
    ("Fehlerhafte Angaben korrigiert", None),
    ("Forbidden City talks", None),
    ("Dialogue 400–500", None),
    ("", None),
])
def test_error_title(title, said):
    assert walls.error_title(title) == said


@pytest.mark.parametrize("url, login, consent, error", [
    ("https://login.microsoftonline.com/common/oauth2/authorize", True, False, False),
    ("https://sts.gov.example/adfs/ls/?SAMLRequest=x", True, False, False),
    ("https://www.gov.example/Login.aspx?ReturnUrl=%2fchina", True, False, False),
    ("https://www.gov.example/auth/realms/x/protocol/openid-connect/auth", True, False, False),
    ("https://www.gov.example/anmelden", True, False, False),
    ("https://consent.gov.example/ml?continue=x", False, True, False),
    ("https://www.gov.example/privacy/cookie-consent", False, True, False),
    ("https://www.gov.example/error.html?code=500", False, False, True),
    ("https://www.gov.example/maintenance", False, False, True),
    ("https://www.gov.example/china/human-rights-dialogue", False, False, False),
    ("https://www.gov.example/authorities/casework", False, False, False),
    ("https://www.gov.example/publications/cookies-and-privacy-policy", False, False, False),
    ("https://www.gov.example/en/errors-and-corrections/2002", False, False, False),
])
def test_addresses(url, login, consent, error):
    assert (walls.login_address(url), walls.consent_address(url), walls.error_address(url)) == (
        login, consent, error)


@pytest.mark.parametrize("url, final_url, login", [
    ("https://www.gov.example/china", "https://login.gov.example/?next=/china", True),
    ("https://www.gov.example/china", "https://www.gov.example/china", False),
    ("https://intranet.gov.example/login/china", "https://intranet.gov.example/login/china2", False),
    ("https://www.gov.example/china", None, False),
])
def test_redirected_to_login(url, final_url, login):
    assert walls.redirected_to_login(url, final_url) is login


@pytest.mark.parametrize("text, urls, host", [
    ("dialogue.org is for sale!", ("https://www.dialogue.org/x",), "dialogue.org"),
    ("Die Domain menschenrechte.de steht zum Verkauf", ("http://menschenrechte.de/",), "menschenrechte.de"),
    ("jinken.jp このドメインは販売中です", ("http://jinken.jp/a",), "jinken.jp"),
    ("Buy the report at the bookshop. " + "x" * 100 + " regjeringen.no", ("https://regjeringen.no/",), None),
    ("other-site.org is for sale", ("https://dialogue.org/",), None),
    ("dialogue.org: the dialogue took place in Oslo", ("https://dialogue.org/",), None),
])
def test_domain_offered(text, urls, host):
    assert walls.domain_offered(text, *urls) == host


def page_of(html, url=URL, final_url=None):
    return walls.summarize(lxml.html.document_fromstring(html), url, final_url)


def test_summary_counts_text_where_it_sits():
    summary = page_of(site("<p>Main words.</p><form action='/login'><input type='password'>"
                           "<label>Secret</label></form>",
                           extra="<div id='cookie-banner'><p>We use cookies.</p><button>OK</button></div>"))
    assert summary.title == "Human rights dialogue" and summary.heading == "Human rights dialogue"
    assert summary.main_chars == len("Human rights dialogue" "Main words." "Secret" "We use cookies." "OK")
    assert summary.free_chars == summary.main_chars - len("We use cookies." "OK")
    assert summary.forms == (walls.Form(action="/login", password=True, chars=len("Secret")),)
    assert (summary.consent_chars, summary.consent_buttons) == (len("We use cookies." "OK"), 1)
    assert "/login" in summary.links  # the menu's link


def test_an_unclosed_header_holding_the_article_is_the_page():
    article = "<p>" + LONG + "</p>"
    broken = doc("Dialogue", f"<header><a href='/'>Ministry</a><h1>Dialogue</h1>{article}"
                             "<div id='cookie-notice'><p>We use cookies.</p><button>OK</button></div>")
    assert page_of(broken).main_chars > len(LONG)
    menu = doc("Dialogue", "<header><a href='/'>Ministry</a> <a href='/a'>About us</a></header>"
                           "<p>Short page.</p>")
    assert page_of(menu).main_chars == len("Short page.")


@pytest.mark.parametrize("noscript, main, heading, only", [
    ("You need to enable JavaScript to run this app.", "", "", True),
    ("Bitte aktivieren Sie JavaScript.", "Laden …", "", True),
    ("", "Please enable JavaScript.", "", True),
    ("Enable JavaScript to use the search.", "The 2024 round was postponed. A new date follows.", "", False),
    ("Enable JavaScript to use the search.", "The round was postponed.", "Dialogue", False),
    ("", "", "", False),
    ("Your browser is too old.", "", "", False),
])
def test_javascript_only(noscript, main, heading, only):
    summary = walls.Page(noscript=noscript, text=main, main_chars=len(main), heading=heading)
    assert walls.javascript_only(summary) is only


@pytest.mark.parametrize("body, robot", [
    (b"<html><script src='/cdn-cgi/challenge-platform/h/b/orchestrate/jsch/v1'></script></html>", True),
    (b"<div class='g-recaptcha' data-sitekey='x'></div>", True),
    (b"<h1>Access denied</h1>", False),
    (b"<h1>Forbidden</h1><script src='/cdn-cgi/challenge-platform/scripts/jsd/main.js'></script>", False),
    (b"maintenance", False),
    (b"", False),
])
def test_challenge_in_an_error_answer(body, robot):
    assert walls.challenge_in(body) is robot


@pytest.mark.parametrize("region, dialog", [
    (walls.Region(consent=True, chars=10), True),  # named for consent
    (walls.Region(chars=10, text="Share this page"), False),  # a dialog about something else
    (walls.Region(chars=10, text="Wir verwenden Cookies"), True),  # a dialog about cookies
    (walls.Region(chars=10, text="当サイトではクッキーを使用しています"), True),
    (walls.Region(consent=True, chars=900, wraps_page=True), False),  # a wrapper around <main>
])
def test_consent_dialog(region, dialog):
    assert walls.consent_dialog(region) is dialog


@pytest.mark.parametrize("edge, total, is_chrome", [
    (walls.Edge(chars=300, link_chars=250), 500, True),  # a menu
    (walls.Edge(chars=100), 900, True),  # a small header
    (walls.Edge(chars=9000, link_chars=300), 9500, False),  # an unclosed header around the article
    (walls.Edge(chars=3000, link_chars=2900), 3500, True),  # a mega menu
    (walls.Edge(chars=200, holds_main=True), 5000, False),
])
def test_chrome(edge, total, is_chrome):
    assert walls.chrome(edge, total) is is_chrome


@pytest.mark.parametrize("html, plenty", [
    (site("<p>" + LONG + "</p>"), False),
    (site(("<p>" + LONG + "</p>") * 6), True),
    (site("<p>x</p>", extra="<footer>" + ("<p>" + LONG + "</p>") * 6 + "</footer>"), False),  # chrome
    (site("<p>x</p>", extra="<div id='CookieConsent'>" + ("<p>" + LONG + "</p>") * 6 + "</div>"), False),
    (site("<p>x</p><form>" + ("<p>" + LONG + "</p>") * 6 + "</form>"), False),
    (site("<p>x</p><div role='dialog'><div>" + ("<p>" + LONG + "</p>") * 6 + "</div></div>"), False),
    (site("<p>x</p><dialog open>" + ("<p>" + LONG + "</p>") * 6 + "</dialog>"), False),
    (site("<p>x</p><div class='cookie-banner'>" + ("<p>" + LONG + "</p>") * 6 + "</div>"), False),
    (site(("<p>" + LONG + "</p>") * 6, extra="<div class='cookie-banner'><p>We use cookies</p></div>"), True),
])
def test_plenty_of_text_spares_the_walk(html, plenty):
    assert walls.plenty_of_text(lxml.html.document_fromstring(html)) is plenty


# -- analyze: the outcome of a read page --------------------------------------------

SOURCE = config.Source(id="s", country="Canada", title="s", url=URL, kind="html", locale="en")


def fetch(body, status=200, final_url=URL):
    return PageFetch(source_id="s", url=URL, fetched_at="2026-11-27T10:00:00Z", final_url=final_url,
                     status=status, body=body.encode() if isinstance(body, str) else body)


def test_analyze_turns_a_wall_into_an_error_in_plain_words():
    html, final_url = SIGN_IN["Keycloak login served as 200 (de)"]
    observation = analyze.analyze(fetch(html), SOURCE)
    assert observation.outcome == "error" and observation.text is None
    assert observation.error.startswith("the site showed a sign-in page instead of the page (")


def test_analyze_keeps_a_not_found_page_gone():
    observation = analyze.analyze(fetch(NOT_FOUND["404 (en)"][0]), SOURCE)
    assert observation == analyze.SOFT_404_GONE


def test_a_content_selector_never_reports_a_wall_as_a_layout_change():
    source = config.Source(id="s", country="Canada", title="s", url=URL, kind="html", locale="en",
                           content=config.parse_rule("#dialogue-text"))
    html, _ = CONSENT["Didomi wall (fr)"]
    observation = analyze.analyze(fetch(html), source)
    assert observation.outcome == "error" and "did the page layout change" not in observation.error
    assert "cookie-consent page" in observation.error


def test_a_redirect_to_a_sign_in_service_is_not_gone():
    observation = analyze.quick_outcome(fetch(b"", final_url="https://sso.dialogue.gov.example/"))
    assert observation is None  # read, not "redirected to an unrelated page"


def test_a_robot_check_answered_503_says_so():
    html, _ = ROBOT_CHECK["Cloudflare: just a moment (en)"]
    observation = analyze.analyze(fetch(html, status=503), SOURCE)
    assert observation.outcome == "error"
    assert observation.error.startswith("the site showed a robot check instead of the page "
                                        "(it answered 503, Service Unavailable)")


def test_previous_text_reaches_the_walls():
    assert analyze.read(fetch(SIGN_IN_WITH_HELP), SOURCE).outcome == "ok"
    assert analyze.read(fetch(SIGN_IN_WITH_HELP), SOURCE, PREVIOUS).outcome == "error"
    assert analyze.analyze(fetch(SIGN_IN_WITH_HELP), SOURCE, {"text": PREVIOUS}).outcome == "error"


# -- end to end: a real server, real crawls ------------------------------------------

GENUINE_V2 = page(BODY + " A new paragraph.", "Last updated Mar 2024")
EDITED = page(BODY + " A new paragraph, quietly reworded.", "Last updated Mar 2024")


def serve_sign_in(replica):
    replica.set("/canada", SIGN_IN["Keycloak login served as 200 (de)"][0])


def serve_consent_redirect(replica):
    replica.set("/privacy/consent", CONSENT["Didomi wall (fr)"][0])
    replica.redirect("/canada", replica.url("/privacy/consent"), status=302)


def serve_robot_check(status):
    def serve(replica):
        replica.set("/canada", ROBOT_CHECK["Cloudflare: just a moment (en)"][0], status=status)
    return serve


def serve_parked(replica):
    host = replica.url("/").split("//")[1].split(":")[0]
    replica.set("/canada", doc(host, f"<p>The domain {host} is for sale.</p><p>Related searches: travel, "
                                     "insurance</p>",
                               "<script src='https://img.sedoparking.com/jspartner/caf.js'></script>"))


END_TO_END = {
    "sign-in page served as 200": (serve_sign_in, "a sign-in page"),
    "consent wall after a 302 redirect": (serve_consent_redirect, "a cookie-consent page"),
    "robot check served as 200": (serve_robot_check(200), "a robot check"),
    "robot check served as 503": (serve_robot_check(503), "a robot check"),
    "parked domain": (serve_parked, "a parked-domain page"),
}


def stale_row(cfg, db_path):
    command = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path), "stale", "--json"]
    rows = json.loads(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    return next(r for r in rows if r["id"] == "canada")


@pytest.mark.parametrize("name", list(END_TO_END))
def test_wall_then_page_back(name, replica, make_config, crawl, open_db, db_path):
    serve_wall, what = END_TO_END[name]
    cfg = make_config({"id": "canada", "path": "/canada"})
    replica.set("/canada", page())
    assert crawl(cfg) == {"canada": ("ok", "new")}
    replica.set("/canada", GENUINE_V2)
    assert crawl(cfg) == {"canada": ("ok", "updated")}
    genuine = stale_row(cfg, db_path)
    assert genuine["last_updated"]["text"] == "Last updated Mar 2024" and genuine["last_changed_at"]

    serve_wall(replica)  # the wall goes up: errors, no event, no version
    assert [crawl(cfg)["canada"] for _ in range(2)] == [("error", None)] * 2
    assert len(store.versions(open_db(), "canada")) == 2
    during = stale_row(cfg, db_path)
    assert (during["last_updated"], during["last_changed_at"], during["state"]) == (
        genuine["last_updated"], genuine["last_changed_at"], "ok")

    replica.set("/canada", GENUINE_V2)  # back unchanged: nothing to say
    assert crawl(cfg)["canada"][1] is None

    serve_wall(replica)  # up again, long enough to raise a monitoring alert
    assert [crawl(cfg)["canada"] for _ in range(3)] == [("error", None), ("error", None), ("error", "failing")]
    during = stale_row(cfg, db_path)
    assert (during["last_updated"], during["last_changed_at"], during["state"]) == (
        genuine["last_updated"], genuine["last_changed_at"], "failing")

    replica.set("/canada", GENUINE_V2)
    assert crawl(cfg)["canada"][1] == "recovered"
    replica.set("/canada", EDITED)  # a real edit, compared with the last genuine version
    assert crawl(cfg) == {"canada": ("ok", "silent_edit")}

    db = open_db()
    assert [row["kind"] for row in store.history(db, "canada")] == [
        "new", "updated", "failing", "recovered", "silent_edit"]
    edit = store.history(db, "canada")[-1]
    assert (edit["lines_added"], edit["lines_removed"]) == (1, 1)
    assert len(store.versions(db, "canada")) == 3
    errors = [row["error"] for row in db.query("SELECT error FROM fetches WHERE outcome = 'error'")]
    assert len(errors) == 5
    assert all(e.startswith(f"the site showed {what}") and "instead of the page" in e for e in errors)
    failing = next(db.query("SELECT detail FROM events WHERE kind = 'failing'"))["detail"]
    assert failing.startswith(f"the site showed {what}")


def test_a_wall_with_much_text_is_told_from_the_page_it_replaced(replica, make_config, crawl, open_db):
    """A sign-in page with a long help text: alone it could be a page (no wall is
    claimed without the last version), but it shares nothing with the page it
    replaced, so the crawl, which passes the last version's text, sees the wall
    and never reports it as the government's edit."""
    cfg = make_config({"id": "canada", "path": "/canada"})
    replica.set("/canada", doc("Canada-China relations", "<main>" + "".join(
        f"<p>{line}</p>" for line in PREVIOUS.splitlines()) + "</main>"))
    assert crawl(cfg) == {"canada": ("ok", "new")}
    replica.set("/canada", SIGN_IN_WITH_HELP)
    assert crawl(cfg) == {"canada": ("error", None)}
    (error,) = [r["error"] for r in open_db().query("SELECT error FROM fetches WHERE outcome = 'error'")]
    assert error.startswith("the site showed a sign-in page")
    assert len(store.versions(open_db(), "canada")) == 1

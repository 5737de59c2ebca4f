"""Walls: what a site shows instead of the page. Pure functions, no I/O.

A wall stands in front of the page: a sign-in form, a cookie-consent dialog, a
robot check, a parked domain ("this domain is for sale"), an error page sent as
200 OK. It is never compared as the page's text: ``monitor.analysis.analyze`` stores it as
an error in plain words (``Wall.words``), which counts toward ``failing`` like any
error and never becomes a version.

``summarize(root, url, final_url)`` (``monitor.analysis.wall_page``) reads a parsed
page once into a plain ``Page``; each signal below is a small function of it (or of an address); ``decide``
combines them; ``check(html, ...)`` does both. Detection rests on structure, not
on a list of phrases: where the text is, in which elements, next to which form,
script or title. Word tables (``ERROR_TITLES``, ``SALE_WORDS``, ``CHECKING_WORDS``)
only ever add to a structural condition: the page must also have little text of
its own. Given the last genuine version's text, a page that still shows most of it
is never a wall, and one that shares almost nothing with it and is far shorter
is recognised with a little more text around the wall.
"""

import dataclasses
import re
from urllib.parse import urlsplit

from monitor.analysis.wall_page import (  # noqa: F401 - the page's parts are this module's API too
    Edge, Form, Page, Region, _address, _parse, chrome, consent_dialog, summarize)

# How much text of its own (outside the form, the dialog, ...) a page may have
# and still be a wall; "away": when it shares almost nothing with the last
# genuine version and is far shorter than it.
LIMITS = {  # kind: (limit, limit when away)
    "sign_in": (600, 2000),
    "consent": (150, 600),
    "robot_check": (200, 1000),
    "parked": (1500, 3000),
    "error_page": (600, 1500),
}
SALE_REACH = 60  # "dialogue.org is for sale": the sale words stand next to the name
PLENTY_CHARS = 4000  # paragraphs of a page's own: more than any of LIMITS allows
_NOT_OWN = {"nav", "header", "footer", "aside", "form", "dialog"}  # their paragraphs are not the page's
_DIALOG_NAMES = ("ookie", "onsent")  # in an id or class: Cookie and cookie, Consent and consent
SIGN_IN_FORM_CHARS = 1500  # a longer form wraps the page (ASP.NET does), it is no sign-in form
CHALLENGE_ONLY_CHARS = 3000  # shown text: a challenge page hides its puzzle in hidden text
JS_ONLY_CHARS = 40  # a "JavaScript required" page says "Loading…" at most
STILL_SHARED = 0.5  # a page showing half the last version's lines is that page
AWAY_SHARED, AWAY_SHORTER = 0.2, 0.5  # shares under 20% of its lines, under half its length

MIN_LINE = 12  # shorter lines ("Home", "Contact") say nothing about the page
MAX_LINES = 2000

WHAT = {
    "sign_in": "a sign-in page",
    "consent": "a cookie-consent page",
    "robot_check": "a robot check",
    "parked": "a parked-domain page",
    "error_page": "an error page",
    "not_found": "a 'page not found' page",
}

# -- word and name tables ------------------------------------------------------

CMP_LINK = re.compile(
    r"cookielaw\.org|onetrust\.com|cookiebot\.com|usercentrics\.eu|privacy-center\.org|"
    r"didomi\.io|quantcast\.com/choice|cmp\.quantcast|privacy-mgmt\.com|sourcepoint|"
    r"consensu\.org|consentmanager\.net|trustarc\.com|iubenda\.com|cookieyes\.com|"
    r"cookie-script\.com|termly\.io|fundingchoicesmessages\.google\.com", re.I)

# Robot checks' markup (in links, ids, classes, names, inline scripts). Some also sit
# on genuine pages (a CAPTCHA on a contact form, a bot manager's script): only with
# little text. The others only ever stand on a challenge page.
CHALLENGE = re.compile(
    r"recaptcha|hcaptcha|turnstile|challenges\.cloudflare\.com|captcha|sitekey|px-cdn\.net|"
    r"arkoselabs|funcaptcha|geetest|sucuri|ddos-guard|challenge-(?:form|running|stage)")
# reCAPTCHA v3 runs unseen on every page of some sites: it never shows a check.
RECAPTCHA_V3 = re.compile(r"recaptcha/(?:api|enterprise)\.js\?(?:[^#]*&)?render=(?!explicit)", re.I)
CHALLENGE_ONLY = re.compile(
    r"cf-browser-verification|cf_chl|jschl|cf-challenge|cf-captcha|challenge-platform/(?:h/\w/)?orchestrate|"
    r"/cdn-cgi/l/chk_captcha|captcha-delivery\.com|sucuri_cloudproxy|px-captcha|sec-if-cpt|bm-verify|"
    r"gokuprops")  # both searched in lowercased markup
# The same, in the bytes of a 403, 429 or 503 answer (not parsed).
CHALLENGE_BYTES = re.compile(
    rb"cf-browser-verification|cf_chl|jschl|cf-challenge|challenge-platform/(?:h/\w/)?orchestrate|captcha|"
    rb"sucuri_cloudproxy|sec-if-cpt|bm-verify|gokuprops|ddos-guard|checking your browser", re.I)
# "Checking your browser" in the partners' languages (only ever with little text).
CHECKING_WORDS = re.compile(
    r"checking your browser|checking if the site connection is secure|verify(?:ing)? you are (?:a )?human|"
    r"confirm you are (?:a )?human|are you a robot|not a robot|human verification|"
    r"überprüfung ihres browsers|browser wird überprüft|sind sie ein mensch|kein roboter|"
    r"vérification de votre navigateur|vérifiez que vous êtes (?:un )?humain|pas un robot|"
    r"verificando (?:seu|o seu|tu|su) navegador|comprobando (?:su|tu) navegador|"
    r"não sou um robô|não é um robô|no soy un robot|eres humano|"
    r"sjekker nettleseren|ikke en robot|böngésző ellenőrzése|nem vagyok robot|"
    r"ブラウザを確認|ロボットではありません|人間であることを確認|incapsula incident|"
    r"检查您的浏览器|正在验证您|人机验证|您不是机器人", re.I)
JAVASCRIPT = re.compile(r"javascript|(?<![a-z])js(?![a-z])", re.I)

PARKING_LINK = re.compile(
    r"sedoparking|parkingcrew|bodis\.com|dsparking|(?<![a-z0-9-])above\.com|parklogic|"
    r"hugedomains|afternic|(?<![a-z0-9-])dan\.com|undeveloped\.com|domainmarket|"
    r"parking-lander|domainparking|cashparking|(?<![a-z0-9-])sedo\.com", re.I)
# Selling (or the expiry of) a domain, in the partners' languages.
SALE_WORDS = re.compile(
    r"for sale|buy this domain|buy now|make an offer|purchase this domain|available for purchase|"
    r"(?:has )?expired|parked (?:free|domain|by)|domain parking|"
    r"zu verkaufen|zum verkauf|kaufen|abgelaufen|à vendre|acheter|a expiré|"
    r"à venda|comprar|expirou|en venta|se vende|ha caducado|ha expirado|"
    r"til salgs|kjøp|utløpt|eladó|megvásárol|lejárt|販売|購入|売却|有効期限|出售|购买|转让|已过期|過期",
    re.I)

# What an error page's title (or first heading) says: searched in a short part
# of the title. Bare words ("Error", "Fehler", "Maintenance") must be the whole part.
ERROR_TITLES = {
    "en": r"not found|cannot be found|can.t be found|no longer exists|server error|internal error|"
          r"unexpected error|an error (?:has )?occurred|something went wrong|service (?:is )?unavailable|"
          r"temporarily unavailable|(?:site|page|website) (?:is )?(?:temporarily )?unavailable|"
          r"under maintenance|down for maintenance|(?:scheduled|planned) maintenance|"
          r"maintenance (?:mode|in progress|work)|access denied|bad gateway|gateway time-?out|"
          r"bad request|too many requests|request rejected",
    "de": r"nicht gefunden|existiert nicht|nicht (?:mehr )?verfügbar|nicht erreichbar|wartungsarbeiten|"
          r"wartungsmodus|in wartung|wegen wartung|fehler (?:ist )?aufgetreten|serverfehler|"
          r"interner fehler|zugriff verweigert",
    "fr": r"introuvable|non trouvée?|n.existe (?:pas|plus)|indisponible|en maintenance|"
          r"maintenance en cours|erreur (?:serveur|interne)|une erreur (?:est survenue|s.est produite)|"
          r"accès (?:refusé|interdit)",
    "pt": r"não encontrad[ao]|não existe|indisponível|em manutenção|erro interno|ocorreu um erro|"
          r"acesso negado",
    "es": r"no encontrad[ao]|no existe|no (?:está )?disponible|en mantenimiento|error interno|"
          r"(?:se ha producido|ha ocurrido|ocurrió) un error|acceso denegado",
    "no": r"ikke funnet|finnes ikke|utilgjengelig|ikke tilgjengelig|under vedlikehold|"
          r"vedlikehold pågår|planlagt vedlikehold|en feil (?:har )?oppstått|ingen tilgang",
    "hu": r"nem található|nem létezik|nem elérhető|karbantartás (?:miatt|alatt)|hiba történt|"
          r"hozzáférés megtagadva",
    "ja": r"見つかりません|存在しません|メンテナンス中|メンテナンスのお知らせ|システムメンテナンス|"
          r"ご利用いただけません|エラーが発生|アクセスできません",
    "zh": r"找不到|页面不存在|頁面不存在|系统维护|系統維護|维护中|維護中|正在维护|无法访问|無法存取|"
          r"服务不可用|暂停服务|暫停服務|出错了",
}
ERROR_TITLE = re.compile("|".join(ERROR_TITLES.values()), re.I)
ERROR_WORD = (r"error|fehler|erreur|erro|feil|hiba|エラー|错误|錯誤|oops!?|forbidden|unauthorized|"
              r"maintenance|wartung|vedlikehold|karbantartás|manutenção|mantenimiento|メンテナンス|维护|維護")
ERROR_BARE = re.compile(
    rf"(?:(?:http|{ERROR_WORD})\s*)?[45]\d\d(?:\s*(?:{ERROR_WORD}))?"
    rf"|(?:[45]\d\d\s*[-:–]?\s*)?(?:{ERROR_WORD})[!.…]*",
    re.I)
NOT_FOUND = re.compile(
    r"not found|cannot be found|can.t be found|no longer exists|nicht gefunden|existiert nicht|"
    r"introuvable|non trouvée?|n.existe|não encontrad|não existe|no encontrad|no existe|ikke funnet|"
    r"finnes ikke|nem található|nem létezik|見つかりません|存在しません|找不到|不存在|"
    r"(?<!\d)(?:404|410)(?!\d)", re.I)
TITLE_PARTS = re.compile(r"\s+[-–—|:·•»/]\s+|\s*[|｜·•»]\s*|:\s+")
MAX_TITLE_PART = 80

LOGIN_STEM = (r"(?:wp-)?(?:log-?in|log-?on|sign-?in|sign_in|sso|saml2?|oauth2?|openid(?:-connect)?|oidc|"
              r"cas|adfs|idp|auth|authenticate|authentication|authori[sz]e|anmelden|anmeldung|"
              r"connexion|se-connecter|entrar|iniciar-sesion|logga-in|logg-inn|innlogging|"
              r"bejelentkezes|belepes|ログイン|登录|登入)")
LOGIN_SEGMENT = re.compile(rf"{LOGIN_STEM}(?:[-_.]\w+)?", re.I)
LOGIN_HOST = {"login", "logon", "signin", "sso", "auth", "idp", "adfs", "accounts", "account",
              "oauth", "cas", "identity", "secure-login"}
CONSENT_SEGMENT = re.compile(r"(?:cookie-?)?consent\w*|collectconsent|cookies?|cookie-?wall|gdpr|cmp", re.I)
CONSENT_HOST = {"consent", "cmp", "cookies", "privacy-consent"}
ERROR_SEGMENT = re.compile(r"(?:\w+[-_])?(?:error|errors|fehler|erreur|erro|404|500|50[234]|maintenance|"
                           r"wartung|unavailable|offline|outage)(?:[-_.]\w+)?", re.I)


@dataclasses.dataclass(frozen=True)
class Wall:
    kind: str  # a key of WHAT
    reason: str  # what gave it away, in plain words

    @property
    def words(self):
        """The error stored for the fetch, for a campaigner."""
        return (f"the site showed {WHAT[self.kind]} instead of the page ({self.reason}); "
                "it was not compared: the last genuine version stands")


def check(html, url, final_url=None, tree=None, previous_text=None):
    """The wall ``html`` shows instead of the page at ``url``, or None.

    ``tree``: ``html`` already parsed by lxml (``extract.parse_html(html).tree``), read
    only. ``previous_text``: the text of the page's last genuine version, if known.

    Example: ``check(page, "https://www.gov.example/dialogue").words`` ->
    "the site showed a sign-in page instead of the page (a password form ...) ..."
    """
    root = tree if tree is not None else _parse(html)
    if root is None or plenty_of_text(root):
        return None
    return decide(summarize(root, url, final_url), previous_text)


def plenty_of_text(root):
    """Has the page more paragraphs of its own (outside menus, headers, footers,
    sidebars, forms, dialogs and anything named for cookies or consent) than any wall
    leaves around itself? Then it is the page, and the walk is spared (cheap: it stops
    at the paragraph that makes enough)."""
    own = 0
    for paragraph in root.iter("p"):  # in page order, until enough is found
        if not any(_not_own(a) for a in paragraph.iterancestors()):
            own += len(paragraph.text_content())
            if own > PLENTY_CHARS:
                return True
    return False


def _not_own(element):
    """Is ``element`` chrome, a form or a dialog: what holds paragraphs not the page's?"""
    if element.tag in _NOT_OWN or element.get("role") == "dialog" or element.get("aria-modal") == "true":
        return True
    names = f"{element.get('id') or ''} {element.get('class') or ''}"
    return any(word in names for word in _DIALOG_NAMES)


def decide(page, previous_text=None):
    """Combine the signals: the first wall found, unless the page still shows the
    last genuine version; with that version, more text is allowed around a wall
    when the page shares almost nothing with it and is far shorter."""
    found = _first_wall(page, away=False)
    if not previous_text:
        return found
    candidate = found or _first_wall(page, away=True)
    if candidate is None:
        return None
    shared = shared_lines(page.text, previous_text)
    if shared is not None and shared >= STILL_SHARED:
        return None
    if found is None and not stands_in(page.text, previous_text, shared):
        return None
    return candidate


def _first_wall(page, away):
    for kind, signal in SIGNALS.items():
        reason = signal(page, LIMITS[kind][1 if away else 0])
        if reason:
            return Wall(_kind(kind, page), reason)
    return None


def _kind(kind, page):
    """An error page that says the page was not found means what a 404 means."""
    if kind == "error_page" and (NOT_FOUND.search(page.title) or NOT_FOUND.search(page.heading)):
        return "not_found"
    return kind


# -- the signals: each (page, limit) -> what gave the wall away, or None --------


def sign_in(page, limit):
    """A password form (or a form posting to a sign-in service) with little else
    around it; or a redirect to a sign-in address the source's address is not."""
    forms = [f for f in page.forms if not (f.edge or f.hidden) and f.chars <= SIGN_IN_FORM_CHARS
             and (f.password or login_address(f.action))]
    rest = page.main_chars - sum(f.chars for f in forms)
    if redirected_to_login(page.url, page.final_url) and (forms or page.loose_password or rest <= limit):
        return f"it redirected to {_short(page.final_url)}"
    if rest > limit:
        return None
    if any(f.password for f in forms) or page.loose_password:
        return "a password form and little else"
    if forms:
        return f"a form that posts to a sign-in service, {_short(forms[0].action)}"
    return None


def consent(page, limit):
    """Most of the text sits in a consent dialog with buttons, and little is left
    outside it; or only a consent manager's script on an empty page; or a redirect
    to a consent address with little text."""
    if page.consent_buttons and page.consent_chars >= page.free_chars and page.free_chars <= limit:
        return "a cookie-consent dialog and almost nothing else"
    if page.main_chars <= min(limit, 80) and not page.heading and \
            any(CMP_LINK.search(link) for link in page.links):
        return "only a consent manager's script, no text"
    if redirected_to_consent(page.url, page.final_url) and page.free_chars <= limit:
        return f"it redirected to {_short(page.final_url)}"
    return None


def robot_check(page, limit):
    """A challenge page's own markup with no more than a page of shown text; a
    CAPTCHA widget, a bot manager's script or "checking your browser" words on a page
    with little text; or a page that only says JavaScript is required."""
    marker = page.shown_chars <= CHALLENGE_ONLY_CHARS and challenge_marker(page, CHALLENGE_ONLY)
    if marker:
        return marker
    if page.main_chars > limit:
        return None
    marker = challenge_marker(page, CHALLENGE)
    found = marker or CHECKING_WORDS.search(page.title + "\n" + page.text)
    if found:
        return marker or f"the words '{found.group(0)}'"
    if javascript_only(page):
        return "a page that only says JavaScript is required"
    return None


def challenge_marker(page, pattern):
    """Where ``pattern`` finds a robot check in the page's markup (a script or frame,
    an id, class or field name, an inline script, a meta refresh), in words, or None."""
    links = [link for link in (*page.links, page.refresh) if not RECAPTCHA_V3.search(link)]
    if pattern.search("\n".join(links).lower()):
        link = next(link for link in links if pattern.search(link.lower()))
        return f"a robot check's script or frame, {_short(link)}"
    found = pattern.search("\n".join(page.names).lower())
    if found:
        return f"a robot check's markup, '{found.group(0)}'"
    found = pattern.search(page.scripts.lower())
    return f"a robot check's script, '{found.group(0)}'" if found else None


def javascript_only(page):
    """The page (or its <noscript>) says JavaScript is needed, and has no heading and
    hardly a word of its own: an app shell or a challenge, not a page."""
    return (bool(JAVASCRIPT.search(page.noscript + " " + page.text)) and not page.heading
            and page.main_chars <= JS_ONLY_CHARS)


def parked(page, limit):
    """The page offers its own domain name for sale (or says it expired), or loads
    a domain-parking service, and has little text."""
    if page.main_chars > limit:
        return None
    for link in (*page.links, page.final_url):
        if link and PARKING_LINK.search(link):
            return f"a domain-parking service, {_short(link)}"
    host = domain_offered(page.title + "\n" + page.text, page.url, page.final_url)
    return f"it offers its own domain name, {host}, for sale" if host else None


def domain_offered(text, *urls):
    """The page's own host name (without "www.") if ``text`` names it with sale or
    expiry words within SALE_REACH characters of it, else None.

    Example: ``domain_offered("dialogue.org is for sale!", "https://www.dialogue.org/x")``
    -> "dialogue.org".
    """
    lowered = text.lower()
    for host in {h for url in urls for h in _host_names(url) if "." in h}:
        start = lowered.find(host)
        while start >= 0:
            around = lowered[max(0, start - SALE_REACH): start + len(host) + SALE_REACH]
            if SALE_WORDS.search(around):
                return host
            start = lowered.find(host, start + 1)
    return None


def error_page(page, limit):
    """The title or first heading says "not found", "error", "unavailable" or
    "maintenance" and the page has little text; or a redirect to an error address."""
    if page.redirected:
        limit = max(limit, LIMITS["error_page"][1])
    if page.main_chars > limit:
        return None
    for where, words in (("title", page.title), ("heading", page.heading)):
        said = error_title(words)
        if said:
            return f"its {where} says '{said}'"
    if page.redirected and error_address(page.final_url):
        return f"it redirected to {_short(page.final_url)}"
    return None


def challenge_in(body):
    """Do these bytes (a 403, 429 or 503 answer) carry a robot check's markup? Cheap:
    nothing is parsed."""
    return bool(body) and CHALLENGE_BYTES.search(body[:200_000]) is not None


SIGNALS = {"sign_in": sign_in, "robot_check": robot_check, "consent": consent,
           "parked": parked, "error_page": error_page}


def error_title(title):
    """The part of ``title`` that says the page is an error page, or None.

    Example: ``error_title("Service Unavailable | Ministry")`` -> "Service Unavailable";
    ``error_title("Correcting an error in the 2002 statement")`` -> None.
    """
    for part in TITLE_PARTS.split(" ".join(title.split())):
        part = part.strip(" !.…")
        if not part or len(part) > MAX_TITLE_PART:
            continue
        if ERROR_BARE.fullmatch(part) or ERROR_TITLE.search(part):
            return part
    return None


# -- addresses ----------------------------------------------------------------


def login_address(url):
    """Does ``url`` look like a sign-in service (login.example.org, /sso/, /login.aspx)?"""
    return _looks_like(url, LOGIN_HOST, LOGIN_SEGMENT)


def consent_address(url):
    """Does ``url`` look like a consent service (consent.example.org, /cookie-consent)?"""
    return _looks_like(url, CONSENT_HOST, CONSENT_SEGMENT)


def error_address(url):
    """Does ``url``'s path look like an error page's (/error.html, /404, /maintenance)?"""
    return any(ERROR_SEGMENT.fullmatch(s) for s in _segments(url))


def redirected_to_login(url, final_url):
    return _redirected_to(url, final_url, login_address)


def redirected_to_consent(url, final_url):
    return _redirected_to(url, final_url, consent_address)


def wall_address(url, final_url):
    """A redirect to a sign-in or consent service (not to an unrelated page)."""
    return redirected_to_login(url, final_url) or redirected_to_consent(url, final_url)


def _redirected_to(url, final_url, looks):
    return bool(final_url) and _address(final_url) != _address(url) and looks(final_url) \
        and not looks(url)


def _looks_like(url, hosts, segment):
    if not url:
        return False
    parts = urlsplit(url)
    first = (parts.hostname or "").split(".")[0]
    return first in hosts or any(segment.fullmatch(s) for s in _segments(url))


def _segments(url):
    return [s for s in urlsplit(url or "").path.split("/") if s]


def _host_names(url):
    host = (urlsplit(url or "").hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    names = [host]
    try:
        names.append(host.encode("ascii").decode("idna"))
    except UnicodeError:
        pass
    return names


def _short(url, size=80):
    return url if len(url) <= size else url[: size - 1] + "…"


# -- comparing with the last genuine version ----------------------------------


def shared_lines(text, previous_text):
    """The share of the last genuine version's lines (of MIN_LINE characters or
    more) that ``text`` still shows, spaces and case aside; None without such lines."""
    lines = [_squeeze(line) for line in previous_text.splitlines()[:MAX_LINES]]
    lines = [line for line in lines if len(line) >= MIN_LINE]
    if not lines:
        return None
    body = _squeeze(text)
    return sum(1 for line in lines if line in body) / len(lines)


def stands_in(text, previous_text, shared=None):
    """Does ``text`` look like something else than the page: almost none of the last
    genuine version's lines, and far shorter than it?"""
    if shared is None:
        shared = shared_lines(text, previous_text)
    shorter = len(_squeeze(text)) < AWAY_SHORTER * len(_squeeze(previous_text))
    return shared is not None and shared < AWAY_SHARED and shorter


def _squeeze(text):
    return "".join(text.split()).casefold()

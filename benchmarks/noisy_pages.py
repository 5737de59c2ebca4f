"""Noisy and walled government pages for ``benchmarks/false_alerts.py`` (issue 22).

Every page is a ministry page in one of five languages (English, German, French,
Japanese, Spanish) about a human rights dialogue, plus the noise of its shape,
computed when the page is requested: a view counter that counts the requests (or one
the site caches, which moves only every other check), random
tokens (hex, base 64, uuid), a "generated on" line from the clock (in UTC or the
site's own time zone), relative times that follow the clock or a moving "latest
comment", seconds or milliseconds since 1970, and document links whose addresses
change at each visit (an S3-style signed query, utm_ tags, a token folder). A walled
shape serves, for exactly one check, something that is not the page (a cookie banner
of buttons, a browser check, a parked domain, maintenance, a CDN's error text, the
page cut short inside a paragraph or
between two, the empty template, a sign-in form), all with status 200.

The wording (here and in ``benchmarks/noisy_languages.py``) was written for this
benchmark, after the mechanism, and differs from ``tests/test_confirm.py``'s. A page is a pure function of its ``Spec``, the
check number, the clock and a per-page random stream seeded from ``--seed``.

A ``Spec`` with an ``edit`` is a page that really changes at ``edit_check``: a
paragraph added, a sentence reworded, a number edited ("12 rounds" -> "13 rounds"),
or the whole article replaced by another one.
"""

import base64
import dataclasses
import datetime as dt
import random
import string
import uuid
import zoneinfo

from noisy_languages import LANGUAGES


@dataclasses.dataclass
class Visit:
    """What one request of a page sees: its language, the clock, its random stream and
    how many times it was requested before."""

    spec: "Spec"
    lang: dict
    check: int
    now: dt.datetime
    rng: random.Random
    views: int


# -- the noise: each writes a line (or links) anew at each request -----------------

def _relative(visit, unit, seconds):
    template, units = visit.lang["relative"]
    n = int(seconds // {"s": 1, "m": 60, "h": 3600}[unit])
    return template.format(n=n, u=units[unit][0 if n == 1 else 1])


def _since(visit):
    return (visit.now - visit.spec.moment).total_seconds()


def _hex(rng, bits):
    return f"{rng.getrandbits(bits):0{bits // 4}x}"


def _signed_link(visit, slug):
    stamp = visit.now.strftime("%Y%m%dT%H%M%SZ")
    key = "AKIA" + "".join(random.Random(visit.spec.number).choices(string.ascii_uppercase, k=16))
    return (f"https://dialogue-files.s3.eu-west-1.amazonaws.com/reports/{slug}.pdf"
            f"?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={key}%2F{stamp[:8]}%2Feu-west-1"
            f"%2Fs3%2Faws4_request&X-Amz-Date={stamp}&X-Amz-Expires=900&X-Amz-SignedHeaders=host"
            f"&X-Amz-Signature={visit.rng.getrandbits(256):064x}")


def _utm_link(visit, slug):
    return (f"/documents/{slug}.pdf?utm_source=newsletter&utm_medium=email"
            f"&utm_campaign=dialogue-{visit.rng.randint(100000, 999999)}"
            f"&utm_content={visit.rng.getrandbits(32):08x}")


def _folder_link(visit, slug):
    return f"/sites/default/files/{visit.rng.getrandbits(128):032x}/{slug}.pdf"


NOISE = {
    "counter": lambda v: v.lang["views"](v.spec.views_from + v.views * v.spec.views_step
                                         + v.rng.randrange(v.spec.views_step)),
    # a counter the site caches: it moves between checks, not between two looks in a row
    "counter cached": lambda v: v.lang["views"](v.spec.views_from + v.check // 2 * 97),
    "hex token": lambda v: f"{v.lang['reference']}: {_hex(v.rng, v.spec.token_bits)}",
    "base64 token": lambda v: f"{v.lang['code']} "
                              f"{base64.b64encode(v.rng.randbytes(18)).decode()}",
    "uuid": lambda v: f"{v.lang['session']} {uuid.UUID(int=v.rng.getrandbits(128), version=4)}",
    "generated (UTC)": lambda v: f"{v.lang['generated']} {v.now:%Y-%m-%dT%H:%M:%S}."
                                 f"{v.now.microsecond // 1000:03d}Z",
    "generated (local time)": lambda v: v.lang["local_time"](
        v.now.astimezone(zoneinfo.ZoneInfo(v.lang["zone"]))),
    "relative seconds": lambda v: _relative(v, "s", _since(v)),
    "relative minutes": lambda v: _relative(v, "m", _since(v) + 60 * v.spec.minutes_ago),
    "moving activity": lambda v: v.lang["activity"].format(n=v.rng.randint(1, 59)),
    "epoch seconds": lambda v: f"Cache {int(v.now.timestamp())}",
    "epoch milliseconds": lambda v: f"ts={int(v.now.timestamp() * 1000)}",
    # words picked anew at each visit from a few versions (two in turn, one of three at
    # random) and links listed in a random order: no token, a whole line of words
    "two notices in turn": lambda v: v.lang["reword"][v.views % 2],
    "one of three notices": lambda v: v.rng.choice(v.lang["replacement"][1]),
    "menu in random order": lambda v: " · ".join(v.rng.sample(v.lang["menu"], len(v.lang["menu"]))),
}
LINKS = {"signed S3 links": _signed_link, "utm links": _utm_link,
         "token folder links": _folder_link}


# -- walls: what a page shows instead of itself, for one check ------------------

def _bare(title, body, lang="en"):
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{title}"
            f"</title></head><body>{body}</body></html>")


def _consent(visit, full):
    line, *buttons = visit.lang["consent"]
    return _bare(visit.lang["site"], "<div class='cmp-banner' role='dialog'><p>" + line + "</p>"
                 + "".join(f"<button>{b}</button>" for b in buttons) + "</div>", visit.spec.lang)


def _browser_check(visit, full):
    return _bare("One moment…", "<div class='box'><h2>One moment…</h2><p>Verifying that your "
                 "connection is secure. This happens automatically and takes no more than five "
                 f"seconds.</p><p class='small'>Reference {visit.rng.getrandbits(48):012x}</p>"
                 "</div>")


def _parked(visit, full):
    domain = f"dialogue-{visit.spec.number}.example"
    return _bare(domain, f"<h1>{domain} is parked</h1><p>The owner of this domain may be willing "
                 "to sell it. Make an offer today.</p><p>Sponsored results: Flights to Asia · "
                 "Business loans · Language courses · Hotel deals</p>")


def _maintenance(visit, full):
    head, line = visit.lang["maintenance"]
    return _bare(head, f"<div class='notice'><h1>{head}</h1><p>{line}</p></div>", visit.spec.lang)


CDN_ERRORS = (
    lambda v: ("Error", "<p>upstream connect error or disconnect/reset before headers. reset "
               "reason: connection timeout</p>"),
    lambda v: ("Access Denied", "<h2>Access Denied</h2><p>You don't have permission to access "
               "this resource on this server.</p><p>Reference #18."
               f"{_hex(v.rng, 32)}.{int(v.now.timestamp())}.{_hex(v.rng, 24)}</p>"),
    lambda v: ("Origin timeout", "<h1>The origin did not answer in time</h1><p>The edge server "
               "waited 30 seconds for the site's own server and gave up.</p><p>Request id "
               f"{v.rng.getrandbits(64):016x}</p>"),
    lambda v: ("Service unavailable", "<h1>Service temporarily unavailable</h1><p>The server "
               "is temporarily unable to service your request due to capacity problems.</p>"),
)


def _cdn_error(visit, full):
    title, body = CDN_ERRORS[visit.spec.number % len(CDN_ERRORS)](visit)
    return _bare(title, body)


def _paragraphs(full):
    """Where the text of each paragraph of the article past its first starts and ends."""
    spans, at = [], full.index("<h1>")
    while (at := full.find("<p>", at)) >= 0:
        spans.append((at + 3, full.index("</p>", at)))
        at += 3
    return spans[1:]


def _cut_short(visit, full):
    """The page's bytes stopping inside the text of one of its paragraphs."""
    rng = random.Random(visit.spec.number)
    start, end = rng.choice(_paragraphs(full))
    return full[:rng.randint(start + 4, end - 4)]


def _cut_between(visit, full):
    """The page's bytes stopping right after one of its paragraphs (its last ones and the
    document's closing tags never arrived)."""
    _, end = random.Random(visit.spec.number).choice(_paragraphs(full)[:-1])
    return full[:end + len("</p>")]


def _empty_template(visit, full):
    return _page(visit, title=visit.spec.title, article="<div class='field-body'></div>")


def _maintenance_in_chrome(visit, full):
    head, line = visit.lang["maintenance"]
    return _page(visit, title=head, article=f"<p>{line}</p>")


def _sign_in(visit, full):
    return _page(visit, title="Sign in", article="<p>Your session has expired. Please sign in "
                 "again to continue.</p><form><label>E-mail <input name='user'></label><label>"
                 "Password <input type='password' name='pass'></label><button>Sign in</button>"
                 "</form>")


WALLS = {
    "consent banner of buttons": _consent, "browser check": _browser_check,
    "parked domain": _parked, "maintenance page": _maintenance, "CDN error with 200": _cdn_error,
    "cut short mid-paragraph": _cut_short, "cut short between paragraphs": _cut_between,
    "empty template": _empty_template,
    "maintenance inside the site": _maintenance_in_chrome, "sign-in form": _sign_in,
}

# -- shapes: noise (and links) on every check, a wall on one ---------------------

SHAPES = {
    **{name: (name,) for name in NOISE}, **{name: (name,) for name in LINKS},
    **{name: (name,) for name in WALLS},
    "counter + relative seconds + hex token": ("counter", "relative seconds", "hex token"),
    "generated + uuid + signed links": ("generated (UTC)", "uuid", "signed S3 links"),
    "counter + consent banner": ("counter", "consent banner of buttons"),
    "relative minutes + cut short": ("relative minutes", "cut short mid-paragraph"),
    "epoch + CDN error": ("epoch seconds", "CDN error with 200"),
    "utm links + browser check": ("utm links", "browser check"),
    "base64 + activity + empty template": ("base64 token", "moving activity", "empty template"),
    "local time + counter + maintenance": ("generated (local time)", "counter",
                                           "maintenance inside the site"),
    "everything at once": ("counter", "hex token", "generated (local time)", "relative seconds",
                           "epoch milliseconds", "token folder links"),
}
EDITS = ("paragraph added", "sentence reworded", "number edited", "replaced wholesale")
EDIT_NOISE = (None, "counter", "relative seconds", "hex token", "generated (local time)")


@dataclasses.dataclass
class Spec:
    number: int
    shape: str
    lang: str
    title: str
    paragraphs: tuple
    parts: tuple              # names in NOISE, LINKS and WALLS
    moment: dt.datetime       # what its relative times count from
    minutes_ago: int
    views_from: int
    views_step: int
    token_bits: int
    noise_at: str             # "top" (a line under the title), "end" (lines), "inside"
    wall_check: int | None = None
    edit: str | None = None
    edit_check: int | None = None

    @property
    def id(self):
        return f"{'r' if self.edit else 'n'}{self.number:03d}"

    @property
    def wall(self):
        return next((part for part in self.parts if part in WALLS), None)


def specs(pages, real, checks, seed, start):
    """``pages`` noisy or walled pages (the shapes in turn) and ``real`` pages that really
    change, all drawn from ``seed``; ``start``: the moment relative times count from."""
    rng = random.Random(seed)
    shapes = list(SHAPES)
    noisy = [_spec(rng, number, shapes[number % len(shapes)], SHAPES[shapes[number % len(shapes)]],
                   checks, start) for number in range(pages)]
    changing = [_edited(rng, number, checks, start) for number in range(real)]
    return noisy + changing


def _spec(rng, number, shape, parts, checks, start):
    lang = rng.choice(list(LANGUAGES))
    paragraphs = tuple(rng.sample(LANGUAGES[lang]["paragraphs"], rng.randint(4, 6)))
    spec = Spec(number, shape, lang, rng.choice(LANGUAGES[lang]["titles"]), paragraphs, parts,
                start - dt.timedelta(seconds=rng.randint(5, 50)), rng.randint(2, 50),
                rng.randint(800, 90000), rng.choice((1, 3, 17, 120)), rng.choice((32, 48, 64, 96)),
                rng.choice(("top", "end", "inside")))
    if spec.wall:
        spec.wall_check = rng.randint(1, max(1, checks - 2))
    return spec


def _edited(rng, number, checks, start):
    edit = EDITS[number % len(EDITS)]
    noise = EDIT_NOISE[(number // len(EDITS)) % len(EDIT_NOISE)]
    spec = _spec(rng, number, f"{edit}" + (f" (page with {noise})" if noise else ""),
                 (noise,) if noise else (), checks, start)
    lang = LANGUAGES[spec.lang]
    spec.paragraphs = spec.paragraphs[:2] + (spec.paragraphs[2] + " " + lang["reword"][0],
                                             lang["rounds"].format(n=12)) + spec.paragraphs[3:]
    # an edit of a number is alerted once it stayed two more looks (doubt.STEADY_LOOKS):
    # the last edit leaves them to the run
    spec.edit, spec.edit_check = edit, rng.randint(1, max(1, checks - 3))
    return spec


# -- a page as served ---------------------------------------------------------

def render(spec, check, views, now, rng):
    """The HTML a request of the page gets at ``check`` (counted from 0)."""
    visit = Visit(spec, LANGUAGES[spec.lang], check, now, rng, views)
    title, paragraphs = _text(spec, visit.lang, check)
    full = _page(visit, title, _article(visit, paragraphs))
    if spec.wall and check == spec.wall_check:
        return WALLS[spec.wall](visit, full)
    return full


def _text(spec, lang, check):
    if not spec.edit or check < spec.edit_check:
        return spec.title, spec.paragraphs
    if spec.edit == "replaced wholesale":
        return lang["replacement"]
    if spec.edit == "paragraph added":
        return spec.title, spec.paragraphs + (lang["added"],)
    before, after = ((lang["reword"][0], lang["reword"][1]) if spec.edit == "sentence reworded"
                     else (lang["rounds"].format(n=12), lang["rounds"].format(n=13)))
    return spec.title, tuple(p.replace(before, after) for p in spec.paragraphs)


def _article(visit, paragraphs):
    """The title's article: its paragraphs, its documents, and its noise where the page
    puts it (a line under the title, lines at the end, or inside the last paragraph)."""
    lines = [NOISE[part](visit) for part in visit.spec.parts if part in NOISE]
    documents = "".join(
        f"<ul><li><a href='{LINKS[part](visit, 'round-report')}'>{visit.lang['report']}</a></li>"
        f"<li><a href='{LINKS[part](visit, 'cases-raised')}'>{visit.lang['annex']}</a></li></ul>"
        for part in visit.spec.parts if part in LINKS)
    if lines and visit.spec.noise_at == "inside":
        sentences = "".join(f"{line}。" if visit.spec.lang == "ja" else f" {line}."
                            for line in lines)
        paragraphs = paragraphs[:-1] + (paragraphs[-1] + sentences,)
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    if lines and visit.spec.noise_at == "top":
        return f"<p>{' · '.join(lines)}</p>{body}{documents}"
    if lines and visit.spec.noise_at == "end":
        return body + documents + "".join(f"<p>{line}</p>" for line in lines)
    return body + documents


def _page(visit, title, article):
    lang, site = visit.spec.lang, visit.lang["site"]
    menu = "".join(f"<a href='/{i}'>{item}</a> " for i, item in enumerate(visit.lang["menu"]))
    return (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><title>{title} | "
            f"{site}</title></head><body><header><a href='/'>{site}</a></header><nav>{menu}</nav>"
            f"<main><article><h1>{title}</h1>{article}</article></main>"
            f"<footer><p>{visit.lang['footer']}</p></footer></body></html>")

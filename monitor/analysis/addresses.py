"""Link addresses that change at every check without pointing anywhere new. Pure.

Sites write machine-made values into the addresses of their links: a session id
(``;jsessionid=9F2C…``, ``?sid=…``), a cache-buster (``?v=1733050000``, ``?_=…``,
``?r=0.73519…``), a signature (``?X-Amz-Signature=…&X-Amz-Date=20261206T100712Z``), a
token as a folder (``/files/8f3a9c2e7d/report.pdf``), a tracking tag (``?utm_source=…``),
a host of a CDN that rotates (``cdn1.`` / ``cdn3.example.org``, ``d1a2b3c4e5.cloudfront.net``).
The page then links to "another address" at every check although the link, and the
document behind it, stayed where it was. Without this, every check would report "a
document was removed, a document was added".

``key(url)`` is the address with each such part masked (``MASK``) or, for tracking
tags, left out. A value is *generated* when it reads as a machine's, not a person's
(``generated``), by its shape, whatever its parameter's name:

- a time since 1970 (10 digits for seconds, 13 for milliseconds, between 2000 and
  2100), a date with a time of day (``20261206T100712Z``, ``2026-12-06T10:07:12Z``: a
  person writes a day, a machine the second), or a fraction with six or more decimals
  (a random number);
- a UUID; hexadecimal of 16 or more characters, or 8 or more in lower case with a digit
  and a letter (a hash, a session id);
- 16 or more letters and digits that switch between digits, letters and capitals as
  often as random text does (``random_looking``: a base-64 token, a signature).

Masked: generated values of the query (``?a=…&b=…``) and of path parameters
(``;jsessionid=…``); in a *signed* query (one holding a generated value of
``SIGNATURE_CHARS`` or more) also the dates inside its values (the credential scope
``AKIA…/20261206/us-east-1/s3/aws4_request``); a folder of the path that is generated
(never the file's own name); in a host of three labels or more, its first label's
digits (``cdn1``) or all of it when it mixes letters and digits over 8 characters or
more (``d1a2b3c4e5``). Left out: the tracking tags ``TRACKING`` names (``utm_*``,
``*clid``, ``_ga``, ``_gl``, ``mc_cid``, ``mc_eid``): conventions, not the site's words.

``readdressed`` pairs a link that went with one that came when both have the same key
and no other link of either page has it: two documents behind one download address
(``get?id=<uuid1>``, ``get?id=<uuid2>``) are told apart, and short ids and words
(``?id=5432``, ``?file=report2024``) are always an address of their own. ``alike``
pairs the links that went and came with the same words and the same path but another
query or host, which no rule here showed to be machine-made: a doubtful change for
the caller to confirm.
"""

import collections
import re
from urllib.parse import unquote, urlsplit, urlunsplit

PARAMETER = re.compile(r"([?&;])([^=&;#?]*)=([^&;#?]*)")
MASK = "\x00"
EPOCH = re.compile(r"\d{10}(?:\d{3})?(?:\.\d+)?")
FIRST_SECOND, LAST_SECOND = 946684800, 4102444800  # 2000-01-01, 2100-01-01
DATE_TIME = re.compile(r"(?:19|20)\d\d-?[01]\d-?[0-3]\d[T ]?[0-2]\d:?[0-5]\d(?::?[0-5]\d(?:\.\d+)?)?"
                       r"(?:Z|[+-][0-2]\d:?[0-5]\d)?", re.I)
DATE = re.compile(r"(?:19|20)\d\d-?[01]\d-?[0-3]\d")
FRACTION = re.compile(r"\d?\.\d{6,}")
UUID = re.compile(r"\{?[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?")
HEX = re.compile(r"[0-9a-fA-F]{16,}")
LOWER_HEX = re.compile(r"[0-9a-f]{8,}")
TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.~]{16,}")
DIGIT, LETTER = re.compile(r"\d"), re.compile(r"[A-Za-z]")
DIGITS = re.compile(r"\d+")
RANDOM_SWITCHES = 0.3  # switches per character: random base-36 text ~0.4, words ~0.1-0.2
SIGNATURE_CHARS = 32   # a generated value this long signs its query
MACHINE_LABEL_CHARS = 8  # a host label mixing letters and digits this long is a CDN's id
# Tracking tags: conventions of analytics and mailing tools, never part of a document's address.
TRACKING = re.compile(r"utm_\w*|\w*clid|_ga|_gl|mc_cid|mc_eid", re.I)
IP_HOST = re.compile(r"[\d.]+|\[.*\]")


def generated(value):
    """Whether a query or path-parameter value reads as made by a machine."""
    value = unquote(value)
    if EPOCH.fullmatch(value):
        return FIRST_SECOND <= int(value[:10]) < LAST_SECOND
    if DATE_TIME.fullmatch(value.replace("+", " ")) and not DATE.fullmatch(value):
        return True
    if FRACTION.fullmatch(value) or UUID.fullmatch(value) or HEX.fullmatch(value):
        return True
    if LOWER_HEX.fullmatch(value):
        return bool(DIGIT.search(value) and LETTER.search(value))
    return bool(TOKEN.fullmatch(value)) and random_looking(value)


def random_looking(value):
    """A digit between letters or a capital after a small letter, as often as in random
    text: 'a8Fk2Lq9…' switches at most characters, 'AnnualReport2024final' rarely."""
    has_digit = DIGIT.search(value)
    mixed_case = value.lower() != value and value.upper() != value
    if not (has_digit or mixed_case) or len(value) < 2:
        return False
    switches = sum(_switch(a, b) for a, b in zip(value, value[1:]))
    return switches / (len(value) - 1) >= RANDOM_SWITCHES


def _switch(a, b):
    return a.isdigit() != b.isdigit() or (a.islower() and b.isupper())


def key(url):
    """``url`` with its machine-made parts masked and its tracking tags left out (itself
    when it has none; see the module).

    Example: ``key("https://cdn2.s.org/f/8f3a9c2e7d/a.pdf?utm_source=x&v=1733050000")
    == "https://cdn\\x00.s.org/f/\\x00/a.pdf?v=\\x00"``.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    return urlunsplit((parts.scheme, _host_key(parts.netloc), _path_key(parts.path),
                       _query_key(parts.query), parts.fragment))


def _host_key(netloc):
    """A CDN's rotating first label masked: 'cdn3.example.org' -> 'cdn\\x00.example.org'."""
    userinfo, at, hostport = netloc.rpartition("@")
    host, colon, port = hostport.partition(":") if not hostport.startswith("[") else (hostport, "", "")
    labels = host.lower().split(".")
    if len(labels) < 3 or IP_HOST.fullmatch(host):
        return netloc
    labels[0] = _label_key(labels[0])
    return userinfo + at + ".".join(labels) + colon + port


def _label_key(label):
    mixed = DIGIT.search(label) and LETTER.search(label)
    if generated(label) or (mixed and len(label) >= MACHINE_LABEL_CHARS):
        return MASK
    return DIGITS.sub(MASK, label)


def _path_key(path):
    """Generated folders masked (the file's own name stays), and generated values of
    path parameters (``;jsessionid=…``)."""
    folders, slash, name = path.rpartition("/")
    if folders:
        folders = "/".join(MASK if segment and generated(segment.split(";")[0]) else segment
                           for segment in folders.split("/"))
    return PARAMETER.sub(_masked_parameter, folders + slash + name)


def _masked_parameter(match):
    return match.group(1) + match.group(2) + "=" + (MASK if generated(match.group(3)) else match.group(3))


def _query_key(query):
    if not query:
        return query
    fields = [field.partition("=") for field in query.split("&")]
    fields = [(name, eq, value) for name, eq, value in fields if not TRACKING.fullmatch(unquote(name))]
    signed = any(len(unquote(value)) >= SIGNATURE_CHARS and generated(value)
                 for _, _, value in fields)
    return "&".join(name + eq + _value_key(value, signed) for name, eq, value in fields)


def _value_key(value, signed):
    if not value:
        return value
    if generated(value):
        return MASK
    if signed:  # a signed query's dates, inside its values too: AKIA…/20261206/us-east-1/…
        return "/".join(MASK if DATE.fullmatch(piece) else piece for piece in unquote(value).split("/"))
    return value


def readdressed(before, after, removed, added):
    """``{old address: new address}``: the links of ``removed`` (addresses of the page
    before) and ``added`` (after) that are one link whose address changed only in its
    machine-made parts. ``before`` / ``after``: every address of each page."""
    if not removed or not added:
        return {}
    old_keys, new_keys = collections.Counter(map(key, before)), collections.Counter(map(key, after))
    gone = {key(url): url for url in removed}
    pairs = {}
    for url in added:
        found = key(url)
        if found in gone and old_keys[found] == 1 and new_keys[found] == 1:
            pairs[gone[found]] = url
    return pairs


def alike(removed, added):
    """``{old address: new address}`` for links that went and came with the same words
    and the same path but another query or host, one for one (words and path unique on
    each side): maybe machine-made, maybe another document; the caller confirms.
    ``removed`` / ``added``: ``(address, words)`` pairs."""
    def by_words_and_path(links):
        found = collections.defaultdict(list)
        for url, words in links:
            found[(" ".join((words or "").split()).lower(), _path_of(url))].append(url)
        return {k: urls[0] for k, urls in found.items() if len(urls) == 1 and k[0]}

    gone, came = by_words_and_path(removed), by_words_and_path(added)
    return {gone[k]: came[k] for k in gone.keys() & came.keys() if gone[k] != came[k]}


def _path_of(url):
    try:
        return urlsplit(url).path
    except ValueError:
        return url

"""Link addresses that change at every check without pointing anywhere new. Pure.

Sites write machine-made values into the addresses of their links: a session id
(``;jsessionid=9F2C…``, ``?sid=…``), a cache-buster (``?v=1733050000``, ``?_=…``,
``?r=0.73519…``), a signature (``?X-Amz-Signature=…``). The page then links to "another
address" at every check although the link, and the document behind it, stayed where it
was. Without this, every check would report "a document was removed, a document was
added".

``key(url)`` is the address with each such value masked. A value is *generated* when it
reads as a machine's, not a person's (``generated``):

- a time since 1970 (10 digits for seconds, 13 for milliseconds, between 2000 and
  2100), or a fraction with six or more decimals (a random number);
- a UUID; hexadecimal of 16 or more characters, or 8 or more in lower case with a digit
  and a letter (a hash, a session id);
- 16 or more letters and digits that switch between digits, letters and capitals as
  often as random text does (a base-64 token, a signature).

Only values of the query (``?a=…&b=…``) and of path parameters (``;jsessionid=…``) are
masked: the host and the path name the document. ``readdressed`` pairs a link that went
with one that came when both have the same key and no other link of either page has it:
two documents behind one download address (``get?id=<uuid1>``, ``get?id=<uuid2>``) are
told apart, and short ids and words (``?id=5432``, ``?file=report2024``) are always
an address of their own.
"""

import collections
import re
from urllib.parse import unquote

PARAMETER = re.compile(r"([?&;])([^=&;#?]*)=([^&;#?]*)")
MASK = "\x00"
EPOCH = re.compile(r"\d{10}(?:\d{3})?(?:\.\d+)?")
FIRST_SECOND, LAST_SECOND = 946684800, 4102444800  # 2000-01-01, 2100-01-01
FRACTION = re.compile(r"\d?\.\d{6,}")
UUID = re.compile(r"\{?[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}?")
HEX = re.compile(r"[0-9a-fA-F]{16,}")
LOWER_HEX = re.compile(r"[0-9a-f]{8,}")
TOKEN = re.compile(r"[A-Za-z0-9_\-+/=.~]{16,}")
DIGIT, LETTER = re.compile(r"\d"), re.compile(r"[A-Za-z]")
RANDOM_SWITCHES = 0.3  # switches per character: random base-36 text ~0.4, words ~0.1-0.2


def generated(value):
    """Whether a query or path-parameter value reads as made by a machine."""
    value = unquote(value)
    if EPOCH.fullmatch(value):
        return FIRST_SECOND <= int(value[:10]) < LAST_SECOND
    if FRACTION.fullmatch(value) or UUID.fullmatch(value) or HEX.fullmatch(value):
        return True
    if LOWER_HEX.fullmatch(value):
        return bool(DIGIT.search(value) and LETTER.search(value))
    return bool(TOKEN.fullmatch(value)) and _random_looking(value)


def _random_looking(value):
    """A digit between letters or a capital after a small letter, as often as in random
    text: 'a8Fk2Lq9…' switches at most characters, 'AnnualReport2024final' rarely."""
    has_digit = DIGIT.search(value)
    mixed_case = value.lower() != value and value.upper() != value
    if not (has_digit or mixed_case):
        return False
    switches = sum(_switch(a, b) for a, b in zip(value, value[1:]))
    return switches / (len(value) - 1) >= RANDOM_SWITCHES


def _switch(a, b):
    return a.isdigit() != b.isdigit() or (a.islower() and b.isupper())


def key(url):
    """``url`` with its generated query and path-parameter values masked (itself when
    it has none)."""
    if "=" not in url:
        return url
    return PARAMETER.sub(lambda m: m.group(1) + m.group(2) + "=" + (
        MASK if generated(m.group(3)) else m.group(3)), url)


def readdressed(before, after, removed, added):
    """``{old address: new address}``: the links of ``removed`` (addresses of the page
    before) and ``added`` (after) that are one link whose address changed only in its
    generated values. ``before`` / ``after``: every address of each page."""
    if not removed or not added:
        return {}
    old_keys, new_keys = collections.Counter(map(key, before)), collections.Counter(map(key, after))
    gone = {key(url): url for url in removed}
    pairs = {}
    for url in added:
        found = key(url)
        if MASK in found and found in gone and old_keys[found] == 1 and new_keys[found] == 1:
            pairs[gone[found]] = url
    return pairs

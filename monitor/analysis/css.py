"""Is a text a CSS selector? The check sources.yaml's selectors get (``content``,
``ignore``, ``follow``, a listing's ``items`` and ``next``) when it is loaded.

The selectors are applied by soupsieve (Beautiful Soup), whose grammar is the judge.
Importing it costs 0.2 to 0.4 s, which every command that loads sources.yaml paid.
Most selectors are plain (``main``, ``.news-list li``, ``div#content > p``,
``a[rel="next"]``): a strict grammar of that plain part (``PLAIN``) accepts them with no
import, and only a selector outside it is given to soupsieve. ``tests/test_css.py`` runs
every selector of its table through both: whatever ``PLAIN`` accepts, soupsieve accepts.
"""

import re

_IDENT = r"-?[A-Za-z_][A-Za-z0-9_-]*"
_ATTRIBUTE = rf"\[\s*{_IDENT}\s*(?:[~|^$*]?=\s*(?:{_IDENT}|\"[^\"\\\n]*\"|'[^'\\\n]*')\s*)?\]"
_COMPOUND = rf"(?:(?:{_IDENT}|\*)(?:[.#]{_IDENT}|{_ATTRIBUTE})*|(?:[.#]{_IDENT}|{_ATTRIBUTE})+)"
_COMPLEX = rf"{_COMPOUND}(?:(?:\s*[>+~]\s*|\s+){_COMPOUND})*"
PLAIN = re.compile(rf"\s*{_COMPLEX}(?:\s*,\s*{_COMPLEX})*\s*")


def check(text):
    """Raise ``ValueError`` in plain words if ``text`` is not a CSS selector."""
    if PLAIN.fullmatch(text):
        return
    import soupsieve  # only for a selector outside the plain grammar: it brings Beautiful Soup

    try:
        soupsieve.compile(text)
    except Exception as error:  # soupsieve raises SelectorSyntaxError and others
        raise ValueError(f"'{text}' is not a CSS selector ({str(error).splitlines()[0]})") from None

"""What counts: ``match:`` words and phrases, read the same whatever the case, accents
or width of either side. Pure.

Both the phrase and the item's words are folded alike (``fold``): NFKC (full-width
``ＣＨＩＮＡ`` reads ``CHINA``, half-width katakana reads full-width), case folded
(``Menschenrechtsdialog`` = ``MENSCHENRECHTSDIALOG``), accents dropped (``diálogo``
= ``dialogo``, ``Újabb`` = ``ujabb``). The text is then cut into tokens: a run of
letters and digits is one token, and each character of a script written without
spaces (Chinese, Japanese, Thai...) is a token of its own, so ``人権対話`` is found
inside ``日中人権対話の開催について`` while ``rights`` is not found inside
``copyrights``.

A rule is one of:

- a phrase: its tokens, in order, next to each other (``human rights dialogue``); a
  phrase ending in ``*`` also takes longer last words (``Menschenrecht*`` finds
  ``Menschenrechtsdialog``);
- ``{near: [China, human rights], within: 20}``: every phrase of the list, each
  start no more than ``within`` tokens from the others' (default ``NEAR_WITHIN``).

Example: ``Matcher(["human rights dialogue"]).first("Human-Rights Dialogue held")
== "human rights dialogue"``.
"""

import dataclasses
import re
import unicodedata

NEAR_WITHIN = 20
# Scripts written without spaces between words: each character is a token of its own.
_UNSPACED = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff"
    "\u1000-\u109f\u1780-\u17ff\uac00-\ud7af\U00020000-\U0002fa1f]")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def fold(text):
    """``text`` in the form both sides are compared in: NFKC, case folded, no accents."""
    if (text or "").isascii():
        return (text or "").lower()
    text = unicodedata.normalize("NFKC", text).casefold()
    decomposed = unicodedata.normalize("NFD", text)
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", kept).replace("ß", "ss")


def tokens(text):
    """The folded tokens of ``text``: words, and single characters of unspaced scripts."""
    found = []
    for word in _TOKEN.findall(fold(text)):
        if _UNSPACED.search(word):
            found.extend(_split_unspaced(word))
        else:
            found.append(word)
    return found


def _split_unspaced(word):
    """'日中人権対話2024年' -> ['日', '中', '人', '権', '対', '話', '2024', '年']."""
    parts, run = [], ""
    for char in word:
        if _UNSPACED.match(char):
            if run:
                parts.append(run)
                run = ""
            parts.append(char)
        else:
            run += char
    return parts + ([run] if run else [])


@dataclasses.dataclass(frozen=True)
class Phrase:
    words: tuple
    prefix: bool  # the last word may go on (written with a trailing '*')
    text: str

    @classmethod
    def of(cls, text):
        text = str(text).strip()
        prefix = text.endswith("*")
        words = tuple(tokens(text.rstrip("*")))
        if not words:
            raise ValueError(f"'{text}' has no letters or digits to look for")
        return cls(words, prefix, text)

    def starts(self, found, present=None):
        """The token positions in ``found`` where this phrase begins (``present``: the
        set of ``found``'s tokens, to give up at once on a phrase whose words are not)."""
        size = len(self.words)
        whole = self.words if not self.prefix else self.words[:-1]
        if present is not None and not all(word in present for word in whole):
            return []
        first = self.words[0]
        if size == 1 and self.prefix:
            return [i for i, token in enumerate(found) if token.startswith(first)]
        return [i for i in range(len(found) - size + 1)
                if found[i] == first and self._at(found, i, size)]

    def _at(self, found, i, size):
        for offset, word in enumerate(self.words):
            token = found[i + offset]
            last = offset == size - 1
            if not (token == word or (last and self.prefix and token.startswith(word))):
                return False
        return True


@dataclasses.dataclass(frozen=True)
class Near:
    phrases: tuple
    within: int
    text: str

    def starts(self, found, present=None):
        places = [phrase.starts(found, present) for phrase in self.phrases]
        if not all(places):
            return []
        first, *others = places
        return [i for i in first
                if all(any(abs(i - j) <= self.within for j in other) for other in others)]


def rule(value):
    """A ``match:`` entry (a phrase, or ``{near: [...], within: N}``) as a rule; raises
    ValueError saying what is wrong."""
    if isinstance(value, dict):
        unknown = set(value) - {"near", "within"}
        if unknown or "near" not in value:
            raise ValueError("a mapping in match: takes near: (a list of phrases) and within: "
                             "(a number of words)")
        phrases = value["near"]
        within = value.get("within", NEAR_WITHIN)
        if not isinstance(phrases, list) or len(phrases) < 2:
            raise ValueError("near: needs a list of two phrases or more, e.g. "
                             "near: [China, human rights]")
        if isinstance(within, bool) or not isinstance(within, int) or within < 1:
            raise ValueError(f"within: must be a whole number of words, 1 or more, not '{within}'")
        text = " near ".join(str(p) for p in phrases)
        return Near(tuple(Phrase.of(p) for p in phrases), within, text)
    if isinstance(value, (list, tuple)) or value is None:
        raise ValueError("each entry of match: is a phrase, or near: [...]")
    return Phrase.of(value)


class Matcher:
    """The rules of one discovery source; ``first(*texts)`` names the rule that matched."""

    def __init__(self, values):
        self.rules = tuple(r if isinstance(r, (Phrase, Near)) else rule(r) for r in values)

    def first(self, *texts):
        """The text of the first rule found in ``texts`` (title, summary, address words),
        or None. With no rules at all, every item matches ('*')."""
        if not self.rules:
            return "*"
        found = tokens(" \n ".join(t for t in texts if t))
        present = set(found)
        for each in self.rules:
            if each.starts(found, present):
                return each.text
        return None

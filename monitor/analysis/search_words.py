"""Short words for search, in every script.

The search index of three-character pieces (``version_lines``, FTS5 trigram) finds any
run of three characters or more, but nothing shorter: not "EU" or "UN", and not the
one- and two-character words that matter most in Chinese and Japanese (人権 "human
rights", 人 "person"). A second index (``version_words``, FTS5 unicode61) keeps the
words of the same lines; scripts written without spaces between words (Han, kana,
Thai, Lao, Khmer, Myanmar) are indexed as every one- and two-character piece of each
run, since where their words begin and end is not written.

Pure functions: ``index_form`` (what is indexed) and ``query`` (what is searched).
"""

import re
import unicodedata

SHORTEST_PIECE = 3  # the trigram index finds queries this long or longer
# Scripts written without spaces between words (Unicode blocks).
_UNSPACED = ("\u0e00-\u0eff"  # Thai, Lao
             "\u1000-\u109f"  # Myanmar
             "\u1780-\u17ff"  # Khmer
             "\u3040-\u30ff"  # Hiragana, Katakana
             "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # Han
             "\U00020000-\U0002fa1f")
_RUN = re.compile(f"[{_UNSPACED}]+")


def pieces(run):
    """Every one- and two-character piece of a run of unspaced script.

    Example: ``pieces("人権対話") == ["人", "権", "対", "話", "人権", "権対", "対話"]``.
    """
    return list(run) + [run[i:i + 2] for i in range(len(run) - 1)]


def index_form(text):
    """``text`` as the word index keeps it: unspaced runs replaced by their pieces.

    Example: ``index_form("EU 人権対話") == "EU  人 権 対 話 人権 権対 対話 "``.
    """
    return _RUN.sub(lambda m: " " + " ".join(pieces(m.group())) + " ", text or "")


def is_short(words):
    """True when ``words`` is too short for the three-character index."""
    return len(unicodedata.normalize("NFC", (words or "").strip())) < SHORTEST_PIECE


def query(words, column):
    """The FTS5 query of the word index for ``words`` in ``column`` ('added', 'removed'):
    the words as one phrase, unspaced runs as their longest pieces (two characters)."""
    tokens = []
    for part in unicodedata.normalize("NFC", (words or "").strip()).split():
        for chunk in re.split(f"([{_UNSPACED}]+)", part):
            if _RUN.fullmatch(chunk or " "):
                tokens += [chunk] if len(chunk) < 3 else [chunk[i:i + 2] for i in range(len(chunk) - 1)]
            elif chunk:
                tokens.append(chunk)
    phrase = " ".join(tokens).replace('"', '""')
    return f'{column} : "{phrase}"' if phrase else f'{column} : ""'

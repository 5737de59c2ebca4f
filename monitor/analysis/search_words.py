"""Short words for search, in every script.

The search index of three-character pieces (``version_lines``, FTS5 trigram) finds any
run of three characters or more, but nothing shorter: not "EU" or "UN", and not the
one- and two-character words that matter most in Chinese and Japanese (人権 "human
rights", 人 "person"). A second index (``version_words``, FTS5 unicode61) keeps the
words of the same lines; scripts written without spaces between words (Han, kana,
Thai, Lao, Khmer, Myanmar) are indexed as every one- and two-character piece of each
run, since where their words begin and end is not written.

Pure functions: ``index_form`` and ``word_index_form`` (what is indexed) and ``query``
(what is searched).
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


# Latin letters and digits (every one a letter or digit to SQLite's unicode61 tokenizer too)
_LATIN = "A-Za-z0-9\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
_LONG_STRETCH = re.compile(f"(?<![{_LATIN}])[{_LATIN}]{{3,}}(?:[ \t\n\r]+[{_LATIN}]{{3,}})*(?![{_LATIN}])")
FILLER = "zzz"  # three characters: no query of the word index (two at most) can be it


def word_index_form(text):
    """What ``version_words`` keeps: ``index_form``, each stretch of Latin-script words of
    three characters or more (and the spaces between them) replaced by one FILLER word.

    The word index is asked only for queries of one or two characters (``is_short``),
    which match only words of one or two characters: they are all kept, and so is what
    tells whether two of them stand side by side (a phrase such as "5 月" needs that).
    A stretch ends at anything but a Latin letter, a digit or a space, so each word it
    touches was a word of three characters or more to the tokenizer too (issue 27: the
    index was 8% of the database; this keeps every result it can give).

    Example: ``word_index_form("The EU and China, 5月") == "zzz EU zzz, 5 月 "``.
    """
    return _LONG_STRETCH.sub(FILLER, index_form(text))


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

"""Search of the lines each version added and removed, in pieces of three characters.

The index (``version_lines``, FTS5 trigram) keeps, for each version, only which
three-character pieces its changed lines hold, not where (``detail=none``: a quarter of
the bytes of an index of positions, issue 27). So a search is two steps:

1. ``query(words)``: the FTS5 query of every piece of ``words``; the versions it finds
   hold each piece somewhere in their added or removed lines (the candidates);
2. ``holds(lines, words)``: whether ``words`` stand in ``lines`` as written, with case
   folded exactly as the index folds it (``fold``), checked on each candidate's lines
   (the site's ``dw_lines_hold`` computes them again from the stored texts).

Together they find what an index of positions found with the phrase query
``added : "words"``: the versions whose added (or removed) lines hold ``words``, case
aside (a search checks at most ``CHECKED_AT_MOST`` candidates). Words shorter than three
characters find nothing here (``search_words`` answers them).

Pure functions apart from ``fold``'s table, read once from SQLite's own tokenizer.
"""

import functools
import sqlite3

PIECE = 3  # characters in a piece: what FTS5's trigram tokenizer indexes
# Candidates one search checks at most (the oldest first): about half a second of one
# idle core, more than a history of the watched pages holds in years (2,600 versions of
# 2,000 pages after six rounds of changes: every one checked). A longer history is
# searched up to there, and the site says so; on a loaded server such a search can run
# out of Datasette's one second, and the site says that too (issue 27: benchmarks/RESULTS.md,
# session 18).
CHECKED_AT_MOST = 5000
CASED_PLANES = 0x20000  # no character from here on has a case
NOTHING = '"\u0001"'  # an FTS5 query shorter than a piece: it finds no row


def query(words):
    """The FTS5 query of ``version_lines`` for the versions whose changed lines hold every
    three-character piece of ``words`` (once each, in any order).

    Example: ``query('Tibet') == '"Tib" AND "ibe" AND "bet"'``.
    """
    words = words or ""
    pieces = dict.fromkeys(words[i:i + PIECE] for i in range(len(words) - PIECE + 1))
    if not pieces:
        return NOTHING
    return " AND ".join('"' + piece.replace('"', '""') + '"' for piece in pieces)


def holds(lines, words):
    """True when ``lines`` hold ``words`` as written, case folded as the index folds it.

    Example: ``holds("The TIBET dialogue", "tibet")`` is True.
    """
    if not lines or not words or len(words) < PIECE:
        return False
    return fold(words) in fold(lines)


def new_lines_hold(text, other, words):
    """True when a line of ``text`` that ``other`` lacks holds ``words`` (written on one
    line), case folded as the index folds it: what ``holds`` answers of the lines one text
    added to the other (``diffing.changed_lines``), without making them. ``other``: the
    other text, or a function that gives it (asked only if a line of ``text`` holds them).

    Example: ``new_lines_hold("Tibet\\nEU", "EU", "tibet")`` is True.
    """
    folded, folded_text = fold(words or ""), fold(text or "")
    if len(folded) < PIECE or folded not in folded_text:
        return False
    lines_before = None
    # folding keeps every character where it was, line breaks included
    for line, folded_line in zip(text.splitlines(), folded_text.splitlines()):
        if folded in folded_line and line.strip():
            if lines_before is None:
                lines_before = set((other() if callable(other) else other).splitlines())
            if line not in lines_before:
                return True
    return False


def one_line(words):
    """True when ``words`` hold no line break (what ``new_lines_hold`` answers for)."""
    return bool(words) and words.splitlines() == [words]


def fold(text):
    """``text`` with each character's case folded as FTS5's trigram tokenizer folds it
    (``case_sensitive 0``): "TİBET" -> "tİbet", "ſ" -> "s", "ς" -> "σ". ASCII folds as
    ``str.lower`` folds it (A-Z only), faster."""
    return text.lower() if text.isascii() else text.translate(_fold_table())


@functools.lru_cache(maxsize=1)
def _fold_table():
    """Every character FTS5 folds, to what it folds it: read from SQLite's own tokenizer,
    so the check agrees with the index whatever SQLite version reads it. Asked only of
    the characters that have any case in Python's Unicode tables and the two
    non-characters SQLite replaces (``tests/test_search_lines.py`` asks every character of
    the Basic Multilingual Plane and finds no other)."""
    return folded_by_sqlite(_with_case())


def folded_by_sqlite(codes):
    """{code: folded character} for each code of ``codes`` that SQLite's trigram tokenizer
    folds to another character."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.execute("CREATE VIRTUAL TABLE f USING fts5 (x, tokenize='trigram')")
        conn.execute("CREATE VIRTUAL TABLE f_terms USING fts5vocab (f, 'instance')")
        conn.executemany("INSERT INTO f (rowid, x) VALUES (?, ?)", ((code, chr(code) * PIECE) for code in codes))
        return {code: term[0] for term, code in conn.execute("SELECT term, doc FROM f_terms")
                if term != chr(code) * PIECE}
    finally:
        conn.close()


def _with_case():
    """Every character of the first two planes that Python's Unicode tables give another
    case or folding (no character above them has any), and the two non-characters U+FFFE
    and U+FFFF."""
    codes = [code for code in range(1, CASED_PLANES) if not 0xD800 <= code <= 0xDFFF
             and ((c := chr(code)).lower() != c or c.upper() != c or c.casefold() != c)]
    return codes + [0xFFFE, 0xFFFF]

"""The index of three-character pieces without positions, then each candidate checked
(issue 27: a quarter of the bytes): the same versions as the index of positions found
with a phrase query, in every script and case."""

import random
import sqlite3

import pytest

from monitor.analysis import diffing, search_lines

PAGES = [  # each page's texts, version after version
    ["The EU and China held their 5th human rights dialogue in Brussels.\nTibet was raised.",
     "The EU and China held their 6th human rights dialogue in Brussels.\nXinjiang was raised.",
     "The EU and China held their 6th human rights dialogue in Brussels.\nTIBET AND XINJIANG."],
    ["日本と中国は人権対話を行った。\n人権対話の第十回", "日本と中国は人権対話を行った。\n次回は未定"],
    ["Menschenrechtsdialog mit China: Straße, GROSSE Fragen, Ärger.\nÜbersicht",
     "MENSCHENRECHTSDIALOG MIT CHINA: STRASSE, große Fragen.\nübersicht"],
    ["Διάλογος για τα ανθρώπινα δικαιώματα: ΟΔΥΣΣΕΥΣ, οδυσσευς.\nΣίσυφος",
     "ΔΙΆΛΟΓΟΣ ΓΙΑ ΤΑ ΑΝΘΡΏΠΙΝΑ ΔΙΚΑΙΏΜΑΤΑ"],
    ["Диалог по правам человека: ПРАВА, права.\nİstanbul, ISTANBUL, ıstanbul, ſtraße",
     "Диалог по правам человека: ПРАВА.\nµ-law, μ-law, Μ-LAW; \"quoted\" words"],
    ["Déclaration conjointe UE-Chine 2024 : « droits de l'homme » ; Ꭰ Ᏸ ꭰ ꮸ 𐐀𐐨"],
]


def _changed(pages):
    """(version id, added lines, removed lines) of every version, as the crawl indexes them,
    and {version id: (text before, text)}."""
    rows, texts_of, version_id = [], {}, 0
    for texts in pages:
        before = ""
        for text in texts:
            version_id += 1
            added, removed = diffing.changed_lines(before, text)
            if added or removed:
                rows.append((version_id, added, removed))
            texts_of[version_id] = (before, text)
            before = text
    return rows, texts_of


def _index(rows, detail):
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE version_lines USING FTS5 (added, removed, tokenize='trigram', "
                 f"content='', detail={detail})")
    conn.executemany("INSERT INTO version_lines (rowid, added, removed) VALUES (?, ?, ?)", rows)
    conn.commit()
    return conn


def _queries(rows, rng, count=1500):
    """Pieces of the changed lines, 1 to 14 characters, as written, in upper, lower and
    folded case, with words around them changed, and a few that are in no text."""
    texts = [text for _, added, removed in rows for text in (added, removed) if text]
    found = set()
    while len(found) < count:
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        piece = text[start:start + rng.randint(1, 14)]
        found.add(rng.choice([piece, piece.upper(), piece.lower(), piece.casefold(), piece.swapcase(),
                              piece + "zq", "qz" + piece]))
    return sorted(found | {"", "ab", "Tib", "tibet", "TIBET", '"quoted"', 'd" wo', "STRASSE", "strasse",
                           "ΟΔΥΣΣΕΥΣ", "οδυσσευσ", "İSTANBUL", "istanbul", "µ-LAW", "ꭰ Ᏸ", "𐐀𐐨", "𐐨𐐨",
                           "   ", "   a", "raised.\nTibet", "was raised.\n", "\nTIBET AND"})


def _new_search(conn, rows, texts_of, words, column):
    """The two steps as the site takes them (``datasette_plugin.lines_hold``): words on one
    line checked in the two texts (``new_lines_hold``), others in the changed lines."""
    lines = {version_id: (added, removed) for version_id, added, removed in rows}
    candidates = conn.execute("SELECT rowid FROM version_lines WHERE version_lines MATCH ? ORDER BY rowid",
                              [search_lines.query(words)]).fetchall()
    found = []
    for (version_id,) in candidates:
        before, after = texts_of[version_id]
        own, other = (after, before) if column == "added" else (before, after)
        if search_lines.one_line(words):
            held = search_lines.new_lines_hold(own, other, words)
            assert held == search_lines.holds(lines[version_id][column == "removed"], words), words
        else:
            held = search_lines.holds(lines[version_id][column == "removed"], words)
        if held:
            found.append(version_id)
    return found


def _old_search(conn, words, column):
    phrase = f'{column} : "' + words.replace('"', '""') + '"'
    return [row[0] for row in conn.execute(
        "SELECT rowid FROM version_lines WHERE version_lines MATCH ? ORDER BY rowid", [phrase])]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_index_without_positions_finds_exactly_what_the_phrase_query_found(seed):
    rng = random.Random(seed)
    pages = PAGES + [[" ".join(rng.choice(PAGES[rng.randrange(len(PAGES))][0].split())
                               for _ in range(rng.randint(3, 30))) for _ in range(3)] for _ in range(20)]
    rows, texts_of = _changed(pages)
    positions, pieces = _index(rows, "full"), _index(rows, "none")
    found_any = 0
    for words in _queries(rows, rng):
        for column in ("added", "removed"):
            expected = _old_search(positions, words, column)
            assert _new_search(pieces, rows, texts_of, words, column) == expected, (words, column)
            found_any += bool(expected)
    assert found_any > 1000  # the queries do find things: the comparison means something


def test_the_fold_agrees_with_sqlite_for_every_character_of_the_first_plane_and_deseret():
    codes = [code for code in range(1, 0x10000) if not 0xD800 <= code <= 0xDFFF] + \
        list(range(0x10400, 0x10450))
    expected = search_lines.folded_by_sqlite(codes)
    assert len(expected) > 1000  # SQLite folds the cased scripts
    assert {code: to for code, to in search_lines._fold_table().items() if code in set(codes)} == expected


def test_no_character_past_the_cased_planes_has_a_case():
    assert not [code for code in range(search_lines.CASED_PLANES, 0x110000)
                if chr(code).lower() != chr(code) or chr(code).upper() != chr(code)
                or chr(code).casefold() != chr(code)]


@pytest.mark.parametrize("words, query", [
    ("Tibet", '"Tib" AND "ibe" AND "bet"'),
    ("EU ", '"EU "'),
    ("aaaa", '"aaa"'),  # each piece once
    ('say "no"', '"say" AND "ay " AND "y """ AND " ""n" AND """no" AND "no"""'),
    ("人権対話", '"人権対" AND "権対話"'),
    ("ab", search_lines.NOTHING),
    ("", search_lines.NOTHING),
    (None, search_lines.NOTHING),
])
def test_the_query_asks_for_every_piece_once(words, query):
    assert search_lines.query(words) == query


@pytest.mark.parametrize("lines, words, held", [
    ("The TIBET dialogue", "tibet", True),
    ("The Tibet dialogue", "Tibet dialogue", True),
    ("The Tibet\ndialogue", "Tibet dialogue", False),  # not across lines
    ("Straße", "STRASSE", False),  # a character folds to one character, as SQLite folds it
    ("ΟΔΥΣΣΕΥΣ", "οδυσσευς", True),  # final sigma folds to sigma
    ("ſtraße", "Straße", True),  # the long s folds to s
    ("EU", "EU", False),  # shorter than a piece: the word index answers it
    ("", "Tibet", False),
])
def test_lines_hold_words_as_written_case_aside(lines, words, held):
    assert search_lines.holds(lines, words) is held


@pytest.mark.parametrize("text, other, words, held", [
    ("Tibet\nEU", "EU", "tibet", True),
    ("Tibet\nEU", "Tibet", "tibet", False),  # the line was there before
    ("Tibet was raised\nEU", "Tibet was raised.", "TIBET", True),  # another line now
    ("  \n   \nx", "", "   ", False),  # blank lines are no lines
    ("a   b", "", "   ", True),
    ("", "Tibet", "Tibet", False),
    ("EU", "", "EU", False),  # shorter than a piece
])
def test_new_lines_hold_words_the_other_text_lacks(text, other, words, held):
    assert search_lines.new_lines_hold(text, other, words) is held


@pytest.mark.parametrize("words, one", [("Tibet", True), ("a\nb", False), ("a\rb", False),
                                         ("x\u2028y", False), ("", False), (None, False)])
def test_one_line(words, one):
    assert search_lines.one_line(words) is one

"""The compiled SequenceMatcher (``cydifflib``) gives difflib's very answers: the same
matching blocks and opcodes, on words, lines and tokens with many repeats, in several
scripts, as ``doubt``, ``machine`` and ``volatile`` ask for them."""

import difflib
import random

import pytest

from monitor.analysis import machine, matching

WORDS = ["the", "of", "and", "rights", "human", "dialogue", "China", "Tibet", "2024", "人権",
         "対話", "права", "Δ", "", " ", "\n", "the", "of"] + [f"w{n}" for n in range(60)]


def _pair(rng, length):
    old = [rng.choice(WORDS) for _ in range(length)]
    new = list(old)
    for _ in range(rng.randint(0, 6)):  # edits: replaced, inserted, removed, moved runs
        at, size = rng.randrange(len(new) + 1), rng.randint(1, 12)
        kind = rng.choice(["replace", "insert", "delete", "move"])
        run = [rng.choice(WORDS) for _ in range(size)]
        if kind == "replace":
            new[at:at + size] = run
        elif kind == "insert":
            new[at:at] = run
        elif kind == "delete":
            del new[at:at + size]
        else:
            moved = new[at:at + size]
            del new[at:at + size]
            new[rng.randrange(len(new) + 1):0] = moved
    return old, new


def _same(old, new):
    mine = matching.SequenceMatcher(None, old, new, autojunk=False)
    theirs = difflib.SequenceMatcher(None, old, new, autojunk=False)
    assert [tuple(b) for b in mine.get_matching_blocks()] == [tuple(b) for b in theirs.get_matching_blocks()]
    assert mine.get_opcodes() == theirs.get_opcodes()
    # the shared alignment (matching.opcodes, matching_blocks): the same, asked twice
    for _ in range(2):
        assert [tuple(b) for b in matching.matching_blocks(old, new)] == [
            tuple(b) for b in theirs.get_matching_blocks()]
        assert list(matching.opcodes(old, new)) == theirs.get_opcodes()


@pytest.mark.parametrize("seed", range(6))
def test_words_give_difflib_s_blocks_and_opcodes(seed):
    rng = random.Random(seed)
    for length in (0, 1, 2, 5, 40, 300, 2500):
        _same(*_pair(rng, length))


def test_lines_and_tokens_give_difflib_s_blocks_and_opcodes():
    rng = random.Random(27)
    for _ in range(30):
        old, new = _pair(rng, 80)
        lines_old = [" ".join(old[i:i + 7]) for i in range(0, len(old), 7)]
        lines_new = [" ".join(new[i:i + 7]) for i in range(0, len(new), 7)]
        _same(lines_old, lines_new)
        _same(machine.tokens(" ".join(old)), machine.tokens(" ".join(new)))
        _same(list("".join(old)), list("".join(new)))  # characters (Chinese, Japanese)


def test_it_is_the_compiled_one_here():
    """The project installs cydifflib (pyproject.toml): difflib is only a fallback."""
    assert matching.SequenceMatcher.__module__.startswith("cydifflib")

"""Aligning two sequences (a text's words, lines or tokens): difflib's SequenceMatcher,
compiled.

``cydifflib`` is difflib's own algorithm compiled with Cython: the same matching blocks
and opcodes for any two sequences, about ten times faster on a page's words (issue 27:
a changed page of 21 KB spent a third of its CPU aligning its words for
``doubt.kept_share``). Where it is not installed, difflib's, with the same answers
(``tests/test_matching.py`` compares the two)."""

import functools

try:
    from cydifflib import SequenceMatcher
except ImportError:  # a platform without its wheel: the same answers, slower
    from difflib import SequenceMatcher

__all__ = ["SequenceMatcher", "matching_blocks", "opcodes"]


def opcodes(a, b):
    """``SequenceMatcher(None, a, b, autojunk=False).get_opcodes()``, as a tuple."""
    return _aligned(tuple(a), tuple(b))[1]


def matching_blocks(a, b):
    """``SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()``, as a tuple."""
    return _aligned(tuple(a), tuple(b))[0]


@functools.lru_cache(maxsize=2)
def _aligned(a, b):
    """The alignment of two sequences, kept for the last two pairs: one check of a changed
    page aligns the same two texts' lines for several judgements (``machine``'s pairs,
    ``volatile``'s runs, ``doubt.kept_share`` on a very long page), each a quadratic
    search on a long page (a 2 MB page with 1,200 lines edited: 10 s each)."""
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    return tuple(matcher.get_matching_blocks()), tuple(matcher.get_opcodes())

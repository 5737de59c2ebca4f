"""Aligning two sequences (a text's words, lines or tokens): difflib's SequenceMatcher,
compiled.

``cydifflib`` is difflib's own algorithm compiled with Cython: the same matching blocks
and opcodes for any two sequences, about ten times faster on a page's words (issue 27:
a changed page of 21 KB spent a third of its CPU aligning its words for
``doubt.kept_share``). Where it is not installed, difflib's, with the same answers
(``tests/test_matching.py`` compares the two)."""

try:
    from cydifflib import SequenceMatcher
except ImportError:  # a platform without its wheel: the same answers, slower
    from difflib import SequenceMatcher

__all__ = ["SequenceMatcher"]

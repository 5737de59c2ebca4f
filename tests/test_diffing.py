"""Line and word diffs: pure functions, checked against difflib and by patching."""

import difflib
import random

import pytest

from monitor.analysis.diffing import DIFFERS, anchored_opcodes, changed_lines, line_diff, word_diff

CASES = [
    # before, after, lines added, lines removed
    ("a\nb\nc", "a\nb\nc", 0, 0),
    ("a\nb\nc", "a\nB\nc", 1, 1),
    ("a\nb\nc", "a\nb\nc\nd", 1, 0),
    ("a\nb\nc", "b\nc", 0, 1),
    ("", "new page", 1, 0),
    ("x\nx\nx", "x\nx", 0, 1),  # no unique line: difflib alone
    ("head\n1\n2\n3\n4\n5\n6\n7\ntail", "head\n1\n2\n3\nfour\n5\n6\n7\ntail", 1, 1),
]


@pytest.mark.parametrize("before, after, added, removed", CASES)
def test_counts(before, after, added, removed):
    result = line_diff(before, after)
    assert (result["lines_added"], result["lines_removed"]) == (added, removed)


@pytest.mark.parametrize("before, after, added, removed", CASES)
def test_same_text_as_difflib_on_small_changes(before, after, added, removed):
    expected = "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), "before", "after",
                                              n=2, lineterm=""))
    assert line_diff(before, after)["diff"] == expected


def apply(before, opcodes, after):
    lines_a, lines_b, out = before.splitlines(), after.splitlines(), []
    for tag, i1, i2, j1, j2 in opcodes:
        out += lines_a[i1:i2] if tag == "equal" else lines_b[j1:j2]
        if tag == "equal":
            assert lines_a[i1:i2] == lines_b[j1:j2]
    return out


def test_opcodes_rebuild_the_new_text_on_random_edits():
    rng = random.Random(3)
    vocabulary = [f"line {n}" for n in range(40)]  # many repeats, some unique
    for _ in range(200):
        before = [rng.choice(vocabulary) if rng.random() < 0.7 else f"unique {rng.random()}"
                  for _ in range(rng.randint(0, 60))]
        after = list(before)
        for _ in range(rng.randint(0, 8)):
            position = rng.randint(0, len(after))
            action = rng.choice(("insert", "delete", "replace"))
            if action == "insert" or not after:
                after.insert(position, rng.choice(vocabulary + ["fresh"]))
            elif action == "delete":
                del after[min(position, len(after) - 1)]
            else:
                after[min(position, len(after) - 1)] = "changed"
        opcodes = anchored_opcodes(before, after)
        assert apply("\n".join(before), opcodes, "\n".join(after)) == after


def test_moved_paragraph_is_one_removal_and_one_addition():
    before = "\n".join(f"paragraph {n}" for n in range(10))
    lines = before.splitlines()
    after = "\n".join(lines[:2] + lines[3:8] + [lines[2]] + lines[8:])
    result = line_diff(before, after)
    assert (result["lines_added"], result["lines_removed"]) == (1, 1)


def test_word_diff_marks_words():
    result = word_diff("held in Ottawa in May", "held in Beijing in May")
    assert result["diff"] == "held in [-Ottawa-] {+Beijing+} in May"
    assert set(DIFFERS) == {"lines", "words"}


@pytest.mark.parametrize("before, after, added, removed", [
    ("", "a\nb", "a\nb", ""),                    # a first version adds every line
    ("a\nb\nc", "a\nb\nc", "", ""),
    ("a\nb\nc", "a\nB\nc", "B", "b"),
    ("a\nb", "b\na", "", ""),                    # a move adds and removes nothing
    ("a\nb", "a\nb\nn\nn", "n", ""),            # each line once
    ("a\n\n  \nb", "a\n\nb\n   ", "", ""),       # blank lines are not content
    ("x\ny\nz", "z\nw\nv", "w\nv", "x\ny"),     # in order of appearance
])
def test_changed_lines(before, after, added, removed):
    assert changed_lines(before, after) == (added, removed)

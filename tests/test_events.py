"""Event classification: a table of (before, what the crawl saw) -> event and state."""

import pytest

from monitor.analysis.events import (
    DISCOVERY_KINDS, KINDS, LINK_KINDS, NOTE_KINDS, PROBLEM_KINDS, Outcome, Previous, classify,
)

NONE = Previous(False, None, None, "new", 0)
OK = Previous(True, "t1", "2002-11|month", "ok", 0)
NO_MARKER = Previous(True, "t1", None, "ok", 0)
GONE = Previous(True, "t1", "2002-11|month", "gone", 0)
FAILING = Previous(True, "t1", "2002-11|month", "failing", 3)
TWO_ERRORS = Previous(True, "t1", "2002-11|month", "ok", 2)

CASES = [
    # previous, outcome, expected kind, expected state, expected errors
    (NONE, Outcome("ok", "t1", None), "new", "ok", 0),
    (NONE, Outcome("gone"), "gone", "gone", 0),
    (OK, Outcome("ok", "t1", "2002-11|month"), None, "ok", 0),
    (OK, Outcome("not_modified", "t1", "2002-11|month"), None, "ok", 0),
    (OK, Outcome("ok", "t2", "2024-03-12|day"), "updated", "ok", 0),
    (OK, Outcome("ok", "t2", "2002-11|month"), "silent_edit", "ok", 0),
    (OK, Outcome("ok", "t2", None), "updated", "ok", 0),  # the marker vanished with the edit
    (NO_MARKER, Outcome("ok", "t2", None), "changed", "ok", 0),
    (OK, Outcome("ok", "t1", "2024-03-12|day"), "marker_only", "ok", 0),
    (NO_MARKER, Outcome("ok", "t1", "2024-03-12|day"), "marker_only", "ok", 0),
    (OK, Outcome("gone"), "gone", "gone", 0),
    (GONE, Outcome("gone"), None, "gone", 0),
    (GONE, Outcome("ok", "t1", "2002-11|month"), "restored", "ok", 0),
    (GONE, Outcome("ok", "t2", "2024-03-12|day"), "restored", "ok", 0),
    (GONE, Outcome("error"), None, "gone", 1),
    (OK, Outcome("error"), None, "ok", 1),
    (TWO_ERRORS, Outcome("error"), "failing", "failing", 3),
    (FAILING, Outcome("error"), None, "failing", 4),
    (FAILING, Outcome("ok", "t1", "2002-11|month"), "recovered", "ok", 0),
    (FAILING, Outcome("not_modified", "t1", "2002-11|month"), "recovered", "ok", 0),
    (FAILING, Outcome("ok", "t2", "2024-03-12|day"), "updated", "ok", 0),
    (TWO_ERRORS, Outcome("ok", "t1", "2002-11|month"), None, "ok", 0),
    (FAILING, Outcome("gone"), "gone", "gone", 0),
]


@pytest.mark.parametrize("previous, outcome, kind, state, errors", CASES)
def test_classify(previous, outcome, kind, state, errors):
    decision = classify(previous, outcome, failing_after=3)
    assert (decision.kind, decision.state, decision.consecutive_errors) == (kind, state, errors)


def test_failing_threshold_is_configurable():
    one_error = Previous(True, "t1", None, "ok", 0)
    assert classify(one_error, Outcome("error"), failing_after=1).kind == "failing"
    assert classify(one_error, Outcome("error"), failing_after=5).kind is None


def test_every_kind_is_reachable_and_described():
    reached = {c[2] for c in CASES if c[2]}
    # problems: events.problem (test_alerts.py); notes: the store (test_rules.py, test_volatile.py);
    # stale: staleness.stale_level at each check (test_stale_alerts.py); links: the store
    # compares link sets (test_links.py); replaced: a held change confirmed (test_confirm.py)
    # discovery: a crawl reading feeds and listings (test_discover.py)
    assert reached == (set(KINDS) - PROBLEM_KINDS - NOTE_KINDS - LINK_KINDS - DISCOVERY_KINDS
                       - {"stale", "replaced"})
    assert all(KINDS[k] for k in KINDS)


def test_new_version_only_when_something_changed():
    assert classify(OK, Outcome("ok", "t1", "2002-11|month")).new_version is False
    assert classify(OK, Outcome("ok", "t1", "2024-03-12|day")).new_version is True
    assert classify(OK, Outcome("ok", "t2", "2002-11|month")).text_changed is True

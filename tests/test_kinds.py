"""One vocabulary of change kinds (issue 23): every set of kinds is derived from one
table of traits (``monitor.analysis.events.TRAITS``) and every module reads those sets.

The literal sets below are the ones the modules spelled apart before the table:
deriving them changed no behaviour."""

import re

from monitor.analysis import events
from monitor.notify import alerts
from monitor.store import archive, readings
from monitor.workspace import views
from monitor import reanalyse

BEFORE = {
    "TEXT_KINDS": {"updated", "silent_edit", "changed", "restored", "replaced"},
    "CHANGE_KINDS": {"updated", "silent_edit", "changed", "marker_only", "replaced"},
    "WEIGHED_KINDS": {"updated", "silent_edit", "changed"},  # store/confirm.py
    "DIFFED_KINDS": {"updated", "silent_edit", "changed", "restored", "replaced",
                     "rules_changed", "volatile_change"},
    "PROBLEM_KINDS": {"layout_changed", "robots_blocked", "volatile_text", "follow_limit",
                      "needs_browser"},
    "NOTE_KINDS": {"rules_changed", "moved", "volatile_change", "unlinked", "seen_in_archive",
                   "transient", "delisted"},
    "DISCOVERY_KINDS": {"new_publication", "delisted"},
    "LINK_KINDS": {"documents_changed", "links_changed"},
    # notify/alerts.py DEFAULT_KINDS
    "ALERTED_KINDS": set(events.KINDS) - {"recovered", "links_changed", "rules_changed", "moved",
                                          "volatile_change", "unlinked", "seen_in_archive",
                                          "transient", "delisted"},
    # notify/alerts.py
    "MARKER_KINDS": {"new", "updated", "silent_edit", "changed", "marker_only", "restored",
                     "replaced"},
    "DIGEST_KINDS": {"stale", "documents_changed", "links_changed", "new_publication"},
    # store/archive.py
    "SEAM_KINDS": {"new", "seen_in_archive", "marker_only", "updated", "silent_edit", "changed",
                   "replaced"},
    "ARCHIVED_KINDS": {"updated", "silent_edit", "changed", "restored", "replaced", "marker_only"},
    # workspace/views.py
    "REVIEWED_KINDS": {"updated", "silent_edit", "changed", "marker_only", "replaced", "gone",
                       "restored", "documents_changed", "links_changed", "new_publication"},
}


def test_every_kind_has_one_row_of_known_traits():
    assert list(events.TRAITS) == list(events.KINDS)
    used = {trait for traits in events.TRAITS.values() for trait in traits.split()}
    assert used == set(events.TRAIT_WORDS)


def test_the_derived_sets_are_the_sets_spelled_apart_before():
    for name, kinds in BEFORE.items():
        assert getattr(events, name) == kinds, name


def test_every_module_reads_the_derived_sets():
    assert alerts.DEFAULT_KINDS == events.ALERTED_KINDS
    assert alerts.MARKER_KINDS == events.MARKER_KINDS
    assert alerts.DIGEST_DETAIL_KINDS == events.DIGEST_KINDS
    assert archive.SEAM_KINDS == events.SEAM_KINDS
    assert set(views.REVIEW_KINDS) == events.REVIEWED_KINDS
    assert not hasattr(readings, "CHANGE_KINDS") and not hasattr(reanalyse, "CHANGE_KINDS")


def test_a_note_is_never_alerted_and_restored_is_a_text_change_not_a_replay():
    assert not events.NOTE_KINDS & events.ALERTED_KINDS
    assert "restored" in events.TEXT_KINDS and "restored" not in events.CHANGE_KINDS


def test_the_save_page_now_trigger_queues_the_archived_kinds(open_db):
    """The migration names its kinds itself (a migration reads no live code): they are
    still the ones ``events.ARCHIVED_KINDS`` derives."""
    db = open_db()
    (sql,) = db.conn.execute("SELECT sql FROM sqlite_master WHERE name = "
                             "'archive_changes_ai'").fetchone()
    listed = re.search(r"new\.kind IN \(([^)]*)\)", sql).group(1)
    assert {kind.strip(" '") for kind in listed.split(",")} == events.ARCHIVED_KINDS

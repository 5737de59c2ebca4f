"""Event classification: what one crawl of one source means.

A pure function, ``classify(previous, outcome, failing_after)``, decides the
single event a crawl yields (or none) and the source's next state;
``problem(outcome, detail, previous)`` notices a monitoring problem (a selector
that no longer matches, robots.txt forbidding the page) the first time it
appears; a ``stale`` event (``monitor.analysis.staleness.stale_level``) says when
a page's claim grows older than ``stale_after``. Every later feature (alerts,
feeds, the published site) reads these kinds.
"""

import dataclasses

# What each kind means, in words a campaigner can read (used by the CLI,
# alerts and the README).
KINDS = {
    "new": "first capture of the page",
    "updated": "the text changed and so did its 'last updated' line",
    "silent_edit": "the text changed but its 'last updated' line did not",
    "changed": "the text changed (the page shows no 'last updated' line)",
    "marker_only": "only the 'last updated' line changed; the text is the same",
    "gone": "the page disappeared (404/410, or redirected to an unrelated page)",
    "restored": "a page that had disappeared is back",
    "failing": "the page could not be fetched several times in a row",
    "recovered": "a failing page can be fetched again",
    "layout_changed": "the page's layout changed: the part dialogue-watch was set to read "
                      "(its text or its 'last updated' line) can no longer be found",
    "robots_blocked": "the site's robots.txt now forbids fetching the page",
    "needs_browser": "the page arrives as an empty shell that JavaScript fills in: a plain "
                     "fetch does not see its text; it must be read in a browser (the team can "
                     "set that up for the page)",
    "volatile_text": "a part of the page changes at nearly every check (a counter, a token, a "
                     "'generated at' line, a tip, a quote or one of two banners picked anew at "
                     "each visit): those changes are kept without alerts; the team can tell "
                     "dialogue-watch to skip that part",
    "stale": "the page still claims a 'last updated' date older than the limit set for it "
             "(a year unless the team chose otherwise); said once, and once more when it is "
             "twice as old",
    "rules_changed": "a note: the team changed how this page is read, so its text was read "
                     "again the new way (never alerted)",
    "moved": "a note: the team gave the page a new address; the new address was fetched "
             "and compared with the last version (never alerted)",
    "volatile_change": "a note: only the part of the page that changes at every check "
                       "changed (kept, never alerted)",
    "documents_changed": "a document (PDF, Word, ODF, spreadsheet, presentation) linked from "
                         "the page's content was added or removed; the event lists which",
    "links_changed": "a link in the page's content (not its menus, header or footer) was "
                     "added or removed; the event lists which",
    "unlinked": "a note: a document watched because its index page linked to it is no "
                "longer linked from there; it is still watched at its address",
    "follow_limit": "the page links to more documents than dialogue-watch was set to watch "
                    "for it: the rest are not watched",
    "replaced": "the page now shows something else entirely: most of its text was replaced "
                "at once, and checking again a few minutes later found the same",
    "transient": "a note: one check found something other than the page (a wall, an error "
                 "page, a page cut short, words the site writes anew at each visit); checked "
                 "again, the page was back as before, or showed other words again (kept, "
                 "never alerted)",
    "seen_in_archive": "a note: dialogue-watch's first capture of the page reads the same as "
                       "the Internet Archive's last copy before it (never alerted)",
    "new_publication": "a new publication matching the words watched for appeared in a "
                       "partner's news feed, sitemap or listing; the page is now watched",
    "delisted": "a note: a publication found in a news feed, sitemap or listing is no "
                "longer listed there; the page itself is still watched at its address",
}
# Each kind's traits, one row per kind: every set of kinds below is derived from this
# table, and every module reads those sets (tests/test_kinds.py pins them).
TRAITS = {
    "new":               "alerted marker seam",
    "updated":           "alerted text change weighed diffed marker seam reviewed",
    "silent_edit":       "alerted text change weighed diffed marker seam reviewed",
    "changed":           "alerted text change weighed diffed marker seam reviewed",
    "marker_only":       "alerted change marker seam reviewed",
    "gone":              "alerted reviewed",
    "restored":          "alerted text diffed marker reviewed",
    "failing":           "alerted",
    "recovered":         "",
    "layout_changed":    "alerted problem",
    "robots_blocked":    "alerted problem",
    "needs_browser":     "alerted problem",
    "volatile_text":     "alerted problem",
    "stale":             "alerted digest",
    "rules_changed":     "note diffed",
    "moved":             "note",
    "volatile_change":   "note diffed",
    "documents_changed": "alerted link digest reviewed",
    "links_changed":     "link digest reviewed",
    "unlinked":          "note",
    "follow_limit":      "alerted problem",
    "replaced":          "alerted text change diffed marker seam reviewed",
    "transient":         "note",
    "seen_in_archive":   "note seam",
    "new_publication":   "alerted discovery digest reviewed",
    "delisted":          "note discovery",
}
# What each trait means.
TRAIT_WORDS = {
    "alerted": "alerted by default (a subscriber in alerts.yaml without `kinds`)",
    "note": "a note in the history, beside (or instead of) a change: never alerted",
    "problem": "a monitoring problem, recorded (as an extra event) when it first appears",
    "discovery": "told by a partner's feeds, sitemaps and listings (monitor.discover), "
                 "not by classify",
    "link": "what a page links to changed (monitor.analysis.links), told beside the text's event",
    "text": "the page's text changed: the government's last real change (last_changed_at)",
    "change": "a change of the page's own words or 'last updated' line, as a campaigner means "
              "it (what reanalyse replays and the stored readings compare)",
    "weighed": "accuses the page's owner of changing its words: weighed before anyone is "
               "told (monitor.analysis.check.weigh; held by monitor.store.confirm)",
    "diffed": "stored with the diff between the version before and the version after",
    "marker": "its alert shows the page's 'last updated' line",
    "seam": "a first check's event that the Internet Archive's copies may tell again "
            "(monitor.store.archive.settle_seam)",
    "reviewed": "a person reviews it in the workspace",
    "digest": "its detail is the news itself (how old, which documents): shown in digests too",
}


def kinds_with(trait):
    """The kinds having ``trait`` (one of ``TRAIT_WORDS``)."""
    if trait not in TRAIT_WORDS:
        raise KeyError(trait)
    return frozenset(kind for kind, traits in TRAITS.items() if trait in traits.split())


TEXT_KINDS = kinds_with("text")
CHANGE_KINDS = kinds_with("change")
WEIGHED_KINDS = kinds_with("weighed")
DIFFED_KINDS = kinds_with("diffed")
PROBLEM_KINDS = kinds_with("problem")
NOTE_KINDS = kinds_with("note")
DISCOVERY_KINDS = kinds_with("discovery")
LINK_KINDS = kinds_with("link")
ALERTED_KINDS = kinds_with("alerted")
MARKER_KINDS = kinds_with("marker")
DIGEST_KINDS = kinds_with("digest")
SEAM_KINDS = kinds_with("seam")
REVIEWED_KINDS = kinds_with("reviewed")
# Every change of the text or of its 'last updated' line: its version goes to Save Page Now.
ARCHIVED_KINDS = TEXT_KINDS | CHANGE_KINDS
# How they show in the words of an observation's error or note (written by
# monitor.analysis.analyze and monitor.fetch.transport; tests/test_alerts.py crawls both).
PROBLEM_SIGNS = {"layout_changed": "did the page layout change?",
                 "robots_blocked": "robots.txt forbids",
                 "needs_browser": "add render: browser"}  # monitor.analysis.shell.SIGN
STATES = ("new", "ok", "gone", "failing")
# A stored fetch's outcome, in the words the crawl's progress and summary use.
OUTCOME_WORDS = {"ok": "fetched", "not_modified": "unchanged", "gone": "gone", "error": "failed",
                 "superseded": "superseded by a later fetch"}


@dataclasses.dataclass(frozen=True)
class Previous:
    has_version: bool
    text_sha256: str | None
    marker: str | None  # "date|precision", or None when the page showed none
    state: str  # one of STATES
    consecutive_errors: int


@dataclasses.dataclass(frozen=True)
class Outcome:
    kind: str  # "ok" | "not_modified" | "gone" | "error"
    text_sha256: str | None = None
    marker: str | None = None


@dataclasses.dataclass(frozen=True)
class Decision:
    kind: str | None
    state: str
    consecutive_errors: int
    new_version: bool = False
    text_changed: bool = False


def classify(previous, outcome, failing_after=3):
    if outcome.kind == "error":
        return _on_error(previous, failing_after)
    if outcome.kind == "gone":
        kind = None if previous.state == "gone" else "gone"
        return Decision(kind, "gone", 0)
    return _on_page(previous, outcome)


def _on_error(previous, failing_after):
    errors = previous.consecutive_errors + 1
    if previous.state in ("gone", "failing"):
        return Decision(None, previous.state, errors)
    if errors >= failing_after:
        return Decision("failing", "failing", errors)
    return Decision(None, previous.state, errors)


def _on_page(previous, outcome):
    if not previous.has_version:
        return Decision("new", "ok", 0, new_version=True)
    text_changed = outcome.text_sha256 != previous.text_sha256
    marker_changed = outcome.marker != previous.marker
    changed = text_changed or marker_changed
    kind = _change_kind(previous, text_changed, marker_changed, outcome.marker)
    return Decision(kind, "ok", 0, new_version=changed, text_changed=text_changed)


def _change_kind(previous, text_changed, marker_changed, marker):
    if previous.state == "gone":
        return "restored"
    if text_changed and marker_changed:
        return "updated"
    if text_changed:
        return "silent_edit" if marker else "changed"
    if marker_changed:
        return "marker_only"
    if previous.state == "failing":
        return "recovered"
    return None


def problem(outcome, detail, previous=None):
    """``(problem now, problem to report)`` for one crawl: the monitoring problem
    the page has after it, and the kind to record if that problem is new.

    A 304 or another kind of error says nothing about the layout, so the
    previous problem stands; a page read without one clears it.
    """
    for kind, sign in PROBLEM_SIGNS.items():
        if detail and sign in detail:
            return kind, (kind if kind != previous else None)
    if outcome in ("ok", "gone"):
        return None, None
    return previous, None

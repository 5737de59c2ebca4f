"""The decision of one check (``monitor.analysis.check.decide``), one row per path: plain
facts in, a verdict out (issue 23: decide, then store). The store's side of each path
is crawled against real local servers in test_confirm, test_volatile, test_rules,
test_backfill, test_verify_304, test_concurrency and the others."""

import dataclasses

import pytest

from monitor.analysis import check, doubt, events, volatile

BEFORE_AT, AT = "2024-03-01T10:00:00Z", "2024-03-01T10:05:00Z"
MARKER, MARKER_KEY = "Last updated: 5 January 2024", "2024-01-05|day"
LINES = ["Water policy of the ministry", "The ministry will build wells in every province.",
         "Farmers are consulted before each project starts.",
         "Questions go to the water office.", "Reports are published once a year.", MARKER]
PAGE = "\n".join(LINES)
EDITED = PAGE.replace("every province", "every northern province")
MOVED_MARKER = PAGE.replace(MARKER, "Last updated: 9 February 2024")
WALL = "Access denied\nPlease verify you are human"
CLOCK = PAGE + "\nPage generated at 10:00", PAGE + "\nPage generated at 10:05"
COUNTER = PAGE + "\nVisitors today: 1200", PAGE + "\nVisitors today: 1350"
COUNTER_PLACE = volatile.changes(*COUNTER)[0][0].place
A_COUNTER = {COUNTER_PLACE: volatile.Place(3, 0, ("1000", "1100", "1200"), "2024-02-01")}
# A tip the site picks anew at each visit, at the top of the page; it changed at the
# version before (its run is a place of the history), and changes again now.
TIPS = ["Did you know? Wells are tested every spring by the water office.",
        "Did you know? The ministry answers letters within twenty working days.",
        "Did you know? Maps of every province can be borrowed from the library.",
        "Did you know? School visits to the treatment plant are free of charge."]
TIPPED = [tip + "\n" + PAGE for tip in TIPS]
TIP_RUN = volatile.rotated(TIPPED[0], TIPPED[1])[0][0]
A_TIP = {TIP_RUN.place: volatile.Place(1, 0, (TIPS[0], TIPS[1]))}
HELD_TIP = check.Held(fetch_id=7, text_sha256="TIP2", at=BEFORE_AT, reason="rotated")
HELD_BACK = check.Held(fetch_id=7, text_sha256="TIP0", at=BEFORE_AT, reason="returned")
# An edit held until the crawl's second fetch of the page, seconds later (doubt.AT_ONCE).
HELD_EDIT = check.Held(fetch_id=7, text_sha256="EDITED", at=BEFORE_AT, reason=doubt.AT_ONCE)
HELD_TIP1 = dataclasses.replace(HELD_EDIT, text_sha256="TIP1")
MENU = ["Home", "News", "Visas", "Embassies", "Treaties", "Contact"]
SHUFFLED = ["\n".join(order) + "\n" + PAGE for order in (
    MENU, [MENU[i] for i in (0, 3, 4, 2, 5, 1)], [MENU[i] for i in (2, 1, 0, 4, 3, 5)],
    [MENU[i] for i in (5, 2, 1, 4, 0, 3)], [MENU[i] for i in (3, 0, 5, 1, 4, 2)])]
RULES = ("content: main -> article",)
HELD = check.Held(fetch_id=7, text_sha256="WALL", at=BEFORE_AT, reason="most_replaced")


def previous(**changes):
    return events.Previous(**{"has_version": True, "text_sha256": "PAGE", "marker": MARKER_KEY,
                              "state": "ok", "consecutive_errors": 0, **changes})


def texts(before, after, after_sha="EDITED"):
    """This check's text against the compared version's (``rows.Texts``)."""
    if before == after:
        return check.Texts("", after, False, "PAGE")
    return check.Texts(before, after, True, after_sha)


def facts(outcome="ok", text_sha="PAGE", marker=MARKER_KEY, **changes):
    """A check of a page whose version reads PAGE, finding ``text_sha``."""
    base = check.Facts(previous(), events.Outcome(outcome, text_sha, marker), fetched_at=AT,
                       compared_at=BEFORE_AT, marker_before=MARKER, marker_after=MARKER,
                       texts=texts(PAGE, PAGE) if outcome == "ok" else None,
                       url="https://gov.example/water", moved_from="https://gov.example/water")
    return dataclasses.replace(base, **changes)


def changed(after, sha="EDITED", marker=MARKER_KEY, before=PAGE, **changes):
    return facts(text_sha=sha, marker=marker, texts=texts(before, after, sha), **changes)


RULES_WORDS = "content: main -> article; the page reads the same with them"

ROWS = {
    # name: (facts, kind, new version, next state, other fields of the verdict)
    "first capture": (facts(previous=previous(has_version=False, text_sha256=None, marker=None,
                                              state="new"), texts=texts("", PAGE)),
                      "new", True, "ok", {}),
    "unchanged": (facts(), None, False, "ok", {}),
    "updated": (changed(EDITED, marker="2024-03-01|day", marker_after="Last updated: 1 March"),
                "updated", True, "ok", {"words": None}),
    "silent edit": (changed(EDITED), "silent_edit", True, "ok", {}),
    "marker only": (facts(marker="2024-02-09|day"), "marker_only", True, "ok", {}),
    "marker line moved in the text": (
        changed(MOVED_MARKER, marker="2024-02-09|day",
                marker_after="Last updated: 9 February 2024"), "marker_only", True, "ok", {}),
    "gone": (facts("gone", None), "gone", False, "gone", {}),
    "gone again": (facts("gone", None, previous=previous(state="gone")), None, False, "gone", {}),
    "restored": (changed(EDITED, previous=previous(state="gone")), "restored", True, "ok", {}),
    "failed once": (facts("error", None), None, False, "ok", {}),
    "failing": (facts("error", None, previous=previous(consecutive_errors=2)), "failing", False,
                "failing", {}),
    "recovered": (facts(previous=previous(state="failing", consecutive_errors=4)), "recovered",
                  False, "ok", {}),
    "held for a second look": (changed(WALL, "WALL"), None, False, "ok", {"hold": True}),
    "transient (the page answers 304 again)": (
        facts("not_modified", held=HELD), None, False, "ok",
        {"release": True, "transient": True}),
    "transient (the page reads as before)": (
        facts(held=HELD), None, False, "ok", {"release": True, "transient": True}),
    "confirmed replaced": (
        changed(WALL, "WALL", held=HELD, held_text=WALL), "replaced", True, "ok",
        {"release": True, "confirmed": True,
         "words": "the page now shows something else entirely; it begins: Access denied / "
                  "Please verify you are human"}),
    "held again: a failed check settles nothing": (
        facts("error", None, held=HELD), None, False, "ok", {"release": False}),
    "a run changed at two checks in a row: held": (
        changed(TIPPED[2], "TIP2", before=TIPPED[1], places=A_TIP), None, False, "ok",
        {"hold": True}),
    "the same run edited after a quiet check: told at once": (
        changed(TIPPED[2], "TIP2", before=TIPPED[1], places=A_TIP, unchanged_checks=1),
        "silent_edit", True, "ok", {"hold": False}),
    "a held run changed again at the look: volatile": (
        changed(TIPPED[3], "TIP3", before=TIPPED[1], places=A_TIP, held=HELD_TIP,
                held_text=TIPPED[2]), "volatile_change", True, "ok", {"release": True}),
    "a held run, an edit stayed beside it: confirmed": (
        changed(TIPPED[3].replace("once a year", "twice a year"), "TIP3E",
                before=TIPPED[1], places=A_TIP, held=HELD_TIP,
                held_text=TIPPED[2].replace("once a year", "twice a year")),
        "silent_edit", True, "ok", {"release": True, "confirmed": True}),
    "held at three looks without settling: told": (  # the tip again, and a line edited
        changed(TIPPED[3].replace("once a year", "twice a year"), "TIP3E", before=TIPPED[1],
                places=A_TIP, held=dataclasses.replace(HELD_TIP, looks=2), held_text=TIPPED[2]),
        "silent_edit", True, "ok", {"release": True, "confirmed": False}),
    "a run back to the words it had just before: held": (
        changed(TIPPED[0], "TIP0", before=TIPPED[1], places=A_TIP), None, False, "ok",
        {"hold": True, "weighed": check.Weighed(
            check.HOLD, doubt.Judgement(doubt.DOUBTFUL, "returned"))}),
    "... even after a quiet check": (
        changed(TIPPED[0], "TIP0", before=TIPPED[1], places=A_TIP, unchanged_checks=2),
        None, False, "ok", {"hold": True}),
    "a held return that stays at the first look: held once more": (
        changed(TIPPED[0], "TIP0", before=TIPPED[1], places=A_TIP, held=HELD_BACK,
                held_text=TIPPED[0]), None, False, "ok", {"hold": True, "weighed": check.Weighed(
                    doubt.HOLD_AGAIN, doubt.Judgement(doubt.DOUBTFUL, "returned"), HELD_BACK,
                    keep_held=True)}),
    "... and at the second: told, dated when first seen": (
        changed(TIPPED[0], "TIP0", before=TIPPED[1], places=A_TIP,
                held=dataclasses.replace(HELD_BACK, looks=2), held_text=TIPPED[0]),
        "silent_edit", True, "ok", {"release": True, "confirmed": True}),
    "a held return whose look finds the page as it was: volatile lines, a transient note": (
        facts(texts=texts(TIPPED[1], TIPPED[1]), places=A_TIP, held=HELD_BACK,
              held_text=TIPPED[0], genuine_text=TIPPED[1]), None, False, "ok",
        {"release": True, "transient": True}),
    "an edit, where the crawl can fetch the page again at once: held for it": (
        changed(EDITED, look_at_once=True), None, False, "ok",
        {"hold": True, "weighed": check.Weighed(
            check.HOLD, doubt.Judgement(doubt.DOUBTFUL, doubt.AT_ONCE))}),
    "... where it cannot (a replay): told at once": (
        changed(EDITED), "silent_edit", True, "ok", {"hold": False}),
    "... the second fetch shows it: one more look at once": (
        changed(EDITED, held=HELD_EDIT, held_text=EDITED, look_at_once=True), None, False, "ok",
        {"release": False, "confirmed": False, "weighed": check.Weighed(
            doubt.HOLD_AGAIN, doubt.Judgement(doubt.DOUBTFUL, doubt.AT_ONCE), HELD_EDIT,
            keep_held=True)}),
    "... the third fetch shows it too: told, dated when first seen": (
        changed(EDITED, held=dataclasses.replace(HELD_EDIT, looks=doubt.AT_ONCE_LOOKS),
                held_text=EDITED, look_at_once=True), "silent_edit",
        True, "ok", {"release": True, "confirmed": True, "words": None}),
    "... the page as it was: a transient note": (
        facts(held=HELD_EDIT, held_text=EDITED, genuine_text=PAGE, look_at_once=True), None,
        False, "ok", {"release": True, "transient": True, "moving": False}),
    "... a wall at the second fetch, without the sentence the edit dropped: held as a wall": (
        changed(WALL, "WALL", held=dataclasses.replace(HELD_EDIT, text_sha256="DROPPED"),
                held_text=PAGE.replace("Questions go to the water office.\n", ""),
                look_at_once=True), None, False, "ok",
        {"hold": True, "weighed": check.Weighed(
            check.HOLD, doubt.Judgement(doubt.DOUBTFUL, "much_shorter"),
            dataclasses.replace(HELD_EDIT, text_sha256="DROPPED"))}),
    "... other words again in its place: volatile": (
        changed(TIPPED[2], "TIP2", before=TIPPED[0], held=HELD_TIP1, held_text=TIPPED[1],
                look_at_once=True), "volatile_change", True, "ok",
        {"release": True, "confirmed": False}),
    "... other words again beside an edit that stayed: one more look at once": (
        changed(TIPPED[2].replace("once a year", "twice a year"), "TIP2E", before=TIPPED[0],
                held=HELD_TIP1, held_text=TIPPED[1].replace("once a year", "twice a year"),
                look_at_once=True), None, False, "ok",
        {"release": False, "confirmed": False,
         "weighed": check.Weighed(doubt.HOLD_AGAIN, doubt.Judgement(doubt.DOUBTFUL, doubt.AT_ONCE),
                                  HELD_TIP1, keep_held=True)}),
    "... and at that last look too: told": (
        changed(TIPPED[2].replace("once a year", "twice a year"), "TIP2E", before=TIPPED[0],
                held=dataclasses.replace(HELD_TIP1, looks=doubt.AT_ONCE_LOOKS),
                held_text=TIPPED[1].replace("once a year", "twice a year"),
                look_at_once=True), "silent_edit", True, "ok",
        {"release": True, "confirmed": True}),
    "... a list in another order, the lines that stay put another run: volatile": (
        changed(SHUFFLED[3], "MENU3", before=SHUFFLED[0], held=HELD_TIP1, held_text=SHUFFLED[4],
                look_at_once=True), "volatile_change", True, "ok", {"release": True}),
    "... a list in another order at each fetch: no version, a transient note": (
        changed(SHUFFLED[2], "MENU2", before=SHUFFLED[0], held=HELD_TIP1, held_text=SHUFFLED[1],
                look_at_once=True), None, False, "ok",
        {"release": True, "transient": True, "moving": True, "link_kinds": ()}),
    "volatile note": (changed(COUNTER[1], before=COUNTER[0], places=A_COUNTER),
                      "volatile_change", True, "ok", {"weighed": check.Weighed(None)}),
    "machine note": (changed(CLOCK[1], before=CLOCK[0]), "volatile_change", True, "ok",
                     {"words": 'only values a machine writes anew changed (only values the '
                               'site writes anew at each visit changed: "at 10:05" (was '
                               '"at 10:00", clock))'}),
    "seam from the archive": (facts(seam=True, first_check=True), "seen_in_archive", True, "ok",
                              {"quiet": True, "weighed": check.Weighed(None)}),
    "seam: a change since the archive's copy": (
        changed(EDITED, seam=True, first_check=True, link_kinds=("links_changed",)),
        "silent_edit", True, "ok", {"quiet": True, "link_kinds": ()}),
    "rules restart: a change is not told": (
        changed(EDITED, reread=check.Reread(RULES, "unreadable", 5, "no stored copy")),
        None, True, "ok", {"keep_rules": False}),
    "rules restart: the same text takes the new rules": (
        facts(reread=check.Reread(RULES, "unreadable", 5, "no stored copy")), None, False, "ok",
        {"keep_rules": True}),
    "rules read the page alike": (
        facts(reread=check.Reread(RULES, "same", 5)), None, False, "ok",
        {"notes": (check.Told("rules_changed", RULES_WORDS, 5),)}),
    "rules note said once": (
        facts(reread=check.Reread(RULES, "same", 5, last_note=(RULES_WORDS, 5))), None, False,
        "ok", {"notes": ()}),
    "moved": (facts(url="https://gov.example/water-policy"), None, False, "ok",
              {"notes": (check.Told("moved", "the address changed from "
                                    "https://gov.example/water to "
                                    "https://gov.example/water-policy"),)}),
    "a link came": (facts(link_kinds=("documents_changed",)), None, True, "ok",
                    {"link_kinds": ("documents_changed",)}),
    "304s hid a change": (changed(EDITED, hid_a_change=True), "silent_edit", True, "ok",
                          {"distrust": True}),
    "304s hid nothing of a restored page": (
        changed(EDITED, hid_a_change=True, previous=previous(state="gone")), "restored", True,
        "ok", {"distrust": False}),
}


@pytest.mark.parametrize("name", ROWS)
def test_decide(name):
    given, kind, new_version, state, fields = ROWS[name]
    verdict = check.decide(given)
    assert (verdict.decision.kind, verdict.decision.new_version, verdict.decision.state) == \
        (kind, new_version, state)
    for field, value in fields.items():
        assert getattr(verdict, field) == value, field


def test_a_look_that_finds_the_page_as_it_was_makes_held_lines_volatile():
    verdict = check.decide(ROWS["a held return whose look finds the page as it was: volatile "
                                "lines, a transient note"][0])
    found, before = verdict.places
    assert before == A_TIP and [change.place for change in found.flagged] == [TIP_RUN.place]
    assert found.history[TIP_RUN.place].volatile
    held_wall = check.decide(facts(held=HELD, held_text=WALL, genuine_text=PAGE))
    assert held_wall.transient and held_wall.places is None  # a wall that went: nothing volatile


def test_what_a_second_fetch_at_once_makes_volatile():
    """A list shuffled at each fetch: the lines the first fetch changed are volatile places
    (one volatile_text problem); the page as it was at the second fetch: remembered as
    changed lately, never volatile (an edit published while the site's servers disagree
    is told when it shows again)."""
    shuffled = check.decide(ROWS["... a list in another order at each fetch: no version, a "
                                 "transient note"][0])
    found, before = shuffled.places
    assert before == {} and found.flagged
    assert all(found.history[change.place].volatile for change in found.flagged)
    back = check.decide(ROWS["... the page as it was: a transient note"][0])
    found, _ = back.places
    assert found.history and not any(place.volatile for place in found.history.values())
    assert not found.flagged


def test_a_held_change_is_not_a_text_change_and_a_confirmed_one_is():
    held = check.decide(changed(WALL, "WALL"))
    assert not held.decision.text_changed and held.weighed.judgement.reason == "much_shorter"
    confirmed = check.decide(changed(EDITED, held=dataclasses.replace(HELD, text_sha256="EDITED",
                                                                      reason="cut_short")))
    assert confirmed.confirmed and confirmed.decision.text_changed
    assert confirmed.decision.kind == "silent_edit"
    assert confirmed.words == "confirmed by checking again (" \
        f"{confirmed.weighed.judgement.words})"


@pytest.mark.parametrize("started, crawl, latest, expected", [
    ("2024-03-01T09:00:00Z", 3, 4, True),  # sent before, by an earlier crawl: superseded
    ("2024-03-01T09:00:00Z", 4, 4, False),  # the same crawl
    ("2024-03-01T09:00:00Z", 5, 4, False),  # a later crawl whose clock went back
    ("2024-03-01T11:00:00Z", 3, 4, False),  # sent after
    ("2024-03-01T09:00:00Z", None, 4, False),  # no crawl (a test-source check)
])
def test_superseded(started, crawl, latest, expected):
    assert check.superseded(started, "2024-03-01T10:00:00Z", crawl, latest) is expected


NOW, HELD_AT = "2026-12-08T10:05:00Z", "2026-12-08T10:00:00Z"


@pytest.mark.parametrize("genuine, held, new, look", [
    # a counter that moved again, and nothing else: a counter
    ("Viewed 100 times\n12 rounds held.", "Viewed 105 times\n12 rounds held.",
     "Viewed 111 times\n12 rounds held.", doubt.MOVED),
    # the held change's number stayed: the edit is in place
    ("12 rounds held.", "13 rounds held.", "13 rounds held.", doubt.STAYED),
    # an edit beside a counter, both in the held change: the counter moved, the edit stayed
    ("Viewed 100 times\n12 rounds held.", "Viewed 105 times\n13 rounds held.",
     "Viewed 111 times\n13 rounds held.", doubt.MIXED),
    # the held change was the counter; at the look a number it left alone moved too: a
    # change of its own, judged afresh (it used to count as the counter moving again)
    ("Viewed 100 times\n12 rounds held.", "Viewed 105 times\n12 rounds held.",
     "Viewed 111 times\n13 rounds held.", None),
    ("31.144 visitas\nSe han celebrado 12 rondas.", "31.492 visitas\nSe han celebrado 12 rondas.",
     "31.647 visitas\nSe han celebrado 13 rondas.", None),
])
def test_what_a_look_did_with_held_numbers(genuine, held, new, look):
    assert doubt.numbers_look(genuine, held, new, NOW, HELD_AT) == look

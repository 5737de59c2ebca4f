"""Machine-made changes told from edits (monitor.analysis.machine): table-tested.

Two tables: TUNED, the shapes written before the module and tuned on; UNSEEN, written
after it was done and run once as they were (how they did is in the commit message that
added them); cases fixed since then say so."""

import datetime as dt

import pytest

from monitor.analysis import machine
from monitor.analysis.machine import DOUBTFUL, MACHINE, ORDINARY, UNCHANGED

NOW = dt.datetime(2026, 12, 6, 10, 7, 12, tzinfo=dt.timezone.utc)
HOUR_AGO = NOW - dt.timedelta(hours=1, minutes=1)
DAY_AGO = NOW - dt.timedelta(days=1, minutes=3)
TWO_HOURS_AGO = NOW - dt.timedelta(hours=2)
WEEK_AGO = NOW - dt.timedelta(days=7)

INTRO = "The human rights dialogue between the two governments was held in Geneva."

# (what, before, after, fetched before (None: unknown), expected kind)
TUNED = [
    ("en relative time", "Updated 3 hours ago", "Updated 4 hours ago", HOUR_AGO, MACHINE),
    ("de relative time", "Aktualisiert vor 2 Tagen", "Aktualisiert vor 3 Tagen", DAY_AGO, MACHINE),
    ("fr relative time", "Mis à jour il y a 2 jours", "Mis à jour il y a 3 jours", DAY_AGO, MACHINE),
    ("es relative time", "Actualizado hace 3 horas", "Actualizado hace 5 horas", TWO_HOURS_AGO,
     MACHINE),
    ("ja relative time", "2時間前に更新", "3時間前に更新", HOUR_AGO, MACHINE),
    ("zh relative time", "发布于3天前", "发布于4天前", DAY_AGO, MACHINE),
    ("pt relative time", "Atualizado há 2 dias", "Atualizado há 3 dias", DAY_AGO, MACHINE),
    ("da relative time", "Opdateret for 2 timer siden", "Opdateret for 3 timer siden", HOUR_AGO,
     MACHINE),
    ("hours become a day", "Posted 23 hours ago", "Posted 1 day ago", TWO_HOURS_AGO, MACHINE),
    ("relative time, fetch before unknown", "Updated 3 hours ago", "Updated 4 hours ago", None,
     MACHINE),
    ("page generated on ... at", "Page generated on 5 Dec 2026 at 10:04",
     "Page generated on 6 Dec 2026 at 10:07", DAY_AGO, MACHINE),
    ("page generated, fetch before unknown", "Page generated on 5 Dec 2026 at 10:04",
     "Page generated on 6 Dec 2026 at 10:07", None, MACHINE),
    ("view counter", "Views: 1,234", "Views: 1,240", DAY_AGO, DOUBTFUL),
    ("a real number edit", "12 meetings were held", "13 meetings were held", DAY_AGO, DOUBTFUL),
    ("session id in the text", "Session d41d8cd98f00b204e9800998ecf8427e",
     "Session 9e107d9d372bb6826bd81d3542a419d6", DAY_AGO, MACHINE),
    ("a meeting date far from now", "The meeting on 12 May 2025 in Geneva",
     "The meeting on 13 May 2025 in Geneva", DAY_AGO, ORDINARY),
    ("a word changed", INTRO, INTRO.replace("Geneva", "Beijing"), DAY_AGO, ORDINARY),
    ("a CJK word changed", "人权对话在日内瓦举行", "人权对话在北京举行", DAY_AGO, ORDINARY),
    ("a line added", [INTRO], [INTRO, "A second round is planned."], DAY_AGO, ORDINARY),
    ("a line removed", [INTRO, "A second round is planned."], [INTRO], DAY_AGO, ORDINARY),
    ("relative time and a line added", ["Updated 3 hours ago"],
     ["Updated 4 hours ago", "A second round is planned."], HOUR_AGO, ORDINARY),
    ("relative time and a counter", ["Updated 3 hours ago", "Views: 1,234"],
     ["Updated 4 hours ago", "Views: 1,240"], HOUR_AGO, DOUBTFUL),
    ("unchanged", [INTRO], [INTRO], DAY_AGO, UNCHANGED),
]


def kind_of(before, after, previous):
    return machine.judge(before if isinstance(before, list) else [before],
                         after if isinstance(after, list) else [after], NOW, previous).kind


@pytest.mark.parametrize("what, before, after, previous, expected", TUNED, ids=[t[0] for t in TUNED])
def test_tuned(what, before, after, previous, expected):
    assert kind_of(before, after, previous) == expected


def test_an_edit_and_its_revert_are_two_ordinary_changes():
    edited = INTRO.replace("Geneva", "Beijing")
    assert kind_of(INTRO, edited, DAY_AGO) == ORDINARY
    assert kind_of(edited, INTRO, DAY_AGO) == ORDINARY


def test_places_say_where_and_what():
    verdict = machine.judge(["Intro", "Updated 3 hours ago · Views: 1,234"],
                            ["Intro", "Updated 4 hours ago · Views: 1,240"], NOW, HOUR_AGO)
    assert verdict.kind == DOUBTFUL
    assert [(p.line_before, p.line, p.old, p.new, p.reading) for p in verdict.places] == [
        (1, 1, "3 hours ago", "4 hours ago", machine.RELATIVE),
        (1, 1, "1,234", "1,240", machine.NUMBER)]

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


FIVE_MINUTES_AGO = NOW - dt.timedelta(minutes=5)
NEWS = ["Dialogue round announced — 2 hours ago", "Statement on detentions — 5 hours ago",
        "Press release on the visit — 1 day ago"]
NEWS_LATER = ["Dialogue round announced — 3 hours ago", "Statement on detentions — 6 hours ago",
              "Press release on the visit — 1 day ago"]

# Written after the module was done and run once as they were: 39 of 42 right. Fixed
# since: "updated again a week later" (hour -> hours: now compared in dateparser's
# English), "page count" ("3 of 13" read as a date: a date now needs a year, a month's
# name or digits joined as dates are), "seconds since 1970" (now read as a time).
UNSEEN = [
    ("ru relative time", "Обновлено 3 часа назад", "Обновлено 4 часа назад", HOUR_AGO, MACHINE),
    ("ko relative time", "3시간 전 업데이트", "4시간 전 업데이트", HOUR_AGO, MACHINE),
    ("it relative time", "Aggiornato 3 ore fa", "Aggiornato 5 ore fa", TWO_HOURS_AGO, MACHINE),
    ("pl relative time", "Zaktualizowano 2 godziny temu", "Zaktualizowano 3 godziny temu",
     HOUR_AGO, MACHINE),
    ("tr relative time", "2 saat önce güncellendi", "3 saat önce güncellendi", HOUR_AGO, MACHINE),
    ("vi relative time", "Cập nhật 3 ngày trước", "Cập nhật 4 ngày trước", DAY_AGO, MACHINE),
    ("nl relative time", "Bijgewerkt 2 dagen geleden", "Bijgewerkt 3 dagen geleden", DAY_AGO,
     MACHINE),
    ("sv relative time", "Uppdaterad för 2 timmar sedan", "Uppdaterad för 3 timmar sedan",
     HOUR_AGO, MACHINE),
    ("ar relative time", "تم التحديث منذ 3 ساعات", "تم التحديث منذ 4 ساعات", HOUR_AGO, MACHINE),
    ("id relative time", "Diperbarui 2 jam yang lalu", "Diperbarui 3 jam yang lalu", HOUR_AGO,
     MACHINE),
    ("zh minutes", "更新于3分钟前", "更新于8分钟前", FIVE_MINUTES_AGO, MACHINE),
    ("just now becomes minutes", "Posted just now", "Posted 5 minutes ago", FIVE_MINUTES_AGO,
     MACHINE),
    ("yesterday becomes days", "Published yesterday", "Published 2 days ago", DAY_AGO, MACHINE),
    ("a day becomes two", "Posted a day ago", "Posted 2 days ago", DAY_AGO, MACHINE),
    ("a countdown", "The next round opens in 3 days", "The next round opens in 2 days", DAY_AGO,
     MACHINE),
    ("a news list ages", NEWS, NEWS_LATER, HOUR_AGO, MACHINE),
    ("a news list ages and gains an item", NEWS, ["New statement — 10 minutes ago", *NEWS_LATER],
     HOUR_AGO, ORDINARY),
    ("years become days: another moment", "Last round held 2 years ago",
     "Last round held 2 days ago", DAY_AGO, ORDINARY),
    ("updated again a week later", "Updated 1 hour ago", "Updated 2 hours ago", WEEK_AGO, DOUBTFUL),
    ("ISO timestamp", "Generated 2026-12-05T10:04:11Z", "Generated 2026-12-06T10:07:02Z", DAY_AGO,
     MACHINE),
    ("ja date and time", "2026年12月5日 10時04分 現在", "2026年12月6日 10時07分 現在", DAY_AGO, MACHINE),
    ("zh today with its weekday", "今天是2026年12月5日 星期六", "今天是2026年12月6日 星期日", DAY_AGO,
     MACHINE),
    ("de Stand", "Stand: 05.12.2026, 10:04 Uhr", "Stand: 06.12.2026, 10:07 Uhr", DAY_AGO, MACHINE),
    ("us date and time", "Last generated Dec 5, 2026 10:04 AM", "Last generated Dec 6, 2026 10:07 AM",
     DAY_AGO, MACHINE),
    ("server time of day", "Server time: 10:04", "Server time: 10:07", DAY_AGO, MACHINE),
    ("a session time edited", "The session starts at 10:00", "The session starts at 11:00", DAY_AGO,
     DOUBTFUL),
    ("time of day, fetch before unknown", "Server time: 10:04", "Server time: 10:07", None, DOUBTFUL),
    ("a past date edited", "Published 3 March 2024", "Published 4 March 2024", DAY_AGO, ORDINARY),
    ("fr past date edited", "Réunion du 12 mai 2025", "Réunion du 14 mai 2025", DAY_AGO, ORDINARY),
    ("a marker date moved to today", "Last updated: 2 December 2026", "Last updated: 6 December 2026",
     DAY_AGO, DOUBTFUL),
    ("page count", "Page 3 of 12", "Page 3 of 13", DAY_AGO, DOUBTFUL),
    ("zh counter", "浏览次数：1234", "浏览次数：1240", DAY_AGO, DOUBTFUL),
    ("percent", "Turnout 45%", "Turnout 47%", DAY_AGO, DOUBTFUL),
    ("version number", "Report version 2.4", "Report version 2.5", DAY_AGO, DOUBTFUL),
    ("round number beside a past date", "Dialogue round 12 held on 5 June 2024",
     "Dialogue round 13 held on 5 June 2024", DAY_AGO, DOUBTFUL),
    ("base-64 nonce", "nonce: kq2L9xVb7Tz4PwR8sN3m", "nonce: Zp4Q8wLm2Rt7Yx3Vn9Ks", DAY_AGO, MACHINE),
    ("short build hash", "Build 3f2a9c1 · v2.4", "Build 8e1b0d4 · v2.4", DAY_AGO, MACHINE),
    # a hash that drew only digits this time (session 14: false_alerts.py, a French page)
    ("hex reference drawing only digits", "Référence: 929e2005", "Référence: 71234484", DAY_AGO,
     MACHINE),
    ("... back to letters", "Ref 71234484", "Ref 0b7c44e1", DAY_AGO, MACHINE),
    ("... or only letters", "Reference: eb0984a6", "Reference: eefddbcc", DAY_AGO, MACHINE),
    ("a word that is hex", "Status: deadbeef", "Status: facefade", DAY_AGO, ORDINARY),
    ("... beside a counter", ["Consultée 66 855 fois", "Référence: 929e2005"],
     ["Consultée 66 858 fois", "Référence: 71234484"], DAY_AGO, DOUBTFUL),
    ("an eight-digit number edited", "File 20240117", "File 20240118", DAY_AGO, DOUBTFUL),
    ("a number of another length than a hash", "Ref 929e2005", "Ref 7123448", DAY_AGO, ORDINARY),
    ("seconds since 1970", "rendered 1796465052", "rendered 1796551632", DAY_AGO, MACHINE),
    ("token and a word edit", "Session d41d8cd98f00b204e9800998ecf8427e: the talks were postponed",
     "Session 9e107d9d372bb6826bd81d3542a419d6: the talks were cancelled", DAY_AGO, ORDINARY),
    ("relative time and an edit elsewhere", ["Updated 3 hours ago", INTRO],
     ["Updated 4 hours ago", INTRO.replace("Geneva", "Beijing")], HOUR_AGO, ORDINARY),
    ("two lines swapped", ["First line of the page.", INTRO],
     [INTRO, "First line of the page."], DAY_AGO, ORDINARY),
    ("cache time and render time", "Cached 10:04:11 · rendered in 0.231 s",
     "Cached 10:07:02 · rendered in 0.198 s", DAY_AGO, DOUBTFUL),
]


@pytest.mark.parametrize("what, before, after, previous, expected", UNSEEN, ids=[t[0] for t in UNSEEN])
def test_unseen(what, before, after, previous, expected):
    assert kind_of(before, after, previous) == expected


# A second round, written after the first round's fixes and run once as it was: 18 of 20
# right. Fixed since: "a token after a name" and "build id with a version" (a token is
# now also compared piece by piece: "v2.4.1+3f2a9c1d"; and one random-looking token may
# replace another of its length and mix of letters and digits).
SECOND_ROUND = [
    ("gb date and time with GMT", "Last checked: 05/12/2026 10:04:00 GMT",
     "Last checked: 06/12/2026 10:07:01 GMT", DAY_AGO, MACHINE),
    ("date with its weekday", "Date: Saturday, 5 December 2026", "Date: Sunday, 6 December 2026",
     DAY_AGO, MACHINE),
    ("es past date edited", "Publicado el 3 de marzo de 2024", "Publicado el 5 de marzo de 2024",
     DAY_AGO, ORDINARY),
    ("sv ISO date and time", "Uppdaterad 2026-12-05 10:04", "Uppdaterad 2026-12-06 10:07", DAY_AGO,
     MACHINE),
    ("ru minutes", "5 минут назад", "10 минут назад", FIVE_MINUTES_AGO, MACHINE),
    ("counter with a space for thousands", "Просмотров: 1 234", "Просмотров: 1 240", DAY_AGO, DOUBTFUL),
    ("request id (uuid)", "Request ID: 7f9c2ba4-e88f-11e8-9f32-f2801f1b9fd1",
     "Request ID: 0b3e6d2a-1c4f-4a5b-8e9d-3f2a1b0c9d8e", DAY_AGO, MACHINE),
    ("a token after a name", "token=AbCdEf0123456789XyZ", "token=Qw3Er5Ty7Ui9Op1As2D", DAY_AGO, MACHINE),
    ("next update countdown", "Next update in 45 minutes", "Next update in 40 minutes",
     FIVE_MINUTES_AGO, MACHINE),
    ("rounds counted since a year", "Held 3 rounds since 2019", "Held 4 rounds since 2019", DAY_AGO,
     DOUBTFUL),
    ("relative time and its author changed", "Updated 3 hours ago by Press Office",
     "Updated 4 hours ago by Foreign Ministry", HOUR_AGO, ORDINARY),
    ("ko date", "2026년 12월 5일", "2026년 12월 6일", DAY_AGO, MACHINE),
    ("a future meeting moved", "Next round: 14 March 2027", "Next round: 21 March 2027", DAY_AGO,
     ORDINARY),
    ("as of a time", "as of 10:04 am", "as of 10:07 am", DAY_AGO, MACHINE),
    ("visitors today", "Visitors today: 57", "Visitors today: 61", DAY_AGO, DOUBTFUL),
    ("fr updated again", "Mis à jour il y a 3 heures", "Mis à jour il y a 1 heure", HOUR_AGO, DOUBTFUL),
    ("hi relative time", "3 घंटे पहले", "4 घंटे पहले", HOUR_AGO, MACHINE),
    ("el relative time", "πριν από 2 ώρες", "πριν από 3 ώρες", HOUR_AGO, MACHINE),
    ("build id with a version", "v2.4.1+3f2a9c1d", "v2.4.1+8e1b0d4a", DAY_AGO, MACHINE),
    ("a quick edit of a name", "Ambassador Li Wei attended", "Ambassador Li Wen attended", DAY_AGO,
     ORDINARY),
]


# A third round (issue 22's benchmark, seed 7, 12 checks): base-64 codes whose alphabet's
# "+" and "/" begin or end them, and counters grouped by spaces, which a later look must
# read as one number (its high digits staying is not an edit that stayed).
THIRD_ROUND = [
    ("base-64 ending with a slash", "Code de vérification 5RgPEoQ4mTHr4CE05MCWlLs/.",
     "Code de vérification hYQV7IPGBtKrNZRW75ZaQAwA.", DAY_AGO, MACHINE),
    ("base-64 beginning with a plus", "確認コード zKKbWxr8iIYM9N9bX0bvOq8M。",
     "確認コード +tt2L4BAsqKm0xMTqVxRvLKg。", DAY_AGO, MACHINE),
    ("base-64 with plus and slash inside", "Código XyA+vZzfHo2Oq+a25YzqxPJj",
     "Código 8m/bDX3B87QmQuXcMKnvQb5/", DAY_AGO, MACHINE),
    ("base-64 that drew no digit", "Prüfcode vFBwVVMzdbnFlaJzq7z57ryB",
     "Prüfcode uJTSEGW+upoWrrraNnylvynM", DAY_AGO, MACHINE),
    ("a title of the same length edited", "See HumanRightsDialogue2024Report",
     "See HumanRightsDialogue2025Report", DAY_AGO, ORDINARY),
    ("fr counter in narrow-space groups", "Consultée 61\u202f897 fois", "Consultée 62\u202f245 fois",
     DAY_AGO, DOUBTFUL),
    ("a phone number edited", "Tél. +41 58 462 31 53", "Tél. +41 58 462 31 54", DAY_AGO, DOUBTFUL),
]


@pytest.mark.parametrize("what, before, after, previous, expected", THIRD_ROUND,
                         ids=[t[0] for t in THIRD_ROUND])
def test_third_round(what, before, after, previous, expected):
    assert kind_of(before, after, previous) == expected


def test_a_number_in_space_separated_groups_is_one_changed_place():
    verdict = machine.judge(["Consultée 61\u202f897 fois"], ["Consultée 62\u202f245 fois"],
                            "2026-12-06T10:00:00Z", "2026-12-05T10:00:00Z", ["fr"])
    assert [(p.old, p.new, p.reading) for p in verdict.places] == [
        ("61\u202f897", "62\u202f245", machine.NUMBER)]


@pytest.mark.parametrize("what, before, after, previous, expected", SECOND_ROUND,
                         ids=[t[0] for t in SECOND_ROUND])
def test_second_round(what, before, after, previous, expected):
    assert kind_of(before, after, previous) == expected

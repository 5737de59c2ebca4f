"""Confirm before accusing (issue 22): a doubtful change holds its alert until the page
is fetched again. Walls written without any word or vendor name the detectors know,
counters, a real number edit, a wholesale replacement that stays, A -> B -> A, on a
real local server, with the exact events each sequence of crawls stores."""

import random
import secrets
import time

import pytest

from monitor import store
from monitor.analysis import doubt, events
from monitor.fetch import pipelines
from monitor.items import PageFetch
from monitor.replica import send

MENU = ("<header><a href='/'>Ministry of Foreign Affairs</a></header>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/press'>Press</a></nav>")
FOOTER = "<footer><p>Ministry of Foreign Affairs, 1 Palace Square</p></footer>"
PARAGRAPHS = [
    "The fourteenth round of the human rights dialogue was held in Geneva on 12 May 2025.",
    "The delegations discussed freedom of expression, the rights of minorities and the death "
    "penalty.",
    "Officials raised individual cases, including those of detained lawyers and journalists.",
    "Both sides agreed to hold the next round in Beijing, with a visit to a detention centre.",
    "Civil society organisations were briefed before and after the round in Geneva.",
    "A summary of the round was sent to the parliament's foreign affairs committee.",
]


def page(paragraphs=PARAGRAPHS, title="Human rights dialogue with China", extra=""):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"</head><body>{MENU}<main><h1>{title}</h1>{body}{extra}</main>{FOOTER}</body></html>")


def bare(title, body):
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head>"
            f"<body>{body}</body></html>")


# Walls in shapes no detector was written for: no vendor script, none of the detectors'
# words (each was written for this test, after the mechanism).
WALLS = {
    "consent buttons only": bare("Before you continue", "<div class='overlay'><p>We value your "
                                 "choices about how this site remembers you.</p><button>Agree"
                                 "</button> <button>Disagree</button></div>"),
    "browser check interstitial": bare("Just a moment", "<div><p>Checking your browser before "
                                       "accessing the site.</p><p>Please verify you are human. "
                                       "This takes a few seconds.</p></div>"),
    "parked domain": bare("dialogue.example", "<h1>This domain may be for sale</h1><p>Buy this "
                          "domain today. Related searches: travel, insurance, loans.</p>"),
    "maintenance": bare("Down for maintenance", "<h1>We'll be back soon!</h1><p>Sorry for the "
                        "inconvenience; we are performing scheduled work on the site.</p>"),
    "CDN error page": bare("Origin unreachable", "<h1>Error 522</h1><p>Connection timed out "
                           "between the edge and the origin host.</p><p>Ray: 7f3a9c2e</p>"),
    "page cut short": page()[:700],
    "cut after a paragraph": page()[:page().index("<p>Both sides")],
    "empty template": page(paragraphs=[], title="Human rights dialogue with China"),
}


def kinds(open_db, source_id="p"):
    return [row["kind"] for row in open_db().query(
        "SELECT kind FROM events WHERE source_id = ? ORDER BY id", [source_id])]


def alerted(open_db):
    return [k for k in kinds(open_db) if k not in events.NOTE_KINDS and k != "new"]


@pytest.fixture
def watched(replica, make_config, crawl, open_db):
    """One page on the replica; ``show(html)`` serves it, ``check()`` crawls it."""
    cfg = make_config({"id": "p", "path": "/p"})

    class Page:
        def show(self, html):
            replica.set("/p", html)

        def check(self):
            return crawl(cfg)["p"]

        def kinds(self):
            return kinds(open_db)

    return Page()


@pytest.mark.parametrize("wall", list(WALLS))
def test_a_wall_that_comes_and_goes_is_a_note_and_never_an_alert(watched, open_db, wall):
    watched.show(page())
    watched.check()
    watched.show(WALLS[wall])
    watched.check()  # held: stored, nothing said yet
    assert watched.kinds() == ["new"]
    watched.show(page())
    watched.check()
    db = open_db()
    walled = next(db.query("SELECT * FROM fetches ORDER BY id LIMIT 1 OFFSET 1"))
    if walled["outcome"] == "error":  # a wall the detectors know (monitor.analysis.walls)
        assert watched.kinds() == ["new"] and "instead of the page" in walled["error"]
    else:
        assert watched.kinds() == ["new", "transient"]
        note = next(db.query("SELECT * FROM events WHERE kind = 'transient'"))
        assert note["fetch_id"] == walled["id"]
        assert "confirmed by checking the page again" in walled["note"]
    assert store.body_of(db, walled["body_sha256"]) == WALLS[wall].encode()  # the capture is kept
    state = next(db.query("SELECT * FROM source_state"))
    assert state["held_fetch_id"] is None and state["last_changed_at"] is None
    assert not list(db.query("SELECT * FROM alert_outbox"))


def test_a_wall_stays_up_while_held_then_goes(watched):
    watched.show(page())
    watched.check()
    watched.show(WALLS["consent buttons only"])
    watched.check()
    watched.check()  # still the wall at the second look: the page now shows something else
    assert watched.kinds() == ["new", "replaced"]


def test_a_wholesale_replacement_that_stays_is_alerted_once_as_replaced(watched, open_db):
    watched.show(page())
    watched.check()
    first = open_db()["fetches"].count
    other = ["This page has been archived.", "Information on the dialogue is now published "
             "on the page of the Human Rights Division.", "See the new page for the latest."]
    watched.show(page(other, title="Archived page"))
    watched.check()
    watched.check()
    watched.check()
    assert watched.kinds() == ["new", "replaced"]
    event = next(open_db().query("SELECT * FROM events WHERE kind = 'replaced'"))
    assert "something else entirely" in event["detail"] and "Archived page" in event["detail"]
    assert event["fetch_id"] == first + 1  # dated when first seen, not when confirmed
    state = next(open_db().query("SELECT * FROM source_state"))
    assert state["last_changed_at"] == event["at"]


def test_a_real_edit_of_a_number_is_confirmed_and_alerted_dated_when_first_seen(watched, open_db):
    watched.show(page(PARAGRAPHS + ["12 meetings have been held since 1997."]))
    watched.check()
    watched.show(page(PARAGRAPHS + ["13 meetings have been held since 1997."]))
    watched.check()
    assert watched.kinds() == ["new"]  # only a number changed: held
    watched.check()
    assert watched.kinds() == ["new"]  # the number stayed at one look: held once more
    watched.check()
    assert watched.kinds() == ["new", "changed"]  # and at a second one: alerted
    event = next(open_db().query("SELECT * FROM events WHERE kind = 'changed'"))
    assert event["lines_added"] == 1 and event["lines_removed"] == 1
    assert "confirmed by checking again" in event["detail"]
    first_seen = next(open_db().query("SELECT id, at FROM fetches ORDER BY id LIMIT 1 OFFSET 1"))
    assert (event["fetch_id"], event["at"]) == (first_seen["id"], first_seen["at"])


def counter_checks(watched, checks, every):
    for check in range(checks):
        views = 80670 + check // every * 97
        watched.show(page(PARAGRAPHS + [f"This page has been viewed {views:,} times."]))
        watched.check()


def test_a_counter_the_site_refreshes_at_every_other_check_is_never_alerted(watched, open_db):
    """A cached counter: it moves between checks and stays the same at the next look. Its
    numbers are seen moving again before they have stayed two looks in a row."""
    counter_checks(watched, 12, every=2)
    assert alerted(open_db) == ["volatile_text"]
    assert set(watched.kinds()) <= {"new", "volatile_change", "volatile_text"}


@pytest.mark.parametrize("every", [3, 4])
def test_a_counter_cached_for_longer_is_alerted_once_then_a_volatile_place(watched, open_db,
                                                                          every):
    """Cached for longer than two looks, the first move cannot be told from an edit of a
    number; the second, a few checks later, makes its place a counter: no more accusations."""
    counter_checks(watched, 16, every)
    assert alerted(open_db) == ["changed", "volatile_text"]


def test_a_number_updated_now_and_then_is_alerted_every_time(watched, open_db):
    """Updated after more than ``doubt.COUNTER_WITHIN`` checks that found the page
    unchanged, a number is news every time ("12 meetings" -> "13" a round later)."""
    counter_checks(watched, 3 * (doubt.COUNTER_WITHIN + 3), every=doubt.COUNTER_WITHIN + 3)
    assert alerted(open_db) == ["changed", "changed"]


def test_a_counter_gives_no_alert_and_becomes_a_volatile_place(watched, open_db):
    for views in (1204, 1217, 1236, 1240, 1262):
        watched.show(page(PARAGRAPHS + [f"This page was viewed {views} times."]))
        watched.check()
    assert alerted(open_db) == ["volatile_text"]  # the problem, with its ignore rule
    assert set(watched.kinds()) <= {"new", "volatile_change", "volatile_text"}
    problem = next(open_db().query("SELECT detail FROM events WHERE kind = 'volatile_text'"))
    assert "ignore:" in problem["detail"]


def test_a_number_edited_twice_in_a_row_is_alerted_once_it_stays(watched, open_db):
    watched.show(page(PARAGRAPHS + ["12 meetings have been held since 1997."]))
    watched.check()
    for count in (13, 14, 14, 14):  # held, moved once more, then stayed two looks
        watched.show(page(PARAGRAPHS + [f"{count} meetings have been held since 1997."]))
        watched.check()
    assert watched.kinds() == ["new", "changed"]
    event = next(open_db().query("SELECT * FROM events WHERE kind = 'changed'"))
    first_held = next(open_db().query("SELECT at FROM fetches ORDER BY id LIMIT 1 OFFSET 1"))
    assert event["at"] == first_held["at"]  # dated when the change was first seen
    assert "14 meetings" in store.text_of(open_db(), next(open_db().query(
        "SELECT text_sha256 FROM versions ORDER BY id DESC LIMIT 1"))["text_sha256"])


def test_a_number_edited_beside_a_counter_is_alerted_and_the_counter_is_not(watched, open_db):
    """The counter moves at every look; the edited number moves once and stays."""
    for views, meetings in ((1204, 12), (1217, 13), (1236, 13), (1240, 13), (1262, 13),
                            (1290, 13)):
        watched.show(page(PARAGRAPHS + [f"{meetings} meetings have been held since 1997.",
                                        f"This page was viewed {views} times."]))
        watched.check()
    assert alerted(open_db).count("changed") == 1  # the 12 -> 13 edit, once
    assert set(alerted(open_db)) <= {"changed", "volatile_text"}


COUNTERS = {  # a visit counter as sites write it, and a sentence with a number an editor changes
    "es, counter on top": ("{:,} visitas", "Desde el inicio del diálogo se han celebrado {} rondas.",
                           lambda n: n.replace(",", "."), True),
    "en, counter below": ("Viewed {:,} times", "{} rounds have been held since 1997.", str, False),
    "fr, counter on top": ("{:,} consultations", "Depuis 1997, {} sessions ont eu lieu.",
                           lambda n: n.replace(",", "\u202f"), True),
}


@pytest.mark.parametrize("shape", list(COUNTERS))
def test_a_number_edited_at_the_look_that_makes_a_counter_volatile_is_alerted(watched, open_db,
                                                                                shape):
    """The counter moves at every check, so the page is held, and held again; at the check
    that would make it a counter (``doubt.VOLATILE_AFTER``), a number elsewhere is edited
    too. The edit is news, told once; before, that look counted as the counter moving
    again, and the edit was silenced with it as a place "that changed at each of the last
    3 checks" (found by benchmarks/false_alerts.py --seed 7)."""
    counter, sentence, written, on_top = COUNTERS[shape]
    for views, rounds in ((31144, 12), (31492, 12), (31647, 12), (31791, 13), (31913, 13),
                          (31965, 13), (32073, 13), (32182, 13)):
        lines = [written(counter.format(views)), sentence.format(rounds)]
        watched.show(page(PARAGRAPHS[:3] + (lines if on_top else lines[::-1]) + PARAGRAPHS[3:]))
        watched.check()
    assert alerted(open_db).count("changed") == 1, watched.kinds()
    assert set(alerted(open_db)) <= {"changed", "volatile_text"}, watched.kinds()
    edit = next(open_db().query("SELECT * FROM events WHERE kind = 'changed'"))
    db = open_db()
    first_seen = next(f for f in db.query("SELECT * FROM fetches ORDER BY id") if f["body_sha256"]
                      and sentence.format(13).encode() in store.body_of(db, f["body_sha256"]))
    assert edit["at"] == first_seen["at"]  # dated when the edit was first seen
    for problem in open_db().query("SELECT detail FROM events WHERE kind = 'volatile_text'"):
        assert sentence.format(13)[:12] not in problem["detail"]  # the counter, never the edit


def test_an_ordinary_edit_and_its_revert_are_two_alerted_changes(watched, open_db):
    """The revert goes back to words the page had just before: one of two versions a site
    picks from at each visit looks the same, so it is held until two looks find it staying;
    then it is alerted, dated when first seen."""
    watched.show(page())
    watched.check()
    watched.show(page(PARAGRAPHS + ["The report of the round is published below."]))
    watched.check()
    watched.show(page())
    watched.check()  # held
    watched.check()  # stayed: held for one more look
    assert watched.kinds() == ["new", "changed"]
    watched.check()
    assert watched.kinds() == ["new", "changed", "changed"]
    reverted = fetch_of_check(open_db, 2)
    event = list(open_db().query("SELECT at FROM events WHERE kind = 'changed' ORDER BY id"))[-1]
    assert event["at"] == reverted["at"]  # dated when the revert was first seen


# Words a site picks anew at each visit, in shapes written for this test after the mechanism
# (no word of them is known to any detector): each takes the next of its choices per request.
TIPS = ["Did you know? The ministry answers letters from the public within twenty days.",
        "Did you know? Consular help is available around the clock for travellers.",
        "Did you know? The library of the ministry is open to researchers on Tuesdays.",
        "Did you know? Embassies publish their own news in the local language.",
        "Did you know? Most treaties are published in the official journal."]
QUOTES = ["“Dialogue is the first step towards understanding.”",
          "“Human dignity is not negotiable.”",
          "“Every voice deserves to be heard.”",
          "“Rights are universal and indivisible.”"]
HEADLINES = ["Minister visits Ghana to discuss trade", "Embassy opens a visa office in Lima",
             "Statement on the floods in Pakistan", "Foreign minister speaks at the UN",
             "New ambassador presents credentials in Tokyo", "Grants for civil society announced",
             "Joint statement with the Nordic countries"]
GERMAN = ["Wussten Sie schon? Das Auswärtige Amt beantwortet Bürgeranfragen schriftlich.",
          "Wussten Sie schon? Die Bibliothek des Amtes steht Forschenden offen.",
          "Wussten Sie schon? Botschaften berichten auch in der Landessprache."]


SAYINGS = ["今日の一言：対話は理解への第一歩です。", "今日の一言：人間の尊厳は交渉できません。",
           "今日の一言：すべての声は聞かれるべきです。", "今日の一言：権利は普遍的で不可分です。"]
VOICES = [("We were heard at last.", "A civil society delegate"),
          ("The briefing was thorough and open.", "A journalist from Geneva"),
          ("I learned how the dialogue works.", "A student in Bern"),
          ("Our questions were answered in writing.", "An NGO in Oslo")]


def _tip(n):
    return f"<p>{TIPS[n % len(TIPS)]}</p>"


ROTATING = {
    "a tip paragraph": _tip,
    "a quote in a div": lambda n: f"<div class='quote'>{QUOTES[n % len(QUOTES)]}</div>",
    "three related headlines": lambda n: "<h2>Related</h2>" + "".join(
        f"<p>{HEADLINES[(n + k) % len(HEADLINES)]}</p>" for k in range(3)),
    "a German aside in the text": lambda n: f"<p>{GERMAN[n % len(GERMAN)]}</p>",
    "a tip and a quote at once": lambda n: _tip(n) + f"<blockquote>{QUOTES[n % 4]}</blockquote>",
    "a saying of the day in Japanese": lambda n: f"<p>{SAYINGS[n % len(SAYINGS)]}</p>",
    "a testimonial and its author": lambda n: "<blockquote><p>{}</p><p>— {}</p></blockquote>".format(
        *VOICES[n % len(VOICES)]),
}


def picked_anew(shape, edited=lambda n: False):
    """A page whose ``shape`` takes its next words at each request (the n-th request: n);
    from the request where ``edited(n)``, a paragraph of the page's own is edited."""
    requests = []

    def serve(handler):
        n = len(requests)
        requests.append(n)
        paragraphs = PARAGRAPHS + (["The report of the round is now published."] if edited(n) else [])
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"},
             page(paragraphs, extra=ROTATING[shape](n)).encode())
    return serve


@pytest.mark.parametrize("shape", list(ROTATING))
def test_words_picked_anew_at_each_visit_accuse_at_most_once(watched, replica, open_db, shape):
    """The first time such a line changes, the crawl fetches the page again at once
    (doubt.AT_ONCE): other words there, it is a volatile place (a note, and the
    volatile_text problem once) before anyone is accused (one alert each before that;
    three headlines shifted by one still give one: two of them are in both fetches)."""
    replica.set("/p", b"", handler=picked_anew(shape))
    for _ in range(12):
        watched.check()
    told = alerted(open_db)
    assert told.count("changed") <= 1 and told.count("volatile_text") == 1, watched.kinds()
    assert set(told) <= {"changed", "volatile_text"}
    assert open_db()["fetches"].count == len(replica.requests_for("/p")) >= 12  # every capture kept
    problem = next(open_db().query("SELECT detail FROM events WHERE kind = 'volatile_text'"))
    assert "add a CSS selector of their element" in problem["detail"]
    assert kinds(open_db)[-1] == "volatile_change"  # words picked again: a note


@pytest.mark.parametrize("pool, seed", [(5, 2), (8, 1), (12, 3)])
def test_words_picked_at_random_accuse_a_few_times_at_most(watched, replica, open_db, pool, seed):
    """Picked at random, not in turn, the words come back to earlier ones now and then:
    held as a return, and the look finds other words or the page as it was: volatile.
    Picked anew at each request, the second fetch at once (doubt.AT_ONCE) finds other words
    before the first accusation (one alert each before it; 1 to 4 in session 13, one at
    nearly every check before that). Seeded: the same requests each run."""
    choices = (TIPS + [f"Did you know? {headline}." for headline in HEADLINES])[:pool]
    rng = random.Random(seed)
    check_each_visit(watched, replica, lambda: f"<p>{rng.choice(choices)}</p>")
    assert alerted(open_db).count("changed") <= 1, watched.kinds()  # 1 each before AT_ONCE, 0 now
    assert open_db()["fetches"].count == len(replica.requests_for("/p")) >= 12


def fetch_of_check(open_db, n):
    """The first fetch of the ``n``-th check (from 0): a check that found the page changed
    fetched it again at once (doubt.AT_ONCE), so fetches and checks are not numbered alike."""
    return next(open_db().query(
        "SELECT * FROM fetches WHERE crawl_id = (SELECT id FROM crawls ORDER BY id "
        "LIMIT 1 OFFSET ?) ORDER BY id LIMIT 1", [n]))


def first_fetch_showing(open_db, words):
    db = open_db()
    return min(row["id"] for row in db.query("SELECT id, body_sha256 FROM fetches")
               if words in (store.body_of(db, row["body_sha256"]) or b""))


def check_each_visit(watched, replica, extra, checks=12):
    """Serve the page with ``extra()`` written anew at each request; check it ``checks`` times."""
    def serve(handler):
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, page(extra=extra()).encode())

    replica.set("/p", b"", handler=serve)
    for _ in range(checks):
        watched.check()


# Words picked at each visit from a few versions (two or three): they come back to words
# the page had just before, which an edit undone does too. Held, and looked at again: the
# look finds other words (or the page as it was), so they are volatile places. Written for
# this test (the first four before the mechanism, the others after, untried on it).
BANNERS = ["Sign up for our newsletter to get the latest news.",
           "Get the latest news in your inbox: subscribe to our newsletter today."]
FEW = {
    "two banners in turn": lambda n, rng: f"<p>{BANNERS[n % 2]}</p>",
    "two banners at random": lambda n, rng: f"<p>{rng.choice(BANNERS)}</p>",
    "a greeting of the hour": lambda n, rng: "<p>Good {}, and welcome.</p>".format(
        rng.choice(["morning", "afternoon", "evening"])),
    "one of three sentences": lambda n, rng: "<p>{}</p>".format(rng.choice([
        "Our consular staff help citizens abroad every day.",
        "The ministry publishes its annual report each spring.",
        "Embassies can issue emergency travel documents."])),
    "a promotion box of two lines": lambda n, rng: (
        "<aside><h3>Study abroad</h3><p>Scholarships for the next academic year are open.</p></aside>"
        if rng.random() < 0.5 else
        "<aside><h3>Travel safely</h3><p>Register your trip before you leave the country.</p></aside>"),
    "a Chinese notice in turn": lambda n, rng: "<p>{}</p>".format(
        ["欢迎访问本网站。", "本网站提供中英文两种版本，敬请浏览。"][n % 2]),
    "a Spanish slogan of three": lambda n, rng: "<p>{}</p>".format(rng.choice(
        ["Juntos por los derechos humanos.", "Diálogo, respeto y cooperación.",
         "Una política exterior feminista."])),
}


MENU_ITEMS = ["Visas", "Travel advice", "Embassies", "Press releases", "Speeches", "Treaties"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_menu_shuffled_at_each_visit_accuses_at_most_once(watched, replica, open_db, seed):
    """Its lines reordered at each request: the second fetch of its first change, seconds
    later, finds it reordered again (doubt.AT_ONCE), and once it is a volatile place the
    lines that happen to stay put are still the menu (volatile._widened)."""
    rng = random.Random(seed)
    check_each_visit(watched, replica, lambda: "<ul>{}</ul>".format("".join(
        f"<li>{item}</li>" for item in rng.sample(MENU_ITEMS, len(MENU_ITEMS)))))
    # 1, 1, 2 before the second fetch at once (doubt.AT_ONCE), 0 each now
    assert alerted(open_db).count("changed") <= 1, watched.kinds()
    # what the history shows of its first change: set aside at once, as a transient note
    # (the second fetch found the list laid out otherwise) or a volatile_change note (the
    # same lines changed again in place), never as an edit
    kinds = watched.kinds()
    assert kinds[1] in ("transient", "volatile_change"), kinds
    notes = [row["detail"] for row in open_db().query(
        "SELECT detail FROM events WHERE kind = 'transient'")]
    assert all("written anew at each visit" in note and "nothing was alerted" in note
               for note in notes), notes


def picked_from_few(shape, seed, edited=lambda n: False):
    rng, requests = random.Random(seed), []

    def serve(handler):
        n = len(requests)
        requests.append(n)
        paragraphs = PARAGRAPHS + (["The report of the round is now published."] if edited(n) else [])
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"},
             page(paragraphs, extra=FEW[shape](n, rng)).encode())
    return serve


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("shape", list(FEW))
def test_words_picked_from_a_few_versions_accuse_at_most_once(watched, replica, open_db, shape, seed):
    """Before session 14, each return to earlier words was alerted as an edit undone: two
    banners in turn gave 11 alerts in 12 checks, a greeting of three 7 or 8. The first
    change is fetched again at once: other words, or the page as it was, and it is not
    told (two in turn: 0 now); the same words again (one time in two or three), it is
    told once, and the place is then volatile."""
    replica.set("/p", b"", handler=picked_from_few(shape, seed))
    for _ in range(12):
        watched.check()
    told = alerted(open_db)
    assert told.count("changed") <= 1 and set(told) <= {"changed", "volatile_text"}, watched.kinds()
    assert told.count("volatile_text") <= 1
    assert open_db()["fetches"].count == len(replica.requests_for("/p")) >= 12  # every capture kept
    # what a subscriber reads of the problem, however the place was found volatile (a look
    # that found the other words, or the page as it was)
    for problem in open_db().query("SELECT detail FROM events WHERE kind = 'volatile_text'"):
        assert "add a CSS selector of their element" in problem["detail"], problem["detail"]


@pytest.mark.parametrize("shape", ["two banners in turn", "a greeting of the hour"])
def test_an_edit_beside_words_picked_from_a_few_is_alerted_once(watched, replica, open_db, shape):
    replica.set("/p", b"", handler=picked_from_few(shape, 3, edited=lambda n: n >= 7))
    for _ in range(12):
        watched.check()
    texts = [store.text_of(open_db(), row["text_sha256"]) for row in open_db().query(
        "SELECT v.text_sha256 FROM events e JOIN versions v ON v.id = e.version_id "
        "WHERE e.kind = 'changed' ORDER BY e.id")]
    assert sum("now published" in text for text in texts) == 1, watched.kinds()
    assert alerted(open_db).count("changed") <= 2, watched.kinds()


@pytest.mark.parametrize("edit, at_the_edit", [(None, "volatile_change"),
                                                ("a word of its own", "changed"),
                                                ("a sentence added", "changed")])
def test_a_tip_inside_a_paragraph_of_the_page_s_own_accuses_once_and_edits_around_it_are_told(
        watched, replica, open_db, edit, at_the_edit):
    """The tip is the last sentence of the page's last paragraph: the paragraph is the place.
    Once it is volatile, its tip changing is a note; its own words edited, or a sentence
    added to it, are an edit (a sentence all its recent versions had was removed, or more
    sentences came than went; at the second fetch, a sentence both fetches show)."""
    requests = []

    def serve(handler):
        n = len(requests)
        requests.append(n)
        last = PARAGRAPHS[-1]
        if n >= 7 and edit == "a word of its own":
            last = last.replace("parliament's", "government's")
        if n >= 7 and edit == "a sentence added":
            last += " The annex lists the cases raised."
        paragraphs = PARAGRAPHS[:-1] + [f"{last} {TIPS[n % len(TIPS)]}"]
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, page(paragraphs).encode())

    replica.set("/p", b"", handler=serve)
    for _ in range(10):
        watched.check()
    # its first change is fetched again at once (doubt.AT_ONCE): the tip changed again, so the
    # paragraph is a volatile place before anyone is accused; the edit (request 7, the
    # seventh check's first fetch) stays at its second fetch: told
    assert watched.kinds() == ["new", "volatile_change", "volatile_text"] + [
        "volatile_change"] * 4 + [at_the_edit] + ["volatile_change"] * 3


def test_a_paragraph_reworded_at_two_checks_in_a_row_is_alerted_at_once_both_times(watched):
    """A sentence edited keeps most of its words: it is not words picked anew, and is told
    at once however soon it follows the last edit."""
    versions = ["The report of the round will be published.",
                "The report of the round is published below.",
                "The report of the round and its annex are published below."]
    for words in versions:
        watched.show(page(PARAGRAPHS + [words]))
        watched.check()
    assert watched.kinds() == ["new", "changed", "changed"]


def test_a_paragraph_replaced_at_two_checks_in_a_row_is_alerted_once_it_stays(watched, open_db):
    """Other words altogether in the same place at two checks in a row could be words
    picked anew at each visit: held once, found unchanged at the second look, then alerted,
    dated when first seen."""
    versions = ["Next round: to be announced.",
                "The fifteenth round was postponed at the request of the Chinese side.",
                "Ministers agreed on a new date in March, in Beijing."]
    for words in [versions[0], versions[1], versions[2], versions[2]]:
        watched.show(page(PARAGRAPHS + [words]))
        watched.check()
    assert watched.kinds() == ["new", "changed", "changed"]
    second = list(open_db().query("SELECT * FROM events WHERE kind = 'changed' ORDER BY id"))[1]
    assert "confirmed by checking again" in second["detail"]
    third_fetch = fetch_of_check(open_db, 2)
    assert (second["fetch_id"], second["at"]) == (third_fetch["id"], third_fetch["at"])


@pytest.mark.parametrize("from_request", [2, 3, 4])
def test_an_edit_made_while_words_picked_anew_are_held_is_not_held_for_ever(
        watched, replica, open_db, from_request):
    """An edit that comes while the tip's change is held (or as it is first held) is told
    within a few looks, whatever the tip does meanwhile."""
    replica.set("/p", b"", handler=picked_anew("a tip paragraph", edited=lambda n: n >= from_request))
    for _ in range(9):
        watched.check()
    told = alerted(open_db)
    assert 1 <= told.count("changed") <= 2, watched.kinds()
    versions = list(open_db().query("SELECT text_sha256 FROM versions ORDER BY id"))
    edited = [n for n, v in enumerate(versions)
              if "now published" in store.text_of(open_db(), v["text_sha256"])]
    assert edited, watched.kinds()
    last = list(open_db().query("SELECT * FROM events WHERE kind = 'changed' ORDER BY id"))[-1]
    assert last["fetch_id"] <= from_request + 1 + doubt.VOLATILE_AFTER


def test_an_edit_beside_words_picked_anew_is_alerted(watched, replica, open_db):
    """Once the tip is a volatile place, the page's own paragraph edited is still news."""
    replica.set("/p", b"", handler=picked_anew("a tip paragraph", edited=lambda n: n >= 8))
    for _ in range(10):
        watched.check()
    told = alerted(open_db)
    assert told.count("volatile_text") == 1 and told.count("changed") <= 2, watched.kinds()
    last = list(open_db().query("SELECT * FROM events WHERE kind = 'changed' ORDER BY id"))[-1]
    assert last["fetch_id"] == first_fetch_showing(open_db, b"now published")  # dated then
    assert "now published" in store.text_of(open_db(), next(open_db().query(
        "SELECT text_sha256 FROM versions ORDER BY id DESC LIMIT 1"))["text_sha256"])


def test_a_held_change_is_fetched_again_in_full(watched, replica):
    watched.show(page())
    watched.check()
    watched.show(WALLS["parked domain"])
    watched.check()
    watched.check()
    second_look = replica.requests_for("/p")[-1]["headers"]
    assert "If-None-Match" not in second_look and "If-Modified-Since" not in second_look


RESOLVE = [
    # genuine, held, new, same places, like held, looks so far -> outcome
    ("a", "b", "a", False, False, 1, doubt.TRANSIENT),
    ("a", "b", "b", False, False, 1, doubt.CONFIRMED),
    ("a", "b", "b", True, True, 2, doubt.CONFIRMED),  # edited twice, then it stayed
    ("a", "b", "c", True, True, 1, doubt.HOLD_AGAIN),
    ("a", "b", "c", True, True, 2, doubt.VOLATILE),
    ("a", "b", "c", False, True, 1, doubt.CONFIRMED),
    ("a", "b", "c", False, False, 1, doubt.AGAIN),
]


@pytest.mark.parametrize("genuine, held, new, same, like, looks, outcome", RESOLVE)
def test_resolve(genuine, held, new, same, like, looks, outcome):
    assert doubt.resolve(genuine, held, new, same, like, looks) == outcome


TEXT = "\n".join(PARAGRAPHS)
JUDGE = [
    # before, after -> verdict, reason
    (TEXT, "Checking your browser", doubt.DOUBTFUL, "much_shorter"),
    (TEXT, "\n".join(p.upper() for p in PARAGRAPHS), doubt.DOUBTFUL, "most_replaced"),
    (TEXT, TEXT + "\nA new paragraph about the next round.", doubt.ORDINARY, None),
    (TEXT, "\n".join(PARAGRAPHS[:4]), doubt.ORDINARY, None),  # whole paragraphs cut: an edit
    (TEXT, "\n".join(PARAGRAPHS[:4]) + "\nCivil soc", doubt.DOUBTFUL, "cut_short"),
    (TEXT, TEXT[:300], doubt.DOUBTFUL, "cut_short"),
    (TEXT, "\n".join(PARAGRAPHS[:3] + PARAGRAPHS[4:]), doubt.ORDINARY, None),  # a paragraph cut
    (TEXT, TEXT.replace("Geneva on 12 May", "Bern on 12 May"), doubt.ORDINARY, None),
    (TEXT + "\nViews: 1204", TEXT + "\nViews: 1217", doubt.DOUBTFUL, "numbers"),
    (TEXT + "\nUpdated 3 hours ago", TEXT + "\nUpdated 4 hours ago", doubt.MACHINE, None),
    ("", "anything", doubt.ORDINARY, None),
]


@pytest.mark.parametrize("before, after, verdict, reason", JUDGE)
def test_judge(before, after, verdict, reason):
    found = doubt.judge(before, after, "2026-12-06T10:00:00Z", "2026-12-06T09:00:00Z")
    assert found.verdict == verdict
    assert found.reason == reason or verdict == doubt.MACHINE


# Values a machine writes anew at each visit, computed at each request from the real
# clock (as the sites do): a note at most, never an alert.
START = time.time() - 3600
MACHINE_MADE = {
    "random token": lambda: f"Session reference {secrets.token_hex(12)}",
    "generated at": lambda: time.strftime("This page was generated on %d %B %Y at %H:%M:%S.",
                                          time.gmtime()),
    "relative time (en)": lambda: f"Last edited {int(time.time() - START)} seconds ago.",
    "relative time (de)": lambda: f"Zuletzt bearbeitet vor {int(time.time() - START)} Sekunden.",
    "relative time (ja)": lambda: f"{int(time.time() - START)}秒前に更新",
    "epoch build stamp": lambda: f"Build {int(time.time())}",
}


def wait_until(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s in vain"
        time.sleep(0.02)


@pytest.mark.parametrize("shape", list(MACHINE_MADE))
def test_values_a_machine_writes_anew_never_alert(replica, make_config, crawl, open_db, shape):
    cfg = make_config({"id": "p", "path": "/p"})

    served = []

    def fresh(handler):
        served.append(MACHINE_MADE[shape]())
        body = page(PARAGRAPHS + [served[-1]]).encode()
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"}, body)

    replica.set("/p", "", handler=fresh)
    for check in range(4):
        if check:  # the clock moves on (to its next second): each answer differs
            wait_until(lambda: MACHINE_MADE[shape]() != served[-1])
        crawl(cfg)
    assert alerted(open_db) in ([], ["volatile_text"])
    assert set(kinds(open_db)) <= {"new", "volatile_change", "volatile_text", "transient"}
    assert len(set(r["body_sha256"] for r in open_db().query("SELECT body_sha256 FROM fetches"))) >= 3


# A date bump: the page's "last updated" line changed and nothing else, with the line
# inside the main content (where ministries put it), in a table cell, in a sentence.
BUMPS = {
    "a line in main": lambda date: f"<p>Last updated: {date}</p>",
    "a table cell": lambda date: (f"<table><tr><td>Page owner</td><td>Human Rights Division</td>"
                                  f"</tr><tr><td>Last updated</td><td>{date}</td></tr></table>"),
    "a sentence": lambda date: f"<p>This page was last updated on {date} by the China desk.</p>",
}


@pytest.mark.parametrize("shape", list(BUMPS))
def test_a_date_bump_inside_the_content_is_marker_only(watched, open_db, shape):
    watched.show(page(extra=BUMPS[shape]("3 March 2024")))
    watched.check()
    watched.show(page(extra=BUMPS[shape]("14 November 2026")))
    watched.check()
    assert watched.kinds() == ["new", "marker_only"]
    event = next(open_db().query("SELECT * FROM events WHERE kind = 'marker_only'"))
    assert "2024" in event["marker_before"] and "2026" in event["marker_after"]
    state = next(open_db().query("SELECT last_changed_at FROM source_state"))
    assert state["last_changed_at"] is None  # the text did not change


def test_a_date_bump_beside_a_real_edit_is_updated(watched):
    watched.show(page(extra=BUMPS["a line in main"]("3 March 2024")))
    watched.check()
    watched.show(page(PARAGRAPHS + ["The next round is planned for the spring."],
                      extra=BUMPS["a line in main"]("14 November 2026")))
    watched.check()
    assert watched.kinds() == ["new", "updated"]


# -- an edit is fetched again at once (doubt.AT_ONCE) ---------------------------------------


def test_an_edit_is_told_by_the_crawl_that_saw_it_after_a_second_fetch(watched, replica, open_db):
    watched.show(page())
    watched.check()
    watched.show(page(PARAGRAPHS + ["The report of the round is published below."]))
    assert watched.check() == ("ok", "changed")  # told by this crawl, not the next
    assert len(replica.requests_for("/p")) == 4  # the page, then the edit three times
    event = next(open_db().query("SELECT * FROM events WHERE kind = 'changed'"))
    first, _, last = list(open_db().query("SELECT * FROM fetches ORDER BY id"))[1:]
    assert (event["fetch_id"], event["at"], event["confirmed_by"]) == (
        first["id"], first["at"], last["id"])  # dated when first seen
    assert "fetched again at once" in first["note"] and event["detail"] is None
    assert watched.check() == ("not_modified", None)
    assert len(replica.requests_for("/p")) == 5  # an unchanged page is fetched once



def _answer(body=b"<p>edit</p>", **fields):
    fields = {"fetched_at": "2026-01-01T00:00:00Z", "status": 200, "content_type": "text/html",
              "headers": {}, **fields}
    return PageFetch("p", "http://127.0.0.1/p", body=body, **fields)


# The second fetch is read again unless it answered what the held one did; the moment
# (seconds later, another Date header) does not count.
@pytest.mark.parametrize("second, read_again", [
    (_answer(fetched_at="2026-01-01T00:00:04Z", headers={"Date": "Thu, 01 Jan 2026 00:00:04 GMT"}), False),
    (_answer(body=b"<p>edit, and more</p>"), True),
    (_answer(headers={"Last-Modified": "Thu, 01 Jan 2026 00:00:04 GMT"}), True),
    (_answer(content_type="application/pdf"), True),
    (_answer(final_url="http://127.0.0.1/login"), True),
    (_answer(status=203), True),
], ids=["same bytes, later", "other bytes", "another Last-Modified", "another type",
        "another address", "another status"])
def test_a_second_fetch_is_read_again_unless_it_answered_the_same(second, read_again):
    assert (pipelines.answer_key(second) != pipelines.answer_key(_answer())) is read_again


# Written after the mechanism, none of them tried on it before: words a site writes anew at
# each request, in shapes and languages no other test has.
AT_EACH_REQUEST = {
    "3 of 6 most-read stories": lambda rng: "<h2>Most read</h2><ol>{}</ol>".format(
        "".join(f"<li>{story}</li>" for story in rng.sample(HEADLINES[:6], 3))),
    "a French photo caption of five": lambda rng: "<p><em>Photo : {}</em></p>".format(
        rng.choice(["Le ministre reçoit une délégation à Berne.", "Vue du Palais fédéral en hiver.",
                    "Signature d'un accord à Genève.", "Conférence de presse à Lausanne.",
                    "Visite d'une ambassade à Pékin."])),
    "eight partner countries shuffled, in German": lambda rng: "<ul>{}</ul>".format("".join(
        f"<li>{country}</li>" for country in rng.sample(
            ["Australien", "Brasilien", "Kanada", "Chile", "Ungarn", "Japan", "Norwegen",
             "Schweiz"], 8))),
    "a promotion of two lines, one of four": lambda rng: "<div class='promo'><h3>{}</h3><p>{}</p></div>".format(
        *rng.choice([("Study in Canada", "Scholarships for students from abroad."),
                     ("Travel advice", "Check the advice before you book."),
                     ("Work with us", "The ministry is hiring translators."),
                     ("Open house", "Visit the ministry on the first Saturday of June.")])),
    "a testimonial and its author, one of six": lambda rng: "<blockquote><p>{}</p><p>— {}</p></blockquote>".format(
        *rng.choice([(f"The dialogue helped us reach officials {n}.", author) for n, author in zip(
            ["quickly", "at last", "directly", "in person", "by letter", "twice"],
            ["A. Chen", "M. Dubois", "K. Sato", "L. Silva", "J. Smith", "H. Müller"])])),
    # written after stories were agreed on only at the same rank (session 16), never tried before
    "2 of 5 related links, in Spanish": lambda rng: "<h3>Relacionados</h3><ul>{}</ul>".format("".join(
        f"<li>{link}</li>" for link in rng.sample(
            ["Diálogo sobre derechos humanos con China, ronda de 2024.", "Informe anual de la embajada.",
             "Declaración conjunta sobre los defensores de derechos.", "Visita del relator especial.",
             "Becas para periodistas extranjeros."], 2))),
    "4 of 9 coming events, in Norwegian": lambda rng: "<h3>Kommende arrangementer</h3><ul>{}</ul>".format(
        "".join(f"<li>{event}</li>" for event in rng.sample(
            [f"Seminar om menneskerettigheter i {city}, {day}. juni." for day, city in zip(
                range(2, 11), ["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Bodø",
                               "Kristiansand", "Drammen", "Ålesund"])], 4))),
}


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("shape", list(AT_EACH_REQUEST))
def test_words_written_anew_at_each_request_are_set_aside_by_the_second_fetch(
        watched, replica, open_db, shape, seed):
    rng = random.Random(seed)
    check_each_visit(watched, replica, lambda: AT_EACH_REQUEST[shape](rng), checks=10)
    told = alerted(open_db)
    assert told.count("changed") <= ACCUSED_AT_MOST.get(shape, 0), watched.kinds()
    assert told.count("volatile_text") <= 2, watched.kinds()  # what to ignore: asked once or twice
    if shape not in ACCUSED_AT_MOST:
        assert told.count("volatile_text") >= 1, watched.kinds()
    assert open_db()["fetches"].count == len(replica.requests_for("/p"))


# Measured over 10 checks, seeds 1 and 2, before the second fetch at once (fa84f55)
# and after: most-read 3 and 3 -> 2 and 3; the caption 1, 1 -> 0; the countries 3, 2 -> 0;
# the promotion 1, 1 -> 0; the testimonial 3, 3 -> 0. Stories picked 3 of 6 at each request:
# 2 and 3 -> 0 and 0 since two fetches agree on a story only at the same rank, such an
# agreement takes a third fetch, and a list laid out otherwise at once is volatile wherever
# either fetch changed it (session 16). Two links of five (written in session 16): 0 and 1,
# then 0 and 0 once every edit takes two looks at once; one is allowed: a new link at the
# same rank at three fetches in a row is told.
ACCUSED_AT_MOST = {"2 of 5 related links, in Spanish": 1}


def test_an_edit_published_while_the_site_s_servers_disagree_is_told_once(watched, replica, open_db):
    """Right after the edit, the site answers the new page, then the old one (a cache being
    refreshed): the second fetch finding the page as it was is a transient note, never a
    reason to set the edited paragraph aside: told once it stays, dated when it showed
    again, and never again. (Old and new in turn for several checks is set aside as words
    picked from a few versions: docs/design.md.)"""
    requests = []
    edited = PARAGRAPHS + ["The report of the round is published below."]

    def serve(handler):
        n = len(requests)
        requests.append(n)
        fresh = n >= 1 and (n % 2 == 1 or n >= 4)
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8"},
             page(edited if fresh else PARAGRAPHS).encode())

    replica.set("/p", b"", handler=serve)
    for _ in range(6):
        watched.check()
    told = alerted(open_db)
    assert told == ["changed"], watched.kinds()
    versions = list(open_db().query("SELECT text_sha256 FROM versions ORDER BY id"))
    assert "published below" in store.text_of(open_db(), versions[-1]["text_sha256"])

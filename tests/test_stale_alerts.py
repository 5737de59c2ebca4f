"""Stale alerts: a page whose 'last updated' date grows older than ``stale_after``
raises one ``stale`` event, and one more at twice as old (real crawls of a real
server on 127.0.0.1, a real database, a real SMTP server for the alerts)."""

import datetime
import email
import email.policy
import json
import socket

import pytest
from aiosmtpd.controller import Controller

from monitor import store
from monitor.analysis import analyze, staleness
from monitor.fetch import crawler
from monitor.items import PageFetch
from monitor.notify import alerts, dispatch

D = datetime.date
TODAY = datetime.datetime.now(datetime.timezone.utc).date()


def page(marker, text="The dialogue was held in Ottawa."):
    return (f"<html><head><title>Canada-China</title></head><body><main><h1>Dialogue</h1>"
            f"<p>{text}</p><p>Officials discussed freedom of expression and the rights of "
            f"minorities with non-governmental organisations.</p></main>"
            f"<footer><p>{marker}</p></footer></body></html>")


def updated(days_ago):
    day = TODAY - datetime.timedelta(days=days_ago)
    return f"Last updated {day.day} {day:%B %Y}"


# -- the level of a claim at a check (pure) -----------------------------------

LEVELS = [
    # claimed until, today, stale_after (days), level
    (D(2002, 11, 30), D(2003, 11, 30), 365, 0),  # exactly a year: not past it yet
    (D(2002, 11, 30), D(2003, 12, 1), 365, 1),  # the day it passes
    (D(2002, 11, 30), D(2004, 11, 29), 365, 1),  # 730 days: not past twice yet
    (D(2002, 11, 30), D(2004, 11, 30), 365, 2),  # 731 days
    (D(2002, 11, 30), D(2026, 12, 1), 365, 2),  # still 2, however old
    (D(2024, 3, 12), D(2024, 3, 12), 1, 0),
    (D(2024, 3, 12), D(2024, 3, 14), 1, 1),
    (D(2024, 3, 12), D(2024, 3, 15), 1, 2),
    (D(2030, 1, 1), D(2024, 3, 12), 365, 0),  # a date in the future is not stale
    (None, D(2026, 12, 1), 365, 0),  # no claim, nothing to judge
    (D(2002, 11, 30), D(2026, 12, 1), None, 0),  # stale_after: never
]


@pytest.mark.parametrize("claimed, today, stale_after, level", LEVELS)
def test_stale_level(claimed, today, stale_after, level):
    assert staleness.stale_level(claimed, today, stale_after) == level


AGES = [
    # since, today, words (calendar years, then days)
    (D(2024, 3, 12), D(2024, 3, 12), "0 days"),
    (D(2024, 3, 12), D(2024, 3, 13), "1 day"),
    (D(2002, 11, 30), D(2003, 11, 30), "1 year"),
    (D(2002, 11, 30), D(2003, 12, 3), "1 year and 3 days"),
    (D(2002, 11, 30), D(2026, 12, 2), "24 years and 2 days"),  # leap days do not drift
    (D(2002, 11, 30), D(2005, 11, 29), "2 years and 364 days"),
    (D(2024, 2, 29), D(2025, 3, 1), "1 year and 1 day"),  # from 28 Feb 2025
]


@pytest.mark.parametrize("since, today, words", AGES)
def test_age(since, today, words):
    assert staleness.age(since, today) == words


@pytest.mark.parametrize("days, words", [(1, "1 day"), (180, "180 days"), (365, "1 year"),
                                         (364, "364 days"), (730, "2 years")])
def test_span(days, words):
    assert staleness.span(days) == words


WORDS = [
    # level, claimed until, today, stale_after, marker text, origin, 2003 figure, words
    (1, D(2002, 11, 30), D(2003, 12, 3), 365, "Last updated Nov 2002", "label", 152,
     "No update for 1 year and 3 days, longer than the 1 year after which a page counts as "
     "stale: the page still says 'Last updated Nov 2002' (2003 report: 152 days; now: 368 days)"),
    (2, D(2002, 11, 30), D(2006, 3, 18), 365, "Last updated Nov 2002", "label", None,
     "No update for 3 years and 108 days, more than twice the 1 year after which a page counts "
     "as stale: the page still says 'Last updated Nov 2002' (now: 1,204 days)"),
    (1, D(2024, 1, 5), D(2024, 7, 23), 180, "2024-01-05", "meta:dateModified", None,
     "No update for 200 days, longer than the 180 days after which a page counts as stale: "
     "the page's metadata still says '2024-01-05' (now: 200 days)"),
    (1, D(2024, 11, 5), D(2025, 12, 10), 365, "Tue, 05 Nov 2024 10:00:00 GMT",
     "http:last-modified", None,
     "No update for 1 year and 35 days, longer than the 1 year after which a page counts as "
     "stale: the site still says it was last modified on 'Tue, 05 Nov 2024 10:00:00 GMT' "
     "(now: 400 days)"),
]


@pytest.mark.parametrize("level, claimed, today, stale_after, marker, origin, baseline, words",
                         WORDS)
def test_stale_words(level, claimed, today, stale_after, marker, origin, baseline, words):
    assert staleness.stale_words(level, claimed, today, stale_after, marker, origin,
                                 baseline) == words


# -- at each check of a real page -----------------------------------------------


def stale_events(open_db, source_id=None):
    sql = "SELECT source_id, days_stale, marker_after, detail FROM events WHERE kind = 'stale'"
    rows = list(open_db().query(sql + " ORDER BY id"))
    return [r for r in rows if source_id in (None, r["source_id"])]


def test_a_stale_page_is_alerted_once_then_once_more_at_twice_as_old(replica, make_config, crawl,
                                                                      open_db):
    """Time passing is played by a shorter stale_after: a page dated 3 days ago is
    fresh under 4d, past stale_after under 2d, past twice stale_after under 1d."""

    def config(stale_after):
        return make_config({"id": "dated", "path": "/dated", "stale_after": stale_after},
                           {"id": "undated", "path": "/undated", "stale_after": stale_after})

    replica.set("/dated", page(updated(3)))
    replica.set("/undated", page("Contact us"), validators=False)  # no date, no Last-Modified
    unchanged = ("not_modified", None)
    assert crawl(config("4d")) == {"dated": ("ok", "new"), "undated": ("ok", "new")}
    assert crawl(config("2d")) == {"dated": ("not_modified", "stale"), "undated": unchanged}
    assert crawl(config("2d")) == {"dated": unchanged, "undated": unchanged}
    assert crawl(config("1d")) == {"dated": ("not_modified", "stale"), "undated": unchanged}
    assert crawl(config("1d")) == {"dated": unchanged, "undated": unchanged}
    first, second = stale_events(open_db)
    assert first["source_id"] == second["source_id"] == "dated"
    assert first["days_stale"] == second["days_stale"] == 3
    assert first["marker_after"] == updated(3)
    assert first["detail"] == (f"No update for 3 days, longer than the 2 days after which a page "
                               f"counts as stale: the page still says '{updated(3)}' (now: 3 days)")
    assert second["detail"].startswith("No update for 3 days, more than twice the 1 day after")

    # an edit that keeps the old date says nothing new about its age
    replica.set("/dated", page(updated(3), "The dialogue was held in Beijing."))
    assert crawl(config("1d"), "dated") == {"dated": ("ok", "silent_edit")}
    # a newer date starts again: still stale (2 days > 1d) is said once for it
    replica.set("/dated", page(updated(2), "The dialogue was held in Beijing."))
    assert crawl(config("1d"), "dated") == {"dated": ("ok", "marker_only, stale")}
    assert crawl(config("1d"), "dated") == {"dated": ("not_modified", None)}
    replica.set("/dated", page(updated(0), "The dialogue was held in Beijing."))
    assert crawl(config("1d"), "dated") == {"dated": ("ok", "marker_only")}  # fresh
    assert len(stale_events(open_db)) == 3


def test_a_gone_page_is_not_stale_and_is_not_alerted_again_when_back(replica, make_config, crawl):
    cfg = make_config({"id": "dated", "path": "/dated", "stale_after": "1d"})
    replica.set("/dated", page(updated(5)))
    assert crawl(cfg) == {"dated": ("ok", "new, stale")}  # already twice as old: one event
    replica.remove("/dated")
    assert crawl(cfg) == {"dated": ("gone", "gone")}
    assert crawl(cfg) == {"dated": ("gone", None)}
    replica.set("/dated", page(updated(5)))
    assert crawl(cfg) == {"dated": ("not_modified", "restored")}  # the same claim, said already


def test_never_turns_stale_events_off(replica, make_config, crawl):
    cfg = make_config({"id": "dated", "path": "/dated", "stale_after": "never"})
    replica.set("/dated", page("Last updated Oct 2002"))
    assert crawl(cfg) == {"dated": ("ok", "new")}


def check(db, source, day, body):
    """Record one check of ``source`` on ``day`` (its stored time is the clock)."""
    fetch = PageFetch(source_id=source.id, url=source.url, fetched_at=f"{day}T10:00:00Z",
                      status=200, body=body.encode(), content_type="text/html; charset=utf-8")
    return store.record_fetch(db, fetch, analyze.analyze(fetch, source), 3)


def test_a_year_and_then_two_years_pass(make_config, open_db):
    """The default of the shipped sources.yaml (365d) over two years of weekly checks
    (daily around the day it passes), the check's own time as the clock; the 2003
    report's figure beside today's."""
    cfg = make_config({"id": "canada", "url": "https://canada.example/page",
                       "stale_after": "365d",
                       "baseline": {"observed": D(2003, 4, 2), "marker": "Last updated Oct 2002"}})
    db = open_db()
    store.sync_sources(db, cfg.sources)
    body = page("Last updated Nov 2002")  # until 30 Nov 2002
    weekly = {D(2003, 1, 1) + datetime.timedelta(days=7 * n) for n in range(115)}
    around = {D(2003, 11, 29), D(2003, 11, 30), D(2003, 12, 1), D(2003, 12, 2),
              D(2004, 11, 28), D(2004, 11, 29), D(2004, 11, 30), D(2004, 12, 1)}
    days = sorted(weekly | around)
    raised = {day: kind for day in days if (kind := check(db, cfg.source("canada"), day, body))}
    assert raised == {D(2003, 1, 1): "new"}
    rows = list(db.query("SELECT at, days_stale, detail FROM events WHERE kind = 'stale'"))
    assert [(r["at"][:10], r["days_stale"]) for r in rows] == [("2003-12-01", 366),
                                                               ("2004-11-30", 731)]
    assert rows[0]["detail"] == (
        "No update for 1 year and 1 day, longer than the 1 year after which a page counts as "
        "stale: the page still says 'Last updated Nov 2002' (2003 report: 153 days; now: 366 days)")


# -- delivered like every other alert ---------------------------------------------


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"

    def texts(self):
        return {m["Subject"]: m.get_body(("plain",)).get_content().replace("\r\n", "\n")
                for m in self.messages}


@pytest.fixture
def smtp():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    mailbox.url = f"mailto://127.0.0.1:{port}?from=watch@example.org&to=campaigner@example.org&mode=insecure"
    yield mailbox
    controller.stop()


def write_alerts(tmp_path, *subscribers):
    lines = ["site_url: https://example.org/dw", "subscribers:"]
    for subscriber in subscribers:
        lines += [f"  - {key}: {json.dumps(value)}" if n == 0 else f"    {key}: {json.dumps(value)}"
                  for n, (key, value) in enumerate(subscriber.items())]
    path = tmp_path / "alerts.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_subscriber_gets_the_stale_alert_by_email_with_the_2003_figure(
        replica, make_config, db_path, open_db, smtp, tmp_path):
    cfg = make_config({"id": "canada", "path": "/ca", "title": "Canada-China relations",
                       "stale_after": "365d",
                       "baseline": {"observed": D(2003, 4, 2), "marker": "Last updated Oct 2002"}})
    path = write_alerts(tmp_path, {"name": "mail", "url": smtp.url},
                        {"name": "daily", "url": smtp.url, "mode": "daily"},
                        {"name": "edits", "url": smtp.url, "kinds": ["silent_edit"]})
    settings = alerts.load(path, cfg)
    assert "stale" in settings.subscriber("mail").kinds  # the default kinds include it
    replica.set("/ca", page("Last updated Oct 2002"))
    crawler.crawl(cfg, db_path, subscribers=settings.subscribers)
    crawler.crawl(cfg, db_path, subscribers=settings.subscribers)  # said once only
    assert dispatch.deliver(open_db(), settings) == {"sent": 3, "failed": 0}  # new, stale, digest
    days = (TODAY - D(2002, 10, 31)).days
    texts = smtp.texts()
    stale = texts["Canada's page still shows an old 'last updated' date"]
    assert "Page: Canada-China relations\n      " + replica.url("/ca") in stale
    assert (f"What dialogue-watch saw: No update for {staleness.age(D(2002, 10, 31), TODAY)}, "
            "more than twice the "
            "1 year after which a page counts as stale: the page still says 'Last updated Oct "
            f"2002' (2003 report: 153 days; now: {days:,} days)") in stale
    assert "See it on the site: https://example.org/dw/monitor/events/2" in stale
    assert "What this means: the page still claims a 'last updated' date older than" in stale
    (digest,) = [text for subject, text in texts.items() if "daily digest" in subject]
    assert "Canada's page still shows an old 'last updated' date: Canada-China relations" in digest
    assert f"(2003 report: 153 days; now: {days:,} days)" in digest
    assert dispatch.deliver(open_db(), settings) == {"sent": 0, "failed": 0}


def test_the_site_shows_a_stale_event_with_its_meaning(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "dated", "path": "/dated", "stale_after": "1d"})
    replica.set("/dated", page(updated(5)))
    crawl(cfg)
    (row,) = open_db().query("SELECT kind, meaning, detail FROM recent_changes "
                             "WHERE kind = 'stale'")
    assert row["meaning"].startswith("the page still claims a 'last updated' date older than")
    assert row["detail"].startswith("No update for 5 days, more than twice the 1 day")

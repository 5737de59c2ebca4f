"""alerts.yaml, who gets which event, the words of each message, and the outbox
rows written with every event (real crawls of a real server on 127.0.0.1)."""

import datetime
import textwrap
import time

import pytest
import yaml

from monitor import config, store
from monitor.analysis import analyze, events
from monitor.fetch import crawler
from monitor.notify import alerts
from monitor.errors import ConfigError
from monitor.items import PageFetch
from monitor import yamlfile

ENV = {"SMTP_USER": "dw", "SMTP_PASSWORD": "s3cret", "SLACK_TOKEN_A": "T1234ABCD",
       "SLACK_TOKEN_B": "B1234ABCD", "SLACK_TOKEN_C": "abcdefghijklmnopqrstuvwx"}
UTC = datetime.timezone.utc


def page(text="The dialogue was held in Ottawa.", marker="Last updated Oct 2002", extra=""):
    return (f"<html><head><title>Canada-China</title></head><body><main><h1>Dialogue</h1>"
            f"<p>{text}</p><p>Officials discussed freedom of expression and the rights of "
            f"minorities with non-governmental organisations.</p>{extra}</main>"
            f"<footer><p class='stamp'>{marker}</p></footer></body></html>")


def parse(text, sources=None, environ=ENV):
    document = yaml.load(textwrap.dedent(text), Loader=yamlfile.LineLoader)
    return alerts.parse(document, "alerts.yaml", sources, environ)


def problems_of(text, sources=None, environ=ENV):
    with pytest.raises(ConfigError) as caught:
        parse(text, sources, environ)
    return caught.value.problems


# -- alerts.yaml ----------------------------------------------------------------


def test_the_example_file_is_valid():
    settings = alerts.load("alerts.example.yaml", config.load("sources.yaml"), ENV)
    email, slack, weekly = settings.subscribers
    assert email.url.startswith("mailtos://dw:s3cret@smtp.example.org")
    assert (email.mode, email.kinds) == ("immediate", alerts.DEFAULT_KINDS)
    assert slack.countries == {"Canada", "Germany"} and "new" not in slack.kinds
    assert weekly.mode == "weekly" and settings.digest_weekday == 0
    assert settings.site_url == "https://example.org/dialogue-watch"


PROBLEMS = [
    # alerts.yaml, line, words in the message
    ("subscribers:\n  - name: a\n    url: json://localhost/x\n    mdoe: daily\n",
     4, "unknown key 'mdoe'. Fix: did you mean 'mode'?"),
    ("subscribers:\n  - name: a\n    url: json://localhost/x\n    mode: hourly\n",
     4, "mode must be immediate, daily or weekly"),
    ("subscribers:\n  - name: a\n    url: json://localhost/x\n    kinds: [silent-edit]\n",
     4, "'silent-edit' is not an event kind. Fix: did you mean 'silent_edit'?"),
    ("subscribers:\n  - name: a\n    url: nosuchthing://x\n", 3, "Apprise cannot send to this url"),
    ("subscribers:\n  - name: a\n    url: mailtos://me:hunter2@smtp.example.org\n",
     3, "password written in the file"),
    ("subscribers:\n  - name: a\n    url: json://localhost/x\n  - name: a\n    url: json://localhost/y\n",
     4, "also defined on line 2"),
    ("subscribers:\n  - name: Team A\n    url: json://localhost/x\n", 2, "only lowercase"),
    ("digest_time: 8am\nsubscribers: []\n", 1, "HH:MM"),
    ("digest_weekday: funday\nsubscribers: []\n", 1, "is not a day"),
    ("retry_seconds: -1\nsubscribers: []\n", 1, "number of seconds"),
    ("site_url: example.org\nsubscribers: []\n", 1, "is not a web address"),
    ("subscribers:\n  - name: a\n    url: json://localhost/x\n    sources: all\n    countries: [Canada]\n",
     5, "sources: all already includes every country"),
]


@pytest.mark.parametrize("text, line, words", PROBLEMS)
def test_mistakes_name_the_line_and_the_fix(text, line, words):
    found = problems_of(text)
    assert any(at == line and words in message for at, message in found), found


def test_a_missing_variable_is_named_and_the_secret_never_printed():
    text = "subscribers:\n  - name: a\n    url: mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.org\n"
    found = problems_of(text, environ={"SMTP_USER": "dw"})
    assert found == [(3, found[0][1])] and "SMTP_PASSWORD is not set" in found[0][1]
    subscriber = parse(text).subscribers[0]
    assert "s3cret" in subscriber.url and "s3cret" not in repr(subscriber)


def test_unknown_ids_and_countries_are_warnings_that_leave_the_rest():
    """Drift between the two files (a source renamed or removed, a country misspelled)
    never stops monitoring: the value is left out with a warning naming line and fix."""
    sources = config.load("sources.yaml")
    text = ("subscribers:\n  - name: a\n    url: json://localhost/x\n"
            "    sources: [canada-relations-2020, canada-relations-2002]\n    countries: [Canda]\n")
    settings = parse(text, sources)
    (first, second) = settings.warnings
    assert first[0] == 4 and "no source with id 'canada-relations-2020' in sources.yaml" in first[1]
    assert "Fix: did you mean 'canada-relations-2002'?" in first[1]
    assert second[0] == 5 and "no source for the country 'Canda'" in second[1]
    assert "did you mean 'Canada'?" in second[1] and "alerts for the rest go on" in second[1]
    assert settings.warning_lines()[0].startswith("alerts.yaml:4: warning: subscriber 'a': ")
    (subscriber,) = settings.subscribers
    assert subscriber.sources == {"canada-relations-2002"} and subscriber.countries == frozenset()
    assert subscriber.wants_source("canada-relations-2002", "Canada")
    assert not subscriber.wants_source("canada-2020", "Canada")


def test_a_subscriber_left_with_no_known_page_gets_nothing_and_is_told():
    sources = config.load("sources.yaml")
    text = ("subscribers:\n  - name: a\n    url: json://localhost/x\n    sources: [gone-page]\n"
            "  - name: b\n    url: json://localhost/y\n    countries: [Atlantis]\n")
    settings = parse(text, sources)
    assert [line for line, _ in settings.warnings] == [2, 4, 5, 7]
    assert "subscriber 'a' follows none of the pages" in settings.warnings[0][1]
    assert "gets no alerts at all" in settings.warnings[0][1]
    a, b = settings.subscribers
    assert a.follows_nothing() and b.follows_nothing() and "no page" in a.describe()
    assert not a.wants("canada-relations-2002", "Canada", "silent_edit")
    assert not b.wants("canada-relations-2002", "Canada", "silent_edit")


def test_other_mistakes_beside_an_unknown_id_are_still_errors():
    sources = config.load("sources.yaml")
    text = "subscribers:\n  - name: a\n    url: json://localhost/x\n    sources: [gone]\n    mdoe: daily\n"
    assert [line for line, _ in problems_of(text, sources)] == [5]


def test_a_missing_file_says_how_to_start():
    with pytest.raises(ConfigError, match="copy alerts.example.yaml"):
        alerts.load("/nonexistent/alerts.yaml")


def test_an_alias_bomb_in_alerts_yaml_is_refused_at_once(tmp_path):
    """Nested aliases of mappings: 10 lines standing for 10**10 values, used as a name."""
    lines = ["l0: &l0 {" + ", ".join(f"k{i}: lol" for i in range(10)) + "}"]
    lines += [f"l{n}: &l{n} {{" + ", ".join(f"k{i}: *l{n - 1}" for i in range(10)) + "}"
              for n in range(1, 10)]
    lines += ["subscribers:", "  - {name: *l9, url: 'json://localhost/x'}"]
    path = tmp_path / "alerts.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    sources = config.load("sources.yaml")  # outside the clock: on a loaded machine it alone took 1 s
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        alerts.load(path, sources, ENV)
    assert time.monotonic() - started < 10  # expanded, the values would take minutes and gigabytes
    ((line, message),) = caught.value.problems
    assert line == 4 and "*l2 repeats the value marked &l2" in message
    assert "Fix: write the values out in full instead of using & anchors and * aliases" in message


def test_an_alerts_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "alerts.yaml"
    with path.open("wb") as file:  # sparse: no disk space and no time
        file.truncate(yamlfile.MAX_CONFIG_BYTES + 1)
    with pytest.raises(ConfigError, match="over the 50 MB limit for a settings file"):
        alerts.load(path, None, ENV)


def test_an_alerts_file_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "alerts.yaml"
    path.write_bytes("subscribers: [] # caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8 text. Fix: save it as UTF-8"):
        alerts.load(path, None, ENV)


def test_an_alerts_file_with_a_merge_key_still_loads(tmp_path):
    path = tmp_path / "alerts.yaml"
    path.write_text("subscribers:\n  - &team {name: team, url: 'json://localhost/x', mode: daily}\n"
                    "  - <<: *team\n    name: weekly\n    mode: weekly\n", encoding="utf-8")
    team, weekly = alerts.load(path, None, ENV).subscribers
    assert (team.mode, weekly.mode, weekly.url) == ("daily", "weekly", team.url)


# -- who gets what -------------------------------------------------------------


def subscriber(**fields):
    return alerts.Subscriber(name="s", url="json://localhost/x", **fields)


WANTS = [
    # subscriber, source id, country, kind, wanted
    (subscriber(), "canada-1", "Canada", "silent_edit", True),
    (subscriber(), "canada-1", "Canada", "recovered", False),  # not by default
    (subscriber(kinds=frozenset({"recovered"})), "canada-1", "Canada", "recovered", True),
    (subscriber(countries=frozenset({"Canada"})), "canada-1", "Canada", "gone", True),
    (subscriber(countries=frozenset({"Canada"})), "japan-1", "Japan", "gone", False),
    (subscriber(sources=frozenset({"japan-1"})), "japan-1", "Japan", "gone", True),
    (subscriber(sources=frozenset({"japan-1"})), "japan-2", "Japan", "gone", False),
    (subscriber(sources=frozenset({"japan-1"}), countries=frozenset({"Canada"})),
     "canada-9", "Canada", "gone", True),
    (subscriber(kinds=frozenset({"gone"})), "canada-1", "Canada", "layout_changed", False),
]


@pytest.mark.parametrize("who, source_id, country, kind, wanted", WANTS)
def test_wants(who, source_id, country, kind, wanted):
    assert who.wants(source_id, country, kind) is wanted


def test_default_kinds_are_all_but_recovered_and_other_links():
    assert alerts.DEFAULT_KINDS == set(events.KINDS) - {"recovered", "links_changed"} - events.NOTE_KINDS


# -- timing ------------------------------------------------------------------


def at(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


PERIODS = [
    # mode, now, expected key (digests at 08:00 UTC, weekly on Mondays)
    ("daily", "2024-03-12 09:00", "2024-03-12"),
    ("daily", "2024-03-12 07:59", "2024-03-11"),
    ("daily", "2024-03-12 08:00", "2024-03-12"),
    ("weekly", "2024-03-11 08:00", "2024-W11"),  # Monday 11 March 2024
    ("weekly", "2024-03-11 07:00", "2024-W10"),
    ("weekly", "2024-03-17 23:00", "2024-W11"),
    ("weekly", "2024-03-18 09:00", "2024-W12"),
]


@pytest.mark.parametrize("mode, now, key", PERIODS)
def test_digest_period(mode, now, key):
    assert alerts.digest_period(mode, at(now), datetime.time(8, 0), 0) == key


@pytest.mark.parametrize("attempts, delay", [(1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (40, 3600)])
def test_retry_delay_doubles_up_to_the_maximum(attempts, delay):
    assert alerts.retry_delay(attempts, 60, 3600) == delay


# -- messages ------------------------------------------------------------------


ALERT = {
    "id": 7, "subscriber": "ngo", "event_id": 42, "kind": "silent_edit", "at": "2024-03-12T10:00:00Z",
    "source_id": "canada-relations", "country": "Canada", "title": "Canada-China relations",
    "url": "https://www.canada.example/china", "marker_before": "Last updated Oct 2002",
    "marker_after": "Last updated Oct 2002", "lines_added": 1, "lines_removed": 1, "detail": None,
    "interrupted": 0,
    "diff": "--- before\n+++ after\n@@ -1,2 +1,2 @@\n-Held in Ottawa.\n+Held in Beijing.\n Same line.",
}


def test_an_alert_says_what_a_campaigner_needs():
    message = alerts.render_event(ALERT, "https://example.org/dw")
    assert message.title == "Canada's page changed but its 'last updated' line did not"
    body = message.body
    assert "Page: Canada-China relations\n      https://www.canada.example/china" in body
    assert "'Last updated' line: Last updated Oct 2002 → Last updated Oct 2002 (unchanged)" in body
    assert "  - Held in Ottawa.\n  + Held in Beijing." in body and "Same line" not in body
    assert "See the change: https://example.org/dw/monitor/events/42" in body
    assert ("What this means: the text changed but its 'last updated' line did not (seen 12 March "
            "2024, 10:00 UTC).") in body
    assert "dialogue-watch-event-42" not in body and "silent_edit" not in body  # key: in headers
    assert "T10:00:00Z" not in body
    assert "possible repeat" not in message.title + body


def test_a_resent_alert_says_it_may_be_a_repeat():
    message = alerts.render_event({**ALERT, "interrupted": 1})
    assert message.title.startswith("(possible repeat) ")
    assert "if you already have it, ignore this copy" in message.body
    assert "See the change" not in message.body  # no site_url, no link


def test_a_long_diff_is_cut_to_an_excerpt():
    diff = "\n".join(f"+line {n}" for n in range(20))
    body = alerts.render_event({**ALERT, "kind": "changed", "diff": diff, "lines_added": 20}).body
    assert "+ line 5" in body and "+ line 6" not in body and "and 14 more changed line(s)" in body


def test_every_kind_has_a_headline_in_plain_words():
    assert set(alerts.HEADLINES) == set(events.KINDS)
    assert alerts.headline("gone", "United States") == "United States' page has disappeared"


def test_a_digest_lists_the_events_and_the_staleness_table():
    stale = [{"id": "canada-relations", "country": "Canada", "days_stale": 7800, "state": "ok",
              "last_updated": {"text": "Last updated Oct 2002"}}]
    weekly = subscriber(mode="weekly")
    message = alerts.render_digest(weekly, "2024-W11", [{**ALERT, "subscriber": "s"}], stale,
                                   "https://example.org/dw")
    assert message.title == "dialogue-watch weekly digest 2024-W11: 1 event"
    assert "- 12 March 2024: Canada's page changed but its 'last updated' line did not" in message.body
    assert "https://example.org/dw/monitor/events/42" in message.body
    assert "7800  Canada   canada-relations  Last updated Oct 2002" in message.body
    empty = alerts.render_digest(weekly, "2024-W12", [], stale)
    assert "Nothing changed on the pages you follow." in empty.body


# -- monitoring problems --------------------------------------------------------

SELECTOR = "the content selector main .x in sources.yaml matched nothing on the page: did the page layout change?"
ROBOTS = "the site's robots.txt forbids fetching this page; to fetch it anyway, add ..."

PROBLEM_CASES = [
    # outcome, detail, problem before, (problem after, kind recorded)
    ("error", SELECTOR, None, ("layout_changed", "layout_changed")),
    ("error", SELECTOR, "layout_changed", ("layout_changed", None)),  # not again
    ("ok", "the marker rule .stamp in sources.yaml matched nothing: did the page layout change?",
     None, ("layout_changed", "layout_changed")),
    ("error", ROBOTS, None, ("robots_blocked", "robots_blocked")),
    ("error", ROBOTS, "layout_changed", ("robots_blocked", "robots_blocked")),
    ("ok", None, "robots_blocked", (None, None)),  # read fine again: cleared
    ("gone", "the site answered 404", "layout_changed", (None, None)),
    ("not_modified", None, "layout_changed", ("layout_changed", None)),  # says nothing new
    ("error", "the site did not answer in time", "robots_blocked", ("robots_blocked", None)),
    ("error", "the site did not answer in time", None, (None, None)),
]


@pytest.mark.parametrize("outcome, detail, before, expected", PROBLEM_CASES)
def test_problem(outcome, detail, before, expected):
    assert events.problem(outcome, detail, before) == expected


# -- the outbox, written with each event ----------------------------------------


def outbox(open_db):
    sql = """SELECT e.source_id, e.kind, o.subscriber FROM alert_outbox o
             JOIN events e ON e.id = o.event_id ORDER BY o.id"""
    return [tuple(row.values()) for row in open_db().query(sql)]


def test_each_event_puts_one_alert_per_interested_subscriber_in_the_outbox(
        replica, make_config, db_path, open_db):
    cfg = make_config({"id": "canada", "path": "/ca"},
                      {"id": "japan", "path": "/jp", "country": "Japan"})
    everyone = alerts.Subscriber("everyone", "json://localhost/x")
    canada = alerts.Subscriber("canada-desk", "json://localhost/x", countries=frozenset({"Canada"}))
    edits = alerts.Subscriber("edits", "json://localhost/x", kinds=frozenset({"silent_edit"}))
    replica.set("/ca", page())
    replica.set("/jp", page(marker="Last updated Nov 2002"))
    crawler.crawl(cfg, db_path, subscribers=[everyone, canada, edits])
    replica.set("/ca", page("The dialogue was held in Beijing."))
    crawler.crawl(cfg, db_path, subscribers=[everyone, canada, edits])
    assert sorted(outbox(open_db)) == [
        ("canada", "new", "canada-desk"), ("canada", "new", "everyone"),
        ("canada", "silent_edit", "canada-desk"), ("canada", "silent_edit", "edits"),
        ("canada", "silent_edit", "everyone"), ("japan", "new", "everyone")]
    statuses = {row["status"] for row in open_db().query("SELECT status FROM alert_outbox")}
    assert statuses == {"pending"}


def test_layout_and_robots_problems_are_alerted_once(replica, make_config, crawl, open_db):
    # "robots" comes first: Scrapy 2.19 applies robots.txt only to the first
    # request of a site in a crawl (see the report on issue #3).
    cfg = make_config({"id": "robots", "path": "/robots-page"},
                      {"id": "content", "path": "/content", "content": "main"},
                      {"id": "marker", "path": "/marker", "marker": ".stamp"})
    for path in ("/content", "/marker", "/robots-page"):
        replica.set(path, page())
    crawl(cfg)
    replica.set("/content", page().replace("main>", "article>"))
    replica.set("/marker", page().replace("class='stamp'", "class='date'"))
    replica.set("/robots.txt", "User-agent: *\nDisallow: /robots-page\n", content_type="text/plain")
    assert crawl(cfg) == {"content": ("error", "layout_changed"),
                          "marker": ("ok", "marker_only, layout_changed"),
                          "robots": ("error", "robots_blocked")}
    assert crawl(cfg) == {"content": ("error", None), "marker": ("not_modified", None),
                          "robots": ("error", None)}
    details = {row["source_id"]: row["detail"] for row in open_db().query(
        "SELECT source_id, detail FROM events WHERE kind IN ('layout_changed', 'robots_blocked')")}
    assert "did the page layout change?" in details["content"]
    assert "marker rule .stamp" in details["marker"]
    assert "robots.txt forbids" in details["robots"]


class Exploding(alerts.Subscriber):
    def wants(self, source_id, country, kind):
        raise RuntimeError("the outbox write fails")


def test_an_event_and_its_alerts_are_written_together_or_not_at_all(make_config, open_db):
    cfg = make_config({"id": "canada", "url": "https://canada.example/page"})
    db = open_db()
    store.sync_sources(db, cfg.sources)
    fetch = PageFetch(source_id="canada", url="https://canada.example/page",
                      fetched_at="2024-03-12T10:00:00Z", status=200, body=page().encode(),
                      content_type="text/html; charset=utf-8")
    observation = analyze.analyze(fetch, cfg.source("canada"))
    with pytest.raises(RuntimeError):
        store.record_fetch(db, fetch, observation, 3, subscribers=[Exploding("x", "json://l/x")])
    assert store.counts(db)["fetches"] == 0 and store.counts(db)["events"] == 0
    store.record_fetch(db, fetch, observation, 3, subscribers=[alerts.Subscriber("x", "json://l/x")])
    assert store.counts(db)["events"] == db["alert_outbox"].count == 1

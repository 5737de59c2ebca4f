"""Rules are part of each version: editing sources.yaml (ignore, content, locale) or
moving a page to a new address is never reported as the government's edit."""

import json
import sqlite3
import subprocess
import sys

import pytest

from monitor import config
from monitor.analysis import rules
from monitor.replica import send
from tests.commands import cli
from tests.test_crawl import BODY, page

COUNTER_PAGE = page(BODY + " <span class='counter'>Visits: 1234</span>",
                    "Last updated 03/04/2024")


def events_of(db_path):
    with sqlite3.connect(db_path) as db:
        return [r[0] for r in db.execute("SELECT kind FROM events ORDER BY id")]


def alerting_events(db_path):
    with sqlite3.connect(db_path) as db:
        return [r[0] for r in db.execute(
            "SELECT kind FROM events WHERE kind NOT IN ('rules_changed', 'moved') ORDER BY id")]


def current_text(db_path, source_id="canada"):
    from monitor import store

    db = store.open_db(db_path)
    row = next(db.query("""SELECT v.* FROM versions v JOIN source_state s
                           ON s.current_version_id = v.id WHERE s.source_id = ?""", [source_id]))
    return store.text_of(db, row["text_sha256"]), row


@pytest.mark.parametrize("validators", [True, False])  # the site answers 304, or resends the bytes
def test_a_new_ignore_rule_on_an_unchanged_page_raises_no_event(replica, make_config, crawl,
                                                                 db_path, validators):
    replica.set("/ca", COUNTER_PAGE, validators=validators)
    assert crawl(make_config({"id": "canada", "path": "/ca"})) == {"canada": ("ok", "new")}
    text, _ = current_text(db_path)
    assert "Visits: 1234" in text
    with sqlite3.connect(db_path) as db:
        (changed_before,) = db.execute("SELECT last_changed_at FROM source_state").fetchone()

    cfg = make_config({"id": "canada", "path": "/ca", "ignore": [".counter"]})
    outcome = "not_modified"
    assert crawl(cfg) == {"canada": (outcome, "rules_changed")}
    assert alerting_events(db_path) == ["new"]
    text, version = current_text(db_path)
    assert "Visitor" not in text and BODY in text  # the new rule applies to the unchanged page
    assert version["seq"] == 2 and version["reread_of"] is not None
    assert json.loads(version["rules"])["ignore"] == ["selector:.counter"]
    with sqlite3.connect(db_path) as db:
        (detail,) = db.execute("SELECT detail FROM events WHERE kind = 'rules_changed'").fetchone()
        (changed_at,) = db.execute("SELECT last_changed_at FROM source_state").fetchone()
    assert detail.startswith("ignore: added .counter; the last version was read again")
    assert changed_at == changed_before  # "text changed" stays the government's last change

    assert crawl(cfg) == {"canada": ("not_modified", None)}  # and nothing more afterwards
    replica.set("/ca", page(BODY + " <span class='counter'>Visits: 1299</span>",
                            "Last updated 03/04/2024"), validators=validators)
    assert crawl(cfg) == {"canada": ("ok", None)}  # only the ignored counter moved


def test_a_corrected_locale_fixes_the_date_without_an_event(replica, make_config, crawl, db_path):
    replica.set("/ca", COUNTER_PAGE)
    crawl(make_config({"id": "canada", "path": "/ca", "locale": "en-US"}))
    _, version = current_text(db_path)
    assert version["marker_date"] == "2024-03-04"  # read as March 4
    cfg = make_config({"id": "canada", "path": "/ca", "locale": "en-GB"})
    assert crawl(cfg) == {"canada": ("not_modified", "rules_changed")}
    _, version = current_text(db_path)
    assert version["marker_date"] == "2024-04-03"  # 3 April, shown at once
    stale = subprocess.run([sys.executable, "-m", "monitor", "--sources", cfg.path, "--db",
                            str(db_path), "stale", "--json"], capture_output=True, text=True)
    assert json.loads(stale.stdout)[0]["last_updated"]["date"] == "2024-04-03"
    assert alerting_events(db_path) == ["new"]


def test_a_rule_change_with_a_real_change_reports_only_the_real_change(replica, make_config,
                                                                       crawl, db_path):
    replica.set("/ca", COUNTER_PAGE)
    crawl(make_config({"id": "canada", "path": "/ca"}))
    replica.set("/ca", page(BODY + " A statement was added. <span class='counter'>Visits: 1300</span>",
                            "Last updated 03/04/2024"))
    cfg = make_config({"id": "canada", "path": "/ca", "content": "main", "ignore": [".counter"]})
    assert crawl(cfg) == {"canada": ("ok", "rules_changed, silent_edit")}
    with sqlite3.connect(db_path) as db:
        (diff,) = db.execute("""SELECT d.diff FROM diffs d JOIN events e ON e.diff_id = d.id
                                WHERE e.kind = 'silent_edit'""").fetchone()
    changed = [line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert any("A statement was added." in line for line in changed)
    assert not any("Visits" in line for line in changed)  # the rule's effect is not in it


def test_a_rule_that_cannot_read_the_old_capture_restarts_without_an_alert(replica, make_config,
                                                                           crawl, db_path):
    replica.set("/ca", page(BODY))
    crawl(make_config({"id": "canada", "path": "/ca"}))
    replica.set("/ca", page(BODY).replace("<main>", "<main><div id='dialogue'>").replace(
        "</main>", "</div></main>"))
    cfg = make_config({"id": "canada", "path": "/ca", "content": "#dialogue"})
    assert crawl(cfg) == {"canada": ("ok", "rules_changed")}
    with sqlite3.connect(db_path) as db:
        (detail,) = db.execute("SELECT detail FROM events WHERE kind = 'rules_changed'").fetchone()
    assert "cannot read the last version" in detail and "no change is reported" in detail
    assert crawl(cfg) == {"canada": ("not_modified", None)}


def test_rules_that_cannot_read_the_page_at_all_are_noted_once(replica, make_config, crawl, db_path):
    replica.set("/ca", page(BODY))
    crawl(make_config({"id": "canada", "path": "/ca"}))
    cfg = make_config({"id": "canada", "path": "/ca", "content": "#nowhere"})  # on no version
    for check in range(3):  # the page changes, and the new rules read none of it
        replica.set("/ca", page(BODY + f" Check {check}."))
        assert crawl(cfg)["canada"][0] == "error"
    assert events_of(db_path).count("rules_changed") == 1, events_of(db_path)


def test_rules_that_read_the_page_the_same_store_no_empty_diff(replica, make_config, crawl, db_path):
    replica.set("/ca", page(BODY))
    crawl(make_config({"id": "canada", "path": "/ca"}))
    crawl(make_config({"id": "canada", "path": "/ca", "ignore": [".nothing-like-this"]}))
    with sqlite3.connect(db_path) as db:
        (detail, diff_id) = db.execute("SELECT detail, diff_id FROM events WHERE kind = 'rules_changed'").fetchone()
        assert db.execute("SELECT count(*) FROM diffs").fetchone() == (0,)
    assert "the page reads the same with them" in detail and diff_id is None


@pytest.mark.parametrize("validators", [True, False])
def test_pages_stored_by_older_extraction_code_are_read_again_not_alerted(replica, make_config,
                                                                          crawl, db_path, validators):
    """An upgrade that reads pages better (here: a 'last updated' label the old code
    missed) re-reads each page's last version; the better reading is never an alert."""
    replica.set("/ca", page(BODY, "Stand der Informationen: 12.03.2024"), validators=validators)
    cfg = make_config({"id": "canada", "path": "/ca", "locale": "de"})
    crawl(cfg)
    with sqlite3.connect(db_path) as db:  # what the version 1 code stored: no date seen
        (stored,) = db.execute("SELECT rules FROM versions").fetchone()
        old_rules = json.dumps({**json.loads(stored), "extraction": rules.EXTRACTION_VERSION - 1})
        db.execute("UPDATE versions SET rules = ?, marker_text = NULL, marker_date = NULL, "
                   "marker_precision = NULL, marker_origin = NULL, marker_until = NULL", [old_rules])
    assert crawl(cfg) == {"canada": ("not_modified", "rules_changed")}  # a 304, or the same bytes
    assert alerting_events(db_path) == ["new"]
    _, version = current_text(db_path)
    assert (version["marker_date"], version["reread_of"]) == ("2024-03-12", 1)
    assert json.loads(version["rules"])["extraction"] == rules.EXTRACTION_VERSION
    with sqlite3.connect(db_path) as db:
        (detail,) = db.execute("SELECT detail FROM events WHERE kind = 'rules_changed'").fetchone()
    assert "dialogue-watch's own reading of pages was improved" in detail
    assert crawl(cfg)["canada"][1] is None  # once: the next check compares as usual


def test_the_rules_are_recorded_and_described():
    source = config.Source(id="s", country="Canada", title="s", url="https://x.example/", kind="html",
                           locale="en")
    before = rules.of(source)
    after = rules.of(config.Source(**{**source.__dict__, "locale": "en-GB"}))
    assert rules.differences(None, after) == [] and rules.differences(before, before) == []
    assert rules.differences(before, after) == ["locale: en -> en-GB"]


# -- a page moves -------------------------------------------------------------


def lying_304(body):
    """A server that answers 304 to any conditional request, whatever it holds."""
    def serve(handler):
        if handler.headers.get("If-None-Match") or handler.headers.get("If-Modified-Since"):
            return send(handler, 304, {"ETag": '"x"'}, b"")
        send(handler, 200, {"Content-Type": "text/html; charset=utf-8", "ETag": '"x"'}, body)
    return serve


def test_a_moved_page_is_fetched_whole_and_compared_with_its_last_version(replica, make_config,
                                                                          crawl, db_path):
    replica.set("/old", page(BODY))
    crawl(make_config({"id": "canada", "path": "/old"}))
    crawl(make_config({"id": "canada", "path": "/old"}))
    replica.set("/new", b"", handler=lying_304(page(BODY).encode()))
    cfg = make_config({"id": "canada", "path": "/new"})
    assert crawl(cfg) == {"canada": ("not_modified", "moved")}  # same text: no change event
    (request,) = replica.requests_for("/new")
    assert "If-None-Match" not in request["headers"] and "If-Modified-Since" not in request["headers"]
    with sqlite3.connect(db_path) as db:
        # a fetch row keeps its address only when it is not the page's url (blank otherwise):
        # the move wrote the old address into the rows fetched there
        urls = [r[0] for r in db.execute("""SELECT coalesce(f.url, s.url) FROM fetches f
                                            JOIN sources s ON s.id = f.source_id ORDER BY f.id""")]
        (detail,) = db.execute("SELECT detail FROM events WHERE kind = 'moved'").fetchone()
    assert urls == [replica.url("/old"), replica.url("/old"), replica.url("/new")]
    assert detail == f"the address changed from {replica.url('/old')} to {replica.url('/new')}"

    replica.set("/new", b"", handler=lying_304(page(BODY + " Edited at the new address.").encode()))
    assert crawl(cfg) == {"canada": ("not_modified", None)}  # now its own validators are used


def test_a_moved_page_with_new_text_is_one_change_and_a_note(replica, make_config, crawl, db_path):
    replica.set("/old", page(BODY))
    crawl(make_config({"id": "canada", "path": "/old"}))
    replica.set("/new", page(BODY + " A new paragraph.", "Last updated Mar 2024"))
    assert crawl(make_config({"id": "canada", "path": "/new"})) == {"canada": ("ok", "moved, updated")}
    text, _ = current_text(db_path)
    assert "A new paragraph." in text


# -- reanalyse and test-source over the stored captures -------------------------


def test_reanalyse_and_test_source_replay_the_history_with_todays_rules(replica, make_config,
                                                                        crawl, db_path):
    plain = make_config({"id": "canada", "path": "/ca"})
    # a widget in the text whose words change at each visit: two false silent edits (a
    # counter's numbers alone would be held and confirmed: monitor.analysis.doubt)
    for city in ("Paris", "Oslo", "Lima"):
        replica.set("/ca", page(BODY + f" <span class='counter'>Visitor from {city}</span>"))
        crawl(plain)
    replica.set("/ca", page(BODY + " A real statement. <span class='counter'>Visitor from "
                                   "Quito</span>"))
    crawl(plain)
    assert alerting_events(db_path) == ["new", "silent_edit", "silent_edit", "silent_edit"]

    tuned = make_config({"id": "canada", "path": "/ca", "ignore": [".counter"]})
    tried = cli(tuned, db_path, "test-source", "canada")
    assert tried.returncode == 0, tried.stderr
    assert "canada: 4 stored capture(s) read with the rules in sources.yaml." in tried.stdout
    assert tried.stdout.count("the silent_edit event would not be raised") == 2
    report = json.loads(cli(tuned, db_path, "test-source", "canada", "--json").stdout)
    assert [kind for _, kind in report["stored_history"]["events_removed"]] == ["silent_edit"] * 2
    assert report["stored_history"]["events_added"] == []

    done = cli(tuned, db_path, "reanalyse", "canada")
    assert done.returncode == 0, done.stderr
    assert "4 version(s) now read differently" in done.stdout
    with sqlite3.connect(db_path) as db:
        assert db.execute("SELECT count(*) FROM readings").fetchone()[0] == 4  # the old readings
        diffs = [r[0] for r in db.execute("SELECT diff FROM diffs ORDER BY id")]
    assert all("Visitor" not in diff for diff in diffs)
    assert "A real statement." in diffs[-1]
    text, _ = current_text(db_path)
    assert "Visitor" not in text
    assert crawl(tuned) == {"canada": ("not_modified", None)}  # the rules now match the versions

"""End to end: a real HTTP server on 127.0.0.1, rewritten between real crawls."""

import datetime
import json
import sqlite3
import subprocess
import sys

from monitor import store
from monitor.replica import make_pdf

BODY = ("The eleventh round of the human rights dialogue was held in Ottawa. Officials "
        "discussed freedom of expression, the rights of minorities and prison conditions.")


def page(text=BODY, marker="Last updated Oct 2002", title="Canada-China relations"):
    return (f"<html><head><title>{title}</title></head><body>"
            "<nav><a href='/'>Home</a> | <a href='/news'>News</a> | Contact us</nav>"
            f"<main><h1>{title}</h1><p>{text}</p><p>Second paragraph about the "
            "dialogue and its follow-up meetings with non-governmental organisations.</p></main>"
            f"<footer><p>{marker}</p><p>Copyright 2024 Government of Canada</p></footer>"
            "</body></html>")


def events_of(open_db, source_id):
    return [row["kind"] for row in store.history(open_db(), source_id)]


def test_every_event_kind_in_order(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/canada"}, {"id": "nomarker", "path": "/plain"})
    replica.set("/canada", page())
    replica.set("/plain", page(marker=""))
    assert crawl(cfg) == {"canada": ("ok", "new"), "nomarker": ("ok", "new")}
    assert crawl(cfg) == {"canada": ("not_modified", None), "nomarker": ("not_modified", None)}

    replica.set("/canada", page(BODY + " A new paragraph.", "Last updated Mar 2024"))
    replica.set("/plain", page(BODY + " Edited without a date.", marker=""))
    assert crawl(cfg) == {"canada": ("ok", "updated"), "nomarker": ("ok", "changed")}

    replica.set("/canada", page(BODY + " Quietly reworded.", "Last updated Mar 2024"))
    # the sentence just added replaced by another at the next check: words a site picks
    # anew at each visit look so (test_confirm), so it waits for a second look, and is
    # told when it stays (a sentence reworded, keeping most of its words, would not wait)
    assert crawl(cfg, "canada") == {"canada": ("ok", None)}
    assert crawl(cfg, "canada") == {"canada": ("ok", "silent_edit")}
    replica.set("/canada", page(BODY + " Quietly reworded.", "Last updated Apr 2024"))
    assert crawl(cfg, "canada") == {"canada": ("ok", "marker_only")}

    replica.remove("/canada")
    assert crawl(cfg, "canada") == {"canada": ("gone", "gone")}
    assert crawl(cfg, "canada") == {"canada": ("gone", None)}
    replica.set("/canada", page(BODY + " Quietly reworded.", "Last updated Apr 2024"))
    # the same bytes as the last capture: not re-analysed, but the page is back
    assert crawl(cfg, "canada") == {"canada": ("not_modified", "restored")}

    replica.set("/canada", b"oops", status=500)
    assert [crawl(cfg, "canada")["canada"] for _ in range(3)] == [
        ("error", None), ("error", None), ("error", "failing")]
    replica.set("/canada", page(BODY + " Quietly reworded.", "Last updated Apr 2024"))
    assert crawl(cfg, "canada") == {"canada": ("not_modified", "recovered")}

    assert events_of(open_db, "canada") == [
        "new", "updated", "silent_edit", "marker_only", "gone", "restored", "failing", "recovered"]


def test_history_and_diff_commands(replica, make_config, crawl, db_path):
    cfg = make_config({"id": "canada", "path": "/canada"})
    replica.set("/canada", page())
    crawl(cfg)
    replica.set("/canada", page(BODY.replace("Ottawa", "Beijing"), "Last updated Mar 2024"))
    crawl(cfg)
    base = [sys.executable, "-m", "monitor", "--sources", cfg.path, "--db", str(db_path)]
    history = json.loads(subprocess.run(base + ["history", "canada", "--json"], capture_output=True,
                                        text=True, check=True).stdout)
    assert [h["kind"] for h in history] == ["new", "updated"]
    assert history[1]["marker_before"] == "Last updated Oct 2002"
    assert history[1]["marker_after"] == "Last updated Mar 2024"
    assert (history[1]["lines_added"], history[1]["lines_removed"]) == (1, 1)
    diff = subprocess.run(base + ["diff", "canada"], capture_output=True, text=True, check=True).stdout
    assert "-The eleventh round of the human rights dialogue was held in Ottawa." in diff
    assert "+The eleventh round of the human rights dialogue was held in Beijing." in diff
    assert "Last updated Oct 2002 -> Last updated Mar 2024" in diff


def test_conditional_requests_cost_a_304(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/canada"})
    replica.set("/canada", page())
    crawl(cfg)
    crawl(cfg)
    first, second = replica.requests_for("/canada")
    assert "If-None-Match" not in first["headers"]
    assert second["headers"]["If-None-Match"].startswith('"')
    assert "If-Modified-Since" in second["headers"]
    statuses = [row["status"] for row in open_db().query("SELECT status FROM fetches ORDER BY id")]
    assert statuses == [200, 304]


def test_unchanged_crawls_add_no_body(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "cond", "path": "/cond"}, {"id": "plain", "path": "/plain"})
    replica.set("/cond", page())
    replica.set("/plain", page(title="No validators"), validators=False)  # no ETag: full 200s
    crawl(cfg)
    before = store.counts(open_db())
    for _ in range(4):
        assert crawl(cfg) == {"cond": ("not_modified", None), "plain": ("not_modified", None)}
    after = store.counts(open_db())
    assert after["bodies"] == before["bodies"] == 2
    assert after["versions"] == before["versions"] and after["events"] == before["events"]
    assert after["fetches"] == before["fetches"] + 8


def test_user_agent_names_the_contact(replica, make_config, crawl):
    cfg = make_config({"id": "canada", "path": "/canada"})
    replica.set("/canada", page())
    crawl(cfg)
    agent = replica.requests_for("/canada")[0]["headers"]["User-Agent"]
    assert agent.startswith("dialogue-watch/") and "tests@example.org" in agent


def test_redirect_to_home_page_is_gone(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/china/relation-en.asp"})
    replica.set("/china/relation-en.asp", page())
    crawl(cfg)
    replica.set("/", page(BODY.replace("dialogue", "website"), title="Welcome"))
    replica.redirect("/china/relation-en.asp", replica.url("/"))
    assert crawl(cfg) == {"canada": ("gone", "gone")}
    row = next(open_db().query("SELECT final_url FROM fetches ORDER BY id DESC LIMIT 1"))
    assert row["final_url"] == replica.url("/")


def test_unreachable_site_is_recorded_not_fatal(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "canada", "path": "/canada"},
                      {"id": "dead", "url": "http://127.0.0.1:9/nothing-listens-here"})
    replica.set("/canada", page())
    assert crawl(cfg) == {"canada": ("ok", "new"), "dead": ("error", None)}
    row = next(open_db().query("SELECT error FROM fetches WHERE source_id = 'dead'"))
    assert row["error"] == "the site refused the connection"


def test_pdf_pages_and_marker(replica, make_config, crawl, open_db):
    cfg = make_config({"id": "eu-report", "path": "/report_00_en.pdf", "kind": "pdf", "pages": [2],
                       "country": "European Union"})
    stamp = datetime.datetime(2000, 6, 1, tzinfo=datetime.timezone.utc)
    replica.set("/report_00_en.pdf", make_pdf(["Contents", "China dialogue. Last updated 2000"], stamp),
                content_type="application/pdf")
    assert crawl(cfg) == {"eu-report": ("ok", "new")}
    version = store.versions(open_db(), "eu-report")[0]
    assert (version["marker_text"], version["marker_date"], version["marker_precision"]) == (
        "Last updated 2000", "2000", "year")
    # page 1 is not watched: a change there is no event
    replica.set("/report_00_en.pdf", make_pdf(["New contents", "China dialogue. Last updated 2000"], stamp),
                content_type="application/pdf")
    assert crawl(cfg) == {"eu-report": ("ok", None)}
    replica.set("/report_00_en.pdf", make_pdf(["New contents", "China dialogue resumed. Last updated 2004"],
                                              stamp.replace(year=2004)), content_type="application/pdf")
    assert crawl(cfg) == {"eu-report": ("ok", "updated")}


def test_each_fetch_is_stamped_when_it_was_fetched(replica, make_config, crawl, db_path):
    """With the per-site delay, a crawl's requests wait in a queue: each fetch carries the
    time its answer arrived (and its request was sent), not the time it was queued."""
    cfg = make_config(*[{"id": f"p{n}", "path": f"/p{n}"} for n in range(6)],
                      settings={"delay_seconds": 0.5})
    for n in range(6):
        replica.set(f"/p{n}", page(BODY + f" Page {n}."))
    crawl(cfg)
    with sqlite3.connect(db_path) as db:
        rows = db.execute("SELECT at, started_at FROM fetches ORDER BY started_at").fetchall()
        (crawl_started,) = db.execute("SELECT started_at FROM crawls").fetchone()

    def moment(text):
        return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))

    sent = [moment(started) for _, started in rows]
    assert len(sent) == 6 and sent == sorted(sent)
    assert (sent[-1] - sent[0]).total_seconds() >= 5 * 0.5 * 0.5  # the delay, jittered by ±50%
    assert len({at for at, _ in rows}) > 1
    assert all(moment(at) >= moment(crawl_started) for at, _ in rows)
    assert all(moment(at) + datetime.timedelta(seconds=1) >= s for (at, _), s in zip(rows, sent))

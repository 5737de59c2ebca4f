"""Reading a change on the site: the changed words inside a long line are marked,
any two versions can be compared, each change links to the previous and next,
and a page that disappeared shows its last version before, the absence after."""

import asyncio
import re

import pytest

from monitor.analysis.diffing import diff_rows, line_diff, word_diff
from monitor.publish import site
from tests.test_crawl import BODY, page


@pytest.mark.parametrize("before, after, rows", [
    ("held in May", "held in June",  # one line edited: only the changed words are marked
     [("removed", [(False, "held in"), (True, "May")]), ("added", [(False, "held in"), (True, "June")])]),
    ("a\nb", "a\nb\nc",  # a line added
     [("same", [(False, "a")]), ("same", [(False, "b")]), ("added", [(True, "c")])]),
    ("Tibet and Xinjiang were raised", "The weather was fine",  # too different: two whole lines
     [("removed", [(True, "Tibet and Xinjiang were raised")]), ("added", [(True, "The weather was fine")])]),
    ("one two three\nfour five six", "one two THREE",  # two lines become one: the rest whole
     [("removed", [(False, "one two"), (True, "three")]), ("removed", [(True, "four five six")]),
      ("added", [(False, "one two"), (True, "THREE")])]),
    ("same", "same", []),
])
def test_diff_rows_mark_the_changed_words_of_a_changed_line(before, after, rows):
    found = diff_rows(line_diff(before, after)["diff"])
    assert [(row["kind"], row["parts"]) for row in found] == rows


def test_diff_rows_show_where_lines_were_left_out():
    before = "\n".join(f"line {n}" for n in range(20))
    after = before.replace("line 15", "line fifteen")
    kinds = [row["kind"] for row in diff_rows(line_diff(before, after)["diff"])]
    assert kinds == ["gap", "same", "same", "removed", "added", "same", "same"]


def test_the_command_line_and_the_site_read_words_alike():
    assert word_diff("held in Ottawa in May", "held in Beijing in May")["diff"] == (
        "held in [-Ottawa-] {+Beijing+} in May")
    (removed, added) = diff_rows(line_diff("held in Ottawa in May", "held in Beijing in May")["diff"])
    assert [text for changed, text in removed["parts"] if changed] == ["Ottawa"]
    assert [text for changed, text in added["parts"] if changed] == ["Beijing"]


@pytest.fixture
def history(replica, make_config, crawl, db_path):
    """A page edited twice (one word each time), then gone; its site and events."""
    cfg = make_config({"id": "canada", "path": "/ca"})
    for text in (BODY, BODY.replace("Ottawa", "Beijing"),
                 BODY.replace("Ottawa", "Beijing").replace("prison conditions", "the death penalty")):
        replica.set("/ca", page(text))
        crawl(cfg)
    replica.remove("/ca")
    crawl(cfg)
    datasette = site.make_datasette(db_path)
    events = get(datasette, "/monitor/history.json?_shape=array&source=canada").json()
    return datasette, {e["kind"]: e["event_id"] for e in events}, sorted(e["event_id"] for e in events)


def get(datasette, path):
    return asyncio.run(datasette.client.get(path))


def html(datasette, path):
    response = get(datasette, path)
    assert response.status_code == 200, response.text[:300]
    return response.text


def test_a_change_marks_only_the_words_that_changed(history):
    datasette, _, ids = history  # new, two edits, gone
    shown = html(datasette, f"/monitor/change?event={ids[2]}")
    assert "<del>prison conditions.</del>" in shown and "<ins>the death penalty.</ins>" in shown
    removed = re.search(r'<div class="dw-del">(.*?)</div>', shown, re.S).group(1)
    assert "Beijing" in removed and "<del>Beijing" not in removed  # unchanged words stay plain


def test_each_change_links_the_previous_and_next(history):
    datasette, _, ids = history
    middle = html(datasette, f"/monitor/change?event={ids[1]}")
    assert f'rel="prev" href="/monitor/change?event={ids[0]}"' in middle
    assert f'rel="next" href="/monitor/change?event={ids[2]}"' in middle
    assert "No earlier event" in html(datasette, f"/monitor/change?event={ids[0]}")
    assert "No later event" in html(datasette, f"/monitor/change?event={ids[-1]}")


def test_a_gone_page_shows_its_last_version_before_and_the_absence_after(history):
    datasette, kinds, _ = history
    (gone,) = get(datasette, f"/monitor/change.json?_shape=array&event={kinds['gone']}").json()
    assert (gone["from_seq"], gone["to_version_id"], gone["marker_after"]) == (3, None, None)
    shown = html(datasette, f"/monitor/change?event={kinds['gone']}")
    assert "The page was gone" in shown and ">version 3</a>" in shown


def test_any_two_versions_can_be_compared(history):
    datasette, _, _ = history
    shown = html(datasette, "/monitor/compare?source=canada&from=1&to=3")
    assert "<del>Ottawa.</del>" in shown and "<ins>Beijing.</ins>" in shown
    assert "<ins>the death penalty.</ins>" in shown
    assert 'option selected>1<' in shown.replace("<option selected>", "option selected>")
    assert "The two versions have the same text." in html(
        datasette, "/monitor/compare?source=canada&from=2&to=2")
    assert "or no version 9." in html(datasette, "/monitor/compare?source=canada&from=1&to=9")
    assert "/monitor/compare?source=canada&amp;from=1&amp;to=3" in html(
        datasette, "/monitor/history?source=canada")

"""Two nodes crawl their own share of the sites into their own databases (real crawls
of the replica, pages changed between crawls so delta chains exist); `merge`
combines them into one database that the site and the feeds publish."""

import asyncio
import sqlite3

import pytest
import yaml
from click.testing import CliRunner

from monitor import cli, config, shards, store
from monitor.errors import StoreError
from monitor.fetch import crawler
from monitor.publish import site
from monitor.store import blobs, merge
from tests.search_fixtures import versions_holding
from tests.test_crawl import BODY, page

SHARDS = 2


@pytest.fixture
def setup(tmp_path, replica):
    """sources.yaml with two pages on each of two site names of the replica (127.0.0.1
    and localhost: one per shard), the first page of each site with the same bytes."""
    hosts = {"a": replica.base_url, "b": replica.base_url.replace("127.0.0.1", "localhost")}
    sources = []
    for letter, base in hosts.items():
        for number in (1, 2):
            path = f"/{letter}{number}"
            replica.set(path, page(f"{BODY} Page {number} of this site." if number == 2 else BODY))
            sources.append({"id": f"{letter}{number}", "country": "Canada" if letter == "a" else "Japan",
                            "title": path, "kind": "html", "url": base + path})
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({
        "settings": {"delay_seconds": 0, "retries": 0, "contact": "tests <tests@example.org>"},
        "defaults": {"stale_after": "never"}, "sources": sources}), encoding="utf-8")
    cfg = config.load(path)
    assert {shards.shard_of(s.url, SHARDS) for s in cfg.sources if s.id.startswith("a")} == {1}
    assert {shards.shard_of(s.url, SHARDS) for s in cfg.sources if s.id.startswith("b")} == {2}
    return cfg


def crawl_node(cfg, number, db_path):
    """`dialogue-watch --shard K/2 crawl` into the node's own database."""
    done = CliRunner().invoke(cli.cli, ["--sources", cfg.path, "--db", str(db_path),
                                        "--shard", f"{number}/{SHARDS}", "crawl", "-q"])
    assert done.exit_code == 0, done.output
    db = store.open_db(db_path)
    (crawl_id,) = db.execute("SELECT max(id) FROM crawls").fetchone()
    return {r["source_id"]: r["event"] for r in store.crawl_results(db, crawl_id)}


def captures(db_path):
    """Every fetch, by what identifies it on any database, with its body's bytes."""
    db = store.open_db(db_path)
    rows = db.execute("SELECT source_id, started_at, at, outcome, body_sha256 FROM fetches").fetchall()
    return {(s, started, at, outcome): blobs.unpack(db.conn, "bodies", sha) if sha else None
            for s, started, at, outcome, sha in rows}


def history(db_path):
    """Events and diffs as a reader sees them, without the ids."""
    db = store.open_db(db_path)
    events = db.execute("""
        SELECT e.source_id, e.at, e.kind, e.marker_before, e.marker_after, e.detail,
               v.seq, f.started_at, d.diff, fv.seq, tv.seq
        FROM events e LEFT JOIN versions v ON v.id = e.version_id
        LEFT JOIN fetches f ON f.id = e.fetch_id LEFT JOIN diffs d ON d.id = e.diff_id
        LEFT JOIN versions fv ON fv.id = d.from_version_id LEFT JOIN versions tv ON tv.id = d.to_version_id
        ORDER BY e.source_id, e.at, e.kind""").fetchall()
    versions = db.execute("""
        SELECT v.source_id, v.seq, v.text_sha256, v.body_sha256, f.started_at, v.marker_text,
               s.current_version_id = v.id
        FROM versions v JOIN fetches f ON f.id = v.fetch_id
        LEFT JOIN source_state s ON s.source_id = v.source_id ORDER BY v.source_id, v.seq""").fetchall()
    return events, versions


def counts(db_path):
    db = store.open_db(db_path)
    return {t: db[t].count for t in merge.PLANS if db[t].exists()}


def test_two_shards_merged_keep_every_capture_event_and_chain_once(tmp_path, setup, replica):
    cfg, nodes = setup, [tmp_path / "node1.db", tmp_path / "node2.db"]
    assert crawl_node(cfg, 1, nodes[0]) == {"a1": "new", "a2": "new"}
    assert crawl_node(cfg, 2, nodes[1]) == {"b1": "new", "b2": "new"}
    replica.set("/a1", page(BODY + " A paragraph added on the first site."))
    replica.set("/b1", page(BODY + " Another paragraph added on the second site."))
    assert crawl_node(cfg, 1, nodes[0]) == {"a1": "silent_edit", "a2": None}
    assert crawl_node(cfg, 2, nodes[1]) == {"b1": "silent_edit", "b2": None}
    out = tmp_path / "site" / "monitor.db"
    out.parent.mkdir()

    result = CliRunner().invoke(cli.cli, ["merge", str(out), *map(str, nodes)])
    assert result.exit_code == 0, result.output
    assert result.output.count("added 2 crawls") == 2 and result.output.count("6 fetches, 3 versions") == 2  # each edit fetched 3 times

    # every capture reads back byte for byte, once; every event and diff, once
    both = {**captures(nodes[0]), **captures(nodes[1])}
    assert captures(out) == both and len(both) == 12  # 4 pages twice, each edit twice more
    node_events = sorted(history(nodes[0])[0] + history(nodes[1])[0])
    node_versions = sorted(history(nodes[0])[1] + history(nodes[1])[1])
    assert sorted(history(out)[0]) == node_events and len(node_events) == 6
    assert sorted(history(out)[1]) == node_versions and len(node_versions) == 6
    db = store.open_db(out)
    assert store.integrity_problems(db) == []
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    # b1's second capture is a delta against bytes node 1 brought first: stored whole here
    (second_b1,) = db.execute(
        "SELECT body_sha256 FROM versions WHERE source_id = 'b1' AND seq = 2").fetchone()
    assert db.execute("SELECT base_sha256 FROM bodies WHERE sha256 = ?", [second_b1]).fetchone() == (None,)
    # the search index of added lines covers both shards
    def searched(words):
        return {db.execute("SELECT source_id FROM versions WHERE id = ?", [version_id]).fetchone()[0]
                for version_id in versions_holding(db.conn, words)}

    assert searched("added on the first site") == {"a1"} and searched("on the second site") == {"b1"}
    assert searched("paragraph added") == {"a1", "b1"}

    # `history` and the site show the pages of both shards
    for source_id in ("a1", "b1"):
        shown = CliRunner().invoke(cli.cli, ["--db", str(out), "history", source_id])
        assert shown.exit_code == 0 and "silent_edit" in shown.output, shown.output
    datasette = site.make_datasette(out)
    for path, _words in (("/monitor/history?source=a1", "A paragraph added"),
                        ("/monitor/history?source=b1", "Another paragraph added"),
                        ("/monitor/feed.atom", "b1")):
        response = asyncio.run(datasette.client.get(path))
        assert response.status_code == 200, path
    feed = asyncio.run(datasette.client.get("/monitor/feed.atom")).text
    assert "/a1" in feed and "/b1" in feed

    # merging again adds nothing
    before = counts(out)
    again = CliRunner().invoke(cli.cli, ["merge", str(out), *map(str, nodes)])
    assert again.exit_code == 0 and again.output.count("nothing new") == 2, again.output
    assert counts(out) == before

    # after a further crawl on node 1, only its new rows
    replica.set("/a2", page(f"{BODY} Page 2 of this site, now with a new sentence."))
    assert crawl_node(cfg, 1, nodes[0]) == {"a1": None, "a2": "silent_edit"}
    added, _ = merge.merge(store.open_db(out), nodes[0])
    assert added["fetches"] == 4 and added["versions"] == 1 and added["events"] == 1  # a2 3 times
    assert added["crawls"] == 1 and added["diffs"] == 1
    assert captures(out) == {**captures(nodes[0]), **captures(nodes[1])}
    assert sorted(history(out)[0]) == sorted(history(nodes[0])[0] + history(nodes[1])[0])


def test_a_page_crawled_by_two_nodes_or_a_copied_node_is_refused(tmp_path, setup):
    cfg = setup
    node, other, out = tmp_path / "node1.db", tmp_path / "all.db", tmp_path / "out.db"
    crawl_node(cfg, 1, node)
    crawler.crawl(cfg, other)  # every page, shard 1's included
    merge.merge(store.open_db(out), node)
    before = counts(out)
    with pytest.raises(StoreError, match=r"each page must be crawled by one node only"):
        merge.merge(store.open_db(out), other)
    with pytest.raises(StoreError, match=r"merged database itself"):
        merge.merge(store.open_db(out), out)
    assert counts(out) == before

    copy = tmp_path / "copy.db"  # a copy of node 1, crawled on its own
    with sqlite3.connect(node) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    crawl_node(cfg, 1, node)
    store.open_db(copy).execute("UPDATE fetches SET started_at = '2001-01-01T00:00:00.000Z'")
    with pytest.raises(StoreError, match=r"copy of that database that was crawled on its own"):
        merge.merge(store.open_db(out), copy)


def test_merge_knows_every_table_of_the_database(db_path):
    tables = store.open_db(db_path).table_names()
    assert "discovery_items" in tables and "workspace_users" in tables
    assert merge.unknown_tables(tables) == []


@pytest.mark.parametrize(("spec", "expected"), [("1/2", (1, 2)), (" 2 / 3 ", (2, 3)), ("1/1", (1, 1))])
def test_shard_specs(spec, expected):
    assert shards.parse(spec) == expected


@pytest.mark.parametrize("spec", ["0/2", "3/2", "2", "a/b", "1/0"])
def test_bad_shard_specs(spec):
    with pytest.raises(ValueError, match="is not a shard"):
        shards.parse(spec)


def test_a_site_stays_on_one_shard_whatever_else_changes():
    urls = [f"https://site{i}.example.org/page{j}" for i in range(40) for j in range(3)]
    assignment = {url: shards.shard_of(url, 4) for url in urls}
    assert set(assignment.values()) == {1, 2, 3, 4}
    for i in range(40):  # every page of a site (whatever its path, scheme or port) on one shard
        pages = [f"http://SITE{i}.example.org:8080/x"] + [f"https://site{i}.example.org/page{j}" for j in range(3)]
        assert len({shards.shard_of(url, 4) for url in pages}) == 1
    assert shards.shard_of("http://localhost:8001/a", 2) == 2 and shards.shard_of("http://127.0.0.1/a", 2) == 1

"""Several nodes' databases combined into one, for the published site and its feeds.

Each node (``dialogue-watch --shard K/N``, ``monitor.shards``) crawls its own sites
into its own database. ``merge(out, node_path)`` copies one node's rows into ``out``:

- rows numbered by SQLite (crawls, fetches, versions, diffs, events, ...) get new ids
  in ``out``, and every column that names such a row is rewritten to the new id
  (``PLANS``: which column names which table). ``merge_imports`` keeps, per row, the
  node's identity (``database_identity``, made once per database and carried by its
  copies), the table and the id there: a row already merged is never added again, so
  merging a node twice adds nothing, and merging it after a further crawl adds only
  the new rows;
- rows named by their content (bodies, texts, link sets, screenshots: SHA-256) are
  kept once. A delta (``monitor.store.blobs``) is against its base's content, so it
  reads back the same in ``out``; one whose base ``out`` already had (the same bytes
  seen by another node) is stored whole, so no chain grows past ``MAX_DEPTH``;
- rows about one page (its state, links, volatile places, ...) come from the node
  that crawls the page, the newer copy winning. A page crawled by two nodes is
  refused: each page belongs to one node;
- the search index of each version's added and removed lines is rebuilt for the
  versions merged in; the alert outbox and the archive queue stay on the node
  (they are its deliveries); the tables every database makes itself are left as
  they are (``BUILT_HERE``), and so is the team's workspace (``WORKSPACE``).

Everything of one node is merged in one transaction, foreign keys checked at the end.
Before it, the node's file is checked whole (``check_node``: SQLite's integrity check,
and every capture against its SHA-256): a damaged copy is refused, nothing written.
"""

import dataclasses
import json
import sqlite3
from pathlib import Path

from monitor.errors import DamagedError, StoreError
from monitor.store import blobs, verify
from monitor.store.connection import immediate_transaction, iso, now, open_db, writes
from monitor.store.sql import index_lines


@dataclasses.dataclass(frozen=True)
class Plan:
    kind: str  # "serial" (new ids), "content" (kept once by key), "owned" (the node's copy, newer wins)
    key: tuple = ("id",)
    refs: dict = dataclasses.field(default_factory=dict)  # column -> the serial table it names
    newer: str | None = None  # "owned": a node's row replaces ours only when this is not older
    whole: bool = False  # "owned": the node rewrites each page's rows whole (kept in step)


# In an order that satisfies every foreign key (they are checked at the end anyway).
PLANS = {
    "sources": Plan("owned", newer="updated_at"),
    "crawls": Plan("serial"),
    "bodies": Plan("content", ("sha256",)),
    "texts": Plan("content", ("sha256",)),
    "link_sets": Plan("content", ("sha256",)),
    "screenshots": Plan("content", ("sha256",)),
    "fetches": Plan("serial", refs={"crawl_id": "crawls", "version_id": "versions"}),
    "versions": Plan("serial", refs={"fetch_id": "fetches", "reread_of": "versions"}),
    "diffs": Plan("serial", refs={"from_version_id": "versions", "to_version_id": "versions"}),
    "events": Plan("serial", refs={"fetch_id": "fetches", "version_id": "versions", "diff_id": "diffs"}),
    "readings": Plan("serial", refs={"version_id": "versions"}),
    "link_changes": Plan("serial", refs={"event_id": "events", "version_id": "versions"}),
    "source_state": Plan("owned", ("source_id",), {"current_version_id": "versions"}, "last_checked_at"),
    "volatile_places": Plan("owned", ("source_id", "place"), whole=True),
    "page_links": Plan("owned", ("source_id", "url"),
                       {"first_version_id": "versions", "unlinked_version_id": "versions"}),
    "followed": Plan("owned"),
    "archive_imports": Plan("owned", ("source_id", "timestamp", "url"), {"version_id": "versions"}),
    "distrusted_sites": Plan("owned", ("host",), {"fetch_id": "fetches"}),
    # discovery (monitor.store.discovery): each listing's items, the newest read winning
    # when two nodes read the same listing; every read of it
    "discovery_items": Plan("owned", ("discovery_id", "key"), newer="last_seen_at"),
    "discovery_checks": Plan("serial", refs={"crawl_id": "crawls"}),
}
# The node's own deliveries: sent from the node, never again from the merged database.
NODE_LOCAL = ("alert_outbox", "alert_digests", "archive_requests")
# The team's workspace (monitor.workspace) lives on the database it is served from: a
# node's accounts, subscriptions, reviews and notes are never merged into another's.
WORKSPACE = ("workspace_users", "workspace_audit", "workspace_secret", "workspace_subscriptions",
             "workspace_alerts", "workspace_queue_cursor", "workspace_reviews", "workspace_notes",
             "workspace_login_failures", "public_notes")
# Made by every database itself (migrations, the search index, merge's own records).
BUILT_HERE = ("_sqlite_migrations", "report_2003", "event_kinds", "database_identity", "merge_imports",
              "merges", "version_lines", "version_words", "sqlite_sequence", "sqlite_stat1", "sqlite_stat4")


def identity(db):
    """The database's own name (``database_identity``, made by migration m023)."""
    return db.execute("SELECT uuid FROM database_identity WHERE id = 1").fetchone()[0]


@dataclasses.dataclass(frozen=True)
class Node:
    """A node's database, checked whole before anything is merged (``check_node``)."""

    path: str
    identity: str
    tables: frozenset


def check_node(node_path):
    """The node database at ``node_path``, checked before anything is written: SQLite's
    ``integrity_check`` of the file, then every capture against its SHA-256
    (``monitor.store.verify``). Raises ``StoreError`` (``DamagedError``) in plain words."""
    if not Path(node_path).is_file():
        raise StoreError(f"There is no database at {node_path}: nothing was merged. Fix: give the "
                         "path of a node's database file (copied from the node).")
    problems = verify.file_problems(node_path, thorough=True)
    if problems:
        raise DamagedError(f"{node_path} is damaged: SQLite's own check of it says "
                           f"'{_first(problems)}'. Nothing was merged. {FRESH_COPY}")
    node_db = open_db(node_path)  # brought to this version's schema, like any database opened
    try:
        damage = list(verify.damaged(node_db.conn))
        if damage:
            more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
            raise DamagedError(f"{node_path} is damaged: {verify.words(node_db.conn, damage[0])}{more}. "
                               f"Nothing was merged. {FRESH_COPY}")
        return Node(str(node_path), identity(node_db), frozenset(node_db.table_names()))
    except sqlite3.DatabaseError as error:
        raise DamagedError(f"{node_path} is damaged ({error}). Nothing was merged. {FRESH_COPY}") from None
    finally:
        node_db.close()


FRESH_COPY = ("Fix: take a fresh copy from the node (sqlite3 node.db \".backup copy.db\", while no "
              "crawl runs there) and merge that; keep this file for inspection.")


def _first(problems):
    return problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")


@writes
def merge(out, node):
    """Merge the node database ``node`` (its path, or a ``Node`` from ``check_node``)
    into ``out`` (an open database), in one transaction.

    Returns ``({table: rows added}, {table: rows updated})``. Raises ``StoreError``
    in plain words when the node cannot be merged (damaged, the same database, a page
    another node crawls, a copy that went its own way, a full disk); nothing is
    merged then.
    """
    node = node if isinstance(node, Node) else check_node(node)
    node_path = node.path
    if node.identity == identity(out):
        raise StoreError(f"{node_path} is the merged database itself (or a copy of it): nothing was merged.")
    _check_tables(node_path, node.tables)
    out.execute("ATTACH DATABASE ? AS node", [str(node_path)])
    try:
        with immediate_transaction(out):
            out.execute("PRAGMA defer_foreign_keys = ON")
            added, updated = _merge_attached(out, node.identity, node_path, node.tables)
            out.execute("INSERT INTO merges (node, file, merged_at, added) VALUES (?, ?, ?, ?)",
                        [node.identity, Path(node_path).name, iso(now()),
                         json.dumps({"added": added, "updated": updated})])
    except sqlite3.IntegrityError as error:  # a foreign key, checked at COMMIT
        if out.conn.in_transaction:
            out.execute("ROLLBACK")
        raise StoreError(f"{node_path} could not be merged ({error}); nothing was merged.") from None
    except sqlite3.DatabaseError as error:
        if isinstance(error, sqlite3.OperationalError):  # disk full, read-only: said by @writes
            raise
        raise DamagedError(f"{node_path} could not be merged: SQLite says '{error}' (one of the two "
                           "files is damaged). Nothing was merged. Fix: check both with sqlite3 FILE "
                           "'PRAGMA integrity_check'; for the node, take a fresh copy.") from None
    finally:
        out.execute("DETACH DATABASE node")
    return added, updated


def unknown_tables(tables):
    """The tables merge has no rule for (the search indexes' own tables aside)."""
    known = set(PLANS) | set(NODE_LOCAL) | set(BUILT_HERE) | set(WORKSPACE)
    return sorted(t for t in tables
                  if t not in known and not t.startswith(("version_lines_", "version_words_")))


def _check_tables(node_path, tables):
    unknown = unknown_tables(tables)
    if unknown:
        raise StoreError(f"{node_path} has table(s) {', '.join(unknown)} that merge does not know how to "
                         "combine; nothing was merged. This is a bug in dialogue-watch "
                         "(monitor/store/merge.py PLANS): please report it.")


def _merge_attached(db, node, node_path, tables):
    plans = {name: plan for name, plan in PLANS.items() if name in tables}
    _check_pages_belong_to(db, node, node_path)
    _check_same_copy(db, node, node_path)
    bases = {name: _number(db, node, name) for name, plan in plans.items() if plan.kind == "serial"}
    added, updated = {}, {}
    for name, plan in plans.items():
        columns = _common_columns(db, name)
        if plan.kind == "serial":
            updated[name] = _refresh_serial(db, node, name, plan, columns, bases[name])
            added[name] = _insert_serial(db, node, name, plan, columns, bases[name])
        elif plan.kind == "content":
            added[name] = _insert_content(db, name, columns, node_path)
        else:
            updated[name] = _upsert_owned(db, node, name, plan, columns)
    if "versions" in bases:
        _index_lines(db, node, bases["versions"])
    return ({name: n for name, n in added.items() if n}, {name: n for name, n in updated.items() if n})


def _check_pages_belong_to(db, node, node_path):
    """Refuse a page whose fetches or versions here came from anywhere but this node."""
    clash = set()
    for table in ("fetches", "versions"):
        clash.update(row[0] for row in db.execute(f"""
            SELECT DISTINCT t.source_id FROM main.{table} t
            WHERE t.source_id IN (SELECT source_id FROM node.{table})
              AND t.id NOT IN (SELECT id FROM merge_imports WHERE node = ? AND tbl = '{table}')
            LIMIT 5""", [node]))
    if clash:
        raise StoreError(
            f"{node_path} holds pages this database already has from another node or crawl "
            f"({', '.join(sorted(clash))}): each page must be crawled by one node only, or its "
            "history would be told twice. Nothing was merged. Fix: keep the number of shards "
            "fixed (dialogue-watch --shard K/N), and merge each node's own database.")


def _check_same_copy(db, node, node_path):
    """A row merged before must still be that row: two databases that share an identity
    (a file copied, then both crawled) would otherwise lose rows silently."""
    changed = db.execute("""
        SELECT count(*) FROM node.fetches n
        JOIN merge_imports m ON m.node = ? AND m.tbl = 'fetches' AND m.node_id = n.id
        JOIN main.fetches f ON f.id = m.id
        WHERE f.source_id IS NOT n.source_id OR f.at IS NOT n.at OR f.started_at IS NOT n.started_at""",
                         [node]).fetchone()[0]
    if changed:
        raise StoreError(
            f"{node_path} says it is a database merged before, but {changed} of the fetches merged "
            "from it then are not the same now: it is probably a copy of that database that was "
            "crawled on its own. Nothing was merged. Fix: give each node its own database "
            "(a new file), never a copy of another node's.")


def _number(db, node, table):
    """Give every row of the node's ``table`` not merged yet its id here; return the
    highest id used before (the new rows are those above it)."""
    (base,) = db.execute(f"""SELECT max(coalesce((SELECT max(id) FROM main.{table}), 0),
        coalesce((SELECT max(id) FROM merge_imports WHERE tbl = ?), 0))""", [table]).fetchone()
    db.execute(f"""
        INSERT INTO merge_imports (node, tbl, node_id, id)
        SELECT ?, ?, n.id, ? + row_number() OVER (ORDER BY n.id) FROM node.{table} n
        WHERE NOT EXISTS (SELECT 1 FROM merge_imports m
                          WHERE m.node = ? AND m.tbl = ? AND m.node_id = n.id)""",
               [node, table, base, node, table])
    return base


def _common_columns(db, table):
    ours = [row[1] for row in db.execute(f"PRAGMA main.table_info({table})")]
    theirs = {row[1] for row in db.execute(f"PRAGMA node.table_info({table})")}
    return [column for column in ours if column in theirs]


def _mapped(column, plan, node_param=":node"):
    """The SQL giving ``column`` of a node row (alias ``n``) as it is here."""
    target = plan.refs.get(column)
    if target is None:
        return f"n.{column}"
    return (f"(SELECT r.id FROM merge_imports r WHERE r.node = {node_param} "
            f"AND r.tbl = '{target}' AND r.node_id = n.{column})")


def _insert_serial(db, node, table, plan, columns, base):
    values = ["m.id" if column == "id" else _mapped(column, plan) for column in columns]
    return db.execute(f"""
        INSERT INTO main.{table} ({', '.join(columns)})
        SELECT {', '.join(values)} FROM node.{table} n
        JOIN merge_imports m ON m.node = :node AND m.tbl = :table AND m.node_id = n.id
        WHERE m.id > :base ORDER BY m.id""", {"node": node, "table": table, "base": base}).rowcount


def _refresh_serial(db, node, table, plan, columns, base):
    """Rows merged before that the node has changed since (a crawl finished, a version
    read again with new rules, its archive copy found): take the node's values."""
    others = [column for column in columns if column != "id"]
    if not others:
        return 0
    values = ", ".join(f"{_mapped(column, plan)} AS {column}" for column in others)
    differs = " OR ".join(f"main.{table}.{column} IS NOT x.{column}" for column in others)
    return db.execute(f"""
        UPDATE main.{table} SET ({', '.join(others)}) = ({', '.join('x.' + c for c in others)})
        FROM (SELECT m.id AS merged_id, {values} FROM node.{table} n
              JOIN merge_imports m ON m.node = :node AND m.tbl = :table AND m.node_id = n.id
              WHERE m.id <= :base) AS x
        WHERE main.{table}.id = x.merged_id AND ({differs})""",
                      {"node": node, "table": table, "base": base}).rowcount


def _insert_content(db, table, columns, node_path):
    chained = "base_sha256" in columns
    rebased = []
    if chained:  # new here, but their base was already here: stored whole (see the module docstring)
        rebased = [row[0] for row in db.execute(f"""
            SELECT n.sha256 FROM node.{table} n
            WHERE n.base_sha256 IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM main.{table} t WHERE t.sha256 = n.sha256)
              AND EXISTS (SELECT 1 FROM main.{table} t WHERE t.sha256 = n.base_sha256)""")]
    count = db.execute(f"INSERT OR IGNORE INTO main.{table} ({', '.join(columns)}) "
                       f"SELECT {', '.join(columns)} FROM node.{table}").rowcount
    if rebased:
        _store_whole(db, table, rebased, node_path)
    return count


def _store_whole(db, table, digests, node_path):
    source = sqlite3.connect(f"file:{node_path}?mode=ro", uri=True)
    try:
        for digest in digests:
            packed = blobs.compress_whole(blobs.unpack(source, table, digest))
            db.execute(f"UPDATE main.{table} SET data = ?, stored_size = ?, base_sha256 = NULL, "
                       "depth = 0 WHERE sha256 = ?", [packed, len(packed), digest])
    finally:
        source.close()


def _upsert_owned(db, node, table, plan, columns):
    removed = 0
    if plan.whole:  # the node rewrites a page's rows whole: drop the ones it no longer has
        keys = " AND ".join(f"n.{k} = main.{table}.{k}" for k in plan.key)
        removed = db.execute(f"""
            DELETE FROM main.{table} WHERE source_id IN (SELECT source_id FROM node.source_state)
            AND NOT EXISTS (SELECT 1 FROM node.{table} n WHERE {keys})""").rowcount
    return removed + _upsert(db, node, table, plan, columns)


def _upsert(db, node, table, plan, columns):
    values = [_mapped(column, plan) for column in columns]
    others = [column for column in columns if column not in plan.key]
    updates = ", ".join(f"{column} = excluded.{column}" for column in others)
    # only what differs (merging again changes nothing), and never with an older copy
    differs = " OR ".join(f"{table}.{column} IS NOT excluded.{column}" for column in others)
    newer = f" AND excluded.{plan.newer} >= coalesce({table}.{plan.newer}, '')" if plan.newer else ""
    action = f"DO UPDATE SET {updates} WHERE ({differs}){newer}" if others else "DO NOTHING"
    before = db.conn.total_changes
    db.execute(f"""
        INSERT INTO main.{table} ({', '.join(columns)})
        SELECT {', '.join(values)} FROM node.{table} n WHERE true
        ON CONFLICT ({', '.join(plan.key)}) {action}""", {"node": node})
    return db.conn.total_changes - before


def _index_lines(db, node, base):
    """The search index (``version_lines``, keyed by version id) for the versions merged
    in: what each added and removed against the page's previous version."""
    fresh = db.execute("""
        SELECT v.id, v.text_sha256,
               (SELECT p.text_sha256 FROM main.versions p WHERE p.source_id = v.source_id
                AND p.seq < v.seq ORDER BY p.seq DESC LIMIT 1) AS before_sha
        FROM main.versions v WHERE v.id > ? AND v.id IN (
            SELECT id FROM merge_imports WHERE node = ? AND tbl = 'versions')
        ORDER BY v.source_id, v.seq""", [base, node]).fetchall()
    for version_id, text_sha, before_sha in fresh:
        if text_sha and text_sha != before_sha:
            before = blobs.text(db.conn, before_sha) if before_sha else ""
            index_lines(db.conn, version_id, before or "", blobs.text(db.conn, text_sha) or "")

"""dialogue-watch's Datasette plugin: what configuration cannot do.

* SQL functions ``dw_text(sha256)`` and ``dw_body(sha256)``: a capture's text
  and original bytes, unpacked from their Zstandard delta chain
  (``monitor/store/blobs.py``); ``dw_snippet(sha256, words)``: the search
  page's excerpt of a text around the words found; ``dw_diff(sha256, sha256)``:
  the line diff of two texts, for comparing any two versions.
* The template filter ``dw_diff_rows``: a diff's lines with the changed words
  inside changed lines marked (``monitor/analysis/diffing.py``, the same code as
  the command line's ``diff --words``).
* ``/monitor/-/original/{version_id}`` returns a captured version's original
  bytes, always as a download: an attachment of
  type ``application/octet-stream`` with ``nosniff`` and a sandboxing
  Content-Security-Policy. A captured page is untrusted input and is never
  rendered live in the site.
* The staleness chart and the latest events, for the home page and the
  staleness page (templates can only see their own query's rows).
* Privacy: an SQLite authorizer on every connection refuses any read of the
  alert tables (``PRIVATE_TABLES``), so no query through any door of the site
  can tell who subscribes or what was sent to whom.

Every SQL statement it runs is a canned query of ``db/metadata.yaml``. Besides
Datasette it needs only ``blobs.py`` and ``diffing.py`` (and ``zstandard``), so it
can be published by copying the three files into a ``--plugins-dir`` (see the README).
"""

import importlib
import importlib.util
import re
import sqlite3
from pathlib import Path

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response


def _beside(package, name):
    """A module of the store or analysis code, or the copy beside this file when the
    site is published with --plugins-dir (``blobs.py``, ``diffing.py``)."""
    try:
        return importlib.import_module(f"monitor.{package}.{name}")
    except ImportError:
        spec = importlib.util.spec_from_file_location(f"dw_{name}", Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


blobs = _beside("store", "blobs")
diffing = _beside("analysis", "diffing")

DATABASE = "monitor"
CHART_TEMPLATES = {"index.html", f"query-{DATABASE}-staleness.html"}
EXTENSIONS = {"text/html": ".html", "application/pdf": ".pdf", "text/plain": ".txt",
              "application/xhtml+xml": ".xhtml"}
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=86400",
}


# Alert deliveries name the subscribers and quote their addresses in errors: on a
# site the watched government can read, they would say who is watching it.
PRIVATE_TABLES = frozenset({"alert_outbox", "alert_digests"})


def refuse_private_tables(action, table, column, database, trigger):
    """SQLite authorizer: no statement may read a private table, not even to count
    its rows (SQLite then asks with an empty column name)."""
    if action == sqlite3.SQLITE_READ and table and table.lower() in PRIVATE_TABLES:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


@hookimpl
def prepare_connection(conn, database):
    # Every database and every connection: canned queries, the SQL box, table pages,
    # JSON, CSV and any future query alike, whatever the file is called.
    conn.set_authorizer(refuse_private_tables)
    if database != DATABASE:
        return
    conn.create_function("dw_text", 1, lambda sha: blobs.text(conn, sha) if sha else None)
    conn.create_function("dw_body", 1, lambda sha: blobs.unpack(conn, "bodies", sha) if sha else None)
    conn.create_function("dw_diff", 2, lambda before, after: _diff(conn, before, after))
    conn.create_function("dw_snippet", 2, lambda sha, words: snippet(blobs.text(conn, sha), words)
                         if sha and words else None)


def _diff(conn, before_sha, after_sha):
    """The unified line diff between two stored texts (the compare page)."""
    if not before_sha or not after_sha:
        return None
    return diffing.line_diff(blobs.text(conn, before_sha), blobs.text(conn, after_sha))["diff"]


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["dw_diff_rows"] = diffing.diff_rows


def snippet(text, words, context=60):
    """Where ``words`` first occur in ``text`` (any case), with ``context`` characters
    either side, each occurrence between \x02 and \x03, cut ends marked "…"."""
    found = re.search(re.escape(words), text or "", re.IGNORECASE)
    if not found:
        return None
    start, end = max(0, found.start() - context), min(len(text), found.end() + context)
    shown = re.sub(re.escape(words), lambda m: f"\x02{m.group()}\x03", text[start:end], flags=re.IGNORECASE)
    return ("…" if start else "") + shown.replace("\n", " ") + ("…" if end < len(text) else "")


@hookimpl
def register_routes():
    return [(r"^/(?P<database>[^/]+)/-/original/(?P<version_id>[0-9]+)$", original)]


@hookimpl
def extra_template_vars(template, datasette):
    if template not in CHART_TEMPLATES:
        return {}

    async def chart_and_latest():
        return {
            "chart_rows": await canned_rows(datasette, "staleness_chart"),
            "latest_rows": (await canned_rows(datasette, "feed"))[:8],
        }

    return chart_and_latest


async def canned_rows(datasette, name, params=None):
    """Rows of one of metadata.yaml's canned queries (none if the site is not configured)."""
    if DATABASE not in datasette.databases:
        return []
    query = await datasette.get_canned_query(DATABASE, name, None)
    if query is None:
        return []
    return list((await datasette.get_database(DATABASE).execute(query["sql"], params or {})).rows)


async def original(datasette, request):
    database = request.url_vars["database"]
    if database not in datasette.databases:
        raise NotFound(f"No database called {database}.")
    await datasette.ensure_permissions(request.actor, [
        ("view-query", (database, "original")), ("view-database", database), "view-instance"])
    version_id = int(request.url_vars["version_id"])
    rows = await canned_rows(datasette, "original", {"version": version_id})
    if not rows or rows[0]["data"] is None:
        raise NotFound(f"No original bytes are kept for version {version_id}.")
    row = rows[0]
    headers = {"Content-Disposition": f'attachment; filename="{download_name(row)}"',
               **DOWNLOAD_HEADERS}
    return Response(row["data"], headers=headers,
                    content_type="application/octet-stream")


def download_name(row):
    """demo-canada-v2-2026-11-27.html: the page, the version, the day, the type."""
    media_type = (row["content_type"] or "").split(";")[0].strip().lower()
    stem = f"{row['source_id']}-v{row['seq']}-{(row['at'] or '')[:10]}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem) + EXTENSIONS.get(media_type, ".bin")

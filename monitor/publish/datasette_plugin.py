"""dialogue-watch's Datasette plugin: what configuration cannot do.

* SQL functions ``dw_text(sha256)`` and ``dw_body(sha256)``: a capture's text
  and original bytes, unpacked from their Zstandard delta chain
  (``monitor/store/blobs.py``); ``dw_snippet(sha256, words)``: the search
  page's excerpt of a text around the words found; ``dw_diff(sha256, sha256)``:
  the line diff of two texts, for comparing any two versions; ``dw_pieces(words)``
  and ``dw_lines_hold(version_id, 'added' or 'removed', words)``: the search's two
  steps (``monitor/analysis/search_lines.py``).
* The template filter ``dw_diff_rows``: a diff's lines with the changed words
  inside changed lines marked (``monitor/analysis/diffing.py``, the same code as
  the command line's ``diff --words``).
* ``/monitor/-/original/{version_id}`` returns a captured version's original
  bytes, always as a download: an attachment of
  type ``application/octet-stream`` with ``nosniff`` and a sandboxing
  Content-Security-Policy. A captured page is untrusted input and is never
  rendered live in the site. Any other address under it is a plain 404.
* ``/monitor/events/{id}``, the address alerts link to, leads to the event's change page.
* ``/monitor/-/screenshot/{sha256}.png`` serves the full-page picture of a rendered
  version (``render: browser``), as ``image/png`` with ``nosniff``: a picture the
  browser took, never the page's own markup.
* The staleness chart and the latest events, for the home page and the
  staleness page (templates can only see their own query's rows).
* The Atom feeds (datasette-atom renders the ``feed`` and ``country_feed``
  canned queries): SQL functions ``dw_html(text)`` and ``dw_diff_html(diff)`` for
  the entries' HTML, and ``finish_feed`` for what a query cannot know (the site's
  address for absolute links, the per-country title, the author, the site link).
* Links to a page's live address on loopback (the demo's replica, gone once the
  demo ends) say so beside them.
* Privacy: an SQLite authorizer on every connection refuses any read of the
  alert tables (``PRIVATE_TABLES``), so no query through any door of the site
  can tell who subscribes or what was sent to whom, and of the virtual tables
  that would tell where the database lies on disk or what other visitors asked
  (``HIDDEN_TABLES``); ``/-/databases`` leaves out the file's path and
  ``/-/threads`` (the server's own paths) is not published.
* Addresses that lead nowhere answer a plain 404 page (``plain_404``: Datasette 0.65
  answered them 500 when the ``rich`` package is installed).

Every SQL statement it runs is a canned query of ``db/metadata.yaml``, or reads a
version's texts for one (``blobs``, ``lines_hold``), or counts a search's candidates
(``search_reach``). Besides Datasette it needs only
``blobs.py``, ``diffing.py`` and ``search_lines.py`` (and ``zstandard``), so it can be
published by copying the four files into a ``--plugins-dir`` (see the README).
"""

import html
import importlib
import importlib.util
import json
import re
import sqlite3
import urllib.parse
from pathlib import Path

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils.asgi import NotFound, Request, Response
import zstandard
from lxml import etree  # feedgen's, so datasette-atom's: always there


def _beside(package, name):
    """A module of the store or analysis code, or the copy beside this file when the
    site is published with --plugins-dir (``blobs.py``, ``diffing.py``, ``search_lines.py``)."""
    try:
        return importlib.import_module(f"monitor.{package}.{name}")
    except ImportError:
        spec = importlib.util.spec_from_file_location(f"dw_{name}", Path(__file__).with_name(f"{name}.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module


blobs = _beside("store", "blobs")
diffing = _beside("analysis", "diffing")
search_lines = _beside("analysis", "search_lines")
try:  # short words in search; a --plugins-dir copy without search_words.py finds 3+ characters
    search_words = _beside("analysis", "search_words")
except FileNotFoundError:
    search_words = None

DATABASE = "monitor"
CHART_TEMPLATES = {"index.html", f"query-{DATABASE}-staleness.html"}
SEARCH_TEMPLATE = f"query-{DATABASE}-search.html"
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
# The campaigners' workspace (monitor/workspace/): accounts, audit, subscriptions, reviews.
PRIVATE_PREFIX = "workspace_"


def is_private(name):
    return name in PRIVATE_TABLES or name.startswith(PRIVATE_PREFIX)


# Virtual tables the SQL box could read (SQLite's own, and pragma functions Datasette
# allows) that tell what the site must not: the database file's path on the server
# (pragma_database_list), how many rows and bytes the private tables hold (dbstat),
# and the SQL other visitors ran on the same connection (sqlite_stmt).
HIDDEN_TABLES = frozenset({"pragma_database_list", "dbstat", "sqlite_stmt"})


def refuse_private_tables(action, table, column, database, trigger):
    """SQLite authorizer: no statement may read a private table, not even to count
    its rows (SQLite then asks with an empty column name), nor a hidden one.
    A private table's foreign keys read as none (``PRAGMA foreign_key_list`` is
    ignored for it): Datasette's row page would otherwise count the private rows
    that point to an event, and fail (issue 22)."""
    name = (table or "").lower()
    if action == sqlite3.SQLITE_READ and (is_private(name) or name in HIDDEN_TABLES):
        return sqlite3.SQLITE_DENY
    # for a pragma, SQLite gives its name and its argument (unquoted)
    if action == sqlite3.SQLITE_PRAGMA and name == "foreign_key_list" \
            and is_private((column or "").lower()):
        return sqlite3.SQLITE_IGNORE
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
    # the word index's query for words too short for the three-character one (人権, EU)
    conn.create_function("dw_short_words", 2, _short_words_query)
    # the index of three-character pieces: its query, then each candidate's lines checked
    conn.create_function("dw_pieces", 1, search_lines.query, deterministic=True)
    conn.create_function("dw_checked_at_most", 0, lambda: search_lines.CHECKED_AT_MOST, deterministic=True)
    conn.create_function("dw_lines_hold", 3, lambda version_id, column, words:
                         _unless_interrupted(lines_hold, conn, version_id, column, words))


def years_days(days, short=False):
    """A number of days as people say it, counting 365 days a year: 8772 -> "24 years and
    12 days" (``short``: "24 years 12 days", for a chart's label); None -> "–"."""
    if days is None:
        return "–"
    years, rest = divmod(abs(int(days)), 365)
    parts = [f"{n:,} {noun}{'' if n == 1 else 's'}" for n, noun in ((years, "year"), (rest, "day")) if n]
    words = (" " if short else " and ").join(parts) or "0 days"
    return f"{'-' if days < 0 else ''}{words}"


def _short_words_query(words, column):
    """The word index's query (``version_words``) for ``words`` shorter than three
    characters; for longer ones a query that finds nothing (the trigram index does)."""
    if search_words and words and search_words.is_short(words):
        return search_words.query(words, column)
    return f'{column} : "\u0001"'


def lines_hold(conn, version_id, column, words):
    """1 when the lines version ``version_id`` added (``column`` 'added') or removed
    ('removed') hold ``words``, case folded as the index of pieces folds it, else 0.
    The lines are computed again as the index was given them: against the text of the
    version just before in the page's history (none: every line is added)."""
    if column not in ("added", "removed") or not version_id or len(words or "") < search_lines.PIECE:
        return 0
    row = conn.execute("""
        SELECT v.text_sha256, (SELECT p.text_sha256 FROM versions p WHERE p.source_id = v.source_id
                               AND p.seq < v.seq ORDER BY p.seq DESC LIMIT 1)
        FROM versions v WHERE v.id = ?""", [version_id]).fetchone()
    if not row or not row[0]:
        return 0
    after_sha, before_sha = row

    def text(sha):
        return (blobs.text(conn, sha) or "") if sha else ""

    # the lines added are lines of the new text the one before lacks; the lines removed, the reverse
    own, other = (after_sha, before_sha) if column == "added" else (before_sha, after_sha)
    if search_lines.one_line(words):  # most candidates stop at the first text
        return int(search_lines.new_lines_hold(text(own), lambda: text(other), words))
    added, removed = diffing.changed_lines(text(before_sha), text(after_sha))
    return int(search_lines.holds(added if column == "added" else removed, words))


def _unless_interrupted(function, conn, *args):
    """``function(conn, *args)``, or 0 once the query it serves was stopped for taking too
    long (Datasette's time limit): SQLite then stops the query itself, which Datasette
    reports as such (db/templates/error.html says it in plain words), instead of "a
    user-defined function raised an exception"."""
    try:
        return function(conn, *args)
    except sqlite3.OperationalError as error:
        if "interrupt" not in str(error):
            raise
        return 0


def _diff(conn, before_sha, after_sha):
    """The unified line diff between two stored texts (the compare page)."""
    if not before_sha or not after_sha:
        return None
    return diffing.line_diff(blobs.text(conn, before_sha), blobs.text(conn, after_sha))["diff"]


@hookimpl
def prepare_jinja2_environment(env):
    env.filters["dw_diff_rows"] = diffing.diff_rows
    env.filters["dw_human_date"] = human_date
    env.filters["dw_years_days"] = years_days
    env.filters["dw_link_changes"] = link_changes
    env.filters["dw_json"] = json.loads  # a query's JSON column (the change's public notes)


def link_changes(value):
    """The history query's ``link_changes`` (a JSON list) as dicts, removed ones first."""
    items = json.loads(value) if value else []
    return sorted(items, key=lambda item: item["change"] != "removed")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def human_date(value):
    """An ISO date or UTC time as people write it: "2026-12-01T10:30:00Z" gives
    "1 December 2026, 10:30 UTC"; "2026-12-01" gives "1 December 2026"; "2002-11"
    gives "November 2002". Anything else is returned as it is."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}:\d{2})[:\d.]*Z?)?)?)?", value or "")
    if not match or not 1 <= int(match[2] or 1) <= 12:
        return value
    year, month, day, time = match.groups()
    words = year if not month else f"{MONTHS[int(month) - 1]} {year}"
    if day:
        words = f"{int(day)} {words}"
    return f"{words}, {time} UTC" if time else words


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
    # Datasette tries these before its own routes
    return [(r"^/(?P<database>[^/]+)/-/original(?:/(?P<version_id>[^/]*))?/?$", original),
            (r"^/(?P<database>[^/]+)/-/screenshot/(?P<sha256>[0-9a-f]{64})\.png$", screenshot),
            (rf"^/{DATABASE}/events/(?P<event_id>[0-9]+)$", event_page),
            (r"^/-/databases(?:\.(?P<format>json))?$", databases),
            (r"^/-/threads(?:\.json)?$", not_published)]


@hookimpl
def extra_template_vars(template, datasette, request):
    if template == SEARCH_TEMPLATE:
        return lambda: search_reach(datasette, request)
    if template not in CHART_TEMPLATES:
        return {}

    async def chart_and_latest():
        chart, latest = await soft_rows(datasette, "staleness_chart"), await soft_rows(datasette, "feed")
        # changes only: not the feed's "no events yet", nor first captures and stale reminders
        events = [row for row in latest or [] if row["kind"] and row["kind"] not in NOT_CHANGES]
        return {"chart_rows": chart or [], "chart_unavailable": chart is None,
                "latest_rows": events[:8],
                # found in the partners' feeds and listings (monitor.store.discovery)
                "publication_rows": await soft_rows(datasette, "new_publications") or []}

    return chart_and_latest


async def search_reach(datasette, request):
    """Whether the search page's words have more candidate versions than one search
    checks (``search_lines.CHECKED_AT_MOST``): then what it found, or did not find, is
    said to be among the first ones only (``search_cut_short``)."""
    words = request.args.get("q") if request is not None else None
    reach = {"search_checked_at_most": search_lines.CHECKED_AT_MOST, "search_cut_short": False}
    if DATABASE not in datasette.databases or not words:
        return reach
    try:
        counted = await datasette.get_database(DATABASE).execute(
            "select count(*) from (select 1 from version_lines where version_lines match ? limit ?)",
            [search_lines.query(words), search_lines.CHECKED_AT_MOST + 1])
    except (QueryInterrupted, sqlite3.Error):
        return reach
    return {**reach, "search_cut_short": counted.first()[0] > search_lines.CHECKED_AT_MOST}


# The chart reads every watched page; it changes only when a crawl stores something,
# reanalyse re-reads a version, sources.yaml changes, or the day turns. Its rows are kept for as long as this stamp stays the same.
NOT_CHANGES = ("new", "stale")  # listed apart from the changes: a first capture, a reminder
HISTORY_STAMP = """select date('now'), (select max(id) from fetches), (select max(id) from versions),
  (select max(id) from events), (select max(rowid) from readings),
  (select count(*) || max(updated_at) from sources)"""
CACHED = {"staleness_chart"}
_cache = {}


async def soft_rows(datasette, name):
    """``canned_rows``, or None if the query ran out of time: a page never fails
    because its chart or its list of latest changes is slow on a large history.
    The chart's rows are reused while the history stays the same (``HISTORY_STAMP``)."""
    try:
        if name not in CACHED or DATABASE not in datasette.databases:
            return await canned_rows(datasette, name)
        database = datasette.get_database(DATABASE)
        stamp = tuple((await database.execute(HISTORY_STAMP)).rows[0])
        key = (database.path, name)  # the file, never an object id a new site could reuse
        if _cache.get(key, (None,))[0] != stamp:
            _cache[key] = (stamp, await canned_rows(datasette, name))
        return _cache[key][1]
    except QueryInterrupted:
        return None


async def canned_rows(datasette, name, params=None):
    """Rows of one of metadata.yaml's canned queries (none if the site is not configured)."""
    if DATABASE not in datasette.databases:
        return []
    query = await datasette.get_canned_query(DATABASE, name, None)
    if query is None:
        return []
    return list((await datasette.get_database(DATABASE).execute(query["sql"], params or {})).rows)


NO_SUCH_CAPTURE = ("There is no capture with that number. A capture's download address ends "
                   "in the number of a version, as the links on each page's history give it.")
LARGEST_ID = 2**63 - 1  # SQLite's largest integer


async def original(datasette, request):
    database = request.url_vars["database"]
    if database not in datasette.databases:
        raise NotFound(f"No database called {database}.")
    await datasette.ensure_permissions(request.actor, [
        ("view-query", (database, "original")), ("view-database", database), "view-instance"])
    version_id = version_number(request.url_vars.get("version_id"))
    if version_id is None:
        raise NotFound(NO_SUCH_CAPTURE)
    rows = await canned_rows(datasette, "original", {"version": version_id})
    if not rows or rows[0]["data"] is None:
        raise NotFound(f"No original bytes are kept for version {version_id}.")
    row = rows[0]
    headers = {"Content-Disposition": f'attachment; filename="{download_name(row)}"',
               **DOWNLOAD_HEADERS}
    return Response(row["data"], headers=headers,
                    content_type="application/octet-stream")


def version_number(text):
    """The version id an address names ("14"), or None for anything else ("abc", "-1",
    "", "1.json", a number past SQLite's integers)."""
    if not text or not text.isascii() or not text.isdigit() or int(text) > LARGEST_ID:
        return None
    return int(text)


async def event_page(datasette, request):
    """``/monitor/events/N``: the event's change page. Alerts link here (``event_link`` in
    ``monitor/notify/alerts.py``); a campaigner wants the change, not the event's row."""
    page = datasette.urls.database(DATABASE) + "/change?event=" + request.url_vars["event_id"]
    return Response.redirect(page)


async def databases(datasette, request):
    """Datasette's ``/-/databases``, without the path of each database's file on the server."""
    await datasette.ensure_permissions(request.actor, ["view-instance"])
    listed = [{"name": d.name, "route": d.route, "size": d.size, "is_mutable": d.is_mutable,
               "is_memory": d.is_memory, "hash": d.hash}
              for name, d in datasette.databases.items() if name != "_internal"]
    if request.url_vars.get("format") == "json":
        return Response.json(listed)
    return Response.html(await datasette.render_template(
        "show_json.html", {"filename": "databases.json", "data_json": json.dumps(listed, indent=4)},
        request=request))


async def not_published():
    """Datasette's debugging pages that show the server's own paths."""
    raise NotFound("This page is not published.")


async def screenshot(datasette, request):
    """A rendered version's picture (``monitor/store/screenshots.py``), by its SHA-256."""
    database = request.url_vars["database"]
    if database not in datasette.databases:
        raise NotFound(f"No database called {database}.")
    await datasette.ensure_permissions(request.actor, [
        ("view-query", (database, "screenshot")), ("view-database", database), "view-instance"])
    rows = await canned_rows(datasette, "screenshot", {"sha256": request.url_vars["sha256"]})
    if not rows or rows[0]["data"] is None:
        raise NotFound("No picture is kept under that name.")
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=31536000, immutable"}
    return Response(zstandard.ZstdDecompressor().decompress(rows[0]["data"]), headers=headers,
                    content_type="image/png")


def download_name(row):
    """demo-canada-v2-2026-11-27.html: the page, the version, the day, the type."""
    media_type = (row["content_type"] or "").split(";")[0].strip().lower()
    stem = f"{row['source_id']}-v{row['seq']}-{(row['at'] or '')[:10]}"
    return re.sub(r"[^A-Za-z0-9._-]", "_", stem) + EXTENSIONS.get(media_type, ".bin")


# -- Atom feeds: what datasette-atom cannot know --------------------------------------
#
# The feed and country_feed canned queries are turned into Atom by datasette-atom.
# It takes each entry's link as the query gives it and the canned query's title
# for every feed. The query cannot know the site's address, so it gives links
# relative to the database ("change?event=14", as the home page uses them);
# finish_feed() makes them absolute, names the per-country feed after its
# country, and adds the author and the link to the site's page of the same events.

ATOM = "http://www.w3.org/2005/Atom"
FEED_PATH = re.compile(rf"(?:^|/){DATABASE}/(?P<name>feed|country_feed)\.atom$")
COUNTRY_FEED_TITLE = "dialogue-watch: every change on {country}'s pages"
FEED_AUTHOR = "dialogue-watch"
FEED_LINES = 3  # added and removed lines quoted in each entry
FEED_LINE_CHARS = 300


@hookimpl(specname="prepare_connection")
def prepare_feed_functions(conn, database):
    """``dw_html(text)``: text escaped for HTML; ``dw_diff_html(diff)``: the first lines
    a unified diff adds and removes, as escaped HTML lists (the feeds' entries)."""
    if database != DATABASE:
        return
    conn.create_function("dw_html", 1, lambda text: None if text is None else html.escape(str(text)))
    conn.create_function("dw_diff_html", 1, diff_html)


def diff_html(diff, limit=FEED_LINES, width=FEED_LINE_CHARS):
    """The first ``limit`` lines ``diff`` added and removed, each cut to ``width``
    characters, as escaped HTML; None when it changed no line."""
    added, removed = changed_lines(diff)
    parts = []
    for label, lines in (("Added", added), ("Removed", removed)):
        if not lines:
            continue
        shown = [line if len(line) <= width else line[:width] + "…" for line in lines[:limit]]
        items = "".join(f"<li>{html.escape(line)}</li>" for line in shown)
        more = f"<li>… and {len(lines) - limit} more</li>" if len(lines) > limit else ""
        parts.append(f"<p><strong>{label}:</strong></p><ul>{items}{more}</ul>")
    return "".join(parts) or None


def changed_lines(diff):
    """(added, removed): the lines of a unified diff, without their + or -."""
    added, removed, in_hunk = [], [], False
    for line in (diff or "").splitlines():
        if line.startswith("@@"):
            in_hunk = True
        elif in_hunk and line.startswith("+"):
            added.append(line[1:])
        elif in_hunk and line.startswith("-"):
            removed.append(line[1:])
    return added, removed


def site_url(datasette, request):
    """The site's public address, ending in "/": the ``site_url`` of the plugin's
    configuration (``plugins: {dialogue-watch: {site_url: ...}}`` in the metadata),
    else the address the request came to (behind a proxy: its Host and
    X-Forwarded-Proto), with Datasette's ``base_url`` and ``force_https_urls``."""
    configured = (datasette.plugin_config("dialogue-watch") or {}).get("site_url")
    if configured:
        return configured.rstrip("/") + "/"
    return datasette.absolute_url(request, datasette.urls.path("/"))


def finish_feed(xml, name, site, own_url, country=None):
    """datasette-atom's feed ``xml``, finished: links absolute (relative ones are
    taken from the database's address), ``own_url`` as its id and self link, an
    author, a link to the site's page of the same events, and for a country feed
    the country in its title."""
    root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    database = site + DATABASE + "/"
    for link in root.iter(f"{{{ATOM}}}link"):
        link.set("href", urllib.parse.urljoin(database, link.get("href", "")))
        if link.get("rel") == "self":
            link.set("href", own_url)
    _child(root, "id").text = own_url
    if name == "country_feed" and country:
        _child(root, "title").text = COUNTRY_FEED_TITLE.format(country=country)
    page = "recent_changes" + (f"?{urllib.parse.urlencode({'country': country})}" if country else "")
    _add(root, "link", rel="alternate", type="text/html", href=database + page)
    author = _add(root, "author")
    _add(author, "name").text = FEED_AUTHOR
    _add(author, "uri").text = site
    etree.indent(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _child(parent, tag):
    return parent.find(f"{{{ATOM}}}{tag}")


def _add(parent, tag, **attributes):
    """A new Atom element at the end of ``parent``, but before its first entry."""
    element = etree.Element(f"{{{ATOM}}}{tag}", attributes)
    first_entry = _child(parent, "entry")
    if first_entry is None:
        parent.append(element)
    else:
        first_entry.addprevious(element)
    return element


@hookimpl
def asgi_wrapper(datasette):
    """Pass each response of the two feeds through finish_feed()."""
    def wrap(app):
        async def feeds_finished(scope, receive, send):
            found = FEED_PATH.search(scope.get("path", "")) if scope["type"] == "http" else None
            if not found:
                return await app(scope, receive, send)
            await app(scope, receive, _finishing(datasette, scope, found["name"], send))
        return feeds_finished
    return wrap


def _finishing(datasette, scope, name, send):
    """An ASGI ``send`` that holds a feed's response until it is whole, then finishes it."""
    start, chunks = {}, []

    async def finishing_send(message):
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            return await send(message)
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        if start["status"] == 200 and body:
            request = Request(scope, None)
            site = site_url(datasette, request)
            base = datasette.urls.path("/")
            path = request.path[len(base):] if request.path.startswith(base) else request.path.lstrip("/")
            own_url = site + path + (f"?{request.query_string}" if request.query_string else "")
            body = finish_feed(body, name, site, own_url, request.args.get("country"))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return finishing_send


# -- Addresses that lead nowhere: a plain 404 -----------------------------------------
#
# Datasette 0.65 answers an address that none of its routes matches ("/a/b/c/d", a
# mistyped screenshot name) by calling its exception handler outside any "except"
# block; with the ``rich`` package installed, that handler asks rich for the traceback
# of an exception that was never raised, rich raises ValueError, and the visitor gets
# "Internal Server Error". Other 404s (raised inside a view) are not affected.

NO_PAGE = "There is no page at this address."


@hookimpl(specname="asgi_wrapper")
def plain_404(datasette):
    """Answer that crash, before anything was sent, with Datasette's own 404 page."""
    def wrap(app):
        async def answered(scope, receive, send):
            started = False

            async def watching(message):
                nonlocal started
                started = True
                await send(message)

            try:
                await app(scope, receive, watching)
            except ValueError as error:
                if started or scope["type"] != "http" or "trace" not in str(error):
                    raise
                await (await not_found_page(datasette, Request(scope, receive))).asgi_send(send)
        return answered
    return wrap


async def not_found_page(datasette, request):
    info = {"ok": False, "error": NO_PAGE, "status": 404, "title": None}
    if request.path.endswith(".json"):
        return Response.json(info, status=404)
    page = await datasette.render_template(["404.html", "error.html"], info)  # no CSRF token yet
    return Response.html(page, status=404)


# -- Pages served from this machine: the demo's replica -----------------------------
#
# `dialogue-watch demo` watches a replica of the partners' pages on 127.0.0.1,
# which stops when the demo ends. The site's links to a page "live" (they are
# rel="nofollow ...") would then lead nowhere, so a link to a loopback address
# says so beside it, on every page. Real government pages are never on loopback.

LOOPBACK_LINKS = ", ".join(f'a[rel~="nofollow"][href^="http://{host}"]::after'
                           for host in ("127.0.0.1:", "localhost:", "[::1]:"))
GONE_REPLICA_NOTE = "(a replica served on this computer only while the demo ran: it is gone now)"
LOOPBACK_CSS = f'{LOOPBACK_LINKS} {{ content: " {GONE_REPLICA_NOTE}"; color: #767676; }}'


@hookimpl
def extra_css_urls():
    return [{"url": "data:text/css," + urllib.parse.quote(LOOPBACK_CSS)}]

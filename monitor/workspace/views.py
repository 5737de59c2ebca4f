"""The workspace's pages. Each handler reads the form, calls the store, renders a template."""

import asyncio
import datetime
import math
import re
import tempfile
import threading
import urllib.parse
from pathlib import Path

from datasette.utils import MultiParams
from datasette.utils.asgi import Forbidden, NotFound, Response

from monitor import config
from monitor.analysis import events
from monitor.archive import export
from monitor.errors import DialogueWatchError, WorkspaceError
from monitor.fetch import crawler
from monitor.store import workspace as rows
from monitor.workspace import matching, passwords, sources_file, tokens
from monitor.workspace.session import in_db, session_cookie, workspace_of

WRONG_LOGIN = ("That name and password do not match an account. Check them and try again; "
               "if you have forgotten your password, ask the person who runs dialogue-watch "
               "to set a new one (dialogue-watch workspace add-user).")


def actor_of(request):
    return request.scope.get("dw_actor")


def require_editor(request):
    actor = actor_of(request)
    if not actor or actor["role"] != "editor":
        raise Forbidden("Only an editor can do this. Ask an editor of your team, or the person "
                        "who runs dialogue-watch to make your account an editor.")
    return actor


async def form_of(request):
    """The posted form, every value of a repeated field kept (checkboxes)."""
    body = (await request.post_body()).decode("utf-8", errors="replace")
    return MultiParams(urllib.parse.parse_qs(body, keep_blank_values=True))


def safe_next(value):
    """Only an address on this site: never another site (``//host``), never a script."""
    value = value or "/"
    return value if value.startswith("/") and not value.startswith(("//", "/\\")) else "/"


async def page(datasette, request, template, **context):
    return Response.html(await datasette.render_template(
        template, {"me": actor_of(request), **context}, request=request))


async def login(datasette, request):
    target = safe_next(request.args.get("next"))
    if request.method != "POST":
        return await page(datasette, request, "workspace_login.html", next=target, error=None)
    form = await request.post_vars()
    target = safe_next(form.get("next"))
    name = (form.get("name") or "").strip()
    address = (request.scope.get("client") or ("unknown",))[0]
    locked = await in_db(datasette, _attempt, name, address)
    if locked:
        response = await page(datasette, request, "workspace_login.html", next=target,
                              error=too_many(locked))
        response.status = 429
        return response
    account = await in_db(datasette, rows.user, name)
    good = account is not None and await asyncio.to_thread(
        passwords.verify_password, form.get("password") or "", account["password_hash"])
    if not good:  # already counted by _attempt
        response = await page(datasette, request, "workspace_login.html", next=target,
                              error=WRONG_LOGIN)
        response.status = 403
        return response
    await in_db(datasette, rows.login_succeeded, account["name"])
    await in_db(datasette, rows.record, account["name"], "logged in")
    response = Response.redirect(datasette.urls.path(target))
    response.set_cookie("ds_actor", session_cookie(datasette, account), httponly=True,
                        samesite="lax")
    return response


# Guessing passwords: after MAX_FAILURES wrong ones for a name, or MAX_ADDRESS_FAILURES from
# one address (many names tried), within FAILURE_WINDOW, that login is refused until the
# oldest of them is older than the window (kept in the database: ``rows.login_locked_until``).
MAX_FAILURES, MAX_ADDRESS_FAILURES, FAILURE_WINDOW = 10, 30, datetime.timedelta(minutes=15)


ATTEMPTS = threading.Lock()  # one login at a time is checked against the limit and counted


def _attempt(db, name, address):
    """When this login may be tried again (it is locked), or None: then the attempt is
    counted as a wrong password before its (slow) check, so guesses sent all at once count
    too; the right password forgets it (``rows.login_succeeded``)."""
    with ATTEMPTS:
        locked = rows.login_locked_until(db, name, address, MAX_FAILURES, MAX_ADDRESS_FAILURES,
                                         FAILURE_WINDOW)
        if locked is None:
            rows.login_failed(db, name, address)
        return locked


def too_many(until):
    """The login page's words for a locked login, with when it may be tried again."""
    minutes = max(1, math.ceil((until - rows.now()).total_seconds() / 60))
    return (f"Too many wrong passwords were tried for this name, or from this computer. "
            f"For your team's safety, logging in is stopped until {until:%H:%M} UTC "
            f"(in about {minutes} minute{'s' if minutes != 1 else ''}). Then try again; if you "
            "have forgotten your password, ask the person who runs dialogue-watch to set a "
            "new one.")


async def logout(datasette, request):
    if request.method == "POST" and actor_of(request):
        await in_db(datasette, rows.record, actor_of(request)["id"], "logged out")
    response = Response.redirect(datasette.urls.path("/-/login"))
    response.set_cookie("ds_actor", "", expires=0, httponly=True, samesite="lax")
    return response


async def home(datasette, request):
    return await page(datasette, request, "workspace_home.html")


async def audit(datasette, request):
    require_editor(request)
    lines = await in_db(datasette, rows.audit_rows)
    return await page(datasette, request, "workspace_audit.html", lines=lines)


ROUTES = [
    (r"^/$", home),
    (r"^/-/login$", login),
    (r"^/-/logout$", logout),
    (r"^/-/audit$", audit),
]


# -- subscriptions -------------------------------------------------------------------

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_WORDS, MAX_WORD = 50, 100


async def subscriptions(datasette, request):
    me = actor_of(request)
    if request.method == "POST":
        form = await form_of(request)
        chosen, problems = read_subscription(form, await in_db(datasette, rows.watched_pages))
        if problems:
            return await _subscriptions_page(datasette, request, problems=problems, form=form,
                                             status=400)
        await in_db(datasette, lambda db: rows.save_subscription(db, me["id"], **chosen))
        datasette.add_message(request, "Subscribed. You will hear of changes stored from now on.")
        return Response.redirect(datasette.urls.path("/-/subscriptions"))
    return await _subscriptions_page(datasette, request)


async def _subscriptions_page(datasette, request, problems=(), form=None, status=200):
    mine = await in_db(datasette, rows.subscriptions, actor_of(request)["id"])
    pages = await in_db(datasette, rows.watched_pages)
    response = await page(datasette, request, "workspace_subscriptions.html", mine=mine,
                          mails=workspace_of(datasette).get("mails"),
                          pages=pages, countries=config.PARTNERS, kinds=matching.KIND_CHOICES,
                          modes=matching.MODES, problems=problems, form=_form_values(form))
    response.status = status
    return response


def _form_values(form):
    if form is None:
        return {"email": "", "words": "", "mode": "instant", "countries": [], "sources": [], "kinds": []}
    return {"email": form.get("email", ""), "words": form.get("words", ""),
            "mode": form.get("mode", "instant"), "countries": _all(form, "countries"),
            "sources": _all(form, "sources"), "kinds": _all(form, "kinds")}


def _all(form, name):
    return form.getlist(name)


def read_subscription(form, pages):
    """(the subscription's fields, []) or (None, [what to fix, in words])."""
    problems = []
    email = (form.get("email") or "").strip()
    if not EMAIL.match(email):
        problems.append("Write the e-mail address the alerts should go to, like name@example.org.")
    mode = form.get("mode") or "instant"
    if mode not in matching.MODES:
        problems.append("Choose how often: at once, daily or weekly.")
    countries = [c for c in _all(form, "countries") if c in config.PARTNERS]
    known = {p["id"] for p in pages}
    sources = [s for s in _all(form, "sources") if s in known]
    kinds = [k for k in _all(form, "kinds") if k in matching.KIND_CHOICES]
    words = list(dict.fromkeys(w.strip() for w in (form.get("words") or "").splitlines() if w.strip()))
    if len(words) > MAX_WORDS or any(len(w) > MAX_WORD for w in words):
        problems.append(f"Write at most {MAX_WORDS} words or phrases, one per line, "
                        f"each shorter than {MAX_WORD} characters.")
    if problems:
        return None, problems
    return {"email": email, "mode": mode, "countries": countries, "sources": sources,
            "kinds": kinds, "words": words}, []


async def subscription_delete(datasette, request):
    if request.method != "POST":
        return Response.redirect(datasette.urls.path("/-/subscriptions"))
    number = int(request.url_vars["id"])
    ended = await in_db(datasette, rows.end_subscription, number, actor_of(request)["id"])
    datasette.add_message(request, "Subscription removed." if ended else
                          "That subscription was not yours, or was already removed.",
                          datasette.INFO if ended else datasette.WARNING)
    return Response.redirect(datasette.urls.path("/-/subscriptions"))


BAD_LINK = ("This unsubscribe link is not valid, or it was already used. If you still receive "
            "e-mails, log in to the workspace and remove the subscription under 'My alerts'.")


async def unsubscribe(datasette, request):
    """The link of every e-mail: GET shows one button (mail scanners open links), POST
    unsubscribes (the button, or the mail program's one-click, RFC 8058)."""
    token = request.args.get("t")
    if request.method == "POST":
        token = (await request.post_vars()).get("t") or token
    secret = await in_db(datasette, rows.secret)
    found = tokens.read(secret, token)
    row = found and await in_db(datasette, rows.subscription, found[0])
    if not row or row["token_nonce"] != found[1]:
        return await _unsubscribe_page(datasette, request, None, BAD_LINK, 400)
    if request.method != "POST":
        return await _unsubscribe_page(datasette, request, row, None, 200, token)
    ended = await in_db(datasette, rows.end_subscription, row["id"], row["user"], found[1])
    if not ended:
        return await _unsubscribe_page(datasette, request, None, BAD_LINK, 400)
    return await _unsubscribe_page(datasette, request, row, None, 200, done=True)


async def _unsubscribe_page(datasette, request, row, error, status, token=None, done=False):
    response = await page(datasette, request, "workspace_unsubscribe.html", row=row,
                          error=error, token=token, done=done)
    response.status = status
    return response


ROUTES += [
    (r"^/-/subscriptions$", subscriptions),
    (r"^/-/subscriptions/(?P<id>[0-9]+)/delete$", subscription_delete),
    (r"^/-/unsubscribe$", unsubscribe),
]


# -- review ------------------------------------------------------------------------

# The events a person reviews: changes of a page's words or dates, and its coming and going.
REVIEW_KINDS = tuple(sorted(events.REVIEWED_KINDS))
ACTIONS = {"reviewed": ("reviewed", True), "unreviewed": ("reviewed", False),
           "important": ("important", True), "unimportant": ("important", False)}
MAX_NOTE = 5000


async def review(datasette, request):
    country = request.args.get("country") or None
    counts = await in_db(datasette, rows.unreviewed_counts, REVIEW_KINDS)
    waiting = await in_db(datasette, lambda db: rows.unreviewed(db, country, REVIEW_KINDS))
    return await page(datasette, request, "workspace_review.html", counts=counts,
                      country=country, waiting=waiting, kinds=events.KINDS)


async def change(datasette, request):
    number = int(request.url_vars["id"])
    found = await in_db(datasette, rows.change, number)
    if found is None:
        raise NotFound(f"There is no change number {number}. Go back to 'Changes to review'.")
    if request.method == "POST":
        return await _act(datasette, request, number)
    captures = await in_db(datasette, rows.citation, number)
    return await page(datasette, request, "workspace_change.html", change=found,
                      meaning=events.KINDS.get(found["kind"], found["kind"]),
                      lines=matching.diff_rows(found["diff"]), captures=captures)


async def evidence(datasette, request):
    """A WACZ of exactly the change's two captures (the one before too), replayable like the
    full export: built on the spot, sent as a download."""
    number = int(request.url_vars["id"])
    captures = await in_db(datasette, rows.citation, number)
    if not captures:
        raise NotFound(f"Change number {number} has no stored capture to cite.")
    wanted = {c["fetch_id"] for c in captures if c}
    source = (await in_db(datasette, rows.change, number))["source_id"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"change-{number}.wacz"
        await in_db(datasette, lambda db: export.export(db, path, [source], wanted))
        data = path.read_bytes()
    await in_db(datasette, rows.record, actor_of(request)["id"], "downloaded the evidence",
                f"change {number}")
    return Response(data, content_type="application/wacz+zip", headers={
        "Content-Disposition": f'attachment; filename="dialogue-watch-change-{number}.wacz"',
        "X-Content-Type-Options": "nosniff"})


async def _act(datasette, request, number):
    form = await form_of(request)
    me, action = actor_of(request)["id"], form.get("action")
    if action in ACTIONS:
        what, on = ACTIONS[action]
        await in_db(datasette, rows.mark, number, me, what, on)
    elif action == "note":
        text = (form.get("text") or "").strip()
        if not text or len(text) > MAX_NOTE:
            datasette.add_message(request, f"Write a note of 1 to {MAX_NOTE} characters.",
                                  datasette.WARNING)
        else:
            await in_db(datasette, rows.add_note, number, me, text, form.get("public") == "on")
    return Response.redirect(datasette.urls.path(f"/-/changes/{number}"))


ROUTES += [
    (r"^/-/review$", review),
    (r"^/-/changes/(?P<id>[0-9]+)$", change),
    (r"^/-/changes/(?P<id>[0-9]+)/evidence\.wacz$", evidence),
]


# -- watched pages (editors change them) ----------------------------------------------

KINDS_OF_PAGE = {"html": "A web page", "pdf": "A PDF document"}


def _sources_path(datasette):
    path = workspace_of(datasette).get("sources")
    if not path or not Path(path).is_file():
        raise NotFound(f"There is no sources.yaml at {path}: pages cannot be changed here. "
                       "Ask whoever runs dialogue-watch to start the workspace with "
                       "dialogue-watch --sources PATH workspace, PATH being the run's sources.yaml.")
    return Path(path)


async def pages(datasette, request):
    return await _pages_page(datasette, request)


async def _pages_page(datasette, request, problem=None, status=200):
    path = _sources_path(datasette)
    listed, file_hash = await asyncio.to_thread(sources_file.sources, path)
    response = await page(datasette, request, "workspace_pages.html", listed=listed,
                          file_hash=file_hash, countries=config.PARTNERS, kinds=KINDS_OF_PAGE,
                          problem=problem)
    response.status = status
    return response


def _new_entry(form, taken):
    """The source the form describes, or raise WorkspaceError with what to fix."""
    url, title = (form.get("url") or "").strip(), (form.get("title") or "").strip()
    country, kind = form.get("country"), form.get("kind") or "html"
    if not url.startswith(("http://", "https://")):
        raise WorkspaceError("Paste the page's full address, starting with https:// or http://.")
    if country not in config.PARTNERS:
        raise WorkspaceError("Choose the country whose government publishes the page.")
    if not title:
        raise WorkspaceError("Give the page a title that says what it is.")
    if kind not in KINDS_OF_PAGE:
        raise WorkspaceError("Choose whether it is a web page or a PDF.")
    return {"id": form.get("id") or sources_file.new_id(title, country, taken), "country": country,
            "title": title, "url": url, "kind": kind}


async def page_preview(datasette, request):
    require_editor(request)
    form = await form_of(request)
    path = _sources_path(datasette)
    listed, _ = await asyncio.to_thread(sources_file.sources, path)
    try:
        entry = _new_entry(form, {s.get("id") for s in listed})
        report = await asyncio.to_thread(preview_reading, path, entry)
    except DialogueWatchError as error:
        return await _pages_page(datasette, request, problem=str(error), status=400)
    return await page(datasette, request, "workspace_preview.html", entry=entry, report=report,
                      file_hash=form.get("file_hash"))


def preview_reading(path, entry):
    """What ``test-source`` reads at the page now, with this file's settings; nothing stored."""
    with tempfile.TemporaryDirectory() as folder:
        alone = Path(folder) / "sources.yaml"
        alone.write_text(sources_file.settings_with(path, entry), encoding="utf-8")
        report = crawler.test_source(config.load(alone), entry["id"])
    if report is None:
        raise WorkspaceError("dialogue-watch could not read the page (the fetch process failed). "
                             "Check the address and try again.")
    return report


async def page_save(datasette, request):
    me = require_editor(request)
    form = await form_of(request)
    path = _sources_path(datasette)
    listed, _ = await asyncio.to_thread(sources_file.sources, path)
    try:
        entry = _new_entry(form, {s.get("id") for s in listed})
        await asyncio.to_thread(sources_file.add, path, form.get("file_hash"), entry)
    except DialogueWatchError as error:
        return await _pages_page(datasette, request, problem=str(error), status=409)
    await in_db(datasette, rows.record, me["id"], "added a page", f"{entry['id']}: {entry['url']}")
    datasette.add_message(request, f"Saved: {entry['title']} is now watched. The running "
                          "dialogue-watch run reads sources.yaml again and checks it soon.")
    return Response.redirect(datasette.urls.path("/-/pages"))


async def page_remove(datasette, request):
    me = require_editor(request)
    form = await form_of(request)
    path = _sources_path(datasette)
    try:
        await asyncio.to_thread(sources_file.remove, path, form.get("file_hash"), form.get("id"))
    except DialogueWatchError as error:
        return await _pages_page(datasette, request, problem=str(error), status=409)
    await in_db(datasette, rows.record, me["id"], "removed a page", form.get("id"))
    datasette.add_message(request, f"Removed {form.get('id')}: it is no longer checked; its "
                          "history stays on the site.")
    return Response.redirect(datasette.urls.path("/-/pages"))


async def page_edit(datasette, request):
    """An editor changes a watched page's title, country, address or notes."""
    me = require_editor(request)
    path = _sources_path(datasette)
    if request.method != "POST":
        listed, file_hash = await asyncio.to_thread(sources_file.sources, path)
        entry = next((s for s in listed if s.get("id") == request.args.get("id")), None)
        if entry is None:
            raise NotFound("sources.yaml has no such page (any more). Go back to Watched pages.")
        return await page(datasette, request, "workspace_page_edit.html", entry=entry,
                          file_hash=file_hash, countries=config.PARTNERS)
    form = await form_of(request)
    fields = {key: (form.get(key) or "").strip() for key in ("title", "country", "url")}
    try:
        if not all(fields.values()):
            raise WorkspaceError("Fill in the title, the country and the address.")
        if len(form.get("notes") or "") > MAX_NOTE:
            raise WorkspaceError(f"Write notes of at most {MAX_NOTE} characters.")
        fields["notes"] = (form.get("notes") or "").strip() or None  # empty: the line goes
        await asyncio.to_thread(sources_file.edit, path, form.get("file_hash"), form.get("id"), fields)
    except DialogueWatchError as error:
        return await _pages_page(datasette, request, problem=str(error), status=409)
    await in_db(datasette, rows.record, me["id"], "changed a page",
                f"{form.get('id')}: " + ", ".join(f"{k} = {v or '(none)'}" for k, v in fields.items()))
    datasette.add_message(request, f"Saved the changes to {fields['title']}.")
    return Response.redirect(datasette.urls.path("/-/pages"))


MAX_PAUSE_NOTE = 200


async def page_pause(datasette, request):
    """An editor pauses a watched page (``paused: true``, with why), or resumes it."""
    me = require_editor(request)
    form = await form_of(request)
    path, source_id = _sources_path(datasette), form.get("id")
    resume = form.get("action") == "resume"
    note = " ".join((form.get("note") or "").split())
    try:
        if len(note) > MAX_PAUSE_NOTE:
            raise WorkspaceError(f"Say why in at most {MAX_PAUSE_NOTE} characters.")
        if resume:
            await asyncio.to_thread(sources_file.resume, path, form.get("file_hash"), source_id)
        else:
            await asyncio.to_thread(sources_file.pause, path, form.get("file_hash"), source_id, note)
    except DialogueWatchError as error:
        return await _pages_page(datasette, request, problem=str(error), status=409)
    await in_db(datasette, rows.record, me["id"], "resumed a page" if resume else "paused a page",
                source_id if resume or not note else f"{source_id}: {note}")
    datasette.add_message(request, f"Resumed {source_id}: it is checked again from its next check."
                          if resume else f"Paused {source_id}: it is not checked until someone "
                          "resumes it; the site shows it as paused.")
    return Response.redirect(datasette.urls.path("/-/pages"))


ROUTES += [
    (r"^/-/pages/pause$", page_pause),
    (r"^/-/pages/edit$", page_edit),
    (r"^/-/pages$", pages),
    (r"^/-/pages/preview$", page_preview),
    (r"^/-/pages/save$", page_save),
    (r"^/-/pages/remove$", page_remove),
]

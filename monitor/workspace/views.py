"""The workspace's pages. Each handler reads the form, calls the store, renders a template."""

import asyncio

from datasette.utils.asgi import Forbidden, Response

from monitor.store import workspace as rows
from monitor.workspace import passwords
from monitor.workspace.plugin import in_db, session_cookie

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
    account = await in_db(datasette, rows.user, (form.get("name") or "").strip())
    good = account is not None and await asyncio.to_thread(
        passwords.verify_password, form.get("password") or "", account["password_hash"])
    if not good:
        response = await page(datasette, request, "workspace_login.html", next=target,
                              error=WRONG_LOGIN)
        response.status = 403
        return response
    await in_db(datasette, rows.record, account["name"], "logged in")
    response = Response.redirect(datasette.urls.path(target))
    response.set_cookie("ds_actor", session_cookie(datasette, account), httponly=True,
                        samesite="lax")
    return response


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

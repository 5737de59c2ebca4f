"""The workspace's Datasette hooks. They act only on the Datasette ``app.make_workspace``
builds (its plugin configuration names ``session.CONFIG``): on the public site, in the same process or not,
every hook here does nothing.

The gate (``asgi_wrapper``) lets nobody past without a valid session, whatever the
address (Datasette's own pages and every other plugin's routes included), except the
login page, the static files and the signed unsubscribe link. A session is Datasette's
signed ``ds_actor`` cookie naming the account and a fingerprint of its password hash:
a removed account, or a new password, ends every session made before.
"""

import urllib.parse

from datasette import hookimpl
from datasette.utils.asgi import Request, Response

from monitor.workspace import views
from monitor.workspace.session import session_actor, workspace_of

OPEN_PATHS = ("/-/login", "/-/static/", "/-/unsubscribe")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        if workspace_of(datasette) is None:
            return app

        async def gate(scope, receive, send):
            if scope["type"] != "http":
                return await app(scope, receive, send)
            request = Request(scope, receive)
            actor = await session_actor(datasette, request)
            path = _local_path(datasette, scope["path"])
            if actor is None and not path.startswith(OPEN_PATHS):
                return await _to_login(datasette, request, send)
            if request.method == "POST" and not request.cookies and not path.startswith("/-/unsubscribe"):
                # asgi-csrf lets a post without any cookie through; here every form is checked
                return await _expired_form(send)
            await app(dict(scope, dw_actor=actor), receive, send)

        return gate

    return wrap


def _local_path(datasette, path):
    base = datasette.setting("base_url").rstrip("/")
    return path[len(base):] if base and path.startswith(base) else path


async def _to_login(datasette, request, send):
    wanted = request.full_path if request.method == "GET" else "/"
    target = datasette.urls.path("/-/login?" + urllib.parse.urlencode({"next": wanted}))
    response = Response.redirect(target)
    response.headers["Cache-Control"] = "private, no-store"
    await response.asgi_send(send)


async def _expired_form(send):
    response = Response.text("This form has expired or did not come from the workspace. "
                             "Reload the page and send it again.", status=403)
    await response.asgi_send(send)


@hookimpl
def actor_from_request(datasette, request):
    if workspace_of(datasette) is not None:
        return request.scope.get("dw_actor")


@hookimpl
def skip_csrf(datasette, scope):
    # RFC 8058's one-click unsubscribe is a POST from the mail program, without our form:
    # its signed token is its protection.
    if workspace_of(datasette) is not None:
        return _local_path(datasette, scope.get("path", "")).startswith("/-/unsubscribe")


@hookimpl
def register_routes(datasette):
    if workspace_of(datasette) is None:
        return []
    return views.ROUTES


@hookimpl
def permission_allowed(datasette, actor, action, resource):
    """In the workspace only: nobody browses or queries the raw database (its pages are
    the workspace's own), and only an editor may change what is watched."""
    if workspace_of(datasette) is None:
        return None
    if action in ("view-database", "view-table", "execute-sql", "view-query", "view-database-download"):
        return False
    if action == "dw-edit-sources":
        return bool(actor) and actor.get("role") == "editor"
    return None

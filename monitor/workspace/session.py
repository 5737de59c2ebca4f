"""The workspace's settings on its Datasette, its database connections, and its sessions."""

import asyncio
import hashlib

from monitor import store
from monitor.store import workspace as rows

CONFIG = "dialogue-watch-workspace"


def workspace_of(datasette):
    """The workspace's settings ({"db", "sources", "public_url"}), or None on any other Datasette."""
    return datasette.plugin_config(CONFIG)


async def in_db(datasette, function, *args):
    """Run ``function(db, *args)`` on a connection of its own, in a thread."""
    def call():
        db = store.open_db(workspace_of(datasette)["db"])
        try:
            return function(db, *args)
        finally:
            db.close()

    return await asyncio.to_thread(call)


def fingerprint(password_hash):
    return hashlib.sha256(password_hash.encode("ascii")).hexdigest()[:16]


def session_cookie(datasette, account):
    return datasette.sign({"a": {"id": account["name"], "fp": fingerprint(account["password_hash"])}},
                          "actor")


async def session_actor(datasette, request):
    """The logged-in account as an actor ({"id", "role"}), or None."""
    try:
        signed = datasette.unsign(request.cookies["ds_actor"], "actor")["a"]
        name, print_ = signed["id"], signed["fp"]
    except Exception:  # no cookie, a forged or foreign one: logged out
        return None
    account = await in_db(datasette, rows.user, name)
    if account is None or fingerprint(account["password_hash"]) != print_:
        return None
    return {"id": account["name"], "role": account["role"]}

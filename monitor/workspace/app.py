"""Builds the workspace's Datasette and serves it."""

import asyncio
from pathlib import Path

from datasette.plugins import pm

from monitor import store
from monitor.store import workspace as rows
from monitor.workspace import mail, plugin, session

TEMPLATES = Path(__file__).with_name("templates")
PLUGIN_NAME = "dialogue_watch_workspace"


def make_workspace(db_path, sources_path=None, base_url="/", public_url="", mails=False):
    """The workspace's Datasette for the database at ``db_path``. It attaches no database:
    every page reads through ``monitor.store``; Datasette gives it the server, templates,
    signed cookies, CSRF and actors."""
    from datasette.app import Datasette

    if not pm.is_registered(plugin):
        pm.register(plugin, name=PLUGIN_NAME)
    db = store.open_db(db_path)  # creates or migrates it
    try:
        secret = rows.secret(db)
    finally:
        db.close()
    settings = {"db": str(db_path), "sources": str(sources_path) if sources_path else None,
                "mails": mails,
                "public_url": public_url.rstrip("/")}
    return Datasette(template_dir=str(TEMPLATES), secret=secret, settings={"base_url": base_url},
                     metadata={"title": "dialogue-watch workspace",
                               "plugins": {session.CONFIG: settings}})


def serve(db_path, sources_path, host, port, base_url="/", public_url="", mail_url="",
          site_url="", mail_every=60):
    """Serve the workspace until interrupted; with ``mail_url``, queue and send the members'
    alerts every ``mail_every`` seconds beside it."""
    import uvicorn

    public_url = public_url or f"http://{host}:{port}{base_url}"
    site = make_workspace(db_path, sources_path, base_url, public_url, mails=bool(mail_url))
    asyncio.run(site.invoke_startup())
    sender = mail.Sender(db_path, mail_url, public_url, site_url, mail_every).start() if mail_url else None
    try:
        uvicorn.run(site.app(), host=host, port=port, log_level="warning")
    finally:
        if sender:
            sender.stop()

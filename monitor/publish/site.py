"""The published site: Datasette on the database, configured by ``db/``.

The pages are canned queries in ``db/metadata.yaml`` rendered by the templates
in ``db/templates``; ``monitor/publish/datasette_plugin.py`` adds the download of a
capture's original bytes and the staleness chart's data. ``make_datasette``
builds the site (the tests use it); ``serve`` runs it.
"""

import asyncio
from pathlib import Path

import click
import yaml

from monitor import files, store

SITE_DIR = files.data_dir()
METADATA = SITE_DIR / "metadata.yaml"
TEMPLATES = SITE_DIR / "templates"
# metadata.yaml and the templates are keyed by this name, whatever the file is called.
DATABASE = "monitor"
SETTINGS = {
    "suggest_facets": False,  # costly on a long history; the useful facets are configured
    "facet_time_limit_ms": 1000,
    "default_page_size": 100,
}


def make_datasette(db_path, base_url="/"):
    """A Datasette serving ``db_path`` read-only as the dialogue-watch site."""
    from datasette.app import Datasette
    from datasette.database import Database

    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    site = Datasette(metadata=metadata, template_dir=str(TEMPLATES),
                     settings={**SETTINGS, "base_url": base_url})
    site.add_database(Database(site, path=str(db_path), is_mutable=True), name=DATABASE)
    return site


def _check_port_free(host, port):
    """A port another program listens on is said in one line, before anything starts."""
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(
                f"Port {port} on {host} is already in use ({error.strerror}): another program, "
                f"perhaps another 'dialogue-watch serve', listens there. Fix: stop it, or choose "
                f"another port: dialogue-watch serve --port {port + 1}") from None


@click.command()
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--base-url", default="/", show_default=True, metavar="PATH",
              help="Path prefix when a reverse proxy serves the site under one, e.g. /watch/.")
def serve(port, host, base_url):
    """Publish the history as a read-only website (Datasette).

    Staleness, recent changes, each page's history and diffs, full-text
    search and Atom feeds, on http://HOST:PORT/.

    Example: dialogue-watch serve --port 8001
    """
    import uvicorn

    db_path = Path(click.get_current_context().obj.db_path)
    if not db_path.exists():
        raise click.ClickException(f"There is no database at {db_path}. Run 'dialogue-watch crawl' "
                                   "(or 'dialogue-watch demo' and pass --db db/demo.db) first.")
    _check_port_free(host, port)
    store.open_db(db_path).close()  # bring the schema up to date: search index, views
    site = make_datasette(db_path, base_url)
    asyncio.run(site.invoke_startup())
    click.echo(f"Serving {db_path} read-only on http://{host}:{port}{base_url} (Ctrl-C stops).",
               err=True)
    uvicorn.run(site.app(), host=host, port=port, log_level="warning")

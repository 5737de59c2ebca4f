"""``dialogue-watch serve``: the published site (``monitor.publish.site``)."""

import asyncio
import socket
from pathlib import Path

import click

from monitor import store
from monitor.cli.base import cli
from monitor.publish import site


@cli.command()
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
    datasette = site.make_datasette(db_path, base_url)
    asyncio.run(datasette.invoke_startup())
    click.echo(f"Serving {db_path} read-only on http://{host}:{port}{base_url} (Ctrl-C stops).",
               err=True)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")


def _check_port_free(host, port):
    """A port another program listens on is said in one line, before anything starts."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise click.ClickException(
                f"Port {port} on {host} is already in use ({error.strerror}): another program, "
                f"perhaps another 'dialogue-watch serve', listens there. Fix: stop it, or choose "
                f"another port: dialogue-watch serve --port {port + 1}") from None

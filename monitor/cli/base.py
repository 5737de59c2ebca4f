"""The ``dialogue-watch`` group, its shared options and helpers, and ``main``.

Every typed error (``monitor.errors``) becomes a plain message in ``main``, with
the exit status the error carries (``errors.EXIT_CODES``: 1 to 4); nothing else
prints errors.
"""

import sys
import unicodedata
from pathlib import Path

import click

from monitor import config as config_module
from monitor import shards, store
from monitor.errors import DialogueWatchError, NotFoundError
from monitor.notify import alerts


class Context:
    def __init__(self, sources, db, shard=None):
        self.sources_path = sources
        self.db_path = db
        self.shard = shard  # (K, N): only this node's share of sources.yaml (monitor.shards)

    def config(self):
        return shards.select(config_module.load(self.sources_path), self.shard)

    def db(self, read_only=False):
        """The database; for a command that only reads (``read_only``), never one made
        here: a path with no database is said, with the fix."""
        if read_only and not Path(self.db_path).exists():
            raise NotFoundError(f"There is no database at {self.db_path} yet. Fix: run "
                                "'dialogue-watch crawl' first, or pass --db with the path of yours.")
        return store.open_db(self.db_path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--sources", default="sources.yaml", show_default=True, metavar="PATH",
              help="The list of watched pages.")
@click.option("--db", default="db/monitor.db", show_default=True, metavar="PATH",
              help="The SQLite database holding every capture, diff and event.")
@click.option("--shard", metavar="K/N", callback=lambda ctx, param, value: _shard(value),
              help="Only the pages of shard K of N (split by site; one database per node).")
@click.version_option(package_name="dialogue-watch")
@click.pass_context
def cli(ctx, sources, db, shard):
    """Watch governments' official pages about their human-rights dialogues
    with China: keep every version, flag every change to the text or to the
    page's "last updated" line, and show how stale each disclosure is.

    Example: dialogue-watch crawl; dialogue-watch stale
    """
    ctx.obj = Context(sources, db, shard)


def _shard(value):
    try:
        return shards.parse(value) if value else None
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


# -- alerts.yaml, for the commands that queue or send alerts -----------------

def alerts_option(help="Subscribers and their channels (see alerts.example.yaml)."):
    """The one ``--alerts PATH`` option; each command says what it reads it for."""
    return click.option("--alerts", "alerts_path", default="alerts.yaml", show_default=True,
                        metavar="PATH", help=help)


def load_settings(obj, alerts_path, required=True):
    """alerts.yaml checked against sources.yaml; without the default file, no alerts."""
    if not required and alerts_path == "alerts.yaml" and not Path(alerts_path).exists():
        return alerts.NO_ALERTS
    return alerts.load(alerts_path, obj.config())


# -- tables -------------------------------------------------------------------


def table(headers, rows, limit=48, rule=True, long_last=False):
    """Columns padded to their widest cell, as a terminal shows them (CJK characters take
    two columns); cells cut at ``limit`` characters, except the last column's when
    ``long_last``; a rule of dashes under the headers unless ``rule`` is False."""
    rows = [[str(c)[:limit] for c in row[:-1]] + [str(row[-1]) if long_last else str(row[-1])[:limit]]
            for row in rows]
    widths = [max(_width(str(x)) for x in column) for column in zip(headers, *rows)]
    lines = [_row(headers, widths)] + (["  ".join("-" * w for w in widths)] if rule else [])
    lines += [_row(row, widths) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def _row(cells, widths):
    return "  ".join(c + " " * (w - _width(c)) for c, w in zip(cells, widths))


def _width(text):
    """Columns a string takes in a terminal (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_table(headers, rows):
    """A table without a rule, whose last column (an error, a reason) is never cut."""
    return table(headers, rows, rule=False, long_last=True)


def main(argv=None):
    try:
        cli.main(args=argv, prog_name="dialogue-watch", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Stopped.", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except DialogueWatchError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(error.exit_code)

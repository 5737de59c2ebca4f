"""The ``dialogue-watch`` group, its shared options and helpers, and ``main``.

Every typed error (``monitor.errors``) becomes a plain message in ``main``, with
the exit status the error carries (``errors.EXIT_CODES``: 1 to 4); nothing else
prints errors.
"""

import importlib
import sys
import unicodedata
from pathlib import Path

import click

from monitor import shards
from monitor.errors import DialogueWatchError, NotFoundError

# Every command's module, and the first paragraph of its help (what ``--help`` shows),
# so that ``dialogue-watch <command>`` imports only that command's module and
# ``dialogue-watch --help`` none (issue 27: Scrapy, the analysis and Datasette took
# a second to import before any command ran). tests/test_cli_lazy.py checks this
# table against the commands themselves.
COMMANDS = {
    "alerts": ("alerts", "Alerts to subscribers: check, test, list and deliver them."),
    "archive-changes": ("archive", "Send the changes waiting for Save Page Now to the archive, then exit."),
    "backfill": ("archive", "Import the Internet Archive's copies of the pages (all, or the ids given)."),
    "crawl": ("crawl", "Fetch the pages now (all, or the ids given), store and report."),
    "demo": ("database", "Run dialogue-watch offline on a local replica of the partners' pages."),
    "diff": ("pages", "A readable diff between two stored versions of a page."),
    "discover": ("discover", "The news feeds, sitemaps and listings sources.yaml's discover: reads at "
                 "each crawl of all sources, with what the last read found and how many pages each gave."),
    "export": ("archive", "Write every stored capture (all pages, or the ids given) as WARC records."),
    "history": ("pages", "The events of one page, oldest first."),
    "merge": ("database", "Combine the nodes' databases into OUT.db (or the database given with the "
              "global --db: 'dialogue-watch --db site.db merge node1.db node2.db'), for the site and "
              "the feeds; it says which file it wrote."),
    "reanalyse": ("crawl", "Read every stored capture again with today's rules (all pages, or the ids given)."),
    "run": ("run", "Check pages on schedule and deliver alerts, until stopped."),
    "serve": ("site", "Publish the history as a read-only website (Datasette)."),
    "sources": ("sources", "Work with sources.yaml."),
    "stale": ("pages", "How stale each page's \"last updated\" claim is, most stale first."),
    "status": ("run", "Each page's last check, next check, state and last error; when the last check "
               "really happened, and a warning when pages are overdue. Only reads."),
    "test-source": ("crawl", "Fetch and analyse one page without storing anything."),
    "workspace": ("workspace", "Serve the team's private workspace: subscribe, review, annotate."),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when called: ``COMMANDS`` names each one's
    module; ``--help`` lists them from that table."""

    def list_commands(self, ctx):
        return sorted(set(self.commands) | set(COMMANDS))

    def get_command(self, ctx, name):
        if name not in self.commands and name in COMMANDS:
            importlib.import_module(f"monitor.cli.{COMMANDS[name][0]}")
        return self.commands.get(name)

    def format_commands(self, ctx, formatter):
        rows = [(name, self.commands[name] if name in self.commands else click.Command(name, help=COMMANDS[name][1]))
                for name in self.list_commands(ctx)]
        rows = [(name, command) for name, command in rows if not command.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, command.get_short_help_str(limit)) for name, command in rows])


class Context:
    def __init__(self, sources, db, shard=None):
        self.sources_path = sources
        self.db_path = db
        self.shard = shard  # (K, N): only this node's share of sources.yaml (monitor.shards)

    def config(self):
        from monitor import config as config_module

        return shards.select(config_module.load(self.sources_path), self.shard)

    def db(self, read_only=False):
        """The database; for a command that only reads (``read_only``), never one made
        here: a path with no database is said, with the fix."""
        if read_only and not Path(self.db_path).exists():
            raise NotFoundError(f"There is no database at {self.db_path} yet. Fix: run "
                                "'dialogue-watch crawl' first, or pass --db with the path of yours.")
        from monitor import store

        return store.open_db(self.db_path)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    from monitor.notify import alerts

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

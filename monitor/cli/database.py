"""``dialogue-watch demo`` and ``merge``: making and combining databases."""

import click

from monitor import store
from monitor.cli.base import cli


@cli.command()
@click.option("--db", "demo_db", default=None, metavar="PATH",
              help="Where the demo database goes (default db/demo.db, kept apart from your "
                   "real one); 'dialogue-watch --db PATH demo' says the same.")
@click.option("--rounds", default=None, type=int, help="Stop after this many rounds.")
@click.option("--alerts", "with_alerts", is_flag=True,
              help="Deliver the alerts a subscriber would get to a mailbox file beside the "
                   "database, through a mail server the demo runs on this computer.")
@click.pass_context
def demo(ctx, demo_db, rounds, with_alerts):
    """Run dialogue-watch offline on a local replica of the partners' pages.

    Serves replica pages on 127.0.0.1 and crawls them in rounds dated over two
    years (a pretend clock: it takes a minute), in which they change (a date
    bumped, a silent edit, a page removed and restored, a PDF updated, a site
    failing, dates growing old), and leaves a database with every kind of event.

    Example: dialogue-watch demo --alerts
    """
    from monitor import demo as demo_module

    demo_module.run(_demo_path(ctx, demo_db), rounds=rounds, echo=click.echo, alerts=with_alerts)


def _demo_path(ctx, demo_db):
    """The demo's database: its own --db, or the global --db when that was given."""
    parent = ctx.parent
    given = parent.get_parameter_source("db") == click.core.ParameterSource.COMMANDLINE
    if given and demo_db and demo_db != parent.params["db"]:
        raise click.UsageError(f"two databases given ({parent.params['db']} and {demo_db}). "
                               "Fix: give --db once.")
    return demo_db or (parent.params["db"] if given else "db/demo.db")


@cli.command()
@click.argument("out", metavar="OUT.db", type=click.Path(dir_okay=False))
@click.argument("nodes", nargs=-1, required=True, metavar="NODE.db...",
                type=click.Path(exists=True, dir_okay=False))
def merge(out, nodes):
    """Combine the nodes' databases into OUT.db, for the site and the feeds.

    Each capture, event and diff is added once: merging a node again adds only
    what it stored since. Merge copies of the nodes' databases, made while no
    crawl runs there (e.g. with sqlite3's .backup). Every copy is checked first
    (SQLite's integrity check, each capture against its SHA-256): a damaged
    one is refused, naming the capture, and nothing is merged.

    Example: dialogue-watch merge site.db node1.db node2.db
    """
    from monitor.fetch import locks
    from monitor.store import merge as merging

    with locks.database_lock(out, "merge"):
        checked = [merging.check_node(node) for node in nodes]  # every copy sound, before any write
        db = store.open_db(out)
        for node in checked:
            added, updated = merging.merge(db, node)
            words = ", ".join(f"{count} {table}" for table, count in added.items()) or "nothing new"
            changed = f"; brought {sum(updated.values())} row(s) up to date" if updated else ""
            click.echo(f"{node.path}: added {words}{changed}.")

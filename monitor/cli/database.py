"""``dialogue-watch demo`` and ``merge``: making and combining databases."""

from pathlib import Path

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
@click.argument("paths", nargs=-1, required=True, metavar="[OUT.db] NODE.db...",
                type=click.Path(dir_okay=False))
@click.pass_context
def merge(ctx, paths):
    """Combine the nodes' databases into OUT.db (or the database given with the
    global --db: 'dialogue-watch --db site.db merge node1.db node2.db'), for the
    site and the feeds; it says which file it wrote.

    Each capture, event and diff is added once: merging a node again adds only
    what it stored since. Merge copies of the nodes' databases, made while no
    crawl runs there (e.g. with sqlite3's .backup). Every copy is checked first
    (SQLite's integrity check, each capture against its SHA-256): a damaged
    one is refused, naming the capture, and nothing is merged.

    Example: dialogue-watch merge site.db node1.db node2.db
    """
    from monitor.fetch import locks
    from monitor.store import merge as merging

    out, nodes = _merge_paths(ctx, paths)
    with locks.database_lock(out, "merge"):
        checked = [merging.check_node(node) for node in nodes]  # every copy sound, before any write
        db = store.open_db(out)
        for node in checked:
            added, updated = merging.merge(db, node)
            words = ", ".join(f"{count} {table}" for table, count in added.items()) or "nothing new"
            changed = f"; brought {sum(updated.values())} row(s) up to date" if updated else ""
            click.echo(f"{node.path}: added {words}{changed}.")
    click.echo(f"Merged {len(checked)} node database(s) into {out}.")


def _merge_paths(ctx, paths):
    """(OUT, NODES): with the global --db given, it is OUT and every path a node;
    otherwise the first path is OUT. A node that is OUT, or missing, is refused."""
    parent = ctx.parent
    if parent.get_parameter_source("db") == click.core.ParameterSource.COMMANDLINE:
        out, nodes = parent.params["db"], list(paths)
    elif len(paths) < 2:
        raise click.UsageError("merge needs the database to write and at least one node's. Fix: "
                               "dialogue-watch merge site.db node1.db node2.db (or --db site.db "
                               "merge node1.db node2.db).")
    else:
        out, nodes = paths[0], list(paths[1:])
    same = [n for n in nodes if Path(n).resolve() == Path(out).resolve()]
    if same:
        raise click.UsageError(f"{same[0]} is the database merge writes into, not a node's. Fix: "
                               "give the merged database a path of its own.")
    missing = [n for n in nodes if not Path(n).is_file()]
    if missing:
        raise click.UsageError(f"there is no node database at {missing[0]}. Fix: check the path.")
    return out, nodes

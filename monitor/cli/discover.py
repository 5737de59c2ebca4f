"""``dialogue-watch discover``: the discovery sources and what their last read found."""

import json

import click

from monitor.cli.base import cli, table
from monitor.store import discovery as store_discovery


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_obj
def discover(obj, as_json):
    """The news feeds, sitemaps and listings sources.yaml's discover: reads at each crawl
    of all sources, with what the last read found and how many pages each gave.

    Example: dialogue-watch discover
    """
    config = obj.config()
    checks = store_discovery.last_checks(obj.db(read_only=True))
    rows = [_row(each, checks.get(each.id)) for each in config.discover]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"{config.path} has no discover: entries. See docs/discovery.md to add one.")
        return
    click.echo(table(["country", "id", "type", "last read", "items", "new", "watched", "problem"],
                     [[r["country"], r["id"], r["type"], r["last_read"] or "not read yet",
                       r["items"], r["new"], r["watched"], r["problem"] or ""] for r in rows], 60))


def _row(discovery, check):
    check = check or {}
    return {"id": discovery.id, "country": discovery.country, "type": discovery.type,
            "url": discovery.url, "last_read": check.get("at"), "items": check.get("items", ""),
            "new": check.get("fresh", ""), "watched": check.get("watched", 0),
            "problem": check.get("error") or check.get("note")}

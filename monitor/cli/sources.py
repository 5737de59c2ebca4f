"""``dialogue-watch sources check``."""

import collections

import click

from monitor.cli.base import cli


@cli.group()
def sources():
    """Work with sources.yaml."""


@sources.command("check")
@click.pass_obj
def sources_check(obj):
    """Validate sources.yaml; exit 3 listing every problem (file, line, fix).

    Example: dialogue-watch sources check
    """
    config = obj.config()
    countries = collections.Counter(s.country for s in config.sources)
    click.echo(f"{config.path}: {len(config.sources)} sources for {len(countries)} countries, all valid.")
    for country, count in sorted(countries.items()):
        ids = ", ".join(s.id for s in config.sources if s.country == country)
        click.echo(f"  {country} ({count}): {ids}")

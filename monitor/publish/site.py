"""The published site: Datasette on the database, configured by ``db/``.

The pages are canned queries in ``db/metadata.yaml`` rendered by the templates
in ``db/templates``; ``monitor/publish/datasette_plugin.py`` adds the download of a
capture's original bytes and the staleness chart's data. ``make_datasette``
builds the site (the tests use it); ``dialogue-watch serve`` (``monitor.cli.site``)
runs it.
"""

import yaml

from monitor import files

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

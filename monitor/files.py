"""Where dialogue-watch's own data files are: db/ in a checkout, the package
``monitor.site_data`` once installed (pyproject.toml maps one to the other), so
a normal install finds them without the source tree."""

import os
from importlib import resources
from pathlib import Path


def data_dir():
    """The folder holding metadata.yaml, templates/ and report_2003.csv."""
    return Path(str(resources.files("monitor.site_data")))


def read_text(name):
    """The text of the data file ``name``, wherever the package is: a folder, a wheel,
    or the zipped egg a Scrapyd node runs (where ``data_dir()`` is no real folder)."""
    return resources.files("monitor.site_data").joinpath(name).read_text(encoding="utf-8")


def resolved(path):
    """A file's real path (symlinks resolved): the database's lock and setup lock are named
    after it, so two names for one database share them."""
    return Path(os.path.realpath(path))

"""The ``dialogue-watch`` command: a thin click layer over the library.

Click lives only in this package; every command is a few lines calling the
library. ``base`` holds the group (``cli``), the shared options and table
printers, and ``main``, which turns every typed error (``monitor.errors``) into
a plain message and the exit status it carries (1 to 4).

One file per area, each declaring its commands with ``@cli.command()`` (or
``@cli.group()``) from ``monitor.cli.base``:

- ``sources``: ``sources check``;
- ``crawl``: ``crawl``, ``test-source``, ``reanalyse``;
- ``pages``: ``stale``, ``history``, ``diff``;
- ``run``: ``run``, ``status`` (``monitor.scheduler``);
- ``alerts``: ``alerts check | test | pending | deliver`` (``monitor.notify``);
- ``site``: ``serve`` (``monitor.publish``);
- ``archive``: ``backfill``, ``archive-changes``, ``export`` (``monitor.archive``);
- ``database``: ``demo``, ``merge``;
- ``discover``: ``discover`` (``monitor.store.discovery``);
- ``workspace``: ``workspace``, ``workspace add-user | remove-user | users`` (``monitor.workspace``).

To add a command: write ``monitor/cli/<area>.py`` declaring it on ``cli``, and
register the file with ONE line below, ``from monitor.cli import <area>  # noqa: F401``.
(The help lists commands by name, whatever the order of these lines.)
"""

from monitor.cli.base import Context, cli, main

# -- one line per command file (importing it registers its commands) ---------
from monitor.cli import sources  # noqa: F401, E402
from monitor.cli import crawl  # noqa: F401, E402
from monitor.cli import pages  # noqa: F401, E402
from monitor.cli import run  # noqa: F401, E402
from monitor.cli import alerts  # noqa: F401, E402
from monitor.cli import site  # noqa: F401, E402
from monitor.cli import archive  # noqa: F401, E402
from monitor.cli import database  # noqa: F401, E402
from monitor.cli import workspace  # noqa: F401, E402
from monitor.cli import discover  # noqa: F401, E402

__all__ = ["Context", "cli", "main"]

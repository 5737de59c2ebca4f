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
give it ONE line in ``monitor.cli.base.COMMANDS``: its name, its file, the first
paragraph of its help. A command's file is imported only when that command runs
(``--help`` reads the table), so a command's heavy imports cost only its own
users (tests/test_cli_lazy.py checks the table against the commands).
"""

from monitor.cli.base import Context, cli, main

__all__ = ["Context", "cli", "main"]

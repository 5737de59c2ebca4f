"""Imported first, and only, by the crawl fork server (``monitor.fetch.forking``).

The fork server is the parent of every crawl process, and stays up between
crawls. Importing this module is how it asks to die at once with the command
that started it (``monitor.fetch.processes``), even while it is still importing the
crawl code: its crawl processes then die with it.
"""

import os

from monitor.fetch import processes
from monitor.fetch.forking import OWNER_VARIABLE

if OWNER_VARIABLE in os.environ:  # set by monitor.fetch.forking before it starts the server
    processes.die_with_parent(int(os.environ[OWNER_VARIABLE]))

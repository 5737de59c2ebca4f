"""Where dialogue-watch's own log lines go when a command runs for a while (``run``,
``alerts deliver``): stderr, in plain words."""

import logging


def log_to_stderr():
    """Our plain-words log lines on stderr (Scrapy keeps its own, at WARNING, in the child;
    Apprise's are folded into ours)."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    ours = logging.getLogger("monitor")
    ours.addHandler(handler)
    ours.setLevel(logging.INFO)
    ours.propagate = False
    logging.getLogger("apprise").propagate = False

"""The project's typed errors. ``cli.main`` turns every one of them into a
plain-words message and its exit status; nothing else prints them."""


class DialogueWatchError(Exception):
    """Base class: ``str(error)`` is a message a campaigner can act on."""

    exit_code = 1


class ConfigError(DialogueWatchError):
    """sources.yaml (or another config file) has one or more problems."""

    exit_code = 3

    def __init__(self, path, problems):
        self.path = str(path)
        self.problems = list(problems)
        super().__init__(self.describe())

    def describe(self):
        lines = [f"{self.path}:{line}: {message}" for line, message in self.problems]
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        return "\n".join(lines + [f"{count} {noun} in {self.path}; nothing was crawled or changed."])


class UnknownSourceError(DialogueWatchError):
    """A command named a source id that sources.yaml does not have."""

    exit_code = 3


class StoreError(DialogueWatchError):
    """The database cannot be opened or written (read-only, disk full, corrupt,
    newer than this program)."""

    exit_code = 2


class DamagedError(StoreError):
    """A database file fails SQLite's own check, or a stored capture no longer reads back
    as its SHA-256 (``monitor.store.verify``): evidence that moves (merge, export,
    backfill) is refused, never copied on."""


class ExportError(DialogueWatchError):
    """The export file could not be written (a folder missing, the disk full); the
    partial file is removed."""


class BusyError(DialogueWatchError):
    """Another dialogue-watch command holds the database's lock (``monitor.fetch.locks``)."""

    exit_code = 4


class NotFoundError(DialogueWatchError):
    """Something asked for (a version, a source's history) is not in the database."""


class ArchiveError(DialogueWatchError):
    """The Internet Archive (``settings.archive_url``) could not be read: unreachable,
    refusing (429 again and again), or answering something else than its APIs."""


class ListingError(ArchiveError):
    """The archive's list of one page's copies could not be read (not a CDX listing, the
    site excluded): that page is left, the backfill goes on with the others."""


# The exit statuses of `crawl` and `run --once` (the README's table is generated from this).
EXIT_CODES = {
    0: "every page was checked (changed, unchanged or gone)",
    1: "some pages could not be fetched (each is listed, with why)",
    2: "no page could be fetched, or the database could not be written: the crawl stopped",
    3: "sources.yaml or alerts.yaml has a problem (file, line and fix are printed)",
    4: "another dialogue-watch command is working on the database; nothing was done",
}


class CrawlError(DialogueWatchError):
    """The crawl process stopped before the end (it crashed, was killed, or could not
    store a fetch). ``results`` holds what it had stored by then."""

    exit_code = 2

    def __init__(self, message, crawl_id=None, results=()):
        super().__init__(message)
        self.crawl_id = crawl_id
        self.results = list(results)


class WorkspaceError(DialogueWatchError):
    """An account, subscription or form of the workspace (``monitor.workspace``) cannot be
    used as given; the message says what to change."""

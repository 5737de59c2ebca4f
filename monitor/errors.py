"""The project's typed errors. ``cli.main`` turns every one of them into a
plain-words message; nothing else prints them."""


class DialogueWatchError(Exception):
    """Base class: ``str(error)`` is a message a campaigner can act on."""


class ConfigError(DialogueWatchError):
    """sources.yaml (or another config file) has one or more problems."""

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


class StoreError(DialogueWatchError):
    """The database cannot be opened or written (read-only, disk full, corrupt)."""


class NotFoundError(DialogueWatchError):
    """Something asked for (a version, a source's history) is not in the database."""

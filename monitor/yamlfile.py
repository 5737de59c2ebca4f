"""Settings files (sources.yaml, alerts.yaml) read as YAML whose mappings remember the
line of every key, so every problem names its file and line.

A file is refused, with one ``ConfigError`` saying why and what to do, when it is too
big, not UTF-8, not valid YAML, or built with aliases to fill the memory. Nothing here
knows what the keys mean (``monitor.config`` and ``monitor.notify.alerts`` do).
"""

import difflib

import yaml

from monitor.errors import ConfigError

# A settings file is refused past this size before it is read: 20,000 sources
# take 8 to 9 MB, so only a wrong or damaged file comes near it.
MAX_CONFIG_BYTES = 50 * 2**20
# YAML aliases (*name repeats the value marked &name) allowed in one file, and how
# many values they may repeat in all: nested aliases otherwise let a file of a few
# hundred bytes stand for billions of values and fill the memory.
MAX_YAML_ALIASES = 100
MAX_YAML_ALIAS_VALUES = 10_000


class LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader whose mappings remember the line of every key (libyaml's
    parser when PyYAML has it: 20,000 sources load in a fraction of the time)."""


def _construct_mapping(loader, node):
    merged = _flatten_merges(loader, node)
    mapping = Located()
    mapping.line = node.start_mark.line + 1
    own = set()
    for index, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if index >= merged and key in own:
            mapping.dupes.append((key, line))
        else:
            mapping.lines[key] = line  # a key of its own wins over a merged one
            if index >= merged:
                own.add(key)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def _flatten_merges(loader, node):
    """Expand ``<<: *defaults`` merge keys in place and return how many of the pairs
    now in ``node`` came from them: they come first, and the mapping's own keys
    override them (that is the point of a merge, not a key written twice)."""
    merge_tag = "tag:yaml.org,2002:merge"
    own = sum(1 for key_node, _ in node.value if key_node.tag != merge_tag)
    loader.flatten_mapping(node)
    return len(node.value) - own


class Located(dict):
    def __init__(self):
        super().__init__()
        self.line = 0
        self.lines = {}
        self.dupes = []

    def line_of(self, key):
        return self.lines.get(key, self.line)


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(path, text):
    """The document in ``text``, its mappings remembering their lines. Aliases are
    checked first (``_check_aliases``), so a file built to exhaust the memory is
    refused before any Python object is made; invalid YAML is one ConfigError."""
    try:
        _check_aliases(path, text)
        return yaml.load(text, Loader=LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(
            path,
            [(line, f"this is not valid YAML ({problem}). Fix: check the indentation "
                    "and quoting on this line and the one above it.")],
        ) from None


def _check_aliases(path, text):
    """Refuse aliases past MAX_YAML_ALIASES or MAX_YAML_ALIAS_VALUES, naming the line
    of the first alias over the budget. A 550-byte file of nested aliases ("billion
    laughs") stands for billions of values: reading one as a title ran for a minute
    and ran out of memory. Only libyaml's parser events are read, no objects are
    built; a file where no '*' can start an alias skips even that."""
    if not may_have_alias(text):
        return
    budget = _AliasBudget()
    for event in yaml.parse(text, Loader=LineLoader):
        problem = budget.see(event)
        if problem:
            raise ConfigError(path, [(event.start_mark.line + 1, f"{problem} Fix: write the "
                                      "values out in full instead of using & anchors and * aliases.")])


def may_have_alias(text):
    """False only when no '*' in ``text`` can start an alias. In valid YAML an alias
    is '*' and a name of letters, digits, '-' or '_', at the start of the file or
    after a space, a line break or one of  [ { , : ? -  so the stars of a regex such
    as /Stand: (.*)/ or of a cron line such as '0 6 * * 1' need no scan (a '*name'
    anywhere else is a syntax error, refused before anything is built)."""
    index = text.find("*")
    while index != -1:
        before = text[index - 1] if index else " "
        after = text[index + 1:index + 2]
        if (before.isspace() or before in "[{,:?-\ufeff") and (after.isalnum() or after in ("-", "_")):
            return True
        index = text.find("*", index + 1)
    return False


class _AliasBudget:
    """What the aliases of one file would repeat, followed event by event: the size
    of each anchored value (its values, aliases inside it expanded) is known when it
    closes, and every alias to it adds that size again."""

    def __init__(self):
        self.sizes = {}  # anchor name -> number of values it stands for
        self.open = []  # [anchor, values so far] for each collection being read
        self.aliases = 0
        self.repeated = 0

    def see(self, event):
        """None while within the budget, else what is wrong at ``event``."""
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self._close(event.anchor, 1)
        elif kind is yaml.AliasEvent:
            return self._alias(event.anchor)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self.open.append([event.anchor, 1])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self._close(*self.open.pop())
        return None

    def _close(self, anchor, size):
        if anchor is not None:
            self.sizes[anchor] = size
        if self.open:
            self.open[-1][1] += size

    def _alias(self, anchor):
        self.aliases += 1
        size = self.sizes.get(anchor, 1)  # an anchor still open (a value inside itself) adds 1
        self.repeated += size
        what = f"*{anchor} repeats the value marked &{anchor}"
        if self.aliases > MAX_YAML_ALIASES:
            return (f"{what}; it is alias number {self.aliases} in this file, and at most "
                    f"{MAX_YAML_ALIASES} are allowed.")
        if self.repeated > MAX_YAML_ALIAS_VALUES:
            return (f"{what}; with the aliases before it that makes {self.repeated:,} repeated "
                    f"values, and at most {MAX_YAML_ALIAS_VALUES:,} are allowed (more is how "
                    "a small file is made to fill the memory).")
        self._close(None, size)
        return None


def read_config_text(path):
    """The text of a settings file (sources.yaml, alerts.yaml). One ConfigError when
    it is over MAX_CONFIG_BYTES, checked before reading so a huge file costs nothing,
    or not UTF-8. FileNotFoundError is left to the caller: the fix differs per file."""
    check_size(path, path.stat().st_size)
    with path.open("rb") as file:
        data = file.read(MAX_CONFIG_BYTES + 1)  # a pipe or a device has no size to check
    check_size(path, len(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, [(0, "file is not UTF-8 text. Fix: save it as UTF-8.")]) from None


def check_size(path, size):
    """Refuse a file over MAX_CONFIG_BYTES, saying how big it is and what to do."""
    if size <= MAX_CONFIG_BYTES:
        return
    megabytes = size / 2**20
    limit = MAX_CONFIG_BYTES / 2**20
    raise ConfigError(path, [(0, f"this file is {megabytes:,.1f} MB, over the {limit:g} MB "
                                 "limit for a settings file (20,000 sources take about 9 MB), "
                                 "so it was not read. Fix: check that this is the right file; "
                                 "if it is, remove what is not settings or sources, such as "
                                 "pasted web pages or logs.")])


def check_keys(mapping, allowed, where, problems):
    for key, line in getattr(mapping, "dupes", []):
        problems.append((line, f"{where}: key '{key}' appears twice. Fix: keep one of them."))
    for key in mapping:
        if key in allowed:
            continue
        hint = difflib.get_close_matches(str(key), allowed, n=1)
        fix = f"did you mean '{hint[0]}'?" if hint else "remove it"
        problems.append((mapping.line_of(key), f"{where}: unknown key '{key}'. Fix: {fix} "
                                              f"(allowed: {', '.join(sorted(allowed))})."))

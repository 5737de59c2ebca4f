"""The site search's two steps run on a database connection, for tests of what writes
the index (crawls, migrations, merges): the versions whose changed lines hold words."""

from monitor.analysis import search_lines
from monitor.publish import datasette_plugin


def versions_holding(conn, words, columns=("added", "removed")):
    """Ids of the versions whose added or removed lines (``columns``) hold ``words``:
    the candidates of the index of pieces (``version_lines``), each one's lines checked."""
    candidates = conn.execute("SELECT rowid FROM version_lines WHERE version_lines MATCH ? ORDER BY rowid",
                              [search_lines.query(words)]).fetchall()
    return [version_id for (version_id,) in candidates
            if any(datasette_plugin.lines_hold(conn, version_id, column, words) for column in columns)]

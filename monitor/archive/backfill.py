"""``dialogue-watch backfill``: import the Internet Archive's copies of each page.

For each source: list the captures of its ``url`` and ``cited_as`` (``cdx``), decide
which to read (``cdx.plan``), fetch each raw copy (``memento``), read it with the
same analysis as a live check (``monitor.analysis.analyze``) and store it
(``monitor.store.archive.record_capture``: versions, diffs and events, oldest first,
never alerted). Every capture looked at is remembered: run it again and it goes on
where it stopped.

A page whose listing cannot be read, or whose stored captures (which the new ones are
stored against) no longer match their SHA-256, is left with the reason in its
``Result``; the other pages go on, and the command exits 1 (``exit_code``).
"""

import collections
import dataclasses
import time

import wayback

from monitor.analysis import analyze, rules
from monitor.archive import cdx, memento
from monitor import store
from monitor.errors import DamagedError, ListingError
from monitor.fetch import analysis_pool
from monitor.store import archive as archive_store
from monitor.store import verify


@dataclasses.dataclass
class Result:
    source_id: str
    listed: int = 0
    imported: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    skipped: collections.Counter = dataclasses.field(default_factory=collections.Counter)
    problem: str | None = None  # why this page was not backfilled (the others were)

    def words(self):
        if self.problem:
            return f"{self.source_id}: not backfilled: {self.problem}"
        kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.imported.items()))
        parts = [f"{self.source_id}: {self.listed} archive capture(s) listed",
                 f"{sum(self.imported.values())} read" + (f" ({kinds})" if kinds else "")]
        parts += [f"{n} skipped: {why}" for why, n in sorted(self.skipped.items())]
        return "; ".join(parts)


def backfill(db, config, sources, start=None, end=None, progress=None, sleep=time.sleep):
    """Import the archive's copies of ``sources``; return one ``Result`` per source.
    ``start`` / ``end``: ``YYYYMMDD`` bounds of the captures to list."""
    settings = config.settings
    store.sync_sources(db, config.sources)
    session = cdx.session(settings)
    client = wayback.WaybackClient(session)
    try:
        return [_page(db, settings, client, session, source, start, end, progress, sleep)
                for source in sources]
    finally:
        client.close()


def exit_code(results):
    """1 when some page could not be backfilled (each says why), else 0."""
    return 1 if any(result.problem for result in results) else 0


def _page(db, settings, client, session, source, *args):
    """One page's backfill; a problem of this page only (its listing unreadable, its
    stored captures damaged) is its ``Result.problem``, and the backfill goes on."""
    try:
        _check_captures(db, source.id)
        return _source(db, settings, client, session, source, *args)
    except (ListingError, DamagedError) as error:
        return Result(source.id, problem=str(error))


def _check_captures(db, source_id):
    """The page's stored captures, which the copies imported are stored against (deltas,
    diffs, the seam), must read back as their SHA-256."""
    damage = list(verify.page_damage(db.conn, source_id))
    if damage:
        more = f" (and {len(damage) - 1} more)" if len(damage) > 1 else ""
        raise DamagedError(f"{verify.words(db.conn, damage[0], source_id)}{more}, so nothing was added to "
                           "this page's history. Fix: restore the database from a backup; keep "
                           "this one for inspection")


def _source(db, settings, client, session, source, start, end, progress, sleep):
    archive_url, backoff = settings["archive_url"], settings["archive_backoff_seconds"]
    addresses = [source.url] + ([source.cited_as] if source.cited_as else [])
    captures = cdx.merged(*(cdx.list_captures(client, archive_url, address, start, end, backoff,
                                              sleep) for address in _unique(addresses)))
    looked_at, last_read = archive_store.looked_at(db, source.id)
    steps = cdx.plan(captures, looked_at, *archive_store.window(db, source.id))
    result = Result(source.id, listed=len(captures))
    with _bar(steps, source.id, progress) as bar:
        for step in bar:
            last_read = _step(db, settings, session, source, step, result, sleep, last_read)
    return result


def _step(db, settings, session, source, step, result, sleep, last_read):
    """Look at one capture; return the digest of the last copy read."""
    skip = step.skip or (cdx.SAME if cdx.same_as_before(step.capture, last_read) else None)
    if skip:
        result.skipped[skip] += 1
        if step.noted:
            archive_store.note_capture(db, source.id, step.capture, f"skipped: {skip}")
        return last_read
    copy = memento.fetch(session, settings["archive_url"], step.capture, source.id,
                         settings["archive_backoff_seconds"], sleep)
    if copy.fetch is None:
        result.skipped[copy.problem] += 1
        archive_store.note_capture(db, source.id, step.capture, f"skipped: {copy.problem}")
        return last_read
    moved = _moved_in_time(db, source.id, copy.fetch.fetched_at)
    if moved:  # a redirect led to a copy from before the last one imported, or after today's
        result.skipped[moved] += 1
        archive_store.note_capture(db, source.id, step.capture, f"skipped: {moved}")
        return last_read
    observation = analysis_pool.safely(analyze.analyze, copy.fetch, source)
    kind = archive_store.record_capture(db, copy.fetch, observation, step.capture,
                                        copy.memento_url, rules.of(source))
    if observation.outcome not in ("ok", "not_modified"):  # a '404' page, a wall: not the page
        result.skipped[observation.error or observation.note or observation.outcome] += 1
        return last_read
    result.imported[kind or "the same as the copy before"] += 1
    return step.capture.digest


def _moved_in_time(db, source_id, at):
    """Why a copy the archive led to cannot be imported at its own time, or None."""
    after, before = archive_store.window(db, source_id)
    if after and at <= after:
        return f"the archive led to its copy of {at}, not later than the copies imported already"
    if before and at >= before:
        return f"the archive led to its copy of {at}, after dialogue-watch's own first check"
    return None


def _unique(addresses):
    return list(dict.fromkeys(addresses))


def _bar(steps, label, progress):
    """``progress(steps, label, shown)``: a context manager over the steps that shows them
    (the CLI passes click's progress bar); None: nothing shown."""
    if not progress:
        return _Silent(steps)
    return progress(steps, label, _shown)


def _shown(step):
    return step.capture.timestamp[:8] if step else None


class _Silent:
    def __init__(self, steps):
        self.steps = steps

    def __enter__(self):
        return self.steps

    def __exit__(self, *exc):
        return False

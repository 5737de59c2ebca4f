"""Reading the stored captures again with today's rules.

``dialogue-watch reanalyse`` re-reads every stored capture of a page so the
site's history and diffs show what the current rules see (what the old rules
produced is kept by the store); ``dialogue-watch test-source`` uses the same
replay to show which past change events a rule being tried would have removed
or added. The replay is pure: a list of readings in, the change kinds out.
"""

import concurrent.futures
import dataclasses
import hashlib
import multiprocessing

from monitor import store
from monitor.store.rows import marker_key
from monitor.analysis import analyze, diffing, events, rules


@dataclasses.dataclass(frozen=True)
class Reading:
    """One stored capture as a set of rules reads it."""

    fetch_id: int
    at: str
    text_sha256: str | None  # None: these rules cannot read it (the error says why)
    marker: str | None  # "date|precision"
    error: str | None = None


def read(capture, source):
    """A stored capture (a ``PageFetch``) read with ``source``'s rules today."""
    observation = analyze.read(capture, source)
    if observation.outcome != "ok":
        return None, observation.error or observation.note
    return observation, None


def reading(fetch_id, at, observation, error=None):
    if observation is None:
        return Reading(fetch_id, at, None, None, error)
    marker = observation.marker
    return Reading(fetch_id, at, hashlib.sha256(observation.text.encode("utf-8")).hexdigest(),
                   marker_key(marker))


def replay(readings):
    """The change event each reading would raise against the one before it
    (``None``: no change). Unreadable captures are skipped, as errors are.

    Example: ``replay([a, a2, b]) == [None, None, "silent_edit"]`` when ``a2``
    reads as ``a`` and ``b`` changed the text but not the marker.
    """
    kinds, previous = [], None
    for current in readings:
        if current.text_sha256 is None or previous is None:
            kinds.append(None)
            previous = previous if current.text_sha256 is None else current
            continue
        decision = events.classify(
            events.Previous(True, previous.text_sha256, previous.marker, "ok", 0),
            events.Outcome("ok", current.text_sha256, current.marker))
        kinds.append(decision.kind if decision.kind in events.CHANGE_KINDS else None)
        if decision.new_version:
            previous = current
    return kinds


def compare(readings, replayed, stored):
    """What the rules would change in the history: ``stored`` maps a fetch id to the
    change event kind stored for it. Returns (removed, added): lists of
    (at, kind) for events the rules would no longer raise, or would raise anew."""
    removed, added = [], []
    for current, kind in zip(readings, replayed):
        before = stored.get(current.fetch_id)
        if before == kind:
            continue
        if before:
            removed.append((current.at, before))
        if kind:
            added.append((current.at, kind))
    return removed, added


def describe(source_id, count, removed, added):
    """The words ``reanalyse`` and ``test-source`` print for one page."""
    lines = [f"{source_id}: {count} stored capture(s) read with the rules in sources.yaml."]
    if not removed and not added:
        lines.append("  Those rules give the same change events as the stored history.")
    for at, kind in removed:
        lines.append(f"  {at}: the {kind} event would not be raised")
    for at, kind in added:
        lines.append(f"  {at}: a {kind} event would be raised")
    return "\n".join(lines)



def source(db, watched, write=True, workers=None):
    """Read every stored capture of ``watched`` (a ``config.Source``) with today's rules.

    With ``write``, each version takes the new reading (the old one is kept) and the
    stored diffs are recomputed. Returns ``(captures, removed, added, versions_changed)``.
    """
    found = list(store.captures(db, watched.id))
    results = _read_all([fetch for *_, fetch in found], watched, workers)
    readings = [reading(fetch_id, at, *result) for (fetch_id, at, _, _), result in zip(found, results)]
    removed, added = compare(readings, replay(readings), store.change_events(db, watched.id))
    changed = 0
    if write:
        today = rules.of(watched)
        for (_, _, version_ids, _), (observation, _) in zip(found, results):
            for version_id in version_ids if observation is not None else ():
                changed += store.replace_reading(db, version_id, today, observation.text,
                                                 observation.marker)
        store.refresh_diffs(db, watched.id, diffing.line_diff)
    return len(found), removed, added, changed


def _read_all(fetches, watched, workers):
    """Read in worker processes from a fresh fork server (this process holds the
    database open: it must never be forked)."""
    if len(fetches) < 4 or workers == 0:
        return [read(fetch, watched) for fetch in fetches]
    context = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context) as pool:
        return list(pool.map(read, fetches, [watched] * len(fetches), chunksize=8))

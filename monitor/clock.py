"""When the computer's clock goes back (NTP stepping it, a VM restored, a hand set).

Wall-clock times are what a check *says*; they never decide the order of the
evidence. The database's own sequence does (row ids: a fetch stored later came
later), so a check stamped before the previous one is still stored, compared with
the page's current version and noted in plain words (``note``).

For the schedule, a page whose last check is stamped later than now is due at
once (``due_despite_clock``): how much real time has passed since that check cannot
be known (the clock that stamped it, or today's, is wrong), and one check too many
costs a request where one too few could miss a change made and taken down meanwhile.

Pure functions; ``monitor.store.record`` and ``monitor.scheduler`` call them.

``current()`` is the time every check and record takes: the computer's, unless the demo
set a replica clock (``set_to``) to tell months of monitoring in seconds, with no sleeping.
"""

import contextlib
import datetime

_replica_time = None  # set by the demo only: the moment its pretend rounds take place


def current():
    """Now, in UTC: the computer's clock, or the demo's replica clock while one is set."""
    return _replica_time or datetime.datetime.now(datetime.timezone.utc)


def replica_time():
    """The replica clock's moment as a stored time string, or None (the real clock)."""
    return _replica_time.strftime("%Y-%m-%dT%H:%M:%SZ") if _replica_time else None


@contextlib.contextmanager
def set_to(moment):
    """Within the block, ``current()`` is ``moment`` (a datetime or a stored time string;
    None: the real clock). The demo dates its rounds over years with it.

    Example: ``with set_to("2024-03-01T09:00:00Z"): crawl(...)``
    """
    before = _replica_time
    set_replica(moment)
    try:
        yield
    finally:
        set_replica(before)


def set_replica(moment):
    """Set the replica clock for good (a crawl process the demo started): see ``set_to``."""
    global _replica_time
    _replica_time = parse(moment) if isinstance(moment, str) else moment


def parse(text):
    """A stored time ('2026-12-01T10:00:00Z', or to the millisecond) as a datetime."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def moved_back(last_times, now):
    """How far the clock went back: the most by which a stored last check
    (``last_times``: id -> datetime or None) is later than ``now``; None if none is.

    Example: ``moved_back({"a": now + timedelta(hours=2)}, now) == timedelta(hours=2)``.
    """
    ahead = [moment - now for moment in last_times.values() if moment and moment > now]
    return max(ahead) if ahead else None


def past_or_none(moment, now):
    """``moment``, or None ("never checked": due now) when it is later than ``now``."""
    return None if moment and moment > now else moment


def due_despite_clock(last_times, now):
    """``last_times`` with every last check later than ``now`` read as None ("due now"):
    a clock that went back never makes a page wait for a time it has already passed."""
    return {key: past_or_none(moment, now) for key, moment in last_times.items()}


def duration_words(delta):
    """A length of time as people say it, to the minute.

    Example: ``duration_words(timedelta(hours=2, minutes=10)) == "2 h 10 min"``.
    """
    seconds = int(abs(delta).total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} d" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p) or f"{seconds} s"


def step_warning(last_times, now):
    """The scheduler's words when stored checks are later than ``now``; None otherwise."""
    step = moved_back(last_times, now)
    if step is None:
        return None
    late = sorted(key for key, moment in last_times.items() if moment and moment > now)
    names = ", ".join(late[:5]) + (f" and {len(late) - 5} more" if len(late) > 5 else "")
    return (f"The computer's clock went back by up to {duration_words(step)}: the last check of "
            f"{names} is stamped later than now. Those pages are checked now rather than "
            "waiting for that time to come round again; every check is kept, in the order "
            "the database stored it.")


def note(fetched_at, last_checked_at):
    """A fetch's note when it is stamped before the page's previous check (stored
    before it); None when the times are in order. Both are stored time strings."""
    this, last = parse(fetched_at), parse(last_checked_at)
    if not (this and last and this < last):
        return None
    return (f"the computer's clock went back by {duration_words(last - this)} since the last "
            f"check of this page (stamped {last_checked_at}); this check is kept and ordered "
            "after it")

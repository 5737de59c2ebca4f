"""``dialogue-watch run``: check each page when its schedule says, and deliver alerts.

When a page is due is decided by pure functions over the stored last-check
times (``due_sources``, ``wake_time``), so a restart continues where the last
run left off, and a page that missed many checks (machine asleep, daemon down)
is checked once, not once per missed check.

APScheduler (a ``BackgroundScheduler`` with ONE worker thread, so jobs never
overlap) runs two jobs:

* ``crawl``: re-reads sources.yaml and alerts.yaml, crawls every page due now
  in ONE crawl (``monitor.fetch.crawler`` starts one child process per crawl, because
  Scrapy's reactor cannot restart in a process), delivers the alerts it made,
  then reschedules itself for the next page due, plus random jitter;
* ``deliver``: every 30 seconds, sends due alerts and digests (``monitor.notify.dispatch``).

The database's lock (``monitor.fetch.locks``), held for as long as ``run`` runs,
keeps a second ``run``, a ``crawl`` and ``alerts deliver`` off the same
database, so no page is ever crawled twice at once. SIGTERM / SIGINT set a stop
flag, are passed on to the crawl child (Scrapy then stops gracefully: each page
it has is stored whole), and the run exits once the work in hand is done.
"""

import dataclasses
import datetime
import functools
import logging
import multiprocessing
import os
import random
import signal
import threading

from monitor import clock as wallclock, store
from monitor.analysis import events
from monitor.notify import alerts, dispatch
from monitor.config import parse_every
from monitor.errors import CrawlError, DialogueWatchError

log = logging.getLogger(__name__)
UTC = datetime.timezone.utc


# -- when pages are due (pure) -------------------------------------------------


WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab: 0 (and 7) is Sunday


@functools.lru_cache(maxsize=256)
def _cron(expression):
    """A CronTrigger that reads the weekday field as crontab does (APScheduler 3's
    ``from_crontab`` takes 0 as Monday: '0 6 * * 1' would run on Tuesdays)."""
    from apscheduler.triggers.cron import CronTrigger

    minute, hour, day, month, weekday = expression.split()
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=crontab_weekdays(weekday), timezone=UTC)


def crontab_weekdays(field):
    """A crontab weekday field ('1-5', '0,6', '*/2', 'mon-fri') as day names."""
    if field == "*":
        return field
    days = set()
    for part in field.lower().split(","):
        span, _, step = part.partition("/")
        first, _, last = span.partition("-")
        start = 0 if first == "*" else _weekday(first)
        end = _weekday(last) if last else (6 if first == "*" or step else start)
        days.update(d % 7 for d in range(start, (end if end >= start else end + 7) + 1,
                                          int(step or 1)))
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def _weekday(token):
    return int(token) % 7 if token.isdigit() else WEEKDAYS.index(token[:3])


def next_check(schedule, last_checked):
    """When a page checked at ``last_checked`` is next due; None if never checked.

    ``schedule`` is ``config.parse_every``'s ``("interval", seconds)`` or
    ``("cron", "0 6 * * 1")`` (cron lines are read in UTC).
    """
    if last_checked is None:
        return None
    kind, value = schedule
    if kind == "interval":
        return last_checked + datetime.timedelta(seconds=value)
    return _cron(value).get_next_fire_time(None, last_checked + datetime.timedelta(seconds=1))


def due_sources(states, schedules, now, confirm=None):
    """The ids (sorted) of the sources due at ``now``.

    ``states``: id -> last check (datetime, or None when never checked);
    ``schedules``: id -> schedule; ``confirm``: id -> when a held change of the page
    is to be confirmed (``monitor.store.confirm``), due then whatever its schedule.
    However many checks were missed, a source is listed once.
    """
    return sorted(source_id for source_id, schedule in schedules.items()
                  if _next(source_id, schedule, states, confirm, now) <= now)


def _next(source_id, schedule, states, confirm, now):
    scheduled = next_check(schedule, states.get(source_id)) or now
    second_look = (confirm or {}).get(source_id)
    return min(scheduled, second_look) if second_look else scheduled


def wake_time(states, schedules, now, held=None, max_sleep=datetime.timedelta(minutes=15),
              confirm=None):
    """When to look again: the next check of a source that is not held back
    (``held``: id -> until when), the end of a hold, or ``max_sleep`` from now."""
    held = {i: until for i, until in (held or {}).items() if until > now}
    times = [_next(i, schedule, states, confirm, now)
             for i, schedule in schedules.items() if i not in held]
    return max(now, min([*times, *held.values(), now + max_sleep]))


def schedules_of(config):
    """id -> schedule of every page to check (a paused one is not: ``paused: true``)."""
    return {source.id: parse_every(source.every) for source in config.sources if not source.paused}


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


# -- the work done at each wake-up --------------------------------------------


@dataclasses.dataclass
class Daemon:
    """What ``run`` does; APScheduler (or ``--once``) calls ``crawl_due`` and ``deliver``.

    ``clock`` returns "now" (tests move it forward instead of sleeping).
    """

    load_config: object  # () -> monitor.config.Config
    load_alerts: object  # (config) -> monitor.notify.alerts.Settings
    db_path: str
    clock: object = store.now
    max_sleep: datetime.timedelta = datetime.timedelta(minutes=15)
    crash_pause: datetime.timedelta = datetime.timedelta(minutes=15)
    stop: threading.Event = dataclasses.field(default_factory=threading.Event)
    held: dict = dataclasses.field(default_factory=dict)
    # when ``serve``'s next tick crawls (the next page due, plus jitter); at once at first
    next_wake: datetime.datetime = None
    config_stamp: object = None  # sources.yaml's (size, mtime) when it was last read
    exit_code: int = 0  # what `run --once` exits with (``session.exit_code``)
    config: object = None
    settings: alerts.Settings = alerts.NO_ALERTS

    def refresh(self):
        """Re-read sources.yaml and alerts.yaml; after a mistake, keep the last good ones.

        alerts.yaml's warnings (a source or country sources.yaml lacks) are logged
        when they first appear or change, not at every wake-up.
        """
        try:
            self.config = self.load_config()
            self.config_stamp = _file_stamp(self.config.path)
            settings, self.settings = self.settings, self.load_alerts(self.config)
        except DialogueWatchError as error:
            if self.config is None:
                raise
            log.error("Keeping the previous settings: %s", error)
            return
        if self.settings.warnings != settings.warnings:
            for warning in self.settings.warning_lines():
                log.warning("%s", warning)

    def sources_changed(self):
        """Whether sources.yaml changed since it was last read (a page added is then
        checked at the next tick, not at the next wake-up)."""
        return self.config is not None and _file_stamp(self.config.path) != self.config_stamp

    def woken(self, jitter_seconds=0.0):
        """Whether a tick of ``serve`` should crawl: the next wake-up has come, the clock
        went back past when it was set, or sources.yaml changed."""
        if self.next_wake is None:
            return True
        now = self.clock()
        set_at_latest = self.next_wake - self.max_sleep - datetime.timedelta(seconds=jitter_seconds)
        return now >= self.next_wake or now < set_at_latest or self.sources_changed()

    def crawl_due(self):
        """Crawl every page due now in one crawl; return (next wake-up, ids due then)."""
        self.refresh()
        db = store.open_db(self.db_path)
        store.sync_sources(db, self.config.sources)
        (states, confirm), schedules = self._states(db), schedules_of(self.config)
        now = self.clock()
        due = [i for i in due_sources(states, schedules, now, confirm)
               if self.held.get(i, now) <= now]
        if due and not self.stop.is_set():
            self._crawl(due, now)
            (states, confirm), now = self._states(db), self.clock()
        wake = wake_time(states, schedules, now, self.held, self.max_sleep, confirm)
        return wake, due_sources(states, schedules, wake, confirm)

    def _states(self, db):
        """(id -> last check, id -> when its held change is to be confirmed)."""
        rows = store.check_rows(db)
        confirm = {row["id"]: parse_time(row["confirm_at"]) for row in rows if row["confirm_at"]}
        states = {row["id"]: parse_time(row["last_checked_at"]) for row in rows}
        now = self.clock()
        warning = wallclock.step_warning(states, now)  # the computer's clock went back
        if warning:
            log.warning("%s", warning)
        return wallclock.due_despite_clock(states, now), confirm

    def _crawl(self, due, now):
        # here, not at the top: 'dialogue-watch status' reads this module, and the crawl's
        # launcher brings Scrapy and the analysis (a second of imports, issue 27)
        from monitor.fetch import crawler, session

        log.info("Checking %d page(s) now: %s", len(due), ", ".join(due))
        stopped = None
        try:
            crawl_id, results = crawler.crawl(self.config, self.db_path, due,
                                              subscribers=self.settings.subscribers,
                                              holding_lock=True)
        except CrawlError as error:
            log.error("%s", error)
            crawl_id, results, stopped = error.crawl_id, error.results, error
        except DialogueWatchError as error:
            log.error("The crawl could not run: %s", error)
            self.exit_code = error.exit_code
            return self._hold(due, now)
        self.exit_code = session.exit_code(results, len(due), stopped)
        log.info("%s", crawl_report(results))
        missed = sorted(set(due) - {r["source_id"] for r in results})
        if missed:
            log.warning("Crawl %s stopped before checking %s.", crawl_id, ", ".join(missed))
            self._hold(missed, now)

    def _hold(self, ids, now):
        until = now + self.crash_pause
        self.held.update({i: until for i in ids})
        log.warning("Those pages are tried again at %s.", store.iso(until))

    def deliver(self):
        """Ask the archive for the independent copies that are due (``archive_changes``),
        then send the alerts and digests that are due (none without subscribers):
        an alert can then name its page's copy."""
        if self.config is None:
            self.refresh()
        db = store.open_db(self.db_path)
        self.archive_changes(db)
        if not self.settings.subscribers:
            return None
        counts = dispatch.deliver(db, self.settings, self.clock(), should_stop=self.stop.is_set)
        if counts["sent"] or counts["failed"]:
            log.info("Alerts: %d sent, %d failed (tried again later).", counts["sent"], counts["failed"])
        return counts


    def archive_changes(self, db):
        from monitor.archive import savepagenow

        counts = savepagenow.deliver(db, self.config.settings, self.clock(),
                                     should_stop=self.stop.is_set)
        if counts["saved"] or counts["failed"]:
            log.info("Independent copies: %d saved by the archive, %d failed (asked again later).",
                     counts["saved"], counts["failed"])


def _file_stamp(path):
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_size, found.st_mtime_ns


def crawl_report(results):
    """One line for the log: what the crawl saw."""
    words = events.OUTCOME_WORDS
    counts = {w: sum(1 for r in results if r["outcome"] == k) for k, w in words.items()}
    text = f"Checked {len(results)} page(s): " + ", ".join(
        f"{n} {w}" for w, n in counts.items() if n)
    found = [f"{r['source_id']}: {r['event']}" for r in results if r["event"]]
    return text + (f". Events: {'; '.join(found)}" if found else ". No changes.")


# -- APScheduler --------------------------------------------------------------

# The crawl job is an interval job that ticks this often. A tick reads the clock
# and returns at once unless the daemon's next wake-up has come (or sources.yaml
# changed), so a tick that APScheduler skips, because a crawl is still running,
# costs nothing: what is due is read from the database at the next one.
TICK = datetime.timedelta(seconds=5)


def serve(daemon, jitter_seconds=0.0, deliver_seconds=30.0, tick=TICK):
    """Run the jobs until ``daemon.stop`` is set, then finish the job in hand.

    The schedule cannot end by itself: the crawl job is an interval job that
    never re-arms itself (the job runs no scheduler call: APScheduler's shutdown
    holds its job-store lock while it waits for the job), pages that fell due
    during a crawl are crawled as soon as it ends, and a missing job is put back.
    """
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.background import BackgroundScheduler

    quiet_apscheduler()
    scheduler = BackgroundScheduler(  # ONE worker: jobs never overlap
        executors={"default": ThreadPoolExecutor(1)}, timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    add_crawl_job(scheduler, daemon, jitter_seconds, tick)
    scheduler.add_job(_deliver_job, "interval", args=[daemon], seconds=deliver_seconds,
                      id="deliver", next_run_time=datetime.datetime.now(UTC))
    scheduler.start()
    while not daemon.stop.wait(0.5):
        if scheduler.get_job("crawl") is None:  # never expected: say so, and put it back
            log.error("The checking job was missing; it was put back.")
            add_crawl_job(scheduler, daemon, jitter_seconds, tick)
    log.info("Stopping: finishing the work in hand (nothing is left half-written)...")
    scheduler.shutdown(wait=True)
    log.info("Stopped.")


def add_crawl_job(scheduler, daemon, jitter_seconds, tick=TICK):
    scheduler.add_job(_crawl_job, "interval", seconds=tick.total_seconds(), id="crawl",
                      args=[daemon, jitter_seconds], replace_existing=True,
                      next_run_time=datetime.datetime.now(UTC))


def quiet_apscheduler():
    """APScheduler's own notices ("skipped: maximum number of running instances") are
    expected here (a tick or a delivery waits while a crawl runs) and say nothing to a
    campaigner; its errors still reach the log."""
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


def _crawl_job(daemon, jitter_seconds):
    """At a tick: if the next wake-up has come (or sources.yaml changed), crawl what is
    due, again and again while pages fall due during the crawls; then note the next
    wake-up (the next page due, plus jitter) for a later tick."""
    if not daemon.woken(jitter_seconds):
        return
    while True:
        wake, ids = _crawl_round(daemon)
        if daemon.stop.is_set() or wake > daemon.clock():
            break
        log.info("More pages fell due during that crawl; checking them now.")
    daemon.next_wake = wake + datetime.timedelta(seconds=random.uniform(0, jitter_seconds))
    if ids:
        log.info("Next check at %s: %s", store.iso(daemon.next_wake), ", ".join(ids))


def _crawl_round(daemon):
    """One crawl of what is due, then delivery; a failure is logged and held off."""
    wake, ids = daemon.clock() + daemon.crash_pause, []
    try:
        wake, ids = daemon.crawl_due()
        daemon.deliver()
    except DialogueWatchError as error:  # e.g. the disk is full: say so, try again later
        log.error("%s The next try is at %s.", error, store.iso(wake))
    except Exception:  # a bug must not end the schedule either
        log.exception("The scheduled check failed; it runs again at %s.", store.iso(wake))
    return wake, ids


def _deliver_job(daemon):
    try:
        daemon.deliver()
    except DialogueWatchError as error:
        log.error("Alerts wait: %s", error)
    except Exception:
        log.exception("Delivering alerts failed; trying again at the next round.")


def stop_on_signals(daemon):
    """SIGTERM / SIGINT: set the stop flag and pass the signal on to the crawl child."""

    def handle(number, frame):
        log.info("Received %s.", signal.Signals(number).name)
        daemon.stop.set()
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)


# -- what `dialogue-watch run --once` and `status` read ---------------------


def once(daemon):
    wake, ids = daemon.crawl_due()
    daemon.deliver()
    log.info("Done. Next check due at %s%s.", store.iso(wake), f" ({', '.join(ids)})" if ids else "")


# A page is overdue when its check is this much later than its schedule says.
OVERDUE_AFTER = datetime.timedelta(minutes=2)


def status_row(row, source, now):
    if source.paused:  # not checked for now: neither overdue nor failing
        return {"id": row["id"], "country": row["country"], "every": source.every,
                "state": "paused" + (f" ({source.paused_note})" if source.paused_note else ""),
                "last_checked_at": row.get("last_checked_at"), "next_check_at": "when resumed",
                "overdue_seconds": 0, "last_error": None, "problem": None}
    last = wallclock.past_or_none(parse_time(row.get("last_checked_at")), now)
    upcoming = next_check(parse_every(source.every), last)
    second_look = parse_time(row.get("confirm_at"))  # a held change (monitor.store.confirm)
    if upcoming and second_look:
        upcoming = min(upcoming, second_look)
    late = now - upcoming if upcoming is not None and upcoming < now else datetime.timedelta()
    return {"id": row["id"], "country": row["country"], "every": source.every,
            "state": row.get("state") or "never checked",
            "last_checked_at": row.get("last_checked_at"),
            "next_check_at": "now" if upcoming is None or upcoming <= now else store.iso(upcoming),
            "overdue_seconds": int(late.total_seconds()) if late > OVERDUE_AFTER else 0,
            "last_error": row.get("last_error"), "problem": row.get("problem")}


def last_check_line(rows, now):
    """When any page was really last checked, in words."""
    times = [parse_time(r["last_checked_at"]) for r in rows if r["last_checked_at"]]
    if not times:
        return "Last check: none yet."
    last = max(times)
    return f"Last check: {last:%Y-%m-%d %H:%M} UTC ({wallclock.duration_words(now - last)} ago)."


def overdue_warning(rows, now, holder, crawl_started):
    """A plain warning when pages are overdue, saying what to do; None when none is."""
    late = sorted((r for r in rows if r["overdue_seconds"]), key=lambda r: -r["overdue_seconds"])
    if not late:
        return None
    names = ", ".join(r["id"] for r in late[:5]) + (", ..." if len(late) > 5 else "")
    most = wallclock.duration_words(datetime.timedelta(seconds=late[0]["overdue_seconds"]))
    text = f"Warning: {len(late)} page(s) are overdue, the most by {most} ({names}). "
    if holder is None or holder.get("doing") != "run":
        return text + "Nothing is checking pages on schedule: start 'dialogue-watch run'."
    if crawl_started:
        return text + (f"A check has been running since {crawl_started[11:16]} UTC; they are "
                       "checked as soon as it ends.")
    return text + ("The scheduler is running but has not checked them: stop and start "
                   "'dialogue-watch run' again, and tell whoever looks after it.")

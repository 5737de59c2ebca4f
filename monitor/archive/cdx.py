"""The archive's list of captures (the Wayback CDX API, read with the ``wayback``
package), and which of them a backfill imports.

``plan`` is pure: it decides, for each capture, to fetch it or why not (not a 200,
the same digest as the capture before it, already looked at, outside the time a
backfill may still fill).
"""

import contextlib
import dataclasses
import datetime
import time

import wayback
from wayback import _client as wayback_client
from wayback.exceptions import RateLimitError, UnexpectedResponseFormat, WaybackException, WaybackRetryError

from monitor.errors import ArchiveError, ListingError

# A 200 is read; a redirect is followed to the archive's copy of where it led (memento).
READ_STATUSES = {200, 301, 302, 303, 307, 308}
MAX_TRIES = 6  # CDX listings refused with 429 before the backfill gives up on a page
MEMENTO_CALLS_PER_SECOND = 6  # under the archive's ~8 per second for mementos


@dataclasses.dataclass(frozen=True)
class Capture:
    timestamp: str  # 14 digits, UTC: the archive's capture time
    url: str  # the address that was captured
    status: int | None  # the status the site answered then (None: a revisit record)
    digest: str | None  # the archive's hash of the captured bytes
    mimetype: str | None = None

    @property
    def at(self):
        return timestamp_iso(self.timestamp)


def timestamp_iso(timestamp):
    """``"20021015083000"`` -> ``"2002-10-15T08:30:00Z"`` (the database's form)."""
    padded = (timestamp + "00000000000000")[:14]
    moment = datetime.datetime.strptime(padded, "%Y%m%d%H%M%S")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def session(settings):
    """A ``wayback.WaybackSession`` that keeps to the archive's limits: one CDX request
    per ``archive_delay_seconds`` (0: no pause, for tests and mirrors) and retries
    nothing itself (``list_captures`` backs off on a 429, more each time)."""
    delay = settings["archive_delay_seconds"]
    return wayback.WaybackSession(
        retries=0, timeout=settings["timeout_seconds"] or 60, user_agent=_agent(settings),
        search_calls_per_second=1 / delay if delay else 0,
        memento_calls_per_second=MEMENTO_CALLS_PER_SECOND if delay else 0)


def _agent(settings):
    return f"dialogue-watch (archive backfill; {settings['contact']})"


@contextlib.contextmanager
def _cdx_at(archive_url):
    """The ``wayback`` package reads the CDX address from a module constant: point it at
    ``archive_url`` (``settings.archive_url``) while listing, and back afterwards."""
    before = wayback_client.CDX_SEARCH_URL
    wayback_client.CDX_SEARCH_URL = archive_url.rstrip("/") + "/cdx/search/cdx"
    try:
        yield
    finally:
        wayback_client.CDX_SEARCH_URL = before


def list_captures(client, archive_url, url, start=None, end=None, backoff=60.0, sleep=time.sleep):
    """Every capture of ``url`` the archive lists (between the dates ``start`` and ``end``,
    ``YYYYMMDD``), oldest first. A 429 waits ``backoff`` seconds (or the archive's
    Retry-After, if longer), then twice as long each time, and lists again.

    Raises ``ListingError`` when this address's listing cannot be read (the backfill
    goes on with the other pages), ``ArchiveError`` when the archive cannot be reached
    or keeps refusing (the backfill stops)."""
    wait = backoff
    for _ in range(MAX_TRIES):
        try:
            with _cdx_at(archive_url):
                records = list(client.search(url, from_date=start, to_date=end,
                                             skip_malformed_results=False))
            return [_capture(record) for record in records]
        except RateLimitError as error:
            wait = max(wait, retry_after(error))
            sleep(wait)
            wait *= 2
        except (OSError, WaybackRetryError) as error:  # no connection, no answer in time
            raise ArchiveError(unreachable(archive_url, error)) from None
        except (UnexpectedResponseFormat, UnicodeDecodeError):  # one page's listing: the others go on
            raise ListingError(f"the archive at {archive_url} answered something that is not a "
                               f"list of copies for {url}, so none of its copies were read. Run "
                               "the backfill of this page again later; if it happens again, the "
                               "archive's listing of this address is broken") from None
        except WaybackException as error:  # the site excluded, an error for this address
            raise ListingError(f"the archive at {archive_url} could not list the copies of "
                               f"{url}: {error}") from None
    raise ArchiveError(f"the archive at {archive_url} kept answering 'too many requests' (429) "
                       f"for {url}, {MAX_TRIES} times; nothing more was asked. Run the backfill "
                       "again later: it goes on where it stopped")


def unreachable(archive_url, error):
    cause = getattr(error, "__cause__", None) or error
    kind = "no answer in time" if "timed out" in str(cause).lower() else "no connection"
    return (f"the archive at {archive_url} could not be reached ({kind}). Check "
            "settings.archive_url in sources.yaml and the network, then run the backfill "
            "again: it goes on where it stopped")


def retry_after(error):
    """The seconds the archive's own ``Retry-After`` asks for (0 if it sent none; the
    ``wayback`` package's guess of 60 s is not the archive's word)."""
    from wayback import _utils

    header = error.response.headers.get("Retry-After") if error.response is not None else None
    return _utils.parse_retry_after(header) or 0


def _capture(record):
    return Capture(timestamp=record.timestamp.strftime("%Y%m%d%H%M%S"), url=record.original,
                   status=record.statuscode, digest=record.digest, mimetype=record.mimetype)


def merged(*listings):
    """The captures of several addresses (``url`` and ``cited_as``) in time order, once each."""
    seen, out = set(), []
    for capture in sorted((c for listing in listings for c in listing),
                          key=lambda c: (c.timestamp, c.url)):
        if (capture.timestamp, capture.url) not in seen:
            seen.add((capture.timestamp, capture.url))
            out.append(capture)
    return out


@dataclasses.dataclass(frozen=True)
class Step:
    capture: Capture
    skip: str | None = None  # None: fetch it; else why not (kept in archive_imports)
    noted: bool = True  # False: not worth remembering (outside the window, done already)


def plan(captures, looked_at=frozenset(), after=None, before=None):
    """One ``Step`` per capture, in time order. ``looked_at``: ``{(timestamp, url)}``
    done by an earlier backfill; ``after`` / ``before``: ISO times between which
    versions may still be added. (Identical copies are told apart as they are read:
    ``same_as_before``.)"""
    steps = []
    for capture in captures:
        if (capture.timestamp, capture.url) in looked_at:
            steps.append(Step(capture, "looked at by an earlier backfill", noted=False))
        elif (after and capture.at <= after) or (before and capture.at >= before):
            steps.append(Step(capture, _outside(capture, after, before), noted=False))
        elif capture.status not in READ_STATUSES:
            steps.append(Step(capture, f"the archive recorded status {capture.status or 'none'}"))
        else:
            steps.append(Step(capture))
    return steps


SAME = "the same bytes as the copy read before it"


def same_as_before(capture, last_read_digest):
    """Whether the archive's digest says ``capture`` holds the bytes of the last copy
    read (a copy that could not be read, a block page, does not count)."""
    return bool(capture.digest) and capture.digest == last_read_digest


def _outside(capture, after, before):
    if before and capture.at >= before:
        return f"after dialogue-watch's own first check ({before}), which it keeps itself"
    return f"older than the copies imported already (up to {after})"

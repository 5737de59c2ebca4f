"""Independent copies: each change of a page with ``archive_changes: true`` is sent to
the Internet Archive's Save Page Now (``<archive_url>/save/<url>``).

The requests wait in a durable queue (``archive_requests``) written by the database
in the change event's own transaction (``monitor.store.archive``), like the alerts
outbox: a crash never loses one, and each is asked for once (a claim token; one
left 'sending' by a dead sender is asked again). One request every
``archive_save_delay_seconds``; a refusal, an error or a slow answer puts it (and
every request after it) back for later, waiting twice as long each time; the copy's
address is kept with the version, and alerts and the site show it.
"""

import datetime
import time

import requests

from monitor.archive.memento import MEMENTO_PATH
from monitor.store import archive as archive_store
from monitor.store.connection import iso, now

MAX_WAIT_SECONDS = 24 * 3600


def deliver(db, settings, moment=None, should_stop=lambda: False, sleep=time.sleep):
    """Ask for every capture that is due; return ``{"saved": n, "failed": n}``. The
    first failure ends the pass: the rest waits with it."""
    moment = moment or now()
    counts = {"saved": 0, "failed": 0}
    with requests.Session() as session:
        session.headers["User-Agent"] = f"dialogue-watch (Save Page Now; {settings['contact']})"
        while not should_stop():
            claim = archive_store.claim_request(db, iso(moment))
            if claim is None:
                break
            if counts["saved"] and settings["archive_save_delay_seconds"]:
                sleep(settings["archive_save_delay_seconds"])
            copy_url, error = save(session, settings, claim["url"])
            if copy_url:
                archive_store.request_done(db, claim, copy_url)
                counts["saved"] += 1
                continue
            delay = retry_delay(claim["attempts"], settings["archive_backoff_seconds"], error)
            archive_store.request_failed(db, claim, error.words,
                                         iso(moment + datetime.timedelta(seconds=delay)))
            counts["failed"] += 1
            break
    return counts


class Failure:
    def __init__(self, words, retry_after=0):
        self.words, self.retry_after = words, retry_after


def save(session, settings, url):
    """``(copy address, None)``, or ``(None, Failure)``."""
    archive_url = settings["archive_url"].rstrip("/")
    try:
        response = session.get(f"{archive_url}/save/{url}", allow_redirects=False,
                               timeout=settings["timeout_seconds"] or 60)
    except requests.Timeout:
        return None, Failure(f"the archive did not answer within {settings['timeout_seconds']:g} s")
    except requests.RequestException as error:
        return None, Failure(f"the archive could not be reached ({type(error).__name__})")
    if response.status_code == 429:
        return None, Failure("the archive asked to slow down (429)",
                             _seconds(response.headers.get("Retry-After")))
    copy = copy_address(archive_url, response.headers)
    if response.status_code < 400 and copy:
        return copy, None
    return None, Failure(f"the archive refused to copy the page ({response.status_code})")


def copy_address(archive_url, headers):
    """The new copy's address from Save Page Now's answer (Content-Location, or the
    redirect to it), or None."""
    for name in ("Content-Location", "Location"):
        value = headers.get(name)
        if value and MEMENTO_PATH.search(value):
            return archive_url + value if value.startswith("/") else value
    return None


def retry_delay(attempts, base, failure=None):
    """Seconds before the next attempt: ``base`` doubled at each failed one, at least
    what the archive asked for, at most a day.

    Example: ``retry_delay(3, 60) == 240``."""
    wait = min(base * 2 ** max(attempts - 1, 0), MAX_WAIT_SECONDS)
    return max(wait, failure.retry_after if failure else 0)


def _seconds(value):
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0

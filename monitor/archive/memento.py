"""One archived copy (a memento), fetched raw: ``<archive>/web/<timestamp>id_/<url>``.

The ``id_`` suffix asks for the bytes as captured, not the archive's rewritten page
with its toolbar. The archive may redirect to a copy at another moment (followed);
it answers its own pages for what it cannot show (excluded sites, missing copies,
errors): those carry no ``Memento-Datetime`` header and are never read as the page.
"""

import dataclasses
import re
import time

from wayback.exceptions import RateLimitError, WaybackException

from monitor.archive.cdx import MAX_TRIES, retry_after, timestamp_iso, unreachable
from monitor.errors import ArchiveError
from monitor.items import PageFetch

MEMENTO_PATH = re.compile(r"/web/(\d{4,14})(?:[a-z]{2}_)?/(.+)$")
MAX_REDIRECTS = 5
ORIGINAL_PREFIX = "x-archive-orig-"
# Words of the archive's own pages (a copy that is one of them is not the page).
ARCHIVE_PAGE_SIGNS = ("This URL has been excluded from the Wayback Machine",
                      "Wayback Machine doesn't have that page archived",
                      "AdministrativeAccessControlException", "RobotAccessControlException")


@dataclasses.dataclass(frozen=True)
class Memento:
    fetch: PageFetch | None  # the copy as a fetch dated at its capture; None: not a copy
    memento_url: str
    problem: str | None = None  # why it is not read (an archive page, a failure)


def memento_url(archive_url, timestamp, url):
    return f"{archive_url.rstrip('/')}/web/{timestamp}id_/{url}"


def fetch(session, archive_url, capture, source_id, backoff=60.0, sleep=time.sleep):
    """The capture's copy as a ``Memento``."""
    address = memento_url(archive_url, capture.timestamp, capture.url)
    for _ in range(MAX_REDIRECTS + 1):
        response = _get(session, address, backoff, sleep)
        target = _memento_redirect(response, archive_url)
        if target is None:
            return _read(response, address, capture, source_id)
        address = target
    return Memento(None, address, f"the archive redirected more than {MAX_REDIRECTS} times")


def _get(session, address, backoff, sleep):
    wait = backoff
    for _ in range(MAX_TRIES):
        try:
            return session.request("GET", address, allow_redirects=False)
        except RateLimitError as error:  # never asked again sooner than the time before
            wait = max(wait, retry_after(error))
            sleep(wait)
            wait *= 2
        except (OSError, WaybackException) as error:
            raise ArchiveError(unreachable(address.split("/web/")[0], error)) from None
    raise ArchiveError(f"the archive kept answering 'too many requests' (429) for {address}; "
                       "run the backfill again later: it goes on where it stopped")


def _memento_redirect(response, archive_url):
    """The archive's redirect to another copy (``/web/<ts>id_/...``), or None."""
    location = response.headers.get("Location")
    if response.status_code not in (301, 302, 303, 307, 308) or not location:
        return None
    if location.startswith("/"):
        location = archive_url.rstrip("/") + location
    match = MEMENTO_PATH.search(location)
    if not match:
        return None
    return memento_url(archive_url, match.group(1), match.group(2))


def _read(response, address, capture, source_id):
    if response.status_code >= 500:  # the archive's trouble, not the copy's: stop, resume later
        raise ArchiveError(f"the archive failed ({response.status_code}) for {address}. Run the "
                           "backfill again later: it goes on where it stopped")
    problem = archive_page(response.status_code, response.headers, response.content)
    if problem:
        return Memento(None, address, problem)
    match = MEMENTO_PATH.search(address)
    timestamp = match.group(1) if match else capture.timestamp
    at = timestamp_iso(timestamp)
    headers = original_headers(response.headers)
    content_type = response.headers.get("Content-Type")
    final = match.group(2) if match else capture.url  # where a redirect of the site led
    return Memento(PageFetch(source_id=source_id, url=capture.url, fetched_at=at, final_url=final,
                             status=200, headers=headers, content_type=content_type,
                             body=response.content), address)


def archive_page(status, headers, body):
    """Why an answer is the archive's own page rather than a copy, or None."""
    if status != 200:
        return f"the archive answered {status} for this copy"
    start = body[:4000].decode("utf-8", "replace")
    for sign in ARCHIVE_PAGE_SIGNS:
        if sign in start:
            return f"the archive showed its own page instead of the copy ('{sign}')"
    if not headers.get("Memento-Datetime"):
        return "the archive's answer is not a copy (no Memento-Datetime header): an error or block page"
    return None


def original_headers(headers):
    """The headers the site sent when the copy was made (the archive gives them as
    ``X-Archive-Orig-*``), and the content type."""
    kept = {name[len(ORIGINAL_PREFIX):].title(): value for name, value in headers.items()
            if name.lower().startswith(ORIGINAL_PREFIX)}
    if headers.get("Content-Type"):
        kept["Content-Type"] = headers["Content-Type"]
    return kept

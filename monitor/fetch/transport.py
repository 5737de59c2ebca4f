"""Transport failures and response headers, in the words and shape we store."""

from scrapy.exceptions import (
    CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
    DownloadFailedError, DownloadTimeoutError, IgnoreRequest, ResponseDataLossError,
)

KEPT_HEADERS = ("ETag", "Last-Modified", "Content-Length", "Retry-After")

FAILURE_WORDS = (
    (CannotResolveHostError, "the site's address could not be found (no internet connection, "
                             "or the domain no longer exists)"),
    (DownloadConnectionRefusedError, "the site refused the connection"),
    (DownloadTimeoutError, "the site did not answer in time"),
    (DownloadCancelledError, "the page was larger than the size limit (settings.max_body_mb), "
                             "so the download was stopped"),
    (ResponseDataLossError, "the connection was cut before the whole page arrived"),
    (DownloadFailedError, "the connection failed or was cut before the page arrived"),
)


def describe_failure(failure):
    """A plain-words description of why a request failed."""
    error = failure.value
    if isinstance(error, IgnoreRequest):
        return _ignored(str(error))
    for kind, words in FAILURE_WORDS:
        if isinstance(error, kind):
            return words
    name = type(error).__name__
    if "DNS" in name or "Lookup" in name:
        return FAILURE_WORDS[0][1]
    if "Timeout" in name:
        return "the site did not answer in time"
    if "Refused" in name:
        return "the site refused the connection"
    if "ConnectionLost" in name or "ResponseFailed" in name or "ConnectionDone" in name:
        return "the connection was cut before the whole page arrived"
    return f"the fetch failed ({name}: {str(error)[:200]})"


def _ignored(reason):
    if "robots.txt" in reason:
        return ("the site's robots.txt forbids fetching this page; to fetch it anyway, add "
                "ignore_robots_txt: \"<your reason>\" to this source")
    if "DOWNLOAD_MAXSIZE" in reason:
        return ("the page unpacks to more than the size limit (settings.max_body_mb): a "
                "compressed 'bomb' or a runaway page, so it was not stored")
    if "redirection" in reason:
        return "the address redirects in a loop (too many redirects)"
    return f"the request was dropped ({reason})"


def selected_headers(headers):
    """The response headers worth keeping as evidence, as a plain dict."""
    kept = {}
    for name in KEPT_HEADERS:
        value = headers.get(name)
        if value:
            kept[name] = value.decode("latin-1")
    return kept

"""Downloader middlewares: retries with back-off (honouring Retry-After), and a
robots.txt check that holds for every page of a site."""

import asyncio
import email.utils
import time

from scrapy.downloadermiddlewares import robotstxt as scrapy_robotstxt
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred
from scrapy.utils.response import response_status_message

MAX_WAIT_SECONDS = 600


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but waiting base * 2^n seconds (or Retry-After) first."""

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff = settings.getfloat("DW_RETRY_BACKOFF", 10.0)

    async def process_response(self, request, response):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(self._wait(retry, response.headers.get(b"Retry-After")))
        return retry

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is not None:
            await asyncio.sleep(self._wait(retry, None))
        return retry

    def _wait(self, retry, retry_after):
        attempt = retry.meta.get("retry_times", 1)
        wait = self.backoff * 2 ** (attempt - 1)
        asked = parse_retry_after(retry_after)
        if asked is not None:
            wait = max(wait, asked)
        return min(wait, MAX_WAIT_SECONDS)


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    if text.strip().isdigit():
        return float(text.strip())
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - (now or time.time()))


class RobotsTxtMiddleware(scrapy_robotstxt.RobotsTxtMiddleware):
    """Scrapy's robots.txt check, fixed for pages that wait for robots.txt.

    In Scrapy 2.19 every request that arrives while a site's robots.txt is
    still downloading awaits the same Deferred; the first waiter consumes its
    result and the others get None, which means "allowed". Each waiter here
    gets its own Deferred that receives the parser.
    """

    async def robot_parser(self, request):
        parser = self._parsers.get(urlparse_cached(request).netloc)
        if isinstance(parser, Deferred):
            waiter = Deferred()
            parser.addBoth(lambda result: (waiter.callback(result), result)[1])
            return await maybe_deferred_to_future(waiter)
        return await super().robot_parser(request)

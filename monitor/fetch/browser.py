"""Pages that need a browser: ``render: browser`` sources, fetched through a headless
Chromium by ``scrapy-playwright``.

Everything about the browser lives here:

* ``crawl_settings(sources, settings)``: the Scrapy settings a crawl needs when one of
  its sources is rendered (none otherwise: a crawl of plain pages never starts a
  browser). The system's Chromium (Debian's ``chromium``; never ``playwright
  install``), one browser for the crawl, ``MAX_PAGES_AT_ONCE`` pages at a time, each in
  a context of its own, closed after the page; a navigation time limit
  (``settings.browser_timeout_seconds``) and a memory ceiling
  (``settings.browser_memory_mb``: a browser grown past it takes no new page and is
  closed once its open pages are done; the next rendered page starts a new one).
* ``request_meta(target)``: what the spider adds to a rendered source's request. Only
  those requests go through the browser (``playwright: True``); robots.txt, the
  per-site delay and the retries apply to them as to any request (they are Scrapy
  downloader middlewares, in front of the download handler).
* ``BrowserHandler``: scrapy-playwright's download handler, which here also puts each
  page behind a gate of its own (``monitor.fetch.gate``: the page reaches its own site
  and the public web, nothing else), stops it at its deadline whatever it does
  (``page_deadline``), refuses a page that ended on another site (``left_words``),
  takes the screenshot, closes the page's context and checks the browser's memory,
  all before the download ends; and at the crawl's end, leaves no Chromium running.
* ``describe_failure(failure)``: a browser failure (a page that never settles, a
  ``wait_for`` selector that never shows, a browser that crashed or was killed, a page
  the gate refused or stopped) in plain words. It costs that page an error; the crawl
  goes on, and the next rendered page starts a new browser if this one is gone.

The page is then analysed exactly like a plainly fetched page: its rendered HTML is
the body.
"""

import asyncio
import dataclasses
import os
import shutil
import sys

from monitor.items import PageFetch

HANDLER = "monitor.fetch.browser.BrowserHandler"  # scrapy-playwright's, closing each page
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--mute-audio",
                 # WebRTC sends UDP past any proxy, so past the page's gate: none at all
                 "--webrtc-ip-handling-policy=disable_non_proxied_udp"]
MAX_PAGES_AT_ONCE = 2
VIEWPORT = {"width": 1280, "height": 900}
# A full-page screenshot of an endless page is cut at this height (pixels).
MAX_SCREENSHOT_HEIGHT = 16000
# Seconds a page's context (and, at the crawl's end, the browser) may take to close
# before its Chromium is killed.
CLOSE_SECONDS = 10


@dataclasses.dataclass
class RenderedFetch(PageFetch):
    """A fetch through the browser: its body is the rendered HTML, and with
    ``screenshot: true`` it carries a full-page PNG of what the browser showed."""

    screenshot: bytes | None = dataclasses.field(default=None, repr=False)

    def __getstate__(self):
        """Sent to an analysis worker without the picture, which it never reads."""
        state = dict(self.__dict__)
        state.pop("screenshot", None)
        return state


def renders(source):
    return getattr(source, "render", None) == "browser"


def wants_screenshot(source):
    """``screenshot:`` as written, else on for rendered pages (plain pages have no
    picture to take)."""
    chosen = getattr(source, "screenshot", None)
    return renders(source) and (chosen is None or bool(chosen))


def target_fields(source):
    """What ``monitor.fetch.crawler`` adds to a rendered source's target."""
    if not renders(source):
        return {}
    return {"render": "browser", "wait_for": source.wait_for,
            "screenshot": wants_screenshot(source)}


def chromium_path(name):
    """The Chromium to run: ``settings.browser`` (a path, or a command on PATH)."""
    if os.sep in name:
        return name
    return shutil.which(name) or name


def crawl_settings(sources, settings):
    """Scrapy settings for a crawl of ``sources``: {} when none is rendered."""
    if not any(renders(source) for source in sources):
        return {}
    timeout_ms = settings["browser_timeout_seconds"] * 1000
    memory = settings["browser_memory_mb"]
    args = list(CHROMIUM_ARGS)
    if memory:  # each page's JavaScript heap, well under the whole browser's ceiling
        args.append(f"--js-flags=--max-old-space-size={max(64, int(memory // 4))}")
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": chromium_path(settings["browser"]),
                                      "args": args, "headless": True,
                                      "timeout": max(timeout_ms, 30000)},
        "PLAYWRIGHT_MAX_CONTEXTS": MAX_PAGES_AT_ONCE,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 1,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": timeout_ms,
        # an aborted navigation may be a file download: wait for it no longer than a page
        "PLAYWRIGHT_DOWNLOAD_TIMEOUT": int(timeout_ms),
        "DW_BROWSER_TIMEOUT_MS": timeout_ms,
        "DW_BROWSER_MEMORY_MB": memory,
    }


def request_meta(target, timeout_ms):
    """The request meta that sends ``target`` through the browser, or {}. Each page gets a
    context of its own (named for its source: a crawl fetches a source once)."""
    if target.get("render") != "browser":
        return {}
    from scrapy_playwright.page import PageMethod

    waiting = []
    if target.get("wait_for"):
        waiting = [PageMethod("wait_for_selector", target["wait_for"], state="attached",
                              timeout=timeout_ms)]
    return {
        "playwright": True,
        "playwright_context": f"dw-{target['id']}",
        "playwright_context_kwargs": {"viewport": VIEWPORT, "java_script_enabled": True,
                                      "service_workers": "block"},
        "playwright_include_page": True,  # BrowserHandler closes it, with its context
        "playwright_page_goto_kwargs": {"wait_until": "load" if waiting else "networkidle",
                                        "timeout": timeout_ms},
        "playwright_page_methods": waiting,
        # the browser follows the site's redirects and meta refreshes itself, behind its
        # gate: Scrapy's would fetch them anew, on no gate
        "dont_redirect": True,
        "dw_wait_for": target.get("wait_for"),
        "dw_screenshot": bool(target.get("screenshot")),
    }


def fetch_class(meta):
    return RenderedFetch if meta.get("playwright") else PageFetch


def extra_fields(meta):
    """The fields a rendered fetch adds (its screenshot)."""
    if not meta.get("playwright"):
        return {}
    return {"screenshot": meta.get("dw_screenshot_png")}


def __getattr__(name):
    """``BrowserHandler``, made on first use: importing scrapy-playwright (and Playwright)
    costs a crawl of plain pages nothing."""
    if name == "BrowserHandler":
        return _handler_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_HANDLER_CLASS = []


def _handler_class():
    if _HANDLER_CLASS:
        return _HANDLER_CLASS[0]
    from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

    class BrowserHandler(_PageClosing, ScrapyPlaywrightDownloadHandler):
        """scrapy-playwright's download handler, each rendered page closed with its context
        before the download ends (so the per-site delay counts from there)."""

    _HANDLER_CLASS.append(BrowserHandler)
    return BrowserHandler


class RenderError(Exception):
    """A rendered page that cannot be stored; the message says why, in words."""


class _PageClosing:
    """A rendered page behind its gate (``monitor.fetch.gate``), within its deadline
    (``page_deadline``), then its screenshot (when wanted) and its context closed. A
    browser past the memory ceiling takes no new page; the last page open in it closes
    it (never one still showing a page: that page would be cut off), and the next
    rendered page launches a new one. Plain requests pass to the HTTP handler."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.timeout_ms = crawler.settings.getfloat("DW_BROWSER_TIMEOUT_MS", 30000)
        self.memory_mb = crawler.settings.getfloat("DW_BROWSER_MEMORY_MB", 0)
        self.draining = None  # (browser, future done once it is closed) past the ceiling
        self.gates = {}  # context name -> the gate of the page shown in it

    async def download_request(self, request):
        if not request.meta.get("playwright"):
            return await super().download_request(request)
        await self._wait_for_draining()
        show = asyncio.ensure_future(self._show(request))  # cancelled at the page's deadline
        try:
            return await show
        except asyncio.CancelledError:
            overran = request.meta.get("dw_overran")
            if overran is None or _cancelling(asyncio.current_task()):
                raise
            raise RenderError(overran_words(overran)) from None
        except RenderError:
            raise
        except Exception as error:
            refused = self._refused_page(request)
            if refused:
                raise RenderError(refused) from error
            raise
        finally:
            timer = request.meta.pop("dw_deadline", None)
            if timer is not None:
                timer.cancel()
            await self._close_page(request)

    async def _show(self, request):
        response = await super().download_request(request)
        page = request.meta.get("playwright_page")
        gate = request.meta.get("dw_gate")
        if page is not None and gate is not None:
            left = left_words(gate.documents, page.url)
            if left:
                raise RenderError(left)
        if page is not None and request.meta.get("dw_screenshot") and response.status == 200:
            request.meta["dw_screenshot_png"] = await _screenshot(page, self.timeout_ms)
        return response

    def _refused_page(self, request):
        """Why the page itself could not be shown, when its gate refused it (its address
        redirected somewhere the rule refuses); None otherwise."""
        gate = request.meta.get("dw_gate")
        if gate is None or gate.documents or not gate.refused:
            return None
        return f"the browser was not let through to the page: {gate.refusal_words()}"

    async def _create_page(self, request, spider):
        """scrapy-playwright's, the page's context sending every connection through a
        gate of its own; its popups closed."""
        gate = request.meta.get("dw_gate")
        if gate is None:
            from monitor.fetch.gate import Gate

            gate = request.meta["dw_gate"] = Gate(request.url)
            request.meta["playwright_context_kwargs"] = {
                **(request.meta.get("playwright_context_kwargs") or {}),
                "proxy": {"server": await gate.open()}}
            self.gates[request.meta.get("playwright_context")] = gate
        page = await super()._create_page(request=request, spider=spider)
        await gate.watch(page)
        if "dw_deadline" not in request.meta:  # from the page's start, not its wait for a turn
            seconds = page_deadline(self.timeout_ms / 1000, request.meta)
            request.meta["dw_deadline"] = asyncio.get_running_loop().call_later(
                seconds, _overrun, asyncio.current_task(), request, seconds)
        return page

    def _make_request_handler(self, context_name, **kwargs):
        handler = super()._make_request_handler(context_name=context_name, **kwargs)
        gate = self.gates.get(context_name)
        return gate.guarded(handler) if gate is not None else handler

    async def _wait_for_draining(self):
        if self.draining is None:
            return
        try:  # a page stuck in the old browser must not hold the crawl for ever
            await asyncio.wait_for(asyncio.shield(self.draining[1]), 3 * self.timeout_ms / 1000)
        except asyncio.TimeoutError:
            pass

    async def _close_page(self, request):
        """Close the page's context (and its gate). A context that does not close in time
        (a renderer stuck in a script) takes the browser with it: it is killed."""
        page = request.meta.pop("playwright_page", None)
        gate = request.meta.pop("dw_gate", None)
        name = request.meta.get("playwright_context")
        if self.gates.get(name) is gate:
            self.gates.pop(name, None)
        wrapper = self.context_wrappers.get(name)
        context = page.context if page is not None else wrapper and wrapper.context
        browser = context.browser if context is not None else None
        if context is not None and not await _within(context.close(), CLOSE_SECONDS):
            kill_browsers()
            browser = None
        if gate is not None:
            await gate.close()
        if browser is None or not self.memory_mb:
            return
        if self.draining is None and over_ceiling(self.memory_mb):
            self.draining = (browser, asyncio.get_running_loop().create_future())
        if self.draining is not None and self.draining[0] is browser and not browser.contexts:
            await self._retire(browser)

    async def _close(self):
        """At the crawl's end (scrapy-playwright's own ``_close``: its contexts, the browser
        and Playwright), bounded; whatever Chromium is left then is killed, so no browser
        outlives its crawl."""
        await _within(super()._close(), CLOSE_SECONDS)
        kill_browsers()

    async def _retire(self, browser):
        try:
            await browser.close()  # scrapy-playwright launches a new one when needed
        except Exception:  # noqa: BLE001 - already gone
            pass
        await asyncio.sleep(0)  # scrapy-playwright forgets it (its "disconnected" callback)
        _, closed = self.draining
        self.draining = None
        closed.set_result(None)


def page_deadline(timeout_seconds, meta):
    """The seconds a rendered page may take, whatever it does: ``browser_timeout_seconds``
    for each of its steps (loading, the ``wait_for`` selector, the picture).

    Example: ``page_deadline(10, {"dw_wait_for": "main", "dw_screenshot": True}) == 30``.
    """
    steps = 1 + bool(meta.get("dw_wait_for")) + bool(meta.get("dw_screenshot"))
    return timeout_seconds * steps


def overran_words(seconds):
    return (f"the page kept the browser busy past its deadline of {seconds:g} s (a script "
            "that never ends, or dialogs or navigations without end), so it was stopped and "
            "nothing of it is stored. If the page is only slow, raise "
            "settings.browser_timeout_seconds")


def left_words(documents, final_url):
    """None when the page ends on the origin of the document its address gave (after the
    site's own redirects), else why nothing of it is stored, in words."""
    from monitor.fetch.reach import origin

    if not documents or origin(final_url) == origin(documents[0]):
        return None
    return (f"the page sent the browser on to another site ({final_url[:200]}) by a script, "
            f"a form or a meta refresh: nothing of that site is stored as this page. If the "
            "page has moved, write its new address in sources.yaml")


def _overrun(task, request, seconds):
    request.meta["dw_overran"] = seconds
    task.cancel()


def _cancelling(task):
    """Whether ``task`` itself is being cancelled (Python 3.11+ can tell)."""
    return bool(getattr(task, "cancelling", lambda: 0)())


async def _within(awaitable, seconds):
    """Await ``awaitable`` for at most ``seconds``; True when it ended (even failing)."""
    try:
        await asyncio.wait_for(awaitable, seconds)
    except asyncio.TimeoutError:
        return False
    except Exception:  # noqa: BLE001 - a browser already gone has nothing left to close
        pass
    return True


def kill_browsers(root=None):
    """Kill the Chromium processes below ``root`` (this process): a browser that
    does not close in time, or is left at the crawl's end."""
    import signal

    for pid, name, _ in process_tree(root or os.getpid()):
        if name.startswith("chrom"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


async def _screenshot(page, timeout_ms):
    """A full-page PNG, or None when the browser cannot take it (the page is kept)."""
    try:
        height = await page.evaluate("document.documentElement.scrollHeight")
        if isinstance(height, (int, float)) and height > MAX_SCREENSHOT_HEIGHT:
            return await page.screenshot(type="png", full_page=True, timeout=timeout_ms, clip={
                "x": 0, "y": 0, "width": VIEWPORT["width"], "height": MAX_SCREENSHOT_HEIGHT})
        return await page.screenshot(type="png", full_page=True, timeout=timeout_ms)
    except Exception:  # noqa: BLE001 - no picture is not a failed fetch
        return None


# -- memory: the browser's processes under this crawl process -----------------------


def over_ceiling(memory_mb, root=None):
    return browser_rss_mb(root) > memory_mb


def browser_rss_mb(root=None):
    """Resident memory (MB) of the Chromium processes below ``root`` (this process)."""
    tree = process_tree(root or os.getpid())
    return sum(rss for _, name, rss in tree if name.startswith("chrom")) / 2**20


def process_tree(root):
    """``(pid, name, rss bytes)`` of ``root`` and every process below it, from /proc."""
    children, info = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        stat = _stat(int(entry))
        if stat is not None:
            pid, name, parent, rss = stat
            children.setdefault(parent, []).append(pid)
            info[pid] = (name, rss)
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in info:
            found.append((pid, *info[pid]))
        todo.extend(children.get(pid, ()))
    return found


def _stat(pid):
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return pid, name, int(fields[1]), int(fields[21]) * os.sysconf("SC_PAGE_SIZE")


# -- failures, in plain words ---------------------------------------------------------


CRASHED = ("the browser (Chromium) stopped while it was showing the page: it crashed, ran "
           "out of memory or was killed. The crawl went on; the next check starts a new browser")
NET_WORDS = {
    "ERR_CONNECTION_REFUSED": "the site refused the connection",
    "ERR_NAME_NOT_RESOLVED": "the site's address could not be found (no internet connection, "
                             "or the domain no longer exists)",
    "ERR_CONNECTION_RESET": "the connection was cut before the whole page arrived",
    "ERR_CONNECTION_CLOSED": "the connection was cut before the whole page arrived",
    "ERR_EMPTY_RESPONSE": "the site closed the connection without answering",
    "ERR_TOO_MANY_REDIRECTS": "the address redirects in a loop (too many redirects)",
    "ERR_TIMED_OUT": "the site did not answer in time",
}


def describe_failure(failure):
    """A plain-words description of why a rendered (or plain) request failed."""
    error = failure.value
    from monitor.fetch.reach import Unreachable
    from monitor.fetch.transport import describe_failure as describe_transport_failure

    if isinstance(error, (RenderError, Unreachable)):
        return str(error)
    # a browser error can only come from a crawl that imported Playwright: a plain crawl's
    # failure is told without importing it (0.2 s of CPU per failing crawl)
    playwright = sys.modules.get("playwright.async_api")
    if playwright is None or not isinstance(error, playwright.Error):
        return describe_transport_failure(failure)
    seconds = failure.request.meta.get("playwright_page_goto_kwargs", {}).get("timeout", 0) / 1000
    return browser_words(type(error).__name__, str(error), seconds,
                         failure.request.meta.get("dw_wait_for"))


def browser_words(kind, message, seconds, wait_for=None):
    """Table-tested core of ``describe_failure``: the error's class name and message."""
    if "Executable doesn't exist" in message or "ENOENT" in message or \
            "Failed to launch" in message and "No such file" in message:
        return ("Chromium, the browser that shows render: browser pages, was not found. Fix: "
                "install it (on Debian: apt-get install chromium), or set settings.browser "
                "to its path")
    if kind == "TimeoutError":
        if wait_for and "waiting for locator" in message:
            return (f"the browser showed the page, but the wait_for selector '{wait_for}' "
                    f"did not appear within {seconds:g} s: did the page layout change?")
        return (f"the page did not settle in the browser within {seconds:g} s (it kept "
                "loading). To allow more time, raise settings.browser_timeout_seconds, or set "
                "wait_for: to a CSS selector of the content, so the browser waits only for that")
    if kind == "TargetClosedError" or "has been closed" in message or "crash" in message.lower():
        return CRASHED
    for code, words in NET_WORDS.items():
        if code in message:
            return words
    first = message.strip().splitlines()[0][:200] if message.strip() else kind
    return f"the browser could not show the page ({first})"

"""Where a fetch may go: the public web, and the addresses the operator wrote.

dialogue-watch fetches what others publish, and a page it fetches can point
anywhere: a link it follows, a script in a page it renders. Run on a machine with
services of its own (a workspace, a cloud instance's metadata service at
169.254.169.254), such a page must not reach them. So what nobody on the
operator's side typed in reaches only public addresses:

* ``refusal(url, allowed)``: None when ``url`` may be fetched, else why not, in
  words. ``allowed`` holds the origins (scheme, host, port) the operator wrote in
  sources.yaml: those may be anything, loopback included. Any other host is
  resolved, and every address it resolves to must be public: no loopback,
  link-local (cloud metadata), private, shared (CGNAT), unspecified, multicast
  or reserved address. ``file:`` and other local schemes are refused.
* ``address_refusal(url, ip, allowed)``: the same rule for the address a
  connection actually reached (the check after DNS: a name may resolve one way
  for the check and another for the fetch); ``addresses_refusal`` for a host's
  addresses, once resolved.
* ``ReachMiddleware``: the rule in every crawl, for the requests of pages the
  operator did not write (followed documents) and for the redirects of written
  pages on public addresses. The browser applies it to every request a rendered
  page makes (``monitor.fetch.browser``).
"""

import asyncio
import functools
import ipaddress
import socket
from urllib.parse import urlsplit


NETWORK_SCHEMES = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# What a page makes in itself; never fetched from anywhere (never stored as a page either).
IN_PAGE_SCHEMES = {"data", "blob", "about"}
# NAT64's well-known prefix: the IPv4 address inside is the one reached.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
SHARED = ipaddress.ip_network("100.64.0.0/10")
METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
ONLY_PUBLIC = ("dialogue-watch reaches only the public web from pages that nobody typed "
               "into sources.yaml")


def __getattr__(name):
    """``Unreachable``, made when first asked for: it is a Scrapy exception, and the
    command that prepares a crawl reads this module without importing Scrapy (issue 27)."""
    if name == "Unreachable":
        return _unreachable()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _unreachable():
    from scrapy.exceptions import IgnoreRequest

    class Unreachable(IgnoreRequest):
        """A request the rule refused; its message says why, in words."""

    Unreachable.__module__ = __name__
    return Unreachable


def origin(url):
    """``(scheme, host, port)`` of ``url``, the port filled in. Example:
    ``origin("HTTP://Example.org/a") == ("http", "example.org", 80)``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or NETWORK_SCHEMES.get(scheme)


def origins(urls):
    """The origins of ``urls``, as a sorted list of tuples (sent to the crawl child)."""
    return sorted({origin(url) for url in urls})


def refusal(url, allowed=(), resolve=None):
    """None when ``url`` may be fetched, else the reason in words. ``resolve(host)``
    returns the host's addresses (default: the system's resolver, every address).

    Example: ``refusal("http://127.0.0.1:8080/", [("http", "127.0.0.1", 8080)]) is None``.
    """
    scheme = urlsplit(url).scheme.lower()
    if scheme in IN_PAGE_SCHEMES:
        return None
    if scheme not in NETWORK_SCHEMES:
        return f"{_short(url)} is a {scheme or 'relative'}: address, not a page of the web"
    if origin(url) in {tuple(o) for o in allowed}:
        return None
    host = origin(url)[1]
    if not host:
        return f"{_short(url)} names no host"
    try:
        addresses = (resolve or resolve_host)(host)
    except (OSError, UnicodeError):
        return f"the address of {host} could not be found, so it cannot be checked"
    return addresses_refusal(_short(url), addresses)


def addresses_refusal(where, addresses):
    """None when every one of ``addresses`` (what a host resolved to) is public, else
    why not: ``where`` names the page or host in the words."""
    if not addresses:
        return f"the address of {where} could not be found"
    for address in addresses:
        words = address_words(address)
        if words:
            return f"{where} is {words}: {ONLY_PUBLIC}"
    return None


def address_refusal(url, ip, allowed=()):
    """None when a connection for ``url`` may have reached ``ip`` (a string), else why not."""
    if not ip or origin(url) in {tuple(o) for o in allowed}:
        return None
    words = address_words(ip)
    return f"{_short(url)} led to {words}: {ONLY_PUBLIC}" if words else None


def address_words(address):
    """None for a public address, else what it is, in words. Example:
    ``address_words("169.254.169.254") == "a cloud metadata address (169.254.169.254)"``."""
    try:
        ip = _unwrapped(ipaddress.ip_address(str(address).split("%")[0].strip("[]")))
    except ValueError:
        return f"not an address ({address})"
    for test, kind in ADDRESS_KINDS:
        if test(ip):
            return f"{kind} ({ip})"
    return None


ADDRESS_KINDS = (
    (lambda ip: ip in METADATA, "a cloud metadata address"),
    (lambda ip: ip.is_loopback, "a loopback address, on this machine"),
    (lambda ip: ip.is_link_local, "a link-local address"),
    (lambda ip: ip.is_unspecified, "the unspecified address"),
    (lambda ip: ip.is_multicast, "a multicast address"),
    (lambda ip: ip in SHARED, "a carrier-grade NAT address"),
    (lambda ip: ip.is_reserved, "a reserved address"),
    (lambda ip: ip.is_private, "a private network address"),
    (lambda ip: not ip.is_global, "a reserved address"),
)


def _unwrapped(ip):
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, Teredo), else ``ip``."""
    if ip.version == 6:
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip in NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if ip.sixtofour:
            return ip.sixtofour
        if ip.teredo:
            return ip.teredo[1]
    return ip


def resolve_host(host):
    """Every address ``host`` resolves to (an address literal is itself)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def _short(url):
    return url if len(url) <= 120 else url[:117] + "..."


# -- in the crawl: every plain request of a page the operator did not write ----------


class ReachMiddleware:
    """Refuses, before it is sent, a page's request that the rule refuses, and a
    response whose connection reached a refused address. ``DW_WRITTEN_ORIGINS`` (a
    setting) holds the origins written in sources.yaml; a request's meta says whose
    page it is (``source_id``) and whether the operator wrote that page
    (``dw_written``). A written page's own address is never checked, nor, when that
    address is not public itself, where it redirects (the operator chose to watch a
    site on their own network); a followed document is always checked. Requests of
    no page (robots.txt) pass: they go where the page's own request went."""

    def __init__(self, written=()):
        self.written = frozenset(tuple(o) for o in written)
        self.resolve = functools.lru_cache(maxsize=1024)(resolve_host)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getlist("DW_WRITTEN_ORIGINS"))

    async def process_request(self, request):
        if await self._checked(request):
            reason = await asyncio.to_thread(refusal, request.url, self.written, self.resolve)
            if reason:
                raise _unreachable()(reason)

    async def process_response(self, request, response):
        if await self._checked(request):
            reason = address_refusal(response.url, _ip(response), self.written)
            if reason:
                raise _unreachable()(reason)
        return response

    async def _checked(self, request):
        if "source_id" not in request.meta:
            return False
        if not request.meta.get("dw_written"):
            return True
        redirects = request.meta.get("redirect_urls")
        if not redirects:
            return False  # the written address itself
        # redirected from a public site: checked; from one on the operator's network: not
        return await asyncio.to_thread(refusal, redirects[0], (), self.resolve) is None


def _ip(response):
    return str(response.ip_address) if getattr(response, "ip_address", None) else None

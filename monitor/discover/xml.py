"""XML from the internet, read safely and within bounds. Pure.

``defusedxml`` refuses entity declarations (the "billion laughs"), external entities
and external DTDs; a gzip body (``.xml.gz``) is unpacked at most ``MAX_UNPACKED``
bytes (a gzip bomb stops there); a document that is not well-formed in its declared
encoding is read again as UTF-8 with the bad bytes replaced. Every problem is a
``DiscoveryError`` in plain words.
"""

import gzip
import io
import re
import zlib

import defusedxml
from defusedxml import ElementTree as SafeTree
from xml.etree.ElementTree import ParseError

# The sitemap protocol's own ceiling for one file, unpacked.
MAX_UNPACKED = 50 * 2**20
_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")


class DiscoveryError(Exception):
    """A discovery source's answer could not be read; the message says why, in words."""


def unpack(body, limit=MAX_UNPACKED):
    """``body`` itself, or unpacked when it is gzip; DiscoveryError past ``limit``."""
    if not body.startswith(b"\x1f\x8b"):
        if len(body) > limit:
            raise DiscoveryError(f"the file is larger than {limit // 2**20} MB; it was not read")
        return body
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as packed:
            while chunk := packed.read(2**20):
                out.write(chunk)
                if out.tell() > limit:
                    raise DiscoveryError(f"the compressed file unpacks to more than "
                                         f"{limit // 2**20} MB (a sitemap may hold 50 MB); "
                                         "it was not read")
    except (OSError, EOFError, zlib.error) as error:
        raise DiscoveryError(f"the compressed file is damaged ({error})") from None
    return out.getvalue()


def read(body, reader):
    """``reader(elements)``: ``elements`` yields (tag without namespace, element) at each
    element's end, records (``RECORDS``) cleared once read, so a 50,000-entry sitemap is
    never held as a tree. A document that is not well-formed is read again as UTF-8
    with bad bytes replaced (a feed that lies about its encoding)."""
    data = unpack(body)
    try:
        return reader(_iterate(data))
    except ParseError:
        pass
    try:
        return reader(_iterate(_as_utf8(data)))
    except ParseError as error:
        raise DiscoveryError(f"the file is not well-formed XML ({error})") from None


RECORDS = {"url", "sitemap", "item", "entry"}


def _iterate(data):
    try:
        for _, element in SafeTree.iterparse(io.BytesIO(data), events=("end",)):
            tag = local(element.tag)
            yield tag, element
            if tag in RECORDS:
                element.clear()
    except defusedxml.DefusedXmlException:
        raise DiscoveryError("the file declares XML entities or an external document, "
                             "which are refused (they can fill the memory or read other "
                             "files); it was not read") from None


def _as_utf8(data):
    """The document re-encoded as UTF-8 with bad bytes replaced and its declaration
    (which may name the wrong encoding) dropped; DiscoveryError if still unreadable."""
    data = _DECLARATION.sub(b"", data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:  # most often Windows-1252 said to be UTF-8, or said nothing
        text = data.decode("cp1252", "replace")
    text = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)
    return text.encode("utf-8")


def local(tag):
    """'{http://www.w3.org/2005/Atom}entry' -> 'entry'."""
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def child_text(element, *names):
    """The text of ``element``'s first child named one of ``names`` (any namespace)."""
    for child in element:
        if local(child.tag) in names:
            return "".join(child.itertext()).strip()
    return ""

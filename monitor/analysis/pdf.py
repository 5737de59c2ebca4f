"""Text and modification date from PDF bytes, per page. Pure functions (pypdf).

pypdf is imported on the first PDF, not with this module: most crawls read
none, and every crawl process and analysis worker imports this module.
"""

import dataclasses
import io
import logging

logging.getLogger("pypdf").setLevel(logging.ERROR)


class PdfProblem(Exception):
    """The PDF cannot be read; the message says why in plain words."""


@dataclasses.dataclass(frozen=True)
class PdfText:
    text: str
    moddate: str | None
    page_count: int


def pdf_text(body, pages=()):
    """Text of the pages asked for (1-based; all when empty) and the /ModDate."""
    from pypdf.errors import PdfReadError, PyPdfError

    reader = _reader(body)
    count = len(reader.pages)
    wanted = list(pages) or list(range(1, count + 1))
    missing = [p for p in wanted if p > count]
    if missing:
        raise PdfProblem(f"the PDF has {count} pages, but sources.yaml asks for page "
                         f"{missing[0]}: check 'pages:' for this source")
    try:
        parts = [reader.pages[p - 1].extract_text() or "" for p in wanted]
    except (PdfReadError, PyPdfError, ValueError, KeyError) as error:
        raise PdfProblem(f"the PDF's text cannot be read ({error})") from None
    return PdfText("\n".join(parts), _moddate(reader), count)


def _reader(body):
    from pypdf import PdfReader

    if not body.lstrip()[:5] == b"%PDF-":
        raise PdfProblem("the address did not return a PDF")
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted and not reader.decrypt(""):
            raise PdfProblem("the PDF is password-protected, so its text cannot be read")
        len(reader.pages)
    except PdfProblem:
        raise
    except Exception as error:  # pypdf raises many kinds on damaged files
        raise PdfProblem(f"the PDF is damaged and cannot be read ({type(error).__name__})") from None
    return reader


def _moddate(reader):
    try:
        info = reader.metadata or {}
        value = info.get("/ModDate") or info.get("/CreationDate")
    except Exception:
        return None
    return str(value) if value else None

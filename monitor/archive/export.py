"""``dialogue-watch export``: every stored capture as a WARC file (or a WACZ).

Each capture becomes a WARC ``request`` and ``response`` record pair (``warcio``):
the address, the fetch time as ``WARC-Date``, the headers the site sent as stored,
the bytes as captured, and ``WARC-Payload-Digest`` = the SHA-256 the database keeps
for them (base32, ``sha256:...``), so anyone can check the file against the
database. A copy imported from the Internet Archive names its memento in
``WARC-Source-URI``. A ``.wacz`` is that WARC packed with its index and page list
by the ``wacz`` package (offline; unsigned), for ReplayWeb.page and pywb.

Evidence is checked as it moves: the database (SQLite's ``quick_check``) and each
capture (its SHA-256) before it is written; the file is whole or absent.
"""

import base64
import contextlib
import errno
import http
import io
import json
import os
import secrets
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from monitor.errors import DamagedError, ExportError
from monitor.store import archive as archive_store
from monitor.store import verify
from monitor.store.connection import db_path

# Headers that described the transfer, not the bytes kept (stored decoded, whole).
TRANSFER_HEADERS = {"content-encoding", "transfer-encoding", "content-length"}


def export(db, path, source_ids=(), fetch_ids=()):
    """Write every stored capture of ``source_ids`` (all when empty) to ``path``
    (``.warc.gz`` or ``.wacz``); return how many captures were written. ``fetch_ids``: only
    these captures (the workspace's "cite this change": the one before and the one after).

    The database is checked first (``PRAGMA quick_check``) and each capture as it is
    written (its SHA-256): a damaged one stops the export (``DamagedError``). The file
    is written under a temporary name in the same folder and renamed at the end, so
    ``path`` is the whole export or nothing; a folder missing or a disk full is an
    ``ExportError``.
    """
    path = Path(path)
    if not path.name.endswith((".wacz", ".warc.gz", ".warc")):
        raise ExportError(f"'{path}' should end in .warc.gz (or .wacz): the file type "
                          "is read from its name")
    _check_folder(path)
    _check_database(db)
    with _whole_or_nothing(path) as draft:
        if path.name.endswith(".wacz"):
            return _wacz(db, path, draft, source_ids, fetch_ids)
        with open(draft, "xb") as out:
            return write_warc(db, out, source_ids, gzip=not path.name.endswith(".warc"),
                              name=path.name, fetch_ids=fetch_ids)


def _captures(db, source_ids, fetch_ids):
    """The stored captures of ``source_ids`` (all when empty), only ``fetch_ids`` when given."""
    return (capture for capture in archive_store.stored_captures(db, source_ids, with_bodies=False)
            if not fetch_ids or capture["id"] in fetch_ids)


def write_warc(db, out, source_ids=(), gzip=True, name=None, fetch_ids=()):
    """Every stored capture as WARC records on the stream ``out``, each checked against
    its SHA-256 first; return how many. ``name``: the file's name (in the warcinfo)."""
    writer = WARCWriter(out, gzip=gzip, warc_version="1.1")
    writer.write_record(writer.create_warcinfo_record(name or getattr(out, "name", "export.warc.gz"), {
        "software": f"dialogue-watch {_version()}",
        "format": "WARC File Format 1.1",
        "description": "Every capture dialogue-watch stored; WARC-Payload-Digest is the "
                       "SHA-256 of the bytes as kept in its database"}))
    count = 0
    for capture in _captures(db, source_ids, fetch_ids):
        capture["body"] = _checked_body(db, capture)
        response = response_record(writer, capture)
        writer.write_record(response)
        writer.write_record(request_record(writer, capture, response.rec_headers.get_header("WARC-Record-ID")))
        count += 1
    return count


def _checked_body(db, capture):
    body, why = verify.read(db.conn, "bodies", capture["body_sha256"])
    if why:
        damage = verify.words(db.conn, verify.Damage("bodies", capture["body_sha256"], why))
        raise DamagedError(f"{damage}: the database {db_path(db)} is damaged. Nothing was exported. "
                           "Fix: restore the database from a backup (or export the other pages, "
                           "by id); keep this one for inspection.")
    return body


def _check_folder(path):
    folder = path.parent
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ExportError(f"The folder {folder} {what}: nothing was written. Fix: create it "
                          f"(mkdir -p {folder}) or give --out a file in an existing folder.")


def _check_database(db):
    where = db_path(db)
    problems = verify.file_problems(where) if where.is_file() else []  # (an in-memory database)
    if problems:
        raise DamagedError(f"The database {where} is damaged: SQLite's own check of it says "
                           f"'{problems[0]}'. Nothing was exported. Fix: restore it from a backup; "
                           "keep this one for inspection.")


@contextlib.contextmanager
def _whole_or_nothing(path):
    """A temporary file next to ``path`` (on the same disk), renamed to ``path`` when the
    block ends well and removed otherwise: a reader never sees half an export."""
    draft = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.partial")
    try:
        yield Path(draft)
        os.replace(draft, path)
    except OSError as error:
        raise _not_written(path, error) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(draft)


def _not_written(path, error):
    """An ``OSError`` while writing the export, in plain words."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return ExportError(f"The disk holding {path.parent} is full: {path.name} was not written "
                           "(the part written was removed). Fix: free some space, or give --out a "
                           "file on another disk, and export again.")
    if error.errno == errno.EFBIG:
        return ExportError(f"{path.name} grew past the largest file this system lets dialogue-watch "
                           "write (ulimit -f): it was not written (the part written was removed). "
                           "Fix: raise the limit, or export fewer pages at a time (by id).")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(f"dialogue-watch may not write in {path.parent} ({error.strerror}): "
                           f"{path.name} was not written. Fix: give --out a file in a folder you "
                           "can write to.")
    return ExportError(f"{path} could not be written ({error.strerror or error}): nothing was "
                       "written (the part written was removed).")


def payload_digest(sha256_hex):
    """The WARC form of a stored SHA-256: ``sha256:`` and base32."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode("ascii")


def response_record(writer, capture):
    headers = [(name, value) for name, value in json.loads(capture["headers"] or "{}").items()
               if name.lower() not in TRANSFER_HEADERS]
    if capture["content_type"] and not any(n.lower() == "content-type" for n, _ in headers):
        headers.append(("Content-Type", capture["content_type"]))
    headers.append(("Content-Length", str(len(capture["body"]))))
    status = capture["status"] or 200
    http_headers = StatusAndHeaders(f"{status} {_phrase(status)}", headers, protocol="HTTP/1.1")
    warc = {"WARC-Date": capture["at"], "WARC-Payload-Digest": payload_digest(capture["body_sha256"])}
    if capture["memento_url"]:
        warc["WARC-Source-URI"] = capture["memento_url"]
    return writer.create_warc_record(_target(capture), "response", payload=io.BytesIO(capture["body"]),
                                     length=len(capture["body"]), warc_headers_dict=warc,
                                     http_headers=http_headers)


def request_record(writer, capture, response_id):
    parts = urlsplit(_target(capture))
    line = f"GET {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1"
    http_headers = StatusAndHeaders(line, [("Host", parts.netloc)], is_http_request=True)
    return writer.create_warc_record(_target(capture), "request", payload=io.BytesIO(b""), length=0,
                                     warc_headers_dict={"WARC-Date": capture["at"],
                                                        "WARC-Concurrent-To": response_id},
                                     http_headers=http_headers)


def _version():
    from importlib import metadata

    try:
        return metadata.version("dialogue-watch")
    except metadata.PackageNotFoundError:
        return "(not installed)"


def _target(capture):
    return capture["final_url"] or capture["url"]


def _phrase(status):
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _wacz(db, path, draft, source_ids, fetch_ids=()):
    """The WARC and its page list (one entry per capture), then ``wacz create`` (the
    package's own entry point) around them, into ``draft``. Its work files stay next to
    ``path``, on the same disk."""
    from wacz.main import main as wacz_main

    with tempfile.TemporaryDirectory(dir=path.parent, prefix=f".{path.name}.") as work:
        warc, pages = Path(work) / (path.name[:-len(".wacz")] + ".warc.gz"), Path(work) / "pages.jsonl"
        with open(warc, "wb") as out:
            count = write_warc(db, out, source_ids, name=warc.name, fetch_ids=fetch_ids)
        pages.write_text(page_list(db, source_ids, fetch_ids), encoding="utf-8")
        with contextlib.redirect_stdout(sys.stderr):  # its progress words, not the output
            status = wacz_main(["create", "-o", str(draft), "-p", str(pages), "--title",
                                "dialogue-watch captures", str(warc)])
    if status not in (0, None):
        raise ExportError(f"the wacz package could not write {path} (status {status}); nothing "
                          "was written")
    return count


def page_list(db, source_ids=(), fetch_ids=()):
    """pages.jsonl: every capture as a page ReplayWeb.page lists, named by page and time."""
    lines = [{"format": "json-pages-1.0", "id": "pages", "title": "Every capture"}]
    lines += [{"url": _target(c), "ts": c["at"], "title": f"{c['source_id']}, {c['at']}"}
              for c in _captures(db, source_ids, fetch_ids)]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)

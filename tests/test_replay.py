"""An export replays in pywb, byte for byte, and its WACZ is the package ReplayWeb.page
reads (datapackage.json with matching hashes, a page list, an index; ``wacz validate``).

pywb runs from a virtualenv of its own, made once under the project's ``.venv/pywb``
(the pywb package from the registry, about 10 s): installed next to the project it
breaks it. Its wheel ships a top-level ``tests`` package that hides this one, its
brotlipy hides the ``brotli`` module Scrapy decodes ``br`` responses with, and it pins
pyOpenSSL below 26.2 (an older cryptography).
"""

import contextlib
import datetime
import email.utils
import fcntl
import gzip
import hashlib
import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from monitor.archive import backfill
from monitor.archive.export import payload_digest
from monitor.replica import make_pdf
from monitor.store import archive as archive_store
from tests import site_fixtures

PYWB = "pywb>=2.10,<2.11"  # `wb-manager add --unpack-wacz`: a WACZ's WARCs and its own index
COLLECTION = "evidence"


def page(text):
    return (f"<html><head><meta charset='utf-8'><title>Canada-China</title></head><body><main>"
            f"<h1>Dialogue</h1><p>{text}</p><p>Rights of minorities (少数民族) discussed.</p>"
            f"</main></body></html>")


@pytest.fixture
def captures(make_config, archive, replica, crawl, open_db):
    """Two copies from the archive (2002, 2008), then a live check of the page and a PDF:
    every stored capture, with its bytes."""
    config = make_config({"id": "canada", "path": "/canada"},
                         {"id": "report", "path": "/report.pdf", "kind": "pdf"},
                         settings={"archive_url": archive.base_url, "archive_delay_seconds": 0})
    url = config.sources[0].url
    archive.add(url, "20021020083000", page("The first round was held in Ottawa."),
                headers={"Server": "Netscape-Enterprise/3.6"})
    archive.add(url, "20080101000000", page("The sixth round was held in Beijing."))
    backfill.backfill(open_db(), config, config.sources[:1])
    replica.set("/canada", page("The sixth round was held in Beijing. A seventh is planned."))
    replica.set("/report.pdf", make_pdf(["Human rights dialogue", "Last updated 2004"]),
                content_type="application/pdf")
    crawl(config)
    return list(archive_store.stored_captures(open_db()))


def export(tmp_path, db_path, name):
    """``dialogue-watch export`` as a user runs it (the installed command)."""
    out = tmp_path / name
    command = Path(sys.executable).with_name("dialogue-watch")
    subprocess.run([str(command), "--sources", str(tmp_path / "sources.yaml"), "--db",
                    str(db_path), "export", "--out", str(out)],
                   check=True, capture_output=True, timeout=60)
    return out


# pywb, in its own virtualenv

def pywb_home():
    in_venv = sys.prefix != sys.base_prefix
    return Path(sys.prefix) / "pywb" if in_venv else Path.home() / ".cache" / "dialogue-watch-pywb"


@pytest.fixture(scope="session")
def pywb_bin():
    """The bin/ of a virtualenv holding pywb, made on first use and kept (one maker at
    a time: a lock file)."""
    home = pywb_home()
    home.parent.mkdir(parents=True, exist_ok=True)
    with open(home.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ready = home / "installed.txt"
        if not ready.exists() or ready.read_text() != PYWB:
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True, timeout=120)
            subprocess.run([str(home / "bin" / "pip"), "install", "-q", "--disable-pip-version-check",
                            PYWB], check=True, timeout=600)
            ready.write_text(PYWB)
    return home / "bin"


@contextlib.contextmanager
def wayback(pywb_bin, root):
    """pywb's ``wayback`` on 127.0.0.1 over the collections in ``root``; yields its address."""
    port = site_fixtures.free_port()
    log = open(root / "wayback.log", "wb")
    server = subprocess.Popen([str(pywb_bin / "wayback"), "--bind", "127.0.0.1", "--port", str(port)],
                              cwd=root, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield site_fixtures.wait_for(f"http://127.0.0.1:{port}", server, "/", seconds=20,
                                     output=lambda: (root / "wayback.log").read_text(errors="replace"))
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def collection(pywb_bin, root, exported):
    """A pywb collection holding ``exported``: a WACZ is unpacked (its WARC and its index)."""
    manager = str(pywb_bin / "wb-manager")
    subprocess.run([manager, "init", COLLECTION], cwd=root, check=True, capture_output=True, timeout=60)
    unpack = ["--unpack-wacz"] if exported.suffix == ".wacz" else []
    subprocess.run([manager, "add", *unpack, COLLECTION, str(exported)], cwd=root, check=True,
                   capture_output=True, timeout=60)


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def timestamp(capture):
    """The 14 digits pywb names a capture by."""
    return "".join(ch for ch in capture["at"] if ch.isdigit())[:14]


def http_date(capture):
    moment = datetime.datetime.strptime(capture["at"], "%Y-%m-%dT%H:%M:%SZ")
    return email.utils.format_datetime(moment.replace(tzinfo=datetime.timezone.utc), usegmt=True)


def cdx(address, url):
    status, _, body = get(f"{address}/{COLLECTION}/cdx?output=json&url={urllib.request.quote(url)}")
    assert status == 200
    return [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["evidence.wacz", "evidence.warc.gz"])
def test_every_capture_replays_in_pywb(captures, pywb_bin, tmp_path, db_path, name):
    assert len({(c["url"], timestamp(c)) for c in captures}) == len(captures) >= 4
    root = tmp_path / "pywb"
    root.mkdir()
    collection(pywb_bin, root, export(tmp_path, db_path, name))
    with wayback(pywb_bin, root) as address:
        for capture in captures:
            memento = f"{address}/{COLLECTION}/{timestamp(capture)}id_/{capture['url']}"
            status, headers, body = get(memento)
            assert status == (capture["status"] or 200), memento
            assert body == capture["body"], memento
            assert hashlib.sha256(body).hexdigest() == capture["body_sha256"]
            assert headers["Memento-Datetime"] == http_date(capture)
            replayed_in_a_frame(address, capture)
        for url in {c["url"] for c in captures}:
            listed = {(line["timestamp"], line["digest"]) for line in cdx(address, url)}
            expected = {(timestamp(c), payload_digest(c["body_sha256"]))
                        for c in captures if c["url"] == url}
            assert listed == expected, url


def replayed_in_a_frame(address, capture):
    """The page a reader opens: pywb's frame, and in it the capture rewritten (``mp_``),
    its text intact."""
    frame = f"{address}/{COLLECTION}/{timestamp(capture)}/{capture['url']}"
    assert get(frame)[0] == 200, frame
    status, headers, body = get(f"{address}/{COLLECTION}/{timestamp(capture)}mp_/{capture['url']}")
    assert status == 200 and headers["Memento-Datetime"] == http_date(capture), frame
    main = re.search(rb"<main>.*</main>", capture["body"], re.S)
    if main:
        assert main.group(0) in body and b"wombat.js" in body, frame


# the WACZ as ReplayWeb.page opens it

def test_the_wacz_is_what_replayweb_page_reads(captures, tmp_path, db_path):
    out = export(tmp_path, db_path, "evidence.wacz")
    with zipfile.ZipFile(out) as packed:
        names = set(packed.namelist())
        package = json.loads(packed.read("datapackage.json"))
        for resource in package["resources"]:
            data = packed.read(resource["path"])
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest(), resource["path"]
            assert resource["bytes"] == len(data)
        assert {r["path"] for r in package["resources"]} == names - {"datapackage.json",
                                                                     "datapackage-digest.json"}
        digest = json.loads(packed.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(packed.read("datapackage.json")).hexdigest()
        pages = [json.loads(line) for line in packed.read("pages/pages.jsonl").splitlines()]
        index = [n for n in names if n in ("indexes/index.cdx", "indexes/index.cdx.gz")]
        assert index and any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
        indexed = index_lines(packed.read(index[0]), index[0])
    assert pages[0]["format"] == "json-pages-1.0"
    assert sorted((p["url"], p["ts"]) for p in pages[1:]) == sorted((c["url"], c["at"]) for c in captures)
    assert sorted(indexed) == sorted((c["url"], timestamp(c)) for c in captures)
    validator = Path(sys.executable).with_name("wacz")
    done = subprocess.run([str(validator), "validate", "-f", str(out)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def index_lines(data, name):
    """(url, timestamp) of every response the WACZ's own CDXJ index names."""
    text = (gzip.decompress(data) if name.endswith(".gz") else data).decode("utf-8")
    found = []
    for line in text.splitlines():
        _, stamp, fields = line.split(" ", 2)
        fields = json.loads(fields)
        if fields.get("mime") != "warc/request":
            found.append((fields["url"], stamp))
    return found

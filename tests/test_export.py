"""``dialogue-watch export``: every stored capture as WARC records (and a WACZ), read
back with warcio and checked against the SHA-256 the database keeps."""

import base64
import hashlib
import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from monitor import cli
from monitor.archive import backfill
from tests.test_backfill import page

ONE = page("The sixth round was held in Beijing.", "3 February 2007")
TWO = page("The sixth round was held in Beijing. A seventh is planned.", "3 February 2007")


@pytest.fixture
def stored(make_config, archive, replica, crawl, open_db, tmp_path):
    """Two copies from the archive (one of 2002), then two live checks that changed."""
    config = make_config({"id": "canada", "path": "/canada"}, {"id": "uk", "path": "/uk"},
                         settings={"archive_url": archive.base_url, "archive_delay_seconds": 0})
    url = config.sources[0].url
    archive.add(url, "20021020083000", ONE, headers={"Server": "Netscape-Enterprise/3.6"})
    archive.add(url, "20080101000000", TWO)
    backfill.backfill(open_db(), config, config.sources[:1])
    replica.set("/canada", ONE)
    replica.set("/uk", TWO)
    crawl(config)
    replica.set("/canada", TWO.replace("A seventh is planned.", "A seventh is planned for May."))
    crawl(config)
    crawl(config)  # unchanged: a 304 keeps no bytes, so it is not a capture
    return config


def records(stream):
    return [(r.rec_type, r.rec_headers, r.http_headers, r.content_stream().read())
            for r in ArchiveIterator(stream, check_digests="raise")]


def sha256_of(digest):
    algorithm, value = digest.split(":")
    assert algorithm == "sha256"
    return base64.b32decode(value).hex()


def captures(db):
    # a fetch row names its address only when it is not the page's url (record._address)
    rows = db.query("SELECT f.*, coalesce(f.url, s.url) AS address FROM fetches f "
                    "JOIN sources s ON s.id = f.source_id "
                    "WHERE f.body_sha256 IS NOT NULL ORDER BY f.at, f.id")
    return [{**r, "url": r["address"]} for r in rows]


def run(tmp_path, db_path, *args):
    return CliRunner().invoke(cli.cli, ["--sources", str(tmp_path / "sources.yaml"), "--db",
                                        str(db_path), "export", *args], catch_exceptions=False)


def check(read, db):
    """Each stored capture is a response and a request, in order, each byte checked."""
    expected = captures(db)
    assert read[0][0] == "warcinfo"
    pairs = [read[i:i + 2] for i in range(1, len(read), 2)]
    assert len(pairs) == len(expected) == 7  # the live edit was fetched 3 times (doubt.AT_ONCE)
    for (response, request), fetch in zip(pairs, expected):
        kind, headers, http_headers, body = response
        assert kind == "response" and request[0] == "request"
        assert headers.get_header("WARC-Date") == fetch["at"]
        assert headers.get_header("WARC-Target-URI") == (fetch["final_url"] or fetch["url"])
        assert sha256_of(headers.get_header("WARC-Payload-Digest")) == fetch["body_sha256"]
        assert hashlib.sha256(body).hexdigest() == fetch["body_sha256"]
        assert request[1].get_header("WARC-Concurrent-To") == headers.get_header("WARC-Record-ID")
        for name, value in json.loads(fetch["headers"] or "{}").items():
            if name.lower() not in ("content-length", "content-encoding", "transfer-encoding"):
                assert http_headers.get_header(name) == value
        assert (headers.get_header("WARC-Source-URI") is not None) == (fetch["origin"] == "archive")
    return pairs


def test_every_capture_is_a_checked_warc_pair(stored, open_db, tmp_path, db_path):
    out = tmp_path / "all.warc.gz"
    assert run(tmp_path, db_path, "--out", str(out)).output == "Wrote 7 capture(s) to %s.\n" % out
    pairs = check(records(open(out, "rb")), open_db())
    first = pairs[0][0]
    assert first[1].get_header("WARC-Date") == "2002-10-20T08:30:00Z"
    assert first[2].get_header("Server") == "Netscape-Enterprise/3.6"  # as the site sent it
    assert first[1].get_header("WARC-Source-URI").endswith(f"/web/20021020083000id_/{stored.sources[0].url}")


def test_one_page_only(stored, tmp_path, db_path):
    out = tmp_path / "uk.warc.gz"
    run(tmp_path, db_path, "uk", "--out", str(out))
    targets = {h.get_header("WARC-Target-URI") for kind, h, _, _ in records(open(out, "rb"))
               if kind == "response"}
    assert targets == {stored.source("uk").url}


def test_a_changed_byte_fails_the_check(stored, tmp_path, db_path):
    out = tmp_path / "all.warc"
    run(tmp_path, db_path, "--out", str(out))
    data = out.read_bytes()
    at = data.index(b"The sixth round")
    tampered = data[:at] + b"X" + data[at + 1:]
    with pytest.raises(Exception, match="digest"):
        records(io.BytesIO(tampered))


def test_wacz_holds_the_warc_its_index_and_pages(stored, open_db, tmp_path, db_path):
    from wacz.main import main as wacz_main

    out = tmp_path / "all.wacz"
    assert "Wrote 7 capture(s)" in run(tmp_path, db_path, "--out", str(out)).output
    with zipfile.ZipFile(out) as packed:
        names = packed.namelist()
        (warc,) = [n for n in names if n.startswith("archive/")]
        assert "datapackage.json" in names and any(n.startswith("indexes/") for n in names)
        assert "pages/pages.jsonl" in names
        check(records(io.BytesIO(packed.read(warc))), open_db())
    assert wacz_main(["validate", "-f", str(out)]) == 0


def test_a_wrong_file_name_says_what_to_write(stored, tmp_path, db_path):
    done = CliRunner().invoke(cli.cli, ["--sources", str(tmp_path / "sources.yaml"), "--db",
                                        str(db_path), "export", "--out", str(tmp_path / "x.zip")])
    assert done.exit_code == 1 and "should end in .warc.gz" in str(done.exception)

"""Machine-made parts of link addresses (monitor.analysis.addresses), table-tested:
signed queries, dates with a time, tracking tags, token folders and rotating CDN hosts.
(The first rules, session ids and cache-busters, are tested in tests/test_links.py.)"""

import pytest

from monitor.analysis import addresses, links
from monitor.analysis.links import Link

SIGNATURE_1 = "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
SIGNATURE_2 = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"


def s3(path, day, second, signature, host="bucket.s3.amazonaws.com"):
    return (f"https://{host}{path}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
            f"AKIAIOSFODNN7EXAMPLE%2F{day}%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date={day}T{second}Z"
            f"&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}")


def cloudfront(label, path, expires, signature):
    return (f"https://{label}.cloudfront.net{path}?Expires={expires}&Signature={signature}"
            "&Key-Pair-Id=APKA9ONS7QCOWEXAMPLE")


def azure(start, end, sig):
    return (f"https://dw.blob.core.windows.net/docs/round-10.pdf?sv=2021-08-06&st={start}&se={end}"
            f"&sr=b&sp=r&sig={sig}")


CF_1 = "nitfHRCrtziwO2HwPfWw~yYDhUF5EwRunQA-j19DzZrvDh6hQ73lDx~-ar3UocvvRQVw6EkC~GdpGQyyOSKQim"
CF_2 = "Kq2L9xVb7Tz4PwR8sN3m~Zp4Q8wLm2Rt7Yx3Vn9Ks-aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5bC7dE9f"

# (value, generated?) -- beside tests/test_links.py's VALUES
VALUES = [
    ("20261206T100712Z", True),              # X-Amz-Date: a date with a time to the second
    ("2026-12-06T10%3A07%3A12Z", True),      # Azure st= / se=
    ("2026-12-06 10:07", True),
    ("2026-12-06", False),                   # a day: a person's
    ("20261206", False),
    ("AKIAIOSFODNN7EXAMPLE", False),         # an access key id: the same at every visit
]


@pytest.mark.parametrize("value, expected", VALUES, ids=[v[0] for v in VALUES])
def test_generated(value, expected):
    assert addresses.generated(value) is expected


def test_random_looking_is_public():
    assert addresses.random_looking("kq2L9xVb7Tz4PwR8sN3m")
    assert not addresses.random_looking("AnnualReportOnHumanRights2024")


# (what, address, its key)
KEYS = [
    ("tracking tags are left out, other parameters stay",
     "https://s.org/a.pdf?utm_source=news&utm_medium=email&_ga=2.1.2.1733050000&_gl=1*x*_ga*MTI"
     "&fbclid=IwAR2F4x&gclid=Cj0KCQiA&mc_cid=a1b2c3d4e5&mc_eid=f00&id=5",
     "https://s.org/a.pdf?id=5"),
    ("a token folder", "https://s.org/files/8f3a9c2e7d/report.pdf", "https://s.org/files/\x00/report.pdf"),
    ("a named folder and a random file name stay", "https://s.org/2024/3f2a9c1e4b5d6a7f.pdf",
     "https://s.org/2024/3f2a9c1e4b5d6a7f.pdf"),
    ("a CDN's numbered host", "https://cdn3.example.org/r.pdf", "https://cdn\x00.example.org/r.pdf"),
    ("a CDN's random host", "https://d1a2b3c4d5e6f7.cloudfront.net/r.pdf", "https://\x00.cloudfront.net/r.pdf"),
    ("a site's own name stays", "https://www.gov.uk/r.pdf", "https://www.gov.uk/r.pdf"),
    ("two labels: the site itself", "https://site2024.org/r.pdf", "https://site2024.org/r.pdf"),
    ("an address by number stays", "http://127.0.0.1:8080/r.pdf", "http://127.0.0.1:8080/r.pdf"),
    ("S3: signature, date and the credential's day",
     s3("/r.pdf", "20261206", "100712", SIGNATURE_1),
     "https://bucket.s3.amazonaws.com/r.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
     "AKIAIOSFODNN7EXAMPLE/\x00/us-east-1/s3/aws4_request&X-Amz-Date=\x00&X-Amz-Expires=3600"
     "&X-Amz-SignedHeaders=host&X-Amz-Signature=\x00"),
    ("a day in an unsigned query stays", "https://s.org/r?path=reports/20240312/x.pdf",
     "https://s.org/r?path=reports/20240312/x.pdf"),
]


@pytest.mark.parametrize("what, url, expected", KEYS, ids=[k[0] for k in KEYS])
def test_key(what, url, expected):
    assert addresses.key(url) == expected


def content_links(*urls):
    return tuple(Link("content", url, "pdf" if ".pdf" in url else None, "") for url in urls)


# (what, before, after, added, removed) -- what compare reports
COMPARED = [
    ("S3: a new signature, date and credential day",
     (s3("/r10.pdf", "20261205", "100401", SIGNATURE_1), s3("/r11.pdf", "20261205", "100401", SIGNATURE_2)),
     (s3("/r10.pdf", "20261206", "100712", SIGNATURE_2), s3("/r11.pdf", "20261206", "100712", SIGNATURE_1)),
     [], []),
    ("CloudFront: another host label, expiry and signature",
     (cloudfront("d1a2b3c4d5e6f7", "/r.pdf", 1796465052, CF_1),),
     (cloudfront("d9z8y7x6w5v4u3", "/r.pdf", 1796551632, CF_2),), [], []),
    ("Azure: new start, end and signature",
     (azure("2026-12-05T10%3A04%3A01Z", "2026-12-05T11%3A04%3A01Z", "Z%2FRHIX5Xcg0Mq2rqI3OlWTjEg2tYkboXr1P9ZUXDtkk%3D"),),
     (azure("2026-12-06T10%3A07%3A12Z", "2026-12-06T11%3A07%3A12Z", "p9Lk2%2BQw8Zr4Tn7Vb1Xc5Mj3Hd6Gf0Sa2We4Ry8Ui0%3D"),),
     [], []),
    ("tracking tags come and change",
     ("https://s.org/r.pdf", "https://s.org/q.pdf?utm_campaign=dec"),
     ("https://s.org/r.pdf?utm_source=newsletter&fbclid=IwAR2F4x", "https://s.org/q.pdf?utm_campaign=jan"),
     [], []),
    ("a token folder rotates", ("https://s.org/files/8f3a9c2e7d/report.pdf",),
     ("https://s.org/files/1b77e0aa4c/report.pdf",), [], []),
    ("a numbered CDN host rotates", ("https://cdn1.example.org/r.pdf",), ("https://cdn3.example.org/r.pdf",),
     [], []),
    ("everything rotates and a document really comes",
     (s3("/r10.pdf", "20261205", "100401", SIGNATURE_1), "https://cdn1.example.org/files/8f3a9c2e7d/r11.pdf"),
     (s3("/r10.pdf", "20261206", "100712", SIGNATURE_2), "https://cdn2.example.org/files/1b77e0aa4c/r11.pdf",
      "https://cdn2.example.org/files/1b77e0aa4c/r12.pdf"),
     ["https://cdn2.example.org/files/1b77e0aa4c/r12.pdf"], []),
    ("another site: another document", ("https://cdn1.example.org/r.pdf",), ("https://cdn1.example.com/r.pdf",),
     ["https://cdn1.example.com/r.pdf"], ["https://cdn1.example.org/r.pdf"]),
    ("another file in the token folder: another document", ("https://s.org/files/8f3a9c2e7d/report.pdf",),
     ("https://s.org/files/1b77e0aa4c/annex.pdf",), ["https://s.org/files/1b77e0aa4c/annex.pdf"],
     ["https://s.org/files/8f3a9c2e7d/report.pdf"]),
    ("a short id under a signature is a document of its own",
     (f"https://s.org/get?id=5&sig={SIGNATURE_1}",), (f"https://s.org/get?id=6&sig={SIGNATURE_2}",),
     [f"https://s.org/get?id=6&sig={SIGNATURE_2}"], [f"https://s.org/get?id=5&sig={SIGNATURE_1}"]),
    ("two documents in token folders with one name: each rotation is told, never merged",
     ("https://s.org/a1b2c3d4e5/report.pdf", "https://s.org/f6a7b8c9d0/report.pdf"),
     ("https://s.org/a1b2c3d4e5/report.pdf", "https://s.org/0a9b8c7d6e/report.pdf"),
     ["https://s.org/0a9b8c7d6e/report.pdf"], ["https://s.org/f6a7b8c9d0/report.pdf"]),
]


@pytest.mark.parametrize("what, before, after, added, removed", COMPARED, ids=[c[0] for c in COMPARED])
def test_compare(what, before, after, added, removed):
    changes = links.compare(content_links(*before), content_links(*after))
    assert [link.url for link in changes.added] == added
    assert [link.url for link in changes.removed] == removed


def test_alike_pairs_same_words_and_path_with_another_query_or_host():
    removed = [("https://s.org/get.pdf?v=3", "Round 10 summary"), ("https://a.org/x.pdf", "Annex"),
               ("https://s.org/other.pdf", "Other")]
    added = [("https://s.org/get.pdf?v=4", "Round 10  summary"), ("https://b.org/x.pdf", "Annex"),
             ("https://s.org/new.pdf", "Other")]
    assert addresses.alike(removed, added) == {
        "https://s.org/get.pdf?v=3": "https://s.org/get.pdf?v=4",
        "https://a.org/x.pdf": "https://b.org/x.pdf"}
    # words without a link text, or shared by two links, say nothing
    assert addresses.alike([("https://s.org/a.pdf?v=1", "")], [("https://s.org/a.pdf?v=2", "")]) == {}
    assert addresses.alike([("https://s.org/a.pdf?v=1", "PDF"), ("https://s.org/a.pdf?v=9", "PDF")],
                           [("https://s.org/a.pdf?v=2", "PDF")]) == {}

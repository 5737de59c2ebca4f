"""How many sample pages get exactly the right "last updated" marker, per language.

Run from the repository root:  .venv/bin/python benchmarks/marker_accuracy.py

Three sets, reported apart, per language: the hand-written snippets of tests/test_markers.py
(``SAMPLES``), the pages written like the partners' ministries write them in
tests/test_last_updated.py (``PARTNER_SAMPLES``: other articles' cards beside the page's own
line, dotted dates with a two-digit year) and the real pages of tests/files/markers/
(``REAL_SAMPLES``: government, parliament, broadcaster and news pages saved by other
projects' tests, listed with their source in tests/files/markers/samples.yaml). A sample
counts as right only if text, date, precision and origin all match (or, for negative
samples, if no marker is found). Always exits 0: this is a report, the test suite is the
gate (it expects the known misses).
"""
import importlib.util
import pathlib
import sys
import time
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.analysis.markers import find_marker  # noqa: E402


def load_samples():
    """(hand-written samples, partner-language pages, real samples), as the tests define them."""
    markers, partners = _test_module("test_markers"), _test_module("test_last_updated")
    return markers.SAMPLES, partners.PARTNER_SAMPLES, markers.REAL_SAMPLES


def _test_module(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def as_tuple(marker):
    return None if marker is None else (marker.text, marker.date, marker.precision, marker.origin)


def score(samples):
    """Per language [right, total], the misses (id, expected, got) and the seconds taken."""
    counts, misses = defaultdict(lambda: [0, 0]), []
    start = time.perf_counter()
    for case in samples:
        got = as_tuple(find_marker(**case["args"]))
        right = got == case["expect"]
        counts[case["lang"]][0] += right
        counts[case["lang"]][1] += 1
        if not right:
            misses.append((case["id"], case["expect"], got))
    return counts, misses, time.perf_counter() - start


def report(title, samples):
    counts, misses, elapsed = score(samples)
    right, total = sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())
    print(f"{title}: {right}/{total} exactly right (text, date, precision, origin), "
          f"{elapsed * 1000:.0f} ms")
    print("  " + "  ".join(f"{lang} {r}/{t}" for lang, (r, t) in sorted(counts.items())))
    for sample_id, expected, got in misses:
        print(f"  MISS {sample_id}: expected {expected}, got {got}")


def main():
    samples, partners, real = load_samples()
    report("hand-written samples", samples)
    report("partner-language pages", partners)
    report("real pages", real)
    print(htmldate_baseline("hand-written", samples))
    print(htmldate_baseline("real", real))
    return 0


def htmldate_baseline(title, samples):
    """The same HTML samples read by htmldate alone (lenient: only the date's
    own precision is compared, text and origin are not), for contrast."""
    import logging

    from htmldate import find_date

    logging.getLogger("htmldate").setLevel(logging.CRITICAL)
    html_samples = [c for c in samples if "html" in c["args"] and "rule" not in c["args"]]
    right = 0
    for case in html_samples:
        found = find_date(case["args"]["html"], original_date=False, outputformat="%Y-%m-%d")
        expected = case["expect"]
        if expected is None:
            right += found is None
        elif found:
            right += found.startswith(expected[1]) and (expected[2] != "day" or found == expected[1])
    return (f"htmldate alone on the {len(html_samples)} {title} HTML samples (date only, lenient): "
            f"{right}/{len(html_samples)} right")


if __name__ == "__main__":
    sys.exit(main())

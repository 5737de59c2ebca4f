"""How many of the sample pages in tests/test_markers.py get exactly the right marker.

Run from the repository root:  .venv/bin/python benchmarks/marker_accuracy.py
A sample counts as right only if text, date, precision and origin all match
(or, for negative samples, if no marker is found). Always exits 0: this is a
report, the test suite is the gate.
"""
import importlib.util
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.markers import find_marker  # noqa: E402


def load_samples():
    spec = importlib.util.spec_from_file_location("test_markers", ROOT / "tests" / "test_markers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SAMPLES


def as_tuple(marker):
    return None if marker is None else (marker.text, marker.date, marker.precision, marker.origin)


def main():
    samples = load_samples()
    misses = []
    start = time.perf_counter()
    for case in samples:
        got = as_tuple(find_marker(**case["args"]))
        if got != case["expect"]:
            misses.append((case["id"], case["expect"], got))
    elapsed = time.perf_counter() - start
    right = len(samples) - len(misses)
    languages = len({case["lang"] for case in samples})
    print(f"marker accuracy: {right}/{len(samples)} samples exactly right "
          f"(text, date, precision, origin), {languages} languages")
    for sample_id, expected, got in misses:
        print(f"  MISS {sample_id}: expected {expected}, got {got}")
    print(f"  ({elapsed * 1000:.0f} ms for all samples, including first-use set-up)")
    print(htmldate_baseline(samples))
    return 0


def htmldate_baseline(samples):
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
    return (f"htmldate alone on the {len(html_samples)} HTML samples (date only, lenient): "
            f"{right}/{len(html_samples)} right")


if __name__ == "__main__":
    sys.exit(main())

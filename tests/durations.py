"""How long each test file takes (``tests/durations.json``), so that the suite starts the
longest first (tests/conftest.py): with two workers, a long file started last is the
whole suite's tail.

Measured, never guessed: after a run with ``--junitxml=FILE``,
``.venv/bin/python -m tests.durations FILE`` writes each file's seconds. A file missing
from it (a new one) simply starts after the measured ones.
"""

import json
import pathlib
import sys
import xml.etree.ElementTree as ElementTree

PATH = pathlib.Path(__file__).with_name("durations.json")


def file_of(nodeid):
    return nodeid.split("::", 1)[0]


def load():
    try:
        return json.loads(PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def measured(junit_path):
    """{test file: seconds} from a JUnit XML report (``pytest --junitxml``)."""
    seconds = {}
    for case in ElementTree.parse(junit_path).iter("testcase"):
        parts = case.get("classname", "").split(".")  # tests.test_x, or tests.test_x.TestY
        module = next((i for i, part in enumerate(parts) if part.startswith("test_")), len(parts) - 1)
        path = "/".join(parts[:module + 1]) + ".py"
        seconds[path] = seconds.get(path, 0.0) + float(case.get("time") or 0)
    return seconds


if __name__ == "__main__":
    files = measured(sys.argv[1])
    PATH.write_text(json.dumps({name: round(value, 1) for name, value in sorted(
        files.items(), key=lambda pair: -pair[1])}, indent=1) + "\n", encoding="utf-8")
    print(f"{PATH}: {len(files)} files, {sum(files.values()):.0f} s of tests")

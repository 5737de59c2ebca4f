"""The suite's own schedule (tests/durations.py): each file's measured seconds, read from a
JUnit report, so that the longest files start first."""

import pathlib

from tests import durations

REPORT = """<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest">
<testcase classname="tests.test_crash" name="test_random_kills" time="141.1"/>
<testcase classname="tests.test_crash" name="test_killed_command" time="5.5"/>
<testcase classname="tests.test_site.TestSearch" name="test_words" time="2.0"/>
<testcase classname="tests.test_site" name="test_home" time="1.0"/>
<testcase classname="tests.test_alerts" name="test_skipped"/>
</testsuite></testsuites>"""


def test_each_file_gets_the_sum_of_its_tests(tmp_path):
    report = tmp_path / "junit.xml"
    report.write_text(REPORT, encoding="utf-8")
    assert durations.measured(report) == {"tests/test_crash.py": 146.6, "tests/test_site.py": 3.0,
                                          "tests/test_alerts.py": 0.0}


def test_the_measured_files_exist_and_the_longest_comes_first():
    seconds = durations.load()
    root = pathlib.Path(__file__).parent.parent
    assert seconds and all((root / name).is_file() for name in seconds), \
        "Fix: measure again (python -m tests.durations JUNIT.xml)"
    assert list(seconds.values()) == sorted(seconds.values(), reverse=True)
    assert durations.file_of("tests/test_crash.py::test_random_kills[1]") == "tests/test_crash.py"


def test_cpu_by_test_sums_each_file_and_ranks_the_costliest():
    from tests import cpu_by_test

    rows = [["tests/test_crash.py::test_kills", 120.0, 121.0], ["tests/test_cli.py::test_a", 3.5, 4.0],
            ["tests/test_cli.py::test_b[x]", 1.5, 2.0], ["tests/test_site.py::test_home", 0.2, 0.3]]
    lines = cpu_by_test.report(rows, top=2)
    assert lines[0] == "4 tests: 125 s of CPU in 127 s"
    assert lines[1].split() == ["120.0", "s", "CPU", "121.0", "s", "wall", "1", "tests", "tests/test_crash.py"]
    assert lines[2].split() == ["5.0", "s", "CPU", "6.0", "s", "wall", "2", "tests", "tests/test_cli.py"]
    assert lines[3].endswith("tests/test_crash.py::test_kills") and lines[4].endswith("test_cli.py::test_a")
    assert len(lines) == 5
    assert cpu_by_test.machine_cpu_seconds() > 0

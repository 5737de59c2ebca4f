"""A pytest plugin that writes each test's CPU: the whole machine's, from /proc/stat, over
the test's setup, call and teardown, so it counts every process the test started (its
commands, fork servers, crawl processes, analysis workers, Chromium). Meaningful with
``-n 0`` on an otherwise quiet machine (one test at a time):

    .venv/bin/python -m pytest -q -n 0 -p tests.cpu_by_test
    .venv/bin/python -m tests.cpu_by_test            # the files and tests that cost most

It writes ``cpu-by-test.json`` ([node id, CPU seconds, wall seconds] per test) in the
folder pytest runs in, or where ``DW_CPU_BY_TEST`` says. Linux only (/proc/stat)."""

import collections
import json
import os
import sys
import time

import pytest

OUTPUT = os.environ.get("DW_CPU_BY_TEST", "cpu-by-test.json")
_measured = []


def machine_cpu_seconds():
    """CPU seconds the machine has spent busy (user, nice, system, irq, softirq) since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        ticks = [int(value) for value in stat.readline().split()[1:]]
    return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]) / os.sysconf("SC_CLK_TCK")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    cpu, wall = machine_cpu_seconds(), time.monotonic()
    yield
    _measured.append((item.nodeid, round(machine_cpu_seconds() - cpu, 2), round(time.monotonic() - wall, 2)))


def pytest_sessionfinish(session):
    if _measured:
        with open(OUTPUT, "w", encoding="utf-8") as out:
            json.dump(_measured, out)


def report(rows, top=25):
    """The lines of a summary: totals, then the costliest files and tests."""
    files = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for node, cpu, wall in rows:
        totals = files[node.split("::")[0]]
        totals[0], totals[1], totals[2] = totals[0] + cpu, totals[1] + wall, totals[2] + 1
    lines = [f"{len(rows)} tests: {sum(r[1] for r in rows):.0f} s of CPU in {sum(r[2] for r in rows):.0f} s"]
    lines += [f"{cpu:7.1f} s CPU {wall:7.1f} s wall {count:4d} tests  {name}"
              for name, (cpu, wall, count) in sorted(files.items(), key=lambda kv: -kv[1][0])[:top]]
    lines += [f"{cpu:7.1f} s CPU {wall:7.1f} s wall  {node}" for node, cpu, wall in sorted(rows, key=lambda r: -r[1])[:top]]
    return lines


if __name__ == "__main__":
    with open(sys.argv[1] if len(sys.argv) > 1 else OUTPUT, encoding="utf-8") as measured:
        print("\n".join(report(json.load(measured))))

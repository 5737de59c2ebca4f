"""The fixed cost of a command (issue 27): wall and CPU seconds of `dialogue-watch --help`,
`status`, `sources check` and a crawl of one page that answers 304, each in a process of
its own, start-up included. The CPU is that of every process the command started (a
crawl: the command, the fork server, the crawl process, its analysis workers), plus a
small wrapper's own start (about 0.03 s).

    .venv/bin/python benchmarks/fixed_cost.py            # medians of 5
    .venv/bin/python benchmarks/fixed_cost.py --repeat 9

The page is one of vs_urlwatch.py's synthetic 21 KB pages, served by nginx on
127.0.0.1 (Debian's nginx-light), which answers the crawl's conditional request with
304 itself. The first crawl (every page new) is not counted.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vs_urlwatch  # noqa: E402


# Runs the command as a child subreaper: the processes it leaves behind (the crawl's fork
# server, which exits just after it) are waited for here too, so that the CPU seconds are
# those of every process the command started. Prints the command's wall seconds and exit.
WRAPPER = """
import ctypes, os, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
started = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
code = process.wait()
seconds = time.perf_counter() - started
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
print(seconds, code)
"""


def timed(command, cwd):
    """Wall seconds of the command, CPU seconds of it and every process it started."""
    process = subprocess.Popen([sys.executable, "-c", WRAPPER, *command], cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    out, error = process.stdout.read().decode(), process.stderr.read().decode(errors="replace")
    process.stdout.close()
    process.stderr.close()
    seconds, code = out.split()
    if int(code) not in (0, 1) or os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{' '.join(command)} exited {code}: {error[-2000:]}")
    # the wrapper's own CPU (a Python start, ~0.03 s) is counted too
    return float(seconds), usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    vs_urlwatch.bytecode.compile_sources()  # as an installed package has it (tests/bytecode.py)
    dw = str(vs_urlwatch.DIALOGUE_WATCH)
    with tempfile.TemporaryDirectory(prefix="fixed-cost-") as folder:
        folder = Path(folder)
        vs_urlwatch.Pages(1, folder)
        server = vs_urlwatch.Nginx(folder)
        try:
            sources, _ = vs_urlwatch._write_job_lists(server, 1, folder / "one")
            base = [dw, "--sources", str(sources), "--db", str(folder / "monitor.db")]
            timed(base + ["crawl", "-q"], folder)  # first capture, not counted
            commands = {"--help": [dw, "--help"], "status": base + ["status"],
                        "sources check": base + ["sources", "check"],
                        "crawl of one page answering 304": base + ["crawl", "-q"]}
            figures = {name: [] for name in commands}
            for _ in range(args.repeat):
                for name, command in commands.items():
                    figures[name].append(timed(command, folder))
        finally:
            server.close()
    print(f"medians of {args.repeat}, load average {os.getloadavg()[0]:.2f}")
    print("| command | wall | CPU |\n| --- | --- | --- |")
    for name, pairs in figures.items():
        print(f"| `dialogue-watch {name}` | {statistics.median(p[0] for p in pairs):.2f} s | "
              f"{statistics.median(p[1] for p in pairs):.2f} s |")


if __name__ == "__main__":
    main()

"""A real Scrapyd node on 127.0.0.1, set up as the README says, for the tests and the
benchmark: its own folder and scrapyd.conf, a Python that has the dependencies but
not dialogue-watch (only the egg `scrapyd-deploy` uploads brings it), and jobs
scheduled with the README's POST to schedule.json."""

import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "dialogue_watch"
# what setup.py bdist_egg needs from the source tree (pyproject.toml names the packages)
PROJECT_FILES = ("monitor", "spiders", "db", "pyproject.toml", "setup.py", "README.md", "scrapy.cfg")
BIN = Path(sys.executable).parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def clean_python(folder):
    """A fresh virtual environment's Python, and the environment that gives it the
    dependencies (this test run's site-packages, without its .pth files: so not the
    editable dialogue-watch) and nothing else."""
    venv = folder / "venv"
    if not venv.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8",
           "PYTHONPATH": sysconfig.get_path("purelib"), "PYTHONDONTWRITEBYTECODE": "1"}
    return venv / "bin" / "python", env


class Node:
    """``scrapyd`` started in ``folder`` with its own scrapyd.conf on a free loopback port."""

    def __init__(self, folder, max_proc=4):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        (self.folder / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {self.folder / 'eggs'}\n"
            f"logs_dir = {self.folder / 'logs'}\n"
            f"dbs_dir = {self.folder / 'dbs'}\n"
            "items_dir =\n"
            "poll_interval = 0.2\n"
            f"max_proc = {max_proc}\n", encoding="utf-8")
        python, env = clean_python(self.folder)
        self.output = open(self.folder / "scrapyd.out", "wb")
        self.process = subprocess.Popen([str(python), "-m", "scrapyd"], cwd=self.folder, env=env,
                                        stdout=self.output, stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _wait_until_up(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scrapyd exited: {(self.folder / 'scrapyd.out').read_text()}")
            try:
                self.get("daemonstatus.json")
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"scrapyd did not answer on {self.url} within {seconds} s")

    def get(self, endpoint, **query):
        address = self.url + endpoint + ("?" + urllib.parse.urlencode(query) if query else "")
        with urllib.request.urlopen(address, timeout=30) as response:
            return json.load(response)

    def post(self, endpoint, **fields):
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(self.url + endpoint, data=data, timeout=30) as response:
            return json.load(response)

    def deploy(self, workdir):
        """`scrapyd-deploy` from a copy of the project whose scrapy.cfg points here."""
        copy = copy_project(workdir)
        cfg = (copy / "scrapy.cfg").read_text(encoding="utf-8")
        (copy / "scrapy.cfg").write_text(cfg.replace("http://127.0.0.1:6800/", self.url), encoding="utf-8")
        done = subprocess.run([str(BIN / "scrapyd-deploy")], cwd=copy, capture_output=True, text=True,
                              env={**os.environ, "PATH": f"{BIN}:{os.environ.get('PATH', '')}"})
        answer = json.loads(done.stdout or "{}")
        if done.returncode != 0 or answer.get("status") != "ok":
            raise RuntimeError(f"scrapyd-deploy failed: {done.stdout}{done.stderr}")
        return answer

    def schedule(self, **arguments):
        """The README's `curl .../schedule.json -d project=... -d spider=pages -d sources=... -d db=...`."""
        answer = self.post("schedule.json", project=PROJECT, spider="pages", **arguments)
        assert answer["status"] == "ok", answer
        return answer["jobid"]

    def wait(self, *jobs, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                listed = self.get("listjobs.json", project=PROJECT)
            except OSError:  # a busy machine: ask again
                time.sleep(0.5)
                continue
            finished = {job["id"]: job for job in listed["finished"]}
            if all(job in finished for job in jobs):
                return [finished[job] for job in jobs]
            time.sleep(0.2)
        raise RuntimeError(f"Scrapyd jobs {jobs} did not finish within {seconds} s")

    def log(self, job):
        return (self.folder / "logs" / PROJECT / "pages" / f"{job}.log").read_text(encoding="utf-8")

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()


def copy_project(workdir):
    copy = Path(workdir) / "project"
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", "*.db", "*.db-*", "*.lock", "*-sources.yaml")
    for name in PROJECT_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=skip)
        else:
            shutil.copy2(source, copy / name)
    return copy

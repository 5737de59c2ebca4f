"""A normal install works: the wheel holds every subpackage and data file, and an
installed copy crawls and serves from a folder that is not the source tree."""

import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
import zipfile
from pathlib import Path

import pytest
import yaml

from tests import site_fixtures
from tests.test_crawl import page

ROOT = Path(__file__).resolve().parent.parent
BUILT_FROM = ("monitor", "spiders", "db", "pyproject.toml", "setup.py", "README.md")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel, built from a copy of the project: a build in the checkout writes its
    build/ and dialogue_watch.egg-info, which tests running beside this one read."""
    folder = tmp_path_factory.mktemp("wheel")
    project = folder / "project"
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *BUILT_FROM]
    listed = subprocess.run(listing, cwd=ROOT, check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):  # what the checkout holds, without what git ignores
        if (ROOT / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, project / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(folder), str(project)], check=True, capture_output=True, cwd=folder)
    (built,) = folder.glob("dialogue_watch-*.whl")
    return built


def test_the_wheel_holds_every_package_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("monitor", "monitor/fetch", "monitor/analysis", "monitor/store", "monitor/notify",
                    "monitor/publish", "spiders"):
        assert f"{package}/__init__.py" in names, package
    assert "monitor/store/record.py" in names and "monitor/publish/datasette_plugin.py" in names
    for data in ("report_2003.csv", "metadata.yaml", "templates/index.html", "templates/_dw_macros.html"):
        assert f"monitor/site_data/{data}" in names, data
    assert not any(name.endswith((".db", ".db-wal")) for name in names)


def test_an_installed_copy_crawls_and_serves_outside_the_source_tree(wheel, tmp_path, replica):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    target = sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)})
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--target", target, str(wheel)], check=True, capture_output=True)
    # the dependencies come from the test's own environment; dialogue-watch only from the wheel
    env = {**os.environ, "PYTHONPATH": sysconfig.get_path("purelib")}
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([str(python), "-c", "import monitor, monitor.files as f; print(monitor.__file__); "
                            "print(f.data_dir())"], cwd=work, env=env, capture_output=True, text=True)
    assert where.returncode == 0, where.stderr
    assert str(ROOT) not in where.stdout and target in where.stdout

    replica.set("/ca", page())
    sources = work / "sources.yaml"
    sources.write_text(yaml.safe_dump({
        "settings": {"delay_seconds": 0, "retries": 0, "contact": "tests <tests@example.org>"},
        "sources": [{"id": "canada", "country": "Canada", "title": "Canada", "kind": "html",
                     "url": replica.url("/ca")}]}), encoding="utf-8")
    crawl = subprocess.run([str(python), "-m", "monitor", "--sources", str(sources), "--db", "monitor.db",
                            "crawl"], cwd=work, env=env, capture_output=True, text=True, timeout=180)
    assert crawl.returncode == 0 and "Checked 1 page(s)" in crawl.stdout, crawl.stdout + crawl.stderr

    port = site_fixtures.free_port()
    command = [str(python), "-m", "monitor", "--db", "monitor.db", "serve", "--port", str(port)]
    server = subprocess.Popen(command, cwd=work, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        site_fixtures.wait_for(base, server)
        for path in ("/", "/monitor/staleness", "/monitor/history?source=canada", "/monitor/feed.atom"):
            with urllib.request.urlopen(base + path, timeout=30) as response:
                body = response.read().decode()
            assert response.status == 200, path
        assert "Canada" in body
    finally:
        server.terminate()
        server.wait(timeout=10)

"""A crawl of the shipped discovery sources against a local replica of the partners'
feeds, sitemaps and listings: time, CPU, peak memory, and what was told.

Every ``discover:`` entry of the shipped sources.yaml (23, all twelve partners) is
served by a Replica on 127.0.0.1 at an address of its own, in its own type: an RSS
feed of ``ITEMS`` items, a sitemap index naming two gzip sitemaps of ``ITEMS``
addresses each, or a listing page whose markup matches the entry's own ``items:``
selector. Three crawls: the first read (a baseline, nothing told), then one new item
per entry written with the entry's first ``match:`` rule (each told once and
watched), then nothing new. The crawl process's CPU and peak memory come from
``DW_USAGE_PATH``.

With ``--match-page`` every entry has ``match_page: true`` and the second crawl's new
items say nothing in their titles ("Press release 1" ... "Press release 10"): only
the page of the first holds the entry's ``match:`` words. Each of the ten pages is
read once (``match_page_limit`` 10), the first told, none fetched again after.

    .venv/bin/python benchmarks/discover_crawl.py [ITEMS] [--match-page]   (default 200)
"""

import dataclasses
import gzip
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from monitor import config, store  # noqa: E402
from monitor.discover.match import Near  # noqa: E402
from monitor.fetch import crawler  # noqa: E402
from monitor.replica import Replica  # noqa: E402

NEW_IN_PAGE = 10  # --match-page: new items per entry, one matching in its page's text
SETTINGS = {"delay_seconds": 0, "timeout_seconds": 10, "retries": 0, "contact": "bench <b@example.org>"}


def phrase_of(discovery):
    """Words the entry's first match: rule finds."""
    rule = discovery.matcher.rules[0]
    if isinstance(rule, Near):
        return " ".join(p.text.rstrip("*") + ("e" if p.prefix else "") for p in rule.phrases)
    return rule.text.rstrip("*") + ("e" if rule.prefix else "")


def element(selector, inner):
    """Markup that ``selector`` (its first alternative: 'ul.list-link li', '.teaser')
    selects, holding ``inner``."""
    parts = selector.split(",")[0].split()
    for part in reversed(parts):
        tag, _, classes = re.sub(r"\[.*\]", "", part).partition(".")
        inner = f'<{tag or "div"} class="{classes.replace(".", " ")}">{inner}</{tag or "div"}>'
    return inner


def bodies(replica, discovery, titles):
    """{path: (body, content type)} serving ``discovery`` with items titled ``titles``."""
    base = f"/{discovery.id}"
    links = [(title, f"{base}/{name}") for name, title in titles]
    if discovery.type == "feed":
        items = "".join(f"<item><title>{t}</title><link>{replica.url(p)}</link><pubDate>Mon, "
                        f"02 Dec 2024 10:00:00 +0000</pubDate></item>" for t, p in links)
        return {base: (f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>',
                       "application/rss+xml")}
    if discovery.type == "sitemap":
        half = len(links) // 2
        maps = {}
        for name, part in (("a", links[:half]), ("b", links[half:])):
            urls = "".join(f"<url><loc>{replica.url(p + '-' + _slug(t))}</loc><lastmod>2024-12-02"
                           f"</lastmod></url>" for t, p in part)
            maps[f"{base}/{name}.xml.gz"] = (gzip.compress(
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
                .encode()), "application/gzip")
        index = "".join(f"<sitemap><loc>{replica.url(p)}</loc><lastmod>2024-12-02</lastmod></sitemap>"
                        for p in maps)
        return {base: (f"<sitemapindex>{index}</sitemapindex>", "application/xml"), **maps}
    rows = "".join(element(discovery.items, f'<a href="{p}"><h3>{t}</h3></a><span>02.12.2024</span>')
                   for t, p in links)
    return {base: (f"<html><body><nav><a href='/'>Home</a></nav><main>{rows}</main></body></html>",
                   "text/html; charset=utf-8")}


def _slug(title):
    return re.sub(r"\W+", "-", title.lower()).strip("-")


def serve(replica, shipped, items, new=False, in_page=False):
    for discovery in shipped.discover:
        titles = [(f"item-{n}", f"Routine notice number {n}") for n in range(items)]
        texts = {}
        if new and in_page:  # titles that say nothing; the words in the first one's page
            fresh = [(f"release-{n}", f"Press release {n}") for n in range(1, NEW_IN_PAGE + 1)]
            titles[:0] = fresh
            texts["release-1"] = f"The minister said: {phrase_of(discovery)}."
        elif new:
            titles.insert(0, ("item-new", f"Statement: {phrase_of(discovery)}"))
        for path, (body, kind) in bodies(replica, discovery, titles).items():
            replica.set(path, body, content_type=kind)
        for name, title in titles:  # the pages an adopted item leads to
            text = texts.get(name, "the text")
            page = f"<html><body><main><h1>{title}</h1><p>{title}: {text}</p></main></body></html>"
            replica.set(f"/{discovery.id}/{name}", page)
            replica.set(f"/{discovery.id}/{name}-{_slug(title)}", page)  # a sitemap's address


def linked_requests(replica, shipped):
    """Requests for the --match-page items' pages, over all entries."""
    return sum(len(replica.requests_for(f"/{d.id}/release-{n}" + suffix))
               for d in shipped.discover for n in range(1, NEW_IN_PAGE + 1)
               for suffix in ("", f"-press-release-{n}"))


def local_config(folder, replica, shipped, in_page=False):
    entries = []
    for discovery in shipped.discover:
        entry = {k: v for k, v in dataclasses.asdict(discovery).items()
                 if k in ("id", "country", "title", "type", "items", "next", "pages", "limit")
                 and v is not None}
        entry["match"] = [_rule_yaml(r) for r in discovery.matcher.rules]
        entry["url"] = replica.url(f"/{discovery.id}")
        if in_page:
            entry["match_page"] = True
        entries.append(entry)
    path = Path(folder) / "sources.yaml"
    path.write_text(yaml.safe_dump({"settings": SETTINGS, "defaults": {"stale_after": "never"},
                                    "sources": [], "discover": entries}, allow_unicode=True),
                    encoding="utf-8")
    return config.load(path)


def _rule_yaml(rule):
    return {"near": [p.text for p in rule.phrases], "within": rule.within} if isinstance(rule, Near) \
        else rule.text


def timed_crawl(cfg, db_path, folder, label):
    usage = Path(folder) / "usage.json"
    started = time.perf_counter()
    _, results = crawler.crawl(cfg, db_path, DW_USAGE_PATH=str(usage))
    seconds = time.perf_counter() - started
    used = json.loads(usage.read_text())
    db = store.open_db(db_path)
    told = db.execute("SELECT count(*) FROM events WHERE kind = 'new_publication'").fetchone()[0]
    checks = db.execute("SELECT count(*), sum(items), sum(error IS NOT NULL), sum(linked) "
                        "FROM discovery_checks "
                        "WHERE id > (SELECT coalesce(max(id), 0) - ? FROM discovery_checks)",
                        [len(cfg.discover)]).fetchone()
    print(f"{label}: {seconds:.1f} s, crawl process CPU {used['cpu_seconds']:.1f} s, peak "
          f"{used['peak_mb']:.0f} MB; {checks[0]} discovery reads, {checks[1]:,} items, "
          f"{checks[2]} errors; linked pages read {checks[3] or 0}; pages fetched "
          f"{len(results)}; new_publication so far: {told}")
    return told


def main(items, in_page=False):
    shipped = config.load(ROOT / "sources.yaml")
    countries = {d.country for d in shipped.discover}
    print(f"{len(shipped.discover)} discovery sources for {len(countries)} partners, "
          f"{items} items each" + (", match_page: true" if in_page else ""))
    replica = Replica()
    try:
        with tempfile.TemporaryDirectory() as folder:
            cfg = local_config(folder, replica, shipped, in_page)
            db_path = Path(folder) / "bench.db"
            serve(replica, shipped, items)
            timed_crawl(cfg, db_path, folder, "first read (baseline)")
            serve(replica, shipped, items, new=True, in_page=in_page)
            what = (f"{NEW_IN_PAGE} new items per source, one matching in its page" if in_page
                    else "one new matching item per source")
            told = timed_crawl(cfg, db_path, folder, what)
            fetched = linked_requests(replica, shipped)
            timed_crawl(cfg, db_path, folder, "nothing new")
            print(f"told: {told} of {len(shipped.discover)} new items, "
                  f"{'all' if told == len(shipped.discover) else 'NOT all'}")
            if in_page:
                print(f"linked pages fetched: {fetched} in the second crawl, "
                      f"{linked_requests(replica, shipped) - fetched} more in the third "
                      f"(the told ones are watched pages from then on)")
    finally:
        replica.close()


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(arguments[0]) if arguments else 200, "--match-page" in sys.argv)

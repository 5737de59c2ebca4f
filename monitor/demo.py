"""The offline demo: a local replica of the twelve partners' pages, crawled
over several rounds in which they change, leaving every kind of event.

The replica pages are written for this project (they are not copies of the
real sites); each uses its partner's language and date style.
"""

import datetime
from pathlib import Path

import yaml

from monitor import config, store
from monitor.fetch import crawler
from monitor.errors import DialogueWatchError
from monitor.replica import Replica, make_pdf

# id -> (country, locale, title, body paragraph, marker line)
PAGES = {
    "demo-australia": ("Australia", "en-AU", "Australia-China Human Rights Dialogue",
                       "Australia and China held the annual human rights dialogue in Canberra. "
                       "Delegations discussed police training, prison visits and cooperation projects.",
                       "Last updated Nov 2002"),
    "demo-brazil": ("Brazil", "pt-BR", "Diálogo Brasil-China sobre direitos humanos",
                    "O Brasil e a China realizaram uma rodada de consultas sobre direitos humanos "
                    "e assinaram uma declaração conjunta sobre intercâmbios e cooperação.", None),
    "demo-canada": ("Canada", "en-CA", "Canada-China Bilateral Human Rights Dialogue",
                    "The dialogue covered freedom of expression, the rights of minorities, prison "
                    "conditions, religious freedoms and a list of individual prisoners.",
                    "Date modified: 2002-10-15"),
    "demo-chile": ("Chile", "es-CL", "Diálogo Chile-China sobre derechos humanos",
                   "Chile y China celebraron consultas políticas que incluyeron un intercambio "
                   "sobre derechos humanos y cooperación en foros multilaterales.",
                   "Última actualización: 3 de abril de 2023"),
    "demo-eu": ("European Union", "en-IE", "EU-China Human Rights Dialogue",
                "The European Union raised freedom of expression, the situation in Tibet and "
                "Xinjiang, the death penalty and individual cases of human rights defenders.",
                "Last updated: 12/03/2024"),
    "demo-germany": ("Germany", "de-DE", "Deutsch-chinesischer Menschenrechtsdialog",
                     "Der Menschenrechtsdialog zwischen Deutschland und China behandelte "
                     "Rechtsstaatlichkeit, Religionsfreiheit und die Lage von Minderheiten.",
                     "Stand: 12.03.2024"),
    "demo-hungary": ("Hungary", "hu-HU", "Magyar-kínai emberi jogi párbeszéd",
                     "Magyarország és Kína emberi jogi párbeszédet folytatott a kisebbségi jogokról, "
                     "az ombudsmanok együttműködéséről és a vallásszabadságról.",
                     "Utolsó módosítás: 2023. október 5."),
    "demo-japan": ("Japan", "ja-JP", "日中人権対話の開催について",
                   "日中両国は人権対話を開催し、表現の自由、少数民族の権利、法の支配等について率直な意見交換を行いました。",
                   "更新日：令和6年3月12日"),
    "demo-norway": ("Norway", "nb-NO", "Menneskerettighetsdialogen mellom Norge og Kina",
                    "Norge og Kina gjennomførte den årlige menneskerettighetsdialogen med vekt på "
                    "ytringsfrihet, dødsstraff og minoriteters rettigheter.",
                    "Sist oppdatert: 13.12.2010"),
    "demo-switzerland": ("Switzerland", "de-CH", "Menschenrechtsdialog Schweiz-China",
                         "Die Schweiz und China führten die Runde des Menschenrechtsdialogs durch. "
                         "Themen waren Strafjustiz, Minderheitenrechte und Meinungsfreiheit.",
                         "Letzte Aktualisierung: 04.03.2015"),
    "demo-united-states": ("United States", "en-US", "U.S.-China Human Rights Dialogue",
                           "The United States raised religious freedom, labor rights, the treatment "
                           "of ethnic minorities and the detention of lawyers and activists.",
                           "Last updated: March 12, 2012"),
}
# id -> (country, title, watched page, pages' text, "last updated" year)
PDFS = {
    "demo-eu-report-p31": ("European Union", "EU annual report on human rights (page 31)", 2,
                           "China: the human rights dialogue met twice this year. Last updated 2000", 2000),
    "demo-uk-report-p34": ("United Kingdom", "FCO annual report on human rights (page 34)", 2,
                           "China: the UK-China dialogue met in London and Gansu. last updated 2002", 2002),
}


# id -> the list of links each page starts with inside its main content (link events)
LINKS = {
    "demo-chile": ("<ul><li><a href='/demo-chile/acta-2022.pdf'>Acta de la consulta 2022</a></li>"
                   "<li><a href='/demo-chile/acta-2023.pdf'>Acta de la consulta 2023</a></li></ul>"),
    "demo-hungary": "<ul><li><a href='/demo-hungary/kozlemeny-2023'>Sajtóközlemény</a></li></ul>",
}


def html(title, paragraph, marker, extra=""):
    footer = f"<p class='updated'>{marker}</p>" if marker else ""
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body>"
            "<nav><a href='/'>Home</a> | <a href='/news'>News</a> | <a href='/contact'>Contact</a></nav>"
            f"<main><h1>{title}</h1><p>{paragraph}</p>{extra}</main>"
            f"<footer>{footer}<p>Demo replica written for dialogue-watch.</p></footer></body></html>")


def pdf(text, year):
    stamp = datetime.datetime(year, 6, 30, tzinfo=datetime.timezone.utc)
    return make_pdf(["Annual report on human rights - contents", text], stamp)


class Scenario:
    """The replica and what changes in it, round by round."""

    def __init__(self, replica):
        self.replica = replica
        self.pages = {i: list(spec) for i, spec in PAGES.items()}
        self.links = dict(LINKS)

    def serve(self, source_id, extra="", marker=None, links=None):
        country, locale, title, paragraph, old_marker = self.pages[source_id]
        marker = old_marker if marker is None else marker
        self.pages[source_id][4] = marker
        if links is not None:
            self.links[source_id] = links
        extra += self.links.get(source_id, "")
        self.replica.set(f"/{source_id}", html(title, paragraph, marker, extra))

    def serve_pdf(self, source_id, text, year):
        self.replica.set(f"/{source_id}.pdf", pdf(text, year), content_type="application/pdf")

    def start(self):
        for source_id in PAGES:
            self.serve(source_id)
        for source_id, (_, _, _, text, year) in PDFS.items():
            self.serve_pdf(source_id, text, year)

    def rounds(self):
        """(what happened, function) for each round after the first."""
        added = "<p>A new round was held this year; a summary is published below.</p>"
        reworded = "<p>The statement was reworded without any notice.</p>"
        return [
            ("Canada bumps its 'Date modified' with new text; Germany edits silently; "
             "Japan changes only its date; the UK PDF is updated; Norway's site breaks",
             lambda: (self.serve("demo-canada", added, "Date modified: 2026-11-20"),
                      self.serve("demo-germany", reworded),
                      self.serve("demo-japan", marker="更新日：令和8年11月20日"),
                      self.serve_pdf("demo-uk-report-p34", "China: the UK-China dialogue was "
                                     "suspended and resumed. last updated 2004", 2004),
                      self.replica.set("/demo-norway", b"Internal Server Error", status=500))),
            ("Australia's page disappears; Brazil's page (no date) changes; Norway still broken",
             lambda: (self.replica.remove("/demo-australia"),
                      self.serve("demo-brazil", "<p>Nova rodada de consultas prevista.</p>"))),
            ("Norway fails a third time in a row; Switzerland edits silently; Chile removes "
             "a document from its page; Hungary's page links to another press release",
             lambda: (self.serve("demo-switzerland", reworded),
                      self.serve("demo-chile", links=LINKS["demo-chile"].split("</li>")[0] + "</li></ul>"),
                      self.serve("demo-hungary", links=LINKS["demo-hungary"].replace("2023", "2024")))),
            ("Australia's page is back; Norway's site works again; the EU PDF is updated",
             lambda: (self.serve("demo-australia"), self.serve("demo-norway"),
                      self.serve_pdf("demo-eu-report-p31", "China: the human rights dialogue "
                                     "met twice this year and once more. Last updated 2001", 2001))),
        ]


def sources_document(replica):
    entries = [{"id": i, "country": c, "locale": loc, "title": t, "kind": "html",
                "url": replica.url(f"/{i}")} for i, (c, loc, t, _, _) in PAGES.items()]
    entries += [{"id": i, "country": c, "title": t, "kind": "pdf", "pages": [page],
                 "url": replica.url(f"/{i}.pdf")} for i, (c, t, page, _, _) in PDFS.items()]
    return {
        "settings": {"contact": "dialogue-watch demo", "delay_seconds": 0, "retries": 0,
                     "timeout_seconds": 10, "failing_after": 3},
        "defaults": {"stale_after": "365d"},
        "sources": entries,
    }


def run(db_path, rounds=None, echo=print):
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _fresh(db_path)
    replica = Replica()
    try:
        sources_path = sources_path_for(db_path)
        sources_path.write_text(yaml.safe_dump(sources_document(replica), allow_unicode=True,
                                               sort_keys=False), encoding="utf-8")
        cfg = config.load(sources_path)
        scenario = Scenario(replica)
        scenario.start()
        steps = [("First look at every page", lambda: None)] + scenario.rounds()
        for number, (story, change) in enumerate(steps[:rounds], start=1):
            change()
            _, results = crawler.crawl(cfg, db_path)
            kinds = sorted(f"{r['source_id']}: {r['event']}" for r in results if r["event"])
            echo(f"Round {number}: {story}.\n  Events: {', '.join(kinds) or 'none'}")
    finally:
        replica.close()
    echo(_browse_hint(db_path, sources_path))


def sources_path_for(db_path):
    """Where the demo writes the sources it crawls (the replica's address changes at
    every run): beside its database, db/demo.db -> db/demo-replica-sources.yaml,
    which git ignores like the database. db/demo-sources.yaml is only an example."""
    return db_path.with_name(db_path.stem + "-replica-sources.yaml")


def _fresh(db_path):
    """Start from an empty demo database; never overwrite a real one."""
    if db_path.exists():
        ids = [r["id"] for r in store.open_db(db_path).query("SELECT id FROM sources")]
        if any(not i.startswith("demo-") for i in ids):
            raise DialogueWatchError(f"{db_path} holds real monitoring data; the demo will not "
                                     "overwrite it. Fix: pass the demo another --db path.")
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)


def _browse_hint(db_path, sources_path):
    base = f"dialogue-watch --sources {sources_path} --db {db_path}"
    return "\n".join([
        "",
        f"Done. The demo database is {db_path}. Look around:",
        f"  {base} stale                 how stale each page is",
        f"  {base} history demo-canada   one page's events",
        f"  {base} diff demo-canada      what changed on it",
        f"  dialogue-watch --db {db_path} serve --port 8002   the site, on http://127.0.0.1:8002/",
        "The replica's pages are gone now that the demo has ended: the site keeps what was",
        "captured (each page's versions and their original files), and says so beside each",
        "link to a page's live address.",
    ])

"""The offline demo: a local replica of the twelve partners' pages, crawled
over rounds dated across two years in which they change, leaving every kind of event.

The rounds happen in seconds: a replica clock (``monitor.clock.set_to``) dates each
round's checks months apart, ending today, so the site's charts run over two years,
pages grow stale and are said to, and the pages the 2003 report cited carry its
figures ("2003 report: N days"). With ``alerts`` the alerts a subscriber would get are
delivered to a local mail sink (``monitor.notify.mailbox``) and kept in a mailbox file.

The replica pages are written for this project (they are not copies of the
real sites); each uses its partner's language and date style.
"""

import contextlib
import datetime
from pathlib import Path

import yaml

from monitor import clock, config, store
from monitor.fetch import crawler, locks
from monitor.errors import DialogueWatchError, StoreError
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

# id -> (the address as the 2003 report printed it, the page's 'last updated' line it saw),
# as sources.yaml has them for the real pages the report cited (None: it saw no date)
CITED_IN_2003 = {
    "demo-australia": ("www.Dfat.gov", "Last updated Nov 2002"),
    "demo-brazil": ("www.mre.gove.br/projeto/mreweb/ingles/default.htm", None),
    "demo-canada": ("www.dfait-maeci.gc.ca/china/relation-en.asp", "Last updated Oct 2002"),
    "demo-eu-report-p31": ("http://eropa.eu.int/comm/external_relations/human_rights/doc/"
                           "report_00_en.pdf", "Last updated 2000"),
    "demo-norway": ("odin.dep.no/ud/engelsk/index-b-n-a.html", None),
    "demo-uk-report-p34": ("www.fco.gov.uk/files/kfile/contents,o.pdf", "last updated 2002"),
}
REPORT_DAY = datetime.date(2003, 4, 2)  # the day the 2003 report looked at the pages
# How many days before today each round is dated (the first look two years ago, the last today)
ROUND_DAYS_AGO = (730, 600, 540, 420, 240, 0)

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
        """(what happened, function of the round's day) for each round after the first."""
        added = "<p>A new round was held this year; a summary is published below.</p>"
        reworded = "<p>The statement was reworded without any notice.</p>"
        return [
            ("Canada bumps its 'Date modified' with new text; Germany edits silently; "
             "Japan changes only its date; the UK PDF is updated; Norway's site breaks",
             lambda day: (self.serve("demo-canada", added, f"Date modified: {day - ONE_WEEK}"),
                          self.serve("demo-germany", reworded),
                          self.serve("demo-japan", marker=japanese_date(day - ONE_WEEK)),
                          self.serve_pdf("demo-uk-report-p34", "China: the UK-China dialogue was "
                                         "suspended and resumed. last updated 2004", 2004),
                          self.replica.set("/demo-norway", b"Internal Server Error", status=500))),
            ("Australia's page disappears; Brazil's page (no date) changes; Norway still broken",
             lambda day: (self.replica.remove("/demo-australia"),
                          self.serve("demo-brazil", "<p>Nova rodada de consultas prevista.</p>"))),
            ("Norway fails a third time in a row; Switzerland edits silently; Chile removes "
             "a document from its page; Hungary's page links to another press release",
             lambda day: (self.serve("demo-switzerland", reworded),
                          self.serve("demo-chile", links=LINKS["demo-chile"].split("</li>")[0] + "</li></ul>"),
                          self.serve("demo-hungary", links=LINKS["demo-hungary"].replace("2023", "2024")))),
            ("Australia's page is back; Norway's site works again; the EU PDF is updated",
             lambda day: (self.serve("demo-australia"), self.serve("demo-norway"),
                          self.serve_pdf("demo-eu-report-p31", "China: the human rights dialogue "
                                         "met twice this year and once more. Last updated 2001", 2001))),
            ("Today: Hungary's site answers with a server error this once; the other pages' "
             "dates have grown older",
             lambda day: self.replica.set("/demo-hungary", b"Internal Server Error", status=500)),
        ]


ONE_WEEK = datetime.timedelta(days=7)


def japanese_date(day):
    """'更新日：令和6年3月12日': a date in the Reiwa era, as Japan's ministry writes it."""
    return f"更新日：令和{day.year - 2018}年{day.month}月{day.day}日"


def round_times(today=None):
    """When each round takes place (UTC datetimes at 09:00), by the replica clock."""
    today = today or datetime.datetime.now(datetime.timezone.utc).date()
    return [datetime.datetime.combine(today - datetime.timedelta(days=ago), datetime.time(9),
                                      datetime.timezone.utc) for ago in ROUND_DAYS_AGO]


def sources_document(replica):
    entries = [{"id": i, "country": c, "locale": loc, "title": t, "kind": "html",
                "url": replica.url(f"/{i}")} for i, (c, loc, t, _, _) in PAGES.items()]
    entries += [{"id": i, "country": c, "title": t, "kind": "pdf", "pages": [page],
                 "url": replica.url(f"/{i}.pdf")} for i, (c, t, page, _, _) in PDFS.items()]
    for entry in entries:
        entry.update(_cited(entry["id"]))
    return {
        "settings": {"contact": "dialogue-watch demo", "delay_seconds": 0, "retries": 0,
                     "timeout_seconds": 10, "failing_after": 3},
        "defaults": {"stale_after": "365d"},
        "sources": entries,
    }


def _cited(source_id):
    """A page the 2003 report cited: its address as printed and what the report saw."""
    if source_id not in CITED_IN_2003:
        return {}
    cited_as, marker = CITED_IN_2003[source_id]
    baseline = {"observed": REPORT_DAY, **({"marker": marker} if marker else {})}
    return {"cited_as": cited_as, "baseline": baseline}


def run(db_path, rounds=None, echo=print, alerts=False):
    """Build the demo database at ``db_path``: a replica served on 127.0.0.1, crawled
    round by round. With ``alerts``, deliver its alerts to a mailbox file beside it.
    Built under a temporary name and moved into place whole: an interrupted demo
    leaves no half-made database behind."""
    db_path = Path(db_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _refuse_real_data(db_path)
    building = db_path.with_name(db_path.name + ".building")
    _remove(building)
    sources_path = sources_path_for(db_path)
    with contextlib.closing(Replica()) as replica, _inbox(db_path, alerts) as inbox:
        sources_path.write_text(yaml.safe_dump(sources_document(replica), allow_unicode=True,
                                               sort_keys=False), encoding="utf-8")
        _crawl_rounds(config.load(sources_path), building, Scenario(replica), rounds, echo, inbox)
    _remove(db_path)
    building.rename(db_path)
    _remove(building)  # its emptied write-ahead log, and the locks of its name
    for lock in building.parent.glob(building.name + "*.lock"):
        lock.unlink(missing_ok=True)
    echo(_browse_hint(db_path, sources_path))
    if inbox.path:
        echo(_mail_hint(inbox.path))


def _crawl_rounds(cfg, db_path, scenario, rounds, echo, inbox):
    steps = [("First look at every page", lambda day: scenario.start())] + scenario.rounds()
    for number, ((story, change), moment) in enumerate(zip(steps[:rounds], round_times()), start=1):
        with clock.set_to(moment):
            change(moment.date())
            _, results = crawler.crawl(cfg, db_path, subscribers=inbox.subscribers)
            sent = inbox.deliver(db_path)
        kinds = sorted(f"{r['source_id']}: {r['event']}" for r in results if r["event"])
        mail = f"\n  Alerts delivered: {sent}" if inbox.path else ""
        echo(f"Round {number}, {_day_words(moment)}: {story}.\n"
             f"  Events: {', '.join(kinds) or 'none'}{mail}")
    store.open_db(db_path).conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _day_words(moment):
    return f"{moment.day} {moment:%B %Y}"


class _NoInbox:
    path, subscribers = None, ()

    def deliver(self, db_path):
        return 0


class _Inbox:
    """The demo's one subscriber: every kind of event, e-mailed to the local mail sink."""

    def __init__(self, path, url):
        from monitor.notify import alerts

        self.path = path
        self.settings = alerts.Settings(
            path="(the demo)", site_url=f"http://127.0.0.1:{SITE_PORT}",
            subscribers=(alerts.Subscriber(name="demo-inbox", url=url,
                                           kinds=frozenset(alerts.events.KINDS)),))
        self.subscribers = self.settings.subscribers

    def deliver(self, db_path):
        from monitor.notify import dispatch

        with locks.database_lock(db_path, "demo alerts"):
            return dispatch.deliver(store.open_db(db_path), self.settings)["sent"]


SITE_PORT = 8002  # where the demo's hint serves the site; the alerts link to it


def _inbox(db_path, alerts):
    """The mail sink the demo's alerts go to (with ``alerts``), as a context manager."""
    if not alerts:
        return contextlib.nullcontext(_NoInbox())
    from monitor.notify import mailbox

    path = mailbox_path_for(db_path)

    @contextlib.contextmanager
    def running():
        with mailbox.sink(path) as url:
            yield _Inbox(path, url)

    return running()


def mailbox_path_for(db_path):
    """Where ``demo --alerts`` keeps the alerts: db/demo.db -> db/demo-alerts.mbox."""
    return db_path.with_name(db_path.stem + "-alerts.mbox")


def sources_path_for(db_path):
    """Where the demo writes the sources it crawls (the replica's address changes at
    every run): beside its database, db/demo.db -> db/demo-replica-sources.yaml,
    which git ignores like the database. db/demo-sources.yaml is only an example."""
    return db_path.with_name(db_path.stem + "-replica-sources.yaml")


def _refuse_real_data(db_path):
    """Never overwrite a real database. An empty file, or one holding only the demo's
    pages (an earlier demo, even one that was interrupted), is the demo's to replace."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return
    try:
        ids = [r["id"] for r in store.open_db(db_path).query("SELECT id FROM sources")]
    except StoreError as error:
        raise DialogueWatchError(f"{db_path} is not a demo database ({error}); the demo will "
                                 "not overwrite it. Fix: pass the demo another --db path.") from None
    if any(not i.startswith("demo-") for i in ids):
        raise DialogueWatchError(f"{db_path} holds real monitoring data; the demo will not "
                                 "overwrite it. Fix: pass the demo another --db path.")


def _remove(db_path):
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
        f"  dialogue-watch --db {db_path} serve --port {SITE_PORT}   the site, on "
        f"http://127.0.0.1:{SITE_PORT}/",
        "The replica's pages are gone now that the demo has ended: the site keeps what was",
        "captured (each page's versions and their original files), and says so beside each",
        "link to a page's live address.",
    ])


def _mail_hint(path):
    from monitor.notify import mailbox

    messages = mailbox.read(path)
    lines = ["", f"The {len(messages)} alert(s) a subscriber to every page would have received "
             f"are in {path}", "(a mailbox file: open it with any mail program, e.g. "
             f"'mutt -f {path}', or read it as text). The first ones:"]
    lines += [f"  {m['Subject']}" for m in messages[:8]]
    return "\n".join(lines)

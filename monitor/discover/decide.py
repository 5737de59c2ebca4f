"""What one read of a discovery source means, against what it listed before. Pure.

``decide`` takes the items stored for the source (``Known``, by key), this read's
items, which of them ``match:`` counts, and whether the read saw the whole list.
The store applies the answer (``monitor.store.discovery``):

- the first read is a baseline (the first that lists anything, unless an earlier
  complete read found the list empty): every item is stored, none is new, nothing
  is told (no flood of a ministry's whole archive);
- after it, an item whose key (``Item.key``: session tokens and tracking tags masked)
  was never listed is *fresh*; a fresh item that matches is *adopted* (a watched page
  and a ``new_publication`` event) while the source's ``limit`` leaves room;
- with ``match_page:``, an item that does not match on its title is judged on the
  text of the page it links to (``page_candidates`` says which pages a read fetches:
  never at the first read, each address once, at most ``match_page_limit`` a read);
  one whose page could not be read, or was left for the next read, is *waiting*: at
  the next read its page is fetched again, and if it matches then it is adopted;
- an item listed before and missing from a complete read is *delisted* (a note for
  an adopted page); one back after that is *relisted*. An incomplete read (a page
  failed, the page budget ran out, nothing was found) delists nothing.

Example: ``decide({}, [item], {}, True, 0, 50).first_read is True``; with
``read_before=True`` (an empty list was read completely before) the item is fresh.
"""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Known:
    key: str
    url: str
    source_id: str | None = None  # the watched page it became, if adopted
    delisted: bool = False
    waiting: bool = False  # its linked page is still to be read (match_page:)


@dataclasses.dataclass
class Decision:
    first_read: bool
    listed: list  # this read's items, one per key, first listing wins
    fresh: list  # listed items never seen before
    adopt: list  # (item, the rule that matched) to watch and tell: fresh, or waiting
    over_limit: int  # matching fresh items left out by the limit
    delisted: list  # keys of known items missing from a complete read
    relisted: list  # keys of delisted items listed again


def decide(known, items, matched, complete, adopted, limit, read_before=False):
    """The Decision for ``items`` (this read) against ``known`` ({key: Known});
    ``matched`` is {key: rule}, ``adopted`` how many pages the source already gave,
    ``read_before`` whether a complete read of it was stored before."""
    listed = _one_per_key(items)
    keys = {each.key for each in listed}
    first_read = not known and not read_before
    fresh = [] if first_read else [each for each in listed if each.key not in known]
    waiting = [each for each in listed if each.key in known and known[each.key].waiting
               and not known[each.key].source_id]
    counted = [(each, matched[each.key]) for each in [*waiting, *fresh] if each.key in matched]
    room = max(limit - adopted, 0)
    whole = complete and bool(listed)
    delisted = [key for key, row in known.items()
                if whole and key not in keys and not row.delisted]
    relisted = [key for key, row in known.items() if row.delisted and key in keys]
    return Decision(first_read, listed, fresh, counted[:room], max(len(counted) - room, 0),
                    delisted, relisted)


def _one_per_key(items):
    seen, kept = set(), []
    for each in items:
        if each.key not in seen:
            seen.add(each.key)
            kept.append(each)
    return kept


def matching(discovery, items):
    """{item key: the rule that matched} for the items ``discovery.match`` counts."""
    found = {}
    for each in items:
        words = each.words()
        rule = discovery.matcher.first(each.title, each.summary, words if words != each.title else "")
        if rule:
            found[each.key] = rule
    return found


# The text of a linked page that is matched (about 300 pages of a PDF): past it, unread.
MAX_PAGE_TEXT = 1_000_000


@dataclasses.dataclass(frozen=True)
class PagePlan:
    """What a read with ``match_page:`` must know before it fetches a linked page:
    the keys the source already listed, the waiting ones (oldest first), and whether
    this is the first read (then nothing is fetched)."""

    known: frozenset = frozenset()
    waiting: tuple = ()
    first_read: bool = True


@dataclasses.dataclass(frozen=True)
class PageRead:
    """One linked page read for matching: the item's key and address, whether it is a
    web page or a PDF, the rule its text matched (None: none), or why it was not read."""

    key: str
    url: str
    kind: str = "html"
    rule: str | None = None
    error: str | None = None


def page_candidates(discovery, items, matched, plan):
    """The items whose linked page this read fetches (``match_page:``): waiting ones
    first, then those never listed before, that did not match on their own words; at
    most ``discovery.match_page_limit``, none at the first read."""
    if not discovery.match_page or plan is None or plan.first_read:
        return []
    listed = {each.key: each for each in _one_per_key(items) if each.key not in matched}
    waiting = [listed[key] for key in plan.waiting if key in listed]
    fresh = [each for key, each in listed.items() if key not in plan.known]
    return [*waiting, *fresh][:discovery.match_page_limit]


def page_rule(discovery, text):
    """The rule of ``discovery.match`` that a linked page's ``text`` matches, or None."""
    return discovery.matcher.first((text or "")[:MAX_PAGE_TEXT]) if discovery.match else None

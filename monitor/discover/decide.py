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


@dataclasses.dataclass
class Decision:
    first_read: bool
    listed: list  # this read's items, one per key, first listing wins
    fresh: list  # listed items never seen before
    adopt: list  # (item, the rule that matched) to watch and tell
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
    counted = [(each, matched[each.key]) for each in fresh if each.key in matched]
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

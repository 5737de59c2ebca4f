"""jusText's stop words: one set per process, made in a third of the time (issues 23 and 27).

When trafilatura's own reading of a page comes out short, it tries jusText, which tells
text from boilerplate by the share of stop words in each paragraph. For a page of no
given language trafilatura hands it every stop list at once, about 150,000 words: it
builds that list once per process (``trafilatura.external.jt_stoplist_init``: 0.15 s of CPU
and 14 MB), and jusText lowercases all of them into a set of its own the first time
(``justext.core.define_stoplist``, cached by the list: 0.13 s and 19 MB more), then hashes
the 150,000 words again at each page to find it in its cache. Every analysis worker of
every crawl pays the first two, since workers are forked fresh for each crawl.

``install`` (called once when ``monitor.analysis.extract`` is imported) makes both cheap
without changing a single word: the list is built straight into the set jusText wants
(the same words, lowercased as jusText lowercases them, from the same files: 0.08 s),
and jusText takes that set as it is instead of making its own. Any other stop list (a page
whose language trafilatura was told) goes through jusText's own code unchanged.
"""

import os

import justext
import justext.core
import trafilatura.external

# jusText's and trafilatura's own, kept for any other list (and for the tests)
_jusText_define_stoplist = justext.core.define_stoplist
_trafilatura_stoplist_init = trafilatura.external.jt_stoplist_init


def every_stop_word():
    """The words of every jusText stop list, lowercased, in one frozenset: what
    ``jt_stoplist_init`` lists, as ``define_stoplist`` would make it, kept as
    trafilatura's ``JT_STOPLIST`` for the rest of the process."""
    folder = os.path.join(os.path.dirname(justext.__file__), "stoplists")
    words = set()
    for name in os.listdir(folder):  # as justext.get_stoplists and get_stoplist read them
        if os.path.splitext(name)[1] == ".txt":
            with open(os.path.join(folder, name), "rb") as stoplist:
                words.update(_lines(stoplist.read().decode("utf8").lower()))
    trafilatura.external.JT_STOPLIST = frozenset(words)
    return trafilatura.external.JT_STOPLIST


def _lines(text):
    """``text`` cut into lines where ``bytes.splitlines`` cuts them (CR LF, CR, LF: jusText's
    get_stoplist cuts the file's bytes), in one pass over the whole text, not word by word."""
    if not text:
        return []
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if text.endswith(("\n", "\r")) else lines


def define_stoplist(stoplist):
    """jusText's ``define_stoplist``, except that the set ``every_stop_word`` built is
    taken as it is (its words are lowercased already), not made again."""
    if stoplist is trafilatura.external.JT_STOPLIST and isinstance(stoplist, frozenset):
        return stoplist
    return _jusText_define_stoplist(stoplist)


def install():
    """Route trafilatura's and jusText's two steps through this module (idempotent)."""
    trafilatura.external.jt_stoplist_init = every_stop_word
    justext.core.define_stoplist = define_stoplist

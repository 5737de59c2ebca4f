"""The Scrapy ``Settings`` a crawl process runs with, copied cheaply.

Scrapy copies a crawl's settings twice before the first request (the spider loader's
frozen copy, the crawler's own copy), each time with ``copy.deepcopy``: some 300
settings, each a ``SettingsAttribute`` object taken apart and rebuilt through its
``__reduce_ex__`` (the most expensive step of a crawl of one unchanged page under
cProfile; issue 23: the test suite runs 700 such crawls in one file; issue 27: the
fixed cost of every crawl). ``CrawlSettings.copy`` builds the same copy
directly: every ``SettingsAttribute`` and nested settings object new, every mutable
value deep-copied, immutable values (strings, numbers, classes, functions: what
``deepcopy`` itself hands back unchanged) shared.
"""

import copy
import types

from scrapy.settings import BaseSettings, Settings, SettingsAttribute

# Values deepcopy returns as they are (copy._deepcopy_atomic), so sharing them is a copy.
SHARED_AS_IS = (type(None), bool, int, float, complex, str, bytes, type, range,
                types.FunctionType, types.BuiltinFunctionType, types.MethodType, type(Ellipsis),
                type(NotImplemented), property)


class CrawlSettings(Settings):
    """``Settings`` whose ``copy()`` (and so ``frozencopy()``) is ``copied(self)``."""

    def copy(self):
        return copied(self)


def copied(settings, memo=None):
    """A copy of ``settings`` (any ``BaseSettings``) that shares nothing mutable with it,
    as ``copy.deepcopy`` makes, and of the same class."""
    memo = {} if memo is None else memo
    new = settings.__class__.__new__(settings.__class__)
    memo[id(settings)] = new
    for name, value in vars(settings).items():
        if name != "attributes":
            setattr(new, name, copy.deepcopy(value, memo))
    new.attributes = {name: _attribute(attribute, memo) for name, attribute in settings.attributes.items()}
    return new


def _attribute(attribute, memo):
    new = SettingsAttribute.__new__(SettingsAttribute)
    for name, value in vars(attribute).items():
        setattr(new, name, _value(value, memo))
    return new


def _value(value, memo):
    if type(value) in SHARED_AS_IS:
        return value
    if isinstance(value, BaseSettings):
        return memo[id(value)] if id(value) in memo else copied(value, memo)
    return copy.deepcopy(value, memo)

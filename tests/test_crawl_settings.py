"""``CrawlSettings.copy`` makes the copy ``copy.deepcopy`` makes (monitor.fetch.crawl_settings)."""

import copy

from scrapy.settings import BaseSettings, Settings

from monitor.fetch.crawl_settings import CrawlSettings, copied


def crawl_like_settings():
    settings = CrawlSettings()
    settings.setmodule("monitor.fetch.settings", priority="project")
    settings.update({"DW_TOTAL": 3, "DW_TARGETS": [{"id": "p", "headers": {"If-None-Match": "x"}}],
                     "DW_NESTED": {"a": [1, {"b": 2}]}, "DW_TUPLE": (1, [2]),
                     "DW_BYTES": b"\x00", "DW_NONE": None}, priority="cmdline")
    return settings


def described(settings):
    """Every name, value and priority, nested settings included."""
    return {name: (described(attribute.value) if isinstance(attribute.value, BaseSettings)
                   else attribute.value, attribute.priority)
            for name, attribute in settings.attributes.items()}


def test_the_copy_is_the_deepcopy():
    settings = crawl_like_settings()
    fast, slow = settings.copy(), copy.deepcopy(settings)
    assert type(fast) is CrawlSettings and described(fast) == described(slow) == described(settings)
    assert fast.frozen is False and settings.frozencopy().frozen is True


def test_the_copy_shares_nothing_that_can_change():
    settings = crawl_like_settings()
    other = settings.copy()
    other["DW_TARGETS"][0]["headers"]["If-None-Match"] = "changed"
    other["DW_NESTED"]["a"][1]["b"] = 3
    other["DW_TUPLE"][1].append(3)
    other["DOWNLOADER_MIDDLEWARES"]["some.Middleware"] = 5
    other.set("DW_TOTAL", 4, priority="cmdline")
    other.getdict("DOWNLOAD_HANDLERS_BASE")  # reading changes nothing either
    assert settings["DW_TARGETS"][0]["headers"]["If-None-Match"] == "x"
    assert settings["DW_NESTED"] == {"a": [1, {"b": 2}]} and settings["DW_TUPLE"] == (1, [2])
    assert "some.Middleware" not in settings["DOWNLOADER_MIDDLEWARES"]
    assert settings["DW_TOTAL"] == 3
    for name, attribute in settings.attributes.items():
        assert other.attributes[name] is not attribute


def test_a_value_held_twice_is_copied_once_as_deepcopy_does():
    shared = {"k": [1]}
    settings = Settings({"A": shared, "B": shared})
    other = copied(settings)
    assert other["A"] is other["B"] and other["A"] is not shared


def test_an_empty_nested_settings_is_copied_not_shared():
    settings = Settings({"EMPTY": BaseSettings()})
    settings["EMPTY"] = BaseSettings()
    other = copied(settings)
    assert isinstance(other["EMPTY"], BaseSettings) and other["EMPTY"] is not settings["EMPTY"]

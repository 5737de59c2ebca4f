"""Only for `scrapyd-deploy`, which builds its egg with `python setup.py bdist_egg`
(without this file it writes its own setup.py, and leaves it behind).
Everything, the `scrapy` settings entry point included, is in pyproject.toml."""

from setuptools import setup

setup()

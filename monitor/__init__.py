"""dialogue-watch: watch governments' published records of their human-rights
dialogues with China.

Data flow: ``config`` (sources.yaml) -> ``crawler`` runs the Scrapy spider in
``spiders/`` -> ``pipelines`` hands each fetch to ``analyze`` (text via
``extract``/``pdf``, "last updated" via ``markers``) -> ``store`` classifies it
with ``events`` and writes fetch, body, version, diff and event in one
transaction -> ``staleness`` and the CLI read it back.
"""

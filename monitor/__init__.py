"""dialogue-watch: watch governments' published records of their human-rights
dialogues with China.

Data flow: ``config`` (sources.yaml) -> ``fetch.crawler`` runs the Scrapy spider in
``spiders/`` -> ``fetch.pipelines`` hands each fetch to ``analysis.analyze`` (text via
``extract``/``pdf``, "last updated" via ``markers``) -> ``store`` classifies it
with ``analysis.events`` and writes fetch, body, version, diff and event in one
transaction -> ``notify`` alerts, ``publish`` serves the site, ``cli`` reads it back.

Layers, each importing only those below it (checked by import-linter, see
docs/architecture.md): ``cli`` -> ``scheduler``, ``demo`` -> ``publish``, ``workspace``,
``reanalyse`` -> ``notify``, ``archive`` -> ``spiders`` -> ``fetch`` -> ``config`` ->
``store`` -> ``discover`` -> ``analysis`` -> the shared leaves (``clock``, ``errors``,
``files``, ``items``, ``logs``, ``replica``, ``yamlfile``).
"""

"""The Internet Archive: history from before dialogue-watch, and copies others can check.

- ``cdx``: the archive's list of captures of a page (the ``wayback`` package), and
  which of them to import;
- ``memento``: one raw copy (``/web/<timestamp>id_/<url>``), told apart from the
  archive's own error and block pages;
- ``backfill``: ``dialogue-watch backfill``, the captures imported as versions
  (stored by ``monitor.store.archive``);
- ``savepagenow``: each change sent to the archive's Save Page Now, from a durable
  queue written with the change event;
- ``export``: every stored capture as WARC records (``warcio``), or a WACZ.

Its commands (``backfill``, ``archive-changes``, ``export``) are in ``monitor.cli.archive``.

The archive's address is ``settings.archive_url`` (default https://web.archive.org).
"""

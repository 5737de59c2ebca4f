"""Reading and judging pages, as pure functions of plain inputs: text extraction, "last
updated" markers, diffs, event classification (``events`` owns the change kinds), rules,
walls and volatile lines. Nothing here reads or writes the database (the replay of
stored captures with today's rules is ``monitor.reanalyse``)."""

"""The campaigners' private workspace: a Datasette app of its own, apart from the public site.

``dialogue-watch workspace`` serves it (on 127.0.0.1 unless told otherwise). Accounts
are made by the operator (``workspace add-user``); every page needs a login, every form
carries Datasette's CSRF token, every change is written to the audit table.

- ``app``: builds the workspace's Datasette and serves it;
- ``session``: its settings on Datasette, database connections and sessions;
- ``plugin``: its Datasette hooks (the login gate, the routes), inert on any other Datasette;
- ``views``: the pages (login, home, audit, my alerts, unsubscribe, review, a change);
- ``matching``: which subscription wants which event, the words that came and went (pure);
- ``mail``: queueing the alerts from stored events and e-mailing them (``Sender``);
- ``tokens``: the signed one-use unsubscribe links;
- ``accounts``: what ``workspace add-user`` and ``remove-user`` do;
- ``passwords``: salted PBKDF2 hashes, the only form a password is kept in.

Its tables and SQL are in ``monitor.store.workspace``; the public site refuses every read of them.
"""

"""Accounts, as the operator manages them from the command line."""

from monitor import store
from monitor.errors import WorkspaceError
from monitor.store import workspace as rows
from monitor.workspace import passwords

MIN_PASSWORD = 10


def add_user(db_path, name, role, password):
    """Create the account ``name`` (or give it a new role and password); True when new.

    Example: add_user("db/monitor.db", "amina", "editor", "a long passphrase")
    """
    name = name.strip()
    if not name or any(c.isspace() for c in name):
        raise WorkspaceError(f"'{name}' cannot be an account name: use one word, without spaces.")
    if role not in rows.ROLES:
        raise WorkspaceError(f"'{role}' is not a role: choose editor or member.")
    if len(password) < MIN_PASSWORD:
        raise WorkspaceError(f"That password is too short: use at least {MIN_PASSWORD} characters "
                          "(a few words in a row are easy to remember).")
    db = store.open_db(db_path)
    try:
        return rows.save_user(db, name, role, passwords.hash_password(password))
    finally:
        db.close()


def remove_user(db_path, name):
    db = store.open_db(db_path)
    try:
        return rows.remove_user(db, name)
    finally:
        db.close()


def list_users(db_path):
    db = store.open_db(db_path)
    try:
        return rows.users(db)
    finally:
        db.close()

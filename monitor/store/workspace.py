"""The campaigners' workspace: accounts, the audit of every change, the signing secret.

Every row here is private: the public site's authorizer refuses any read of a
``workspace_*`` table. Passwords arrive already hashed (``monitor.workspace.passwords``);
this module never sees one in clear.
"""

from monitor.store.connection import immediate_transaction, iso, now, one, writes

ROLES = ("editor", "member")


def secret(db):
    """The random secret (made by the migration) that signs the workspace's cookies and links."""
    return one(db, "SELECT secret FROM workspace_secret WHERE id = 1", [])["secret"]


@writes
def save_user(db, name, role, password_hash):
    """Create the account ``name``, or give an existing one this role and password.
    Returns True when the account is new. The audit says which, never the hash."""
    stamp = iso(now())
    with immediate_transaction(db):
        known = user(db, name) is not None
        db["workspace_users"].upsert({"name": name, "role": role, "password_hash": password_hash,
                                      "updated_at": stamp, **({} if known else {"created_at": stamp})},
                                     pk="name")
        audit(db, "operator", "account updated" if known else "account added", f"{name} ({role})")
    return not known


def user(db, name):
    """The account ``name`` as a dict (name, role, password_hash), or None."""
    return one(db, "SELECT name, role, password_hash FROM workspace_users WHERE name = ?", [name])


def users(db):
    return list(db.query("SELECT name, role, created_at FROM workspace_users ORDER BY name"))


@writes
def remove_user(db, name):
    """Remove the account; returns False when there was none."""
    with immediate_transaction(db):
        gone = db.execute("DELETE FROM workspace_users WHERE name = ?", [name]).rowcount
        if gone:
            audit(db, "operator", "account removed", name)
    return bool(gone)


def audit(db, who, action, detail=""):
    """In the caller's transaction: one line of the audit (who, when, what)."""
    db["workspace_audit"].insert({"at": iso(now()), "who": who, "action": action, "detail": detail})


@writes
def record(db, who, action, detail=""):
    """One audit line in a transaction of its own (a login, a logout)."""
    with immediate_transaction(db):
        audit(db, who, action, detail)


def audit_rows(db, limit=200):
    """The newest lines of the audit first."""
    return list(db.query("SELECT at, who, action, detail FROM workspace_audit "
                         "ORDER BY id DESC LIMIT ?", [limit]))

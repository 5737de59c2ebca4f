"""Passwords, kept only as salted PBKDF2-SHA256 hashes.

The format is datasette-auth-passwords' (and Django's): ``pbkdf2_sha256$ITERATIONS$SALT$HASH``,
so a hash made by either tool reads in the other.
"""

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 480_000


def hash_password(password, iterations=None):
    """A new salted hash of ``password`` (``ITERATIONS`` rounds unless told otherwise).

    Example: hash_password("correct horse") -> 'pbkdf2_sha256$480000$...$...'
    """
    iterations = iterations or ITERATIONS
    salt = secrets.token_urlsafe(12)
    return f"{ALGORITHM}${iterations}${salt}${_digest(password, salt, iterations)}"


def verify_password(password, stored):
    """True when ``password`` is the one ``stored`` was made from (in constant time)."""
    try:
        algorithm, iterations, salt, digest = stored.split("$", 3)
        iterations = int(iterations)
    except (AttributeError, ValueError):
        return False
    if algorithm != ALGORITHM:
        return False
    return hmac.compare_digest(_digest(password, salt, iterations), digest)


def _digest(password, salt, iterations):
    raw = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt.encode("ascii"), iterations)
    return base64.b64encode(raw).decode("ascii").strip()

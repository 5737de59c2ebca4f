"""Signed unsubscribe links: a subscription's id and its one-use nonce, signed with the
workspace's secret (``monitor.store.workspace.secret``), as Datasette signs its cookies."""

from itsdangerous import BadSignature, URLSafeSerializer

NAMESPACE = "unsubscribe"


def make(secret, subscription):
    return URLSafeSerializer(secret, NAMESPACE).dumps({"s": subscription["id"],
                                                       "n": subscription["token_nonce"]})


def read(secret, token):
    """(subscription id, nonce), or None for a token this workspace did not sign."""
    try:
        value = URLSafeSerializer(secret, NAMESPACE).loads(token or "")
        return int(value["s"]), str(value["n"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None

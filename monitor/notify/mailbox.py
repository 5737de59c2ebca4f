"""A local mail sink: an SMTP server on 127.0.0.1 that keeps every message it is sent
in a mailbox file (mbox), for ``dialogue-watch demo --alerts``.

The demo's alerts go out as a subscriber's would (Apprise, e-mail over SMTP), so a
volunteer reads in the file exactly what a subscriber would receive. Any mail
program opens it (``mutt -f FILE``, Thunderbird's ImportExportTools); it is plain text too.
"""

import contextlib
import email
import email.policy
import mailbox
import socket
from pathlib import Path


class _KeepInMbox:
    """aiosmtpd handler: each message received is appended to the mbox file."""

    def __init__(self, path):
        self.path = path

    async def handle_DATA(self, server, session, envelope):
        box = mailbox.mbox(self.path)
        try:
            box.lock()
            box.add(envelope.content)
            box.flush()
        finally:
            box.unlock()
            box.close()
        return "250 Message accepted for delivery"


@contextlib.contextmanager
def sink(path):
    """Run a mail sink until the block ends; yield the Apprise address that sends to it.
    Messages land in ``path`` (an mbox file, emptied first).

    Example: ``with sink("db/demo-alerts.mbox") as url: ...`` then ``read(path)``.
    """
    from aiosmtpd.controller import Controller

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    port = _free_port()
    controller = Controller(_KeepInMbox(str(path)), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield (f"mailto://127.0.0.1:{port}?from=dialogue-watch@demo.invalid"
               "&to=campaigner@demo.invalid&mode=insecure")
    finally:
        controller.stop()


def read(path):
    """The messages in the mbox file ``path``, oldest first, as ``email.message.EmailMessage``."""
    box = mailbox.mbox(str(path))
    try:
        return [email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
                for message in box]
    finally:
        box.close()


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]

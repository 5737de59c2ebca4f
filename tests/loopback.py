"""What the tests' servers on 127.0.0.1 share: stopping one at once.

``socketserver``'s ``shutdown()`` waits until ``serve_forever`` next looks at its stop
flag, which it does between two half-second polls of the listening socket: every server a
test closed cost it up to half a second (about 300 tests close a ``Replica``). ``stop``
sets the flag with ``shutdown()`` and knocks on the socket, so the loop wakes at once,
sees the flag and ends; the server is then closed as ``close()`` does.
"""

import socket
import threading


def stop(server):
    """Stop a ``socketserver`` server running ``serve_forever`` in another thread, and
    close its socket, without waiting out the loop's poll interval."""
    stopping = threading.Thread(target=server.shutdown, daemon=True)
    stopping.start()
    address = server.server_address[:2]
    while stopping.is_alive():
        try:  # a knock before the flag is set is served as an empty request: knock again
            socket.create_connection(address, timeout=1).close()
        except OSError:
            pass
        stopping.join(0.01)
    server.server_close()

"""The playground's HTTP plumbing: addresses (loopback decided from the address, not its spelling) and a
threaded server with a bounded number of connections and a listen backlog for bursts."""
from __future__ import annotations

import ipaddress
import socket
import sys
import threading
from http.server import ThreadingHTTPServer
from urllib.parse import urlsplit


class HTTPError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _ip(text):
    """``text`` as an IP address (``[::1]``, ``fe80::1%eth0`` and IPv4-mapped IPv6 included), else None."""
    text = (text or "").strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _host_port(authority: str):
    """``'Host'`` header / origin authority -> ``(lower-case host name, port or None)``; None if malformed."""
    try:
        parts = urlsplit(f"//{authority}")
        return (parts.hostname or ""), parts.port
    except ValueError:
        return None


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128          # the listen backlog: bursts of connections wait, they are not reset

    def __init__(self, address, handler, playground, max_connections):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.playground = playground
        self._slots = threading.BoundedSemaphore(max_connections)
        self.max_connections = max_connections
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        """One thread per connection, at most ``max_connections`` at once: more get 503 and are closed."""
        if not self._slots.acquire(blocking=False):
            body = (b'{"error":"too many open connections to the playground (at most %d); close other tabs"}'
                    % self.max_connections)
            try:
                request.settimeout(0.5)
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request, client_address):   # a dropped connection is not an error
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return
        super().handle_error(request, client_address)

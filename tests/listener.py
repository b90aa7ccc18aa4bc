"""A TCP listener on loopback that counts the connections made to it: the witness that rsikg
fetched nothing (tests of SERVICE, LOAD, owl:imports and the hostile corpus)."""

from __future__ import annotations

import json
import socket
import threading

MARKER = "rsikg-listener-was-reached"
"""In every answer the listener gives, so that a fetch that succeeded would show in a result."""


class Listener:
    """A TCP listener on loopback that counts every connection and answers each with a small
    HTTP 200 (SPARQL results or N-Triples holding MARKER), so a fetch that succeeded would show."""

    def __init__(self) -> None:
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}/"
        self.connections = 0
        self.requests: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except TimeoutError:
                continue
            self.connections += 1
            with connection:
                self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        connection.settimeout(2)
        request = b""
        try:
            while b"\r\n\r\n" not in request and len(request) < 65536:
                chunk = connection.recv(4096)
                if not chunk:
                    break
                request += chunk
            self.requests.append(request.split(b"\r\n", 1)[0].decode("latin-1"))
            if b"sparql-results" in request.lower():
                binding = {"type": "literal", "value": MARKER}
                body = json.dumps(
                    {
                        "head": {"vars": ["s", "p", "o"]},
                        "results": {"bindings": [dict.fromkeys("spo", binding)]},
                    }
                ).encode()
                media = b"application/sparql-results+json"
            else:
                body = f'<urn:rsikg:listener:s> <urn:rsikg:listener:p> "{MARKER}" .\n'.encode()
                media = b"application/n-triples"
            head = b"HTTP/1.1 200 OK\r\nContent-Type: " + media + b"\r\nConnection: close\r\n"
            connection.sendall(head + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        except OSError:
            pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.socket.close()

    @property
    def url(self) -> str:
        """A SPARQL endpoint's address on the listener."""
        return f"{self.base}sparql"

"""A real HTTP server on 127.0.0.1 in a background thread, for tests of code that calls out over HTTP
(the CDS service fetching from a FHIR server, the CDS authenticator fetching JWK Sets)."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, Self

import uvicorn


class LoopbackServer:
    """Serve an ASGI app on a free loopback port; ``base`` is its URL plus ``path``. Use with ``with``."""

    def __init__(self, api: Any, path: str = "", what: str = "loopback server") -> None:
        self.what = what
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}{path}"
        self.server = uvicorn.Server(uvicorn.Config(api, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.what} did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

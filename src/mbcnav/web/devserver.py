"""Run the web app in a child uvicorn process on a free loopback port, for browser tests and benchmarks.

Both need the real server (HTTP stack, startup, worker process), not an in-process TestClient, and
both need it to start on a private data directory and stop cleanly; one helper keeps them alike.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

#: answered as soon as the app and its knowledge base are up
READY_PATH = "/api/v1/knowledge/kinds"


class ServerStartError(RuntimeError):
    """The child server exited or did not answer in time."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(data_dir: Path, *, timeout_s: float = 60.0, access_log: bool = True) -> Iterator[str]:
    """Yield the base URL of a server storing its data under ``data_dir``; stop it on exit."""
    port = free_port()
    env = {**os.environ, "MBCNAV_DATA_DIR": str(data_dir), "MBCNAV_DATABASE_URL": ""}
    cmd = [
        sys.executable, "-m", "uvicorn", "mbcnav.web.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
    ]  # fmt: skip
    if not access_log:
        cmd.append("--no-access-log")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(proc, base, timeout_s)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_ready(proc: subprocess.Popen[bytes], base: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise ServerStartError(f"the server exited during start-up: {err[-2000:]}")
        try:
            if httpx.get(base + READY_PATH, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise ServerStartError(f"the server did not answer {READY_PATH} within {timeout_s:g} s")
        time.sleep(0.2)

"""`mbcnav serve`: the web app and REST API on the embedded default store."""

from __future__ import annotations

import socket

import typer

from mbcnav.cli.common import console
from mbcnav.errors import MbcnavError


class ServeError(MbcnavError):
    """The server cannot listen where asked (port in use, address not on this machine)."""


def bind(host: str, port: int, source: str) -> socket.socket:
    """Bind before saying "running at": a busy port is reported as such, naming where it was set."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {host!r} ({source}): {exc.strerror}") from None
    family, _type, _proto, _name, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        reason = "is already in use" if exc.errno == 98 else f"cannot be used ({exc.strerror})"
        raise ServeError(
            f"port {port} on {host} {reason}; choose another with {source} (e.g. --port 8001)"
        ) from None
    sock.listen(2048)
    return sock


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1, env MBCNAV_HOST)."),
        port: int = typer.Option(None, min=1, max=65535, help="Port (default 8000, env MBCNAV_PORT)."),
    ) -> None:
        """Start the web app; open the printed address in a browser."""
        import uvicorn

        from mbcnav.web.app import create_app
        from mbcnav.web.config import Settings

        settings = Settings()  # a bad MBCNAV_* value is a SettingsError naming it (exit 2)
        source = "--port" if port else "MBCNAV_PORT" if settings.port != 8000 else "--port or MBCNAV_PORT"
        host = host or settings.host
        port = port or settings.port
        web_app = create_app(settings)
        sock = bind(host, port, source)
        shown = f"[{host}]" if ":" in host else host
        console.print(
            f"mbcnav is running at [bold]http://{shown}:{port}[/]  (API docs: /api/docs; Ctrl+C stops)"
        )
        server = uvicorn.Server(uvicorn.Config(web_app, log_level="warning"))
        server.run(sockets=[sock])

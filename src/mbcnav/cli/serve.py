"""`mbcnav serve`: the web app and REST API on the embedded default store."""

from __future__ import annotations

import typer

from mbcnav.cli.common import console


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option(None, help="Address to listen on (default 127.0.0.1, env MBCNAV_HOST)."),
        port: int = typer.Option(None, help="Port (default 8000, env MBCNAV_PORT)."),
    ) -> None:
        """Start the web app; open the printed address in a browser."""
        import uvicorn

        from mbcnav.web.app import create_app
        from mbcnav.web.config import Settings

        settings = Settings()
        host = host or settings.host
        port = port or settings.port
        web_app = create_app(settings)
        console.print(
            f"mbcnav is running at [bold]http://{host}:{port}[/]  (API docs: /api/docs; Ctrl+C stops)"
        )
        uvicorn.run(web_app, host=host, port=port, log_level="warning")

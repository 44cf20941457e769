"""Web settings from the environment, with embedded defaults so `make run` needs no services."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mbcnav.errors import MbcnavError


class SettingsError(MbcnavError):
    """An environment setting has a value the web app cannot use; the message names the setting."""


def _env_int(name: str, default: int, low: int, high: int, what: str) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a whole number; give {what}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={value} is out of range; give {what}")
    return value


def _default_data_dir() -> Path:
    return Path(os.environ.get("MBCNAV_DATA_DIR", ".mbcnav-data")).resolve()


@dataclass(frozen=True)
class Settings:
    host: str = field(default_factory=lambda: os.environ.get("MBCNAV_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: _env_int("MBCNAV_PORT", 8000, 1, 65535, "a port, 1 to 65535"))
    data_dir: Path = field(default_factory=_default_data_dir)
    #: SQLAlchemy URL; SQLite under the data dir by default, PostgreSQL works the same way
    database_url: str = field(default_factory=lambda: os.environ.get("MBCNAV_DATABASE_URL", ""))
    #: request bodies above this many bytes get 413 (a batch of a few thousand cases fits)
    max_body_bytes: int = field(
        default_factory=lambda: _env_int(
            "MBCNAV_MAX_BODY_BYTES", 2 * 1024 * 1024, 1024, 2**40, "a size in bytes (>= 1024), e.g. 2097152"
        )
    )
    #: public base URL used in links that leave the app (CDS Hooks cards); "" = not set: the links use
    #: the base URL each request came in on (interop/cds_hooks.py)
    base_url: str = field(default_factory=lambda: os.environ.get("MBCNAV_BASE_URL", ""))
    #: JSON/YAML file of the CDS Clients whose JWTs the CDS Hooks services accept (interop/cds_auth.py);
    #: empty = the services are open (development mode). The JWT ``aud`` base is ``base_url`` (if not set:
    #: http://127.0.0.1:8000).
    cds_trusted_clients: str = field(default_factory=lambda: os.environ.get("MBCNAV_CDS_TRUSTED_CLIENTS", ""))
    #: comma-separated origins (``https://portal.example.org``) whose pages may post to the forms and
    #: the API from a browser, besides the app's own origin and ``base_url``'s (web/middleware.py)
    trusted_origins: str = field(default_factory=lambda: os.environ.get("MBCNAV_TRUSTED_ORIGINS", ""))

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'mbcnav.db'}"

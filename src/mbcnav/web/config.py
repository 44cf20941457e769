"""Web settings from the environment, with embedded defaults so `make run` needs no services."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _default_data_dir() -> Path:
    return Path(os.environ.get("MBCNAV_DATA_DIR", ".mbcnav-data")).resolve()


@dataclass(frozen=True)
class Settings:
    host: str = field(default_factory=lambda: os.environ.get("MBCNAV_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(os.environ.get("MBCNAV_PORT", "8000")))
    data_dir: Path = field(default_factory=_default_data_dir)
    #: SQLAlchemy URL; SQLite under the data dir by default, PostgreSQL works the same way
    database_url: str = field(default_factory=lambda: os.environ.get("MBCNAV_DATABASE_URL", ""))
    #: request bodies above this many bytes get 413 (a batch of a few thousand cases fits)
    max_body_bytes: int = field(
        default_factory=lambda: int(os.environ.get("MBCNAV_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
    )
    #: public base URL used in links that leave the app (CDS Hooks cards); "" = not set: the links use
    #: the base URL each request came in on (interop/cds_hooks.py)
    base_url: str = field(default_factory=lambda: os.environ.get("MBCNAV_BASE_URL", ""))
    #: JSON/YAML file of the CDS Clients whose JWTs the CDS Hooks services accept (interop/cds_auth.py);
    #: empty = the services are open (development mode). The JWT ``aud`` base is ``base_url`` (if not set:
    #: http://127.0.0.1:8000).
    cds_trusted_clients: str = field(default_factory=lambda: os.environ.get("MBCNAV_CDS_TRUSTED_CLIENTS", ""))

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'mbcnav.db'}"

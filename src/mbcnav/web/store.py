"""Saved assessments, so a result page and its PDF have a permalink to take to an appointment.

SQLAlchemy Core over one table: SQLite under the data directory by default (no service to run),
PostgreSQL when MBCNAV_DATABASE_URL says so. The case and the assessment are stored as JSON exactly
as computed, so a permalink shows what the person saw, even after the rules change.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text, create_engine, insert, select
from sqlalchemy.engine import Engine

metadata = MetaData()
assessments = Table(
    "assessments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("case_json", Text, nullable=False),
    Column("assessment_json", Text, nullable=False),
)

#: permalink ids are random (not guessable, not counting visits): 16 bytes of URL-safe text
ID_PATTERN = r"^[A-Za-z0-9_-]{16,32}$"


@dataclass(frozen=True)
class SavedAssessment:
    id: str
    created_at: dt.datetime
    case: dict[str, Any]
    assessment: dict[str, Any]


class AssessmentStore:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
        metadata.create_all(self.engine)

    def save(self, case: dict[str, Any], assessment: dict[str, Any]) -> SavedAssessment:
        saved = SavedAssessment(
            id=secrets.token_urlsafe(16)[:22],
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            case=case,
            assessment=assessment,
        )
        with self.engine.begin() as conn:
            conn.execute(
                insert(assessments).values(
                    id=saved.id,
                    created_at=saved.created_at,
                    case_json=orjson.dumps(case).decode(),
                    assessment_json=orjson.dumps(assessment).decode(),
                )
            )
        return saved

    def get(self, saved_id: str) -> SavedAssessment | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(assessments).where(assessments.c.id == saved_id)).first()
        if row is None:
            return None
        created = row.created_at
        if created.tzinfo is None:  # SQLite drops the zone; we always store UTC
            created = created.replace(tzinfo=dt.UTC)
        return SavedAssessment(
            id=row.id,
            created_at=created,
            case=orjson.loads(row.case_json),
            assessment=orjson.loads(row.assessment_json),
        )

    def dispose(self) -> None:
        self.engine.dispose()

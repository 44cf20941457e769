"""Saved assessments, so a result page and its PDF have a permalink to take to an appointment; and
CDS Hooks card feedback, so what clinicians accepted or overrode outlives a restart; and what each
CDS card sent offered (override reasons, suggestions), so its feedback can be checked against it.

SQLAlchemy Core over three tables: SQLite under the data directory by default (no service to run),
PostgreSQL when MBCNAV_DATABASE_URL says so. The case and the assessment are stored as JSON exactly
as computed, so a permalink shows what the person saw, even after the rules change.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    insert,
    select,
)
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

#: the import notes of an assessment read from a FHIR record (web page /cases/new/fhir): what the importer
#: left out, converted or chose between, so its permalink shows them as the person saw them. A table of
#: its own (not a column of ``assessments``): ``create_all`` adds a missing table to an existing
#: database, never a missing column.
fhir_imports = Table(
    "fhir_imports",
    metadata,
    Column("assessment_id", String(32), primary_key=True),
    Column("notes_json", Text, nullable=False),
)

#: one row per feedback item a CDS Client sent (CDS Hooks 2.0 feedback: card, outcome, timestamps,
#: override reason, accepted suggestions); the item is also kept whole as sent
cds_feedback = Table(
    "cds_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("service", String(100), nullable=False, index=True),
    Column("card", String(200), nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("outcome_timestamp", String(40), nullable=False),
    Column("client", String(500)),
    Column("item_json", Text, nullable=False),
)

#: what each CDS card sent offered (CDS Hooks 2.0 overrideReasons and suggestion uuids), as JSON: the
#: feedback endpoint checks a card's feedback against it (mbcnav.interop.cds_overrides)
cds_cards = Table(
    "cds_cards",
    metadata,
    Column("service", String(100), primary_key=True),
    Column("card", String(200), primary_key=True),
    Column("issued_at", DateTime(timezone=True), nullable=False, index=True),
    Column("offer_json", Text, nullable=False),
)
#: how long a card's offer is kept for checking its feedback: feedback comes within the clinician's
#: session, and the table would otherwise grow by every card ever sent. Feedback on an older card is
#: refused, like feedback on a card from elsewhere (cds_overrides.OFFER_RETENTION_DAYS).
CARD_OFFER_RETENTION = dt.timedelta(days=90)

#: permalink ids are random (not guessable, not counting visits): 16 bytes of URL-safe text
ID_PATTERN = r"^[A-Za-z0-9_-]{16,32}$"


#: how long an SQLite write waits for another's lock before giving up (sqlite3's own default is 5 s)
SQLITE_BUSY_TIMEOUT_S = 15


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets readers go on while one writer writes (pages stay up during a long feedback write); the
    busy timeout is set again as a pragma so every connection has it, whatever the driver's default."""
    cursor = dbapi_connection.cursor()
    try:
        if not _is_memory(dbapi_connection):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    finally:
        cursor.close()


def _is_memory(dbapi_connection: Any) -> bool:
    rows = dbapi_connection.execute("PRAGMA database_list").fetchall()
    return not any(row[2] for row in rows if row[1] == "main")


@dataclass(frozen=True)
class SavedAssessment:
    id: str
    created_at: dt.datetime
    case: dict[str, Any]
    assessment: dict[str, Any]
    #: FHIR import notes (ImportNote.to_json() each) when the case was read from a FHIR record (maybe
    #: none); None for a case from the form, a case file or a CDS Hooks call
    import_notes: tuple[dict[str, Any], ...] | None = None


class AssessmentStore:
    def __init__(self, url: str) -> None:
        if url.startswith("sqlite:///"):
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        sqlite = url.startswith("sqlite")
        self.engine: Engine = create_engine(
            url,
            future=True,
            pool_pre_ping=not sqlite,
            # an error's message must not carry the case or feedback being written: it is health data,
            # and SQLAlchemy would otherwise print the statement's parameters into the log
            hide_parameters=True,
            # wait for another writer's lock instead of failing at once with "database is locked"
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S} if sqlite else {},
        )
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)

    def ping(self) -> bool:
        """Whether the database answers (for the health check); never raises."""
        try:
            with self.engine.connect() as conn:
                conn.execute(select(1))
        except Exception:  # any database failure means "not ready", and the check says so
            return False
        return True

    def save(
        self,
        case: dict[str, Any],
        assessment: dict[str, Any],
        import_notes: list[dict[str, Any]] | None = None,
    ) -> SavedAssessment:
        """Store one assessment; ``import_notes`` (a case read from FHIR, even with no notes) go in the
        same transaction, so a saved import never lacks its notes."""
        saved = SavedAssessment(
            id=secrets.token_urlsafe(16)[:22],
            created_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
            case=case,
            assessment=assessment,
            import_notes=None if import_notes is None else tuple(import_notes),
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
            if import_notes is not None:
                conn.execute(
                    insert(fhir_imports).values(
                        assessment_id=saved.id, notes_json=orjson.dumps(import_notes).decode()
                    )
                )
        return saved

    def get(self, saved_id: str) -> SavedAssessment | None:
        with self.engine.connect() as conn:
            query = (
                select(assessments, fhir_imports.c.notes_json)
                .select_from(
                    assessments.outerjoin(fhir_imports, fhir_imports.c.assessment_id == assessments.c.id)
                )
                .where(assessments.c.id == saved_id)
            )
            row = conn.execute(query).first()
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
            import_notes=None if row.notes_json is None else tuple(orjson.loads(row.notes_json)),
        )

    def add_feedback(self, service: str, item: dict[str, Any], client: str | None) -> None:
        """Store one validated feedback item (card id, outcome, outcomeTimestamp, and the rest as sent)."""
        self.add_feedback_items(service, [item], client)

    def add_feedback_items(self, service: str, items: list[dict[str, Any]], client: str | None) -> None:
        """Store the validated items of one feedback POST in one transaction: all of them or none (the
        README: a refused POST stores nothing), and one commit instead of one per item."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        rows = [
            {
                "received_at": now,
                "service": service,
                "card": str(item["card"])[:200],
                "outcome": str(item["outcome"]),
                "outcome_timestamp": str(item["outcomeTimestamp"])[:40],
                "client": client,
                "item_json": orjson.dumps(item).decode(),
            }
            for item in items
        ]
        with self.engine.begin() as conn:
            conn.execute(insert(cds_feedback), rows)

    def feedback(self, service: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """The latest feedback items, newest first, each as sent plus ``service`` and ``client``."""
        query = select(cds_feedback).order_by(cds_feedback.c.id.desc()).limit(limit)
        if service is not None:
            query = query.where(cds_feedback.c.service == service)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for row in rows:
            item = {"service": row.service, **orjson.loads(row.item_json)}
            if row.client:
                item["client"] = row.client
            out.append(item)
        return out

    def remember_cards(self, service: str, offers: Mapping[str, dict[str, Any]]) -> None:
        """Keep what each card offered (card uuid -> offer JSON); a card sent again (the same hook call
        repeated) gets its latest offer."""
        if not offers:
            return
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        with self.engine.begin() as conn:
            conn.execute(
                delete(cds_cards).where(cds_cards.c.service == service, cds_cards.c.card.in_(list(offers)))
            )
            conn.execute(delete(cds_cards).where(cds_cards.c.issued_at < now - CARD_OFFER_RETENTION))
            conn.execute(
                insert(cds_cards),
                [
                    {
                        "service": service,
                        "card": card,
                        "issued_at": now,
                        "offer_json": orjson.dumps(o).decode(),
                    }
                    for card, o in offers.items()
                ],
            )

    def card_offer(self, service: str, card: str) -> dict[str, Any] | None:
        """What the card offered, as kept by ``remember_cards``; None for a card not sent from here or
        sent more than CARD_OFFER_RETENTION ago (an expired row may not have been deleted yet)."""
        oldest = dt.datetime.now(dt.UTC).replace(microsecond=0) - CARD_OFFER_RETENTION
        query = select(cds_cards.c.offer_json).where(
            cds_cards.c.service == service, cds_cards.c.card == card, cds_cards.c.issued_at >= oldest
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else orjson.loads(row.offer_json)

    def dispose(self) -> None:
        self.engine.dispose()

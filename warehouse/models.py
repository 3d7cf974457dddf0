"""The warehouse schema (SQLAlchemy 2 declarative). Alembic migrations are made from this.

Sensitive values (resident IDs, phones) appear only as ``*_cipher`` (AEAD token bound to
``uid``) and ``*_index`` / ``id_key*`` (keyed blind indexes). Never add a plaintext column.
"""
from __future__ import annotations

import datetime as dt
import os
import uuid

import numpy as np

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def _uid() -> str:
    return uuid.uuid4().hex


def new_uids(n: int) -> list[str]:
    """``n`` random row uids, each what ``uuid.uuid4().hex`` gives, made in one batch."""
    b = np.frombuffer(os.urandom(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40  # version 4
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    text = b.tobytes().hex()
    return [text[i:i + 32] for i in range(0, 32 * n, 32)]


def utcnow() -> dt.datetime:
    """Timezone-aware now, the one clock every table uses."""
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every warehouse table."""

    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict: JSON, list: JSON}


class IdentityColumns:
    """Encrypted resident ID plus the blind keys matching uses (never the plaintext)."""

    uid: Mapped[str] = mapped_column(String(32), default=_uid, unique=True)
    id_cipher: Mapped[str | None] = mapped_column(Text)
    id_index: Mapped[str | None] = mapped_column(String(32), index=True)
    # Typo-tolerant keys: matching blocks on them in memory, so no index (migration 0004).
    id_key0: Mapped[str | None] = mapped_column(String(32))
    id_key1: Mapped[str | None] = mapped_column(String(32))
    id_key2: Mapped[str | None] = mapped_column(String(32))
    id_key3: Mapped[str | None] = mapped_column(String(32))
    id_status: Mapped[str | None] = mapped_column(String(32))
    id_region: Mapped[str | None] = mapped_column(String(6))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(2))
    id_masked: Mapped[str | None] = mapped_column(String(18))  # 500230********1234


class Region(Base):
    """County, township, village and villager group, each with official and short names."""

    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(12))  # county | township | village | group
    name: Mapped[str] = mapped_column(String(64))  # official: 龙河镇
    short_name: Mapped[str] = mapped_column(String(64), index=True)  # 龙河
    code: Mapped[str | None] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))


class Household(Base):
    """A roster household (户), current state; its history is in household_history."""

    __tablename__ = "households"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_no: Mapped[str] = mapped_column(String(24), unique=True)
    county: Mapped[str | None] = mapped_column(String(64))
    township: Mapped[str | None] = mapped_column(String(64), index=True)
    village: Mapped[str | None] = mapped_column(String(64))
    group_name: Mapped[str | None] = mapped_column(String(64))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    village_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    household_type: Mapped[str | None] = mapped_column(String(16))
    risk_status: Mapped[str | None] = mapped_column(String(16))
    income_per_capita: Mapped[float | None] = mapped_column(Float)
    size: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    roster_batch_id: Mapped[int | None] = mapped_column(ForeignKey("feed_batches.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HouseholdHistory(Base):
    """Who was what when: one row per household per change of type, risk status or income."""

    __tablename__ = "household_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    valid_from: Mapped[dt.datetime]
    valid_to: Mapped[dt.datetime | None]
    household_type: Mapped[str | None] = mapped_column(String(16))
    risk_status: Mapped[str | None] = mapped_column(String(16))
    income_per_capita: Mapped[float | None] = mapped_column(Float)
    size: Mapped[int | None] = mapped_column(Integer)
    roster_batch_id: Mapped[int | None] = mapped_column(ForeignKey("feed_batches.id"))


class Person(IdentityColumns, Base):
    """A roster member. ``id_cipher`` is bound to ``uid`` by associated data."""

    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str | None] = mapped_column(String(16))
    labour_capacity: Mapped[str | None] = mapped_column(String(16))
    phone_cipher: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(32), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    first_seen_batch_id: Mapped[int | None] = mapped_column(ForeignKey("feed_batches.id"))
    last_seen_batch_id: Mapped[int | None] = mapped_column(ForeignKey("feed_batches.id"))


class FeedBatch(Base):
    """One landed file (or pull) of one department for one period, with its row accounting."""

    __tablename__ = "feed_batches"
    __table_args__ = (Index("ix_batch_dept_period", "department", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    department: Mapped[str] = mapped_column(String(32))  # module name; "registry" for rosters
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    source_file: Mapped[str] = mapped_column(String(255))
    source_kind: Mapped[str] = mapped_column(String(8), default="file")  # file | sql | http
    checksum: Mapped[str] = mapped_column(String(64), index=True)
    encoding: Mapped[str | None] = mapped_column(String(16))
    header_row: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))  # loaded | superseded | failed
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_loaded: Mapped[int] = mapped_column(Integer, default=0)
    rows_quarantined: Mapped[int] = mapped_column(Integer, default=0)
    rows_merged: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("feed_batches.id"))
    arrived_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    loaded_at: Mapped[dt.datetime | None]
    docs_path: Mapped[str | None] = mapped_column(String(512))  # GX Data Docs for this batch


class FeedRecord(IdentityColumns, Base):
    """One loaded department row, normalized; ``fields`` holds the non-sensitive values."""

    __tablename__ = "feed_records"
    __table_args__ = (UniqueConstraint("batch_id", "source_row"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("feed_batches.id"), index=True)
    department: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7), index=True)
    source_file: Mapped[str] = mapped_column(String(255))
    source_row: Mapped[int] = mapped_column(Integer)  # as a person sees it in Excel
    role: Mapped[str | None] = mapped_column(String(16))  # person | student | head
    name: Mapped[str | None] = mapped_column(String(64))
    township: Mapped[str | None] = mapped_column(String(64))
    village: Mapped[str | None] = mapped_column(String(64))
    group_name: Mapped[str | None] = mapped_column(String(64))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    village_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))
    # Keyed digest of the raw row for exact duplicates in one load; not rotated (see keys.py).
    record_hash: Mapped[str] = mapped_column(String(32))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    raw: Mapped[dict] = mapped_column(JSON, default=dict)  # source cells, sensitive ones masked
    flags: Mapped[list] = mapped_column(JSON, default=list)  # e.g. ["id_excel_precision_lost"]


class Quarantine(Base):
    """A row that could not be loaded, with the reason, file and spreadsheet row."""

    __tablename__ = "quarantine"
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("feed_batches.id"), index=True)
    department: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(7), index=True)
    source_file: Mapped[str] = mapped_column(String(255))
    source_row: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(48))  # reason code
    column: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)  # words for people; IDs masked
    raw: Mapped[dict] = mapped_column(JSON, default=dict)  # sensitive cells masked


class Link(Base):
    """The match of one feed record to a roster person/household, with its explanation."""

    __tablename__ = "links"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("feed_records.id"), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    match_weight: Mapped[float | None] = mapped_column(Float)
    probability: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(12))  # auto | review | none | accepted | rejected
    explanation: Mapped[dict] = mapped_column(JSON, default=dict)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MatchDecision(Base):
    """A reviewer's accept/reject of a record-to-person pair, reused in later months."""

    __tablename__ = "match_decisions"
    __table_args__ = (UniqueConstraint("record_signature", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    # Keyed: a stored blind index (e.g. the record's ``id_index``, maybe after "prefix:") so
    # key rotation can remap it; a value it cannot map is reported after rotation.
    record_signature: Mapped[str] = mapped_column(String(64), info={"blind_reference": True})
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    decision: Mapped[str] = mapped_column(String(8))  # accept | reject
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RiskWarning(Base):
    """One warning per household (or lead person) and risk type, updated while ongoing."""

    __tablename__ = "warnings"
    __table_args__ = (UniqueConstraint("subject_key", "risk_type", "opened_period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # W2026-10-00001
    # "hh:<id>" or "lead:<id_index>"; key rotation remaps the blind part.
    subject_key: Mapped[str] = mapped_column(String(48), info={"blind_reference": True})
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)
    lead_name: Mapped[str | None] = mapped_column(String(64))
    lead_id_masked: Mapped[str | None] = mapped_column(String(18))
    township: Mapped[str | None] = mapped_column(String(64), index=True)
    village: Mapped[str | None] = mapped_column(String(64))
    risk_type: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(8))  # red | orange | yellow
    action: Mapped[str] = mapped_column(String(24))  # assistance_review | identification
    reason: Mapped[str] = mapped_column(Text)
    sources: Mapped[list] = mapped_column(JSON, default=list)  # ["file#row", ...]
    opened_period: Mapped[str] = mapped_column(String(7))
    last_period: Mapped[str] = mapped_column(String(7), index=True)
    # open | verifying | pending_closure | closed | identifying | monitored | adjusting | withdrawn
    # (screening.verification.STATUSES: the loop's state machine)
    status: Mapped[str] = mapped_column(String(16), default="open")
    batch_arrived_at: Mapped[dt.datetime | None]
    issued_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    published_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WarningEvidence(Base):
    """A feed record behind a warning: department, indicator and value, for the cadre."""

    __tablename__ = "warning_evidence"
    __table_args__ = (UniqueConstraint("warning_id", "record_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("feed_records.id"))
    period: Mapped[str] = mapped_column(String(7))
    department: Mapped[str] = mapped_column(String(32))
    indicator: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(String(128))
    rule: Mapped[str] = mapped_column(String(64))


class WarningHistory(Base):
    """Append-only: one row per change of a warning (opened, level, withdrawn, status), and why."""

    __tablename__ = "warning_history"
    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    period: Mapped[str | None] = mapped_column(String(7))  # the screening run's, if any
    # opened | updated | withdrawn | evidence_withdrawn | status; the loop's: outcome |
    # correction | unreachable | escalated | closure | identification
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)  # words for people; never an ID or phone
    actor: Mapped[str] = mapped_column(String(64))  # "screening", or the portal user
    # What the change set, by field name ({"outcome": "不符合", "step": "notice", ...}); masked.
    fields: Mapped[dict | None] = mapped_column(JSON)


class Alert(Base):
    """A regional (规模性) alert: many households with one risk type in one place and period."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("period", "township", "village", "risk_type"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    township: Mapped[str] = mapped_column(String(64))
    village: Mapped[str | None] = mapped_column(String(64))  # None: township-wide
    risk_type: Mapped[str] = mapped_column(String(16))
    households: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str | None] = mapped_column(String(8))  # event | rate | both (screening/alerts.py)
    reason: Mapped[str | None] = mapped_column(Text)  # why it fired, in Chinese; never an ID
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class VerificationTask(Base):
    """The township's job for one warning: visit, two verifiers, an outcome."""

    __tablename__ = "verification_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    warning_id: Mapped[int] = mapped_column(ForeignKey("warnings.id"), unique=True)
    township: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done
    outcome: Mapped[str | None] = mapped_column(String(16))  # settings portal.outcomes
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    verifier1: Mapped[str | None] = mapped_column(String(64))
    verifier2: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime | None]
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    escalated_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # 无法联系 visits so far
    next_attempt: Mapped[dt.date | None] = mapped_column(Date)  # after 无法联系: next working day
    # Times the warning went into identifying; steps of earlier rounds no longer stand.
    identification_round: Mapped[int] = mapped_column(Integer, default=0,
                                                      server_default="0")


class PipelineEvent(Base):
    """A run, a failure or a late feed, recorded for the county digest (never personal data)."""

    __tablename__ = "pipeline_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))  # run | failure | late | published
    department: Mapped[str | None] = mapped_column(String(32))
    period: Mapped[str | None] = mapped_column(String(7), index=True)
    detail: Mapped[str | None] = mapped_column(Text)


class User(Base):
    """A portal account; township verifiers are bound to one township."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # portal.principal.ROLES
    township: Mapped[str | None] = mapped_column(String(64))
    village: Mapped[str | None] = mapped_column(String(64))  # role village / grid
    grid: Mapped[str | None] = mapped_column(String(64))  # role grid: the grid's code
    department: Mapped[str | None] = mapped_column(String(64))  # role department
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditLog(Base):
    """Append-only record of who viewed or changed what; triggers reject UPDATE and DELETE."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    township: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class KeyRecord(Base):
    """A master key that seals rows here: its public id and a check value, never the key.

    In use while ``retired_at`` is empty; a key with no ``activated_at`` is the target of a
    rotation that has not finished (the pipeline refuses to run until it does or rolls back).
    """

    __tablename__ = "key_registry"
    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(12), unique=True)
    check_value: Mapped[str] = mapped_column(String(64))  # keyed digest of a fixed label
    previous_key_id: Mapped[str | None] = mapped_column(String(12))  # a rollback's target
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[dt.datetime | None]
    retired_at: Mapped[dt.datetime | None]


# Tables of the later loops live in their own modules (one job each) on this Base; importing them
# here puts them in Base.metadata wherever the models are loaded.
from warehouse import (  # noqa: E402,F401
    channel_tables,
    department_tables,
    grid_tables,
    help_tables,
    notification_tables,
    verification_tables,
)

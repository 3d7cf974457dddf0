"""Reviewers' decisions, keyed by a keyed signature of a record's identifying fields."""
from __future__ import annotations

import json
from typing import Iterable, Mapping

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from matching.person_frames import record_frame
from warehouse.crypto import Vault
from warehouse.db import in_chunks
from warehouse.models import MatchDecision, utcnow

SIGNATURE_PURPOSE = "match_decision"
SIGNATURE_FIELDS = ("id_index", "id_key0", "id_key1", "id_key2", "id_key3", "name_clean",
                    "birth_date", "sex", "township_key", "village_key")
ACCEPT, REJECT = "accept", "reject"


# json.dumps(..., ensure_ascii=False, default=str) without building an encoder per record.
_ENCODE = json.JSONEncoder(ensure_ascii=False, default=str).encode


def record_signature(vault: Vault, row: Mapping) -> str:
    """Keyed hash of the record's blind ID keys, cleaned name, birth date, sex and place."""
    return vault.blind(SIGNATURE_PURPOSE, _ENCODE([row.get(f) for f in SIGNATURE_FIELDS]))


RECORD_COLUMNS = ("name", "township", "village", "role", "id_index", "id_key0", "id_key1",
                  "id_key2", "id_key3", "birth_date", "sex")


def feed_record_signature(vault: Vault, record) -> str:
    """The signature of one feed record (an ORM row or a mapping): f(vault, record) for key rotation."""
    get = record.get if isinstance(record, Mapping) else lambda c: getattr(record, c, None)
    frame = record_frame(pd.DataFrame([{c: get(c) for c in RECORD_COLUMNS}]))
    return record_signature(vault, frame.iloc[0].to_dict())


def signatures(vault: Vault, frame: pd.DataFrame) -> list[str]:
    """The signature of every row of a record frame (see person_frames.record_frame)."""
    cols = [frame[f].tolist() for f in SIGNATURE_FIELDS]
    return [vault.blind(SIGNATURE_PURPOSE, _ENCODE(list(vals))) for vals in zip(*cols)]


def load_decisions(conn: Connection, sigs: Iterable[str]) -> dict[str, dict[int, str]]:
    """signature → {person_id: "accept"|"reject"} for the given signatures."""
    out: dict[str, dict[int, str]] = {}
    if conn.execute(select(MatchDecision.id).limit(1)).first() is None:
        return out  # no reviewer has decided anything yet: skip a query per 900 signatures
    for chunk in in_chunks(sorted(set(sigs)), 900):
        rows = conn.execute(
            select(MatchDecision.record_signature, MatchDecision.person_id, MatchDecision.decision)
            .where(MatchDecision.record_signature.in_(chunk))
        )
        for sig, person, decision in rows:
            out.setdefault(sig, {})[person] = decision
    return out


def remember(conn: Connection, signature: str, person_id: int, decision: str, by: str) -> None:
    """Store or replace the decision on this (record signature, person) pair."""
    if decision not in (ACCEPT, REJECT):
        raise ValueError(f"decision must be {ACCEPT!r} or {REJECT!r}, not {decision!r}")
    existing = conn.execute(
        select(MatchDecision.id).where(MatchDecision.record_signature == signature,
                                       MatchDecision.person_id == person_id)
    ).scalar()
    values = {"decision": decision, "decided_by": by, "decided_at": utcnow()}
    if existing:
        conn.execute(MatchDecision.__table__.update().where(MatchDecision.id == existing)
                     .values(**values))
    else:
        conn.execute(MatchDecision.__table__.insert().values(
            record_signature=signature, person_id=person_id, **values))

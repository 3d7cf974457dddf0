"""Review: list review-band links for people, and record their accept/reject decisions."""
from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from matching.decisions import ACCEPT, REJECT, RECORD_COLUMNS, feed_record_signature, remember
from matching.linker import ACCEPTED, REJECTED
from warehouse.models import FeedRecord, Household, Link, Person

REVIEW = "review"


class ReviewError(Exception):
    """A review request that cannot be carried out (unknown link, wrong state)."""


def review_queue(ctx, period: str | None = None, limit: int = 50) -> list[dict]:
    """Review-band links, most probable first, with masked IDs and the explanation in words."""
    rec, person = aliased(FeedRecord), aliased(Person)
    stmt = (
        select(Link.id, Link.probability, Link.explanation, rec.period, rec.department,
               rec.source_file, rec.source_row, rec.name.label("record_name"),
               rec.id_masked.label("record_id_masked"), person.name.label("person_name"),
               person.id_masked.label("person_id_masked"), Household.household_no)
        .join(rec, rec.id == Link.record_id)
        .join(person, person.id == Link.person_id)
        .join(Household, Household.id == Link.household_id)
        .where(Link.status == REVIEW)
        .order_by(Link.probability.desc(), Link.id)
        .limit(limit)
    )
    if period:
        stmt = stmt.where(rec.period == period)
    with ctx.engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    return [{**{k: v for k, v in r.items() if k != "explanation"},
             "why": (r["explanation"] or {}).get("text_zh", "")} for r in rows]


def decide(ctx, link_id: int, decision: str, by: str) -> dict:
    """Accept or reject a linked pair; remembered for this record's signature next month."""
    if decision not in (ACCEPT, REJECT):
        raise ReviewError(f"decision must be {ACCEPT!r} or {REJECT!r}")
    vault = ctx.vault()
    with ctx.engine.begin() as conn:
        link = conn.execute(select(Link).where(Link.id == link_id)).mappings().first()
        if link is None:
            raise ReviewError(f"no link with id {link_id}; list them with `shouwang review list`")
        if link["person_id"] is None:
            raise ReviewError(f"link {link_id} names no person to accept or reject")
        record = conn.execute(
            select(*(getattr(FeedRecord, c) for c in RECORD_COLUMNS))
            .where(FeedRecord.id == link["record_id"])
        ).mappings().one()
        signature = feed_record_signature(vault, dict(record))
        remember(conn, signature, link["person_id"], decision, by)
        status = ACCEPTED if decision == ACCEPT else REJECTED
        values = {"status": status, "decided_by": by}
        if status == REJECTED:
            values["household_id"] = None
        conn.execute(update(Link).where(Link.id == link_id).values(**values))
    return {"link_id": link_id, "status": status}

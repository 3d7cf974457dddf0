"""The match review queue: links the matcher was unsure of, accepted or rejected by the county."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from portal.errors import Conflict, InvalidInput, NotFound
from portal.explanations import explanation_sentences
from portal.principal import Principal
from warehouse.audit import record as audit
from matching.decisions import ACCEPT, REJECT, feed_record_signature, remember
from matching.linker import ACCEPTED, REJECTED
from warehouse.models import FeedRecord, Household, Link, Person

DECISIONS = {ACCEPT: ACCEPTED, REJECT: REJECTED}


@dataclass(frozen=True)
class ReviewItem:
    """A record and its candidate roster person, side by side (IDs masked)."""

    link_id: int
    department: str
    source: str
    record_name: str | None
    record_id_masked: str | None
    record_place: str
    person_name: str | None
    person_id_masked: str | None
    household_no: str | None
    household_place: str
    probability: float | None
    explanation: dict
    explanation_zh: list[str]  # the same, as sentences for people (身份证号一致（+13.9）…)


def review_queue(session: Session, principal: Principal, limit: int) -> list[ReviewItem]:
    """Links with status review, most probable first."""
    principal.require("match_review")
    hh = aliased(Household)
    q = (select(Link, FeedRecord, Person, hh)
         .join(FeedRecord, FeedRecord.id == Link.record_id)
         .outerjoin(Person, Person.id == Link.person_id)
         .outerjoin(hh, hh.id == Link.household_id)
         .where(Link.status == "review")
         .order_by(Link.probability.desc().nulls_last(), Link.id).limit(limit))
    return [ReviewItem(
        link_id=link.id, department=rec.department, source=f"{rec.source_file}#{rec.source_row}",
        record_name=rec.name, record_id_masked=rec.id_masked,
        record_place=" ".join(x for x in (rec.township, rec.village) if x),
        person_name=p.name if p else None, person_id_masked=p.id_masked if p else None,
        household_no=h.household_no if h else None,
        household_place=" ".join(x for x in (h.township, h.village) if x) if h else "",
        probability=link.probability, explanation=link.explanation or {},
        explanation_zh=explanation_sentences(link.explanation, None, link.probability))
        for link, rec, p, h in session.execute(q)]


def decide(session: Session, principal: Principal, link_id: int, decision: str, vault) -> Link:
    """Accept or reject a link under review: update it and remember the decision for next month."""
    principal.require("match_review")
    if decision not in DECISIONS:
        raise InvalidInput(f"决定必须是 {' 或 '.join(DECISIONS)}", "decision")
    link = session.get(Link, link_id)
    if link is None:
        raise NotFound(f"匹配 {link_id} 不存在")
    if link.status != "review":
        raise Conflict(f"匹配 {link_id} 已处理（{link.status}）")
    if link.person_id is None:
        raise Conflict(f"匹配 {link_id} 没有候选人员，无法{decision}")
    rec = session.get(FeedRecord, link.record_id)
    # The matcher's own signature and store, so `link_period` reuses this decision next month.
    remember(session.connection(), feed_record_signature(vault, rec), link.person_id, decision,
             principal.name)
    link.status, link.decided_by = DECISIONS[decision], principal.name
    if decision == REJECT:
        link.household_id = None
    session.flush()
    audit(session, principal.name, f"match_{decision}", "link", str(link.id), rec.township,
          {"department": rec.department, "source": f"{rec.source_file}#{rec.source_row}"})
    return link

"""link_period: link a period's loaded feed records to roster persons and store one link each."""
from __future__ import annotations

import json
import logging
import time
from itertools import islice
from typing import Iterable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import JSON, bindparam, delete, insert, select
from sqlalchemy.types import TypeDecorator

from matching.decisions import ACCEPT, REJECT, load_decisions, signatures
from matching.engine import LinkResult, link_frames
from matching.inference import AUTO, NONE
from matching.person_frames import person_spec
from matching.warehouse_frames import loaded_batch_ids, read_persons, read_records
from warehouse.db import in_chunks
from warehouse.models import FeedRecord, Link, utcnow

log = logging.getLogger(__name__)
ACCEPTED, REJECTED = "accepted", "rejected"
_CHUNK = 900


def link_period(ctx, period: str) -> dict:
    """Link every loaded feed record of ``period``; re-running replaces that period's links."""
    t0 = time.perf_counter()
    spec = person_spec(ctx.settings)
    vault = ctx.vault()
    with ctx.engine.connect() as conn:
        records = read_records(conn, period)
        persons = read_persons(conn)
        records["signature"] = signatures(vault, records) if len(records) else []
        decided = load_decisions(conn, records["signature"])
    stats = {"auto": 0, "review": 0, "none": 0, ACCEPTED: 0, REJECTED: 0, "candidate_pairs": 0}
    trained: list = []
    rows = link_rows(records, persons, spec, decided, stats, trained)
    with ctx.engine.begin() as conn:
        replace_links(conn, period, records["record_id"].tolist(), rows)
    if trained:
        # The daily merge scores a day's few inputs with the month's trained model (it has too
        # few pairs to train on): keep it under SHOUWANG_HOME, numbers only.
        from matching.incremental import save_model  # incremental builds on this module

        save_model(ctx.home, trained[0], spec)
    summary = {"period": period, "records": len(records), "persons": len(persons), **stats,
               "seconds": round(time.perf_counter() - t0, 2)}
    log.info("link_period %s", summary)
    return summary


def link_rows(records: pd.DataFrame, persons: pd.DataFrame, spec, decided: dict,
               stats: dict, trained: list | None = None) -> Iterator[dict]:
    """The link row of every record (explanation as JSON text), counted in ``stats``; the
    trained model's parameters are appended to ``trained`` when given.

    Matching runs at once; rows are made as they are written, since a county's explanations
    held all together would take several hundred MB.
    """
    if records.empty:
        return iter(())
    result: LinkResult | None = None
    picks = pd.DataFrame(index=range(len(records)), columns=["ri", "weight", "probability", "status",
                                                             "ambiguous", "pattern"])
    if not persons.empty:
        result = link_frames(records, persons, spec, group="household_id",
                             exclude=rejected_pairs(records, persons, decided))
        stats["candidate_pairs"] = result.timings["candidate_pairs"]
        if trained is not None:
            trained.append(result.params)
        picks = result.best.set_index("li").reindex(range(len(records)))
        result.release()  # every pair's levels: only the best pairs' patterns are needed now
    person_ids = persons["person_id"].to_numpy() if len(persons) else np.array([])
    household_ids = persons["household_id"].to_numpy() if len(persons) else np.array([])
    return link_row_dicts(records, picks, result, person_ids, household_ids, spec, decided, stats)


def link_row_dicts(records, picks, result, person_ids, household_ids, spec, decided,
                   stats) -> Iterator[dict]:
    """The link row of each record from its best pair (``picks``), a reviewer's decision first."""
    household_of = dict(zip(person_ids.tolist(), household_ids.tolist()))
    has = picks["ri"].notna().to_numpy()
    at = np.where(has, picks["ri"].fillna(0).to_numpy(), 0).astype(np.int64)
    persons_of = np.where(has, person_ids[at] if len(person_ids) else 0, 0).tolist()
    households_of = np.where(has, household_ids[at] if len(household_ids) else 0, 0).tolist()
    encode = _ExplanationEncoder()
    for k, (record_id, sig, weight, prob, status, ambiguous, pattern) in enumerate(zip(
            records["record_id"].tolist(), records["signature"], picks["weight"].tolist(),
            picks["probability"].tolist(), picks["status"].tolist(), picks["ambiguous"].tolist(),
            picks["pattern"].tolist())):
        row = {"record_id": int(record_id), "person_id": None, "household_id": None,
               "match_weight": None, "probability": None, "status": NONE, "explanation": {}}
        if has[k]:  # the record had a candidate
            person = int(persons_of[k])
            expl = result.pattern_explanation(int(pattern), share_terms=True)
            row["pattern"] = int(pattern)
            if spec.record_posterior:
                expl["record_probability"] = round(float(prob), 6)
                expl["text_zh"] += f"；综合全部候选，归属此户的概率{float(prob):.1%}"
                if status == AUTO and float(prob) < spec.auto_threshold:
                    expl["sole_candidate"] = True
                    expl["text_zh"] += "；其他住户无相近人员，按唯一候选自动匹配"
            if ambiguous == True:  # noqa: E712 - numpy bool, or NaN without a rival
                expl["ambiguous"] = True
                expl["text_zh"] += "；同村另有相近人员，需人工核对"
            expl["person_id"] = person
            row.update(match_weight=float(weight), probability=float(prob), status=status,
                       explanation=expl)
            if status != NONE:
                row.update(person_id=person, household_id=int(households_of[k]))
        accepted = [p for p, d in decided.get(sig, {}).items() if d == ACCEPT and p in household_of] \
            if decided else []
        if accepted:
            # A reviewer already said who this is: reuse it rather than the model's guess.
            person = accepted[0]
            row.update(person_id=person, household_id=int(household_of[person]), status=ACCEPTED,
                       explanation={**row["explanation"], "decision": ACCEPT, "person_id": person})
        stats[row["status"]] += 1
        row["explanation"] = encode(row.pop("explanation"), row.pop("pattern", None))
        yield row


def rejected_pairs(records: pd.DataFrame, persons: pd.DataFrame, decided: dict):
    """``exclude`` for link_frames: the (record, person) pairs a reviewer rejected (None: none)."""
    rejected = {(sig, p) for sig, ds in decided.items() for p, d in ds.items() if d == REJECT}
    if not rejected:
        return None
    sigs = records["signature"].to_numpy()
    pids = persons["person_id"].to_numpy()
    touched = records["signature"].isin({s for s, _ in rejected}).to_numpy()

    def exclude(li: np.ndarray, ri: np.ndarray) -> np.ndarray:
        out = np.zeros(len(li), dtype=bool)
        # Only pairs of records with a rejection are looked at one by one.
        for k in np.flatnonzero(touched[li]):
            out[k] = (sigs[li[k]], int(pids[ri[k]])) in rejected
        return out

    return exclude


class _ExplanationEncoder:
    """``json.dumps`` of explanations; the keys every record of a pattern shares (the waterfall)
    are encoded once per pattern, as most of a record's explanation is its pattern's."""

    SHARED = ("prior_weight", "terms", "match_weight", "probability")

    def __init__(self):
        self.heads: dict[int, str] = {}

    def __call__(self, explanation: dict, pattern: int | None) -> str:
        items = list(explanation.items())
        shared = len(self.SHARED)
        if pattern is None or tuple(k for k, _ in items[:shared]) != self.SHARED:
            return json.dumps(explanation)
        head = self.heads.get(pattern)
        if head is None:
            head = self.heads[pattern] = json.dumps(dict(items[:shared]))[:-1]
        rest = items[shared:]
        return f"{head}, {json.dumps(dict(rest))[1:]}" if rest else head + "}"


class _JsonText(TypeDecorator):
    """A JSON column's value given as its JSON text: written as is (on PostgreSQL cast to JSON)."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect):
        return None


def replace_links(conn, period: str, record_ids: list[int], rows: Iterable[dict]) -> None:
    """Replace the period's links; ``rows`` carry their explanation as JSON text."""
    # Links of records that are no longer loaded (a superseded batch) go too.
    stale = select(FeedRecord.id).where(FeedRecord.period == period,
                                        FeedRecord.batch_id.not_in(loaded_batch_ids(period)))
    conn.execute(delete(Link).where(Link.record_id.in_(stale)))
    for part in in_chunks(record_ids, _CHUNK):
        conn.execute(delete(Link).where(Link.record_id.in_(part)))
    # One timestamp for the run (the column default would call utcnow per row); explanations
    # arrive encoded, so no JSON processing per row on the way in.
    now = utcnow()
    stmt = insert(Link).values(explanation=bindparam("explanation_json", type_=_JsonText()))
    rows = iter(rows)
    while batch := list(islice(rows, 5000)):
        for row in batch:
            row["explanation_json"] = row.pop("explanation")
            row["created_at"] = now
        conn.execute(stmt, batch)

"""link_period: link a period's loaded feed records to roster persons and store one link each."""
from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
from sqlalchemy import delete, insert, select

from matching.decisions import ACCEPT, REJECT, load_decisions, signatures
from matching.engine import LinkResult, link_frames
from matching.inference import AUTO, NONE
from matching.person_frames import person_spec
from matching.warehouse_frames import loaded_batch_ids, read_persons, read_records
from warehouse.models import FeedRecord, Link

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
    rows, stats = _link_rows(records, persons, spec, decided)
    with ctx.engine.begin() as conn:
        _replace_links(conn, period, records["record_id"].tolist(), rows)
    summary = {"period": period, "records": len(records), "persons": len(persons), **stats,
               "seconds": round(time.perf_counter() - t0, 2)}
    log.info("link_period %s", summary)
    return summary


def _link_rows(records: pd.DataFrame, persons: pd.DataFrame, spec, decided: dict) -> tuple[list, dict]:
    stats = {"auto": 0, "review": 0, "none": 0, ACCEPTED: 0, REJECTED: 0, "candidate_pairs": 0}
    if records.empty:
        return [], stats
    result: LinkResult | None = None
    picks = pd.DataFrame(index=range(len(records)), columns=["ri", "pair_row", "weight",
                                                             "probability", "status", "ambiguous"])
    if not persons.empty:
        result = link_frames(records, persons, spec, group="household_id",
                             exclude=_rejected_pairs(records, persons, decided))
        stats["candidate_pairs"] = result.timings["candidate_pairs"]
        picks = result.best.set_index("li").reindex(range(len(records)))
    person_ids = persons["person_id"].to_numpy() if len(persons) else np.array([])
    household_of = dict(zip(persons.get("person_id", []), persons.get("household_id", [])))
    rows = []
    for record_id, sig, pick in zip(records["record_id"], records["signature"],
                                    picks.itertuples(index=False)):
        row = {"record_id": int(record_id), "person_id": None, "household_id": None,
               "match_weight": None, "probability": None, "status": NONE, "explanation": {}}
        if pick.ri == pick.ri:  # not NaN: the record had a candidate
            person = int(person_ids[int(pick.ri)])
            expl = result.explanation(int(pick.pair_row))
            if spec.record_posterior:
                expl["record_probability"] = round(float(pick.probability), 6)
                expl["text_zh"] += f"；综合全部候选，归属此户的概率{float(pick.probability):.1%}"
                if pick.status == AUTO and float(pick.probability) < spec.auto_threshold:
                    expl["sole_candidate"] = True
                    expl["text_zh"] += "；其他住户无相近人员，按唯一候选自动匹配"
            if pick.ambiguous == True:  # noqa: E712 - numpy bool, or NaN without a rival
                expl["ambiguous"] = True
                expl["text_zh"] += "；同村另有相近人员，需人工核对"
            row.update(match_weight=float(pick.weight), probability=float(pick.probability),
                       status=pick.status, explanation={**expl, "person_id": person})
            if pick.status != NONE:
                row.update(person_id=person, household_id=int(household_of[person]))
        accepted = [p for p, d in decided.get(sig, {}).items() if d == ACCEPT and p in household_of]
        if accepted:
            # A reviewer already said who this is: reuse it rather than the model's guess.
            person = accepted[0]
            row.update(person_id=person, household_id=int(household_of[person]), status=ACCEPTED,
                       explanation={**row["explanation"], "decision": ACCEPT, "person_id": person})
        stats[row["status"]] += 1
        rows.append(row)
    return rows, stats


def _rejected_pairs(records: pd.DataFrame, persons: pd.DataFrame, decided: dict):
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


def _replace_links(conn, period: str, record_ids: list[int], rows: list[dict]) -> None:
    # Links of records that are no longer loaded (a superseded batch) go too.
    stale = select(FeedRecord.id).where(FeedRecord.period == period,
                                        FeedRecord.batch_id.not_in(loaded_batch_ids(period)))
    conn.execute(delete(Link).where(Link.record_id.in_(stale)))
    for start in range(0, len(record_ids), _CHUNK):
        conn.execute(delete(Link).where(Link.record_id.in_(record_ids[start:start + _CHUNK])))
    for start in range(0, len(rows), 5000):
        conn.execute(insert(Link), rows[start:start + 5000])

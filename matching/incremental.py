"""Link a handful of new records (a day's self-reports and leads) without re-matching a month.

The same matcher as ``linker.link_period`` (person spec, blocking rules, comparisons, reviewers'
decisions, link rows with their explanation), but the right side is only the roster persons a
blocking rule could pair with the new records, read by SQL: equal blind ID or typo key, equal
birth date, the same village and surname character, or the same name in the same township. A day's few hundred
inputs then read a few thousand persons, not the county's roster.

The model: parameters saved by the last full run (``save_model``, in
``$SHOUWANG_HOME/matching/model.json``) when there are any, else the configured defaults
(``default_model``: the spec's starting m, u from random pairs, no EM on a day's few pairs).
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, or_, select
from sqlalchemy.engine import Connection

from matching import linker
from matching.decisions import load_decisions, signatures
from matching.person_frames import person_frame, person_spec, record_frame
from matching.settings import LinkageSpec
from matching.engine import link_frames
from matching.training import (ModelParameters, default_m, estimate_u_by_random_sampling,
                               term_frequency_columns, term_frequency_parameters)
from matching.warehouse_frames import IDENTITY_COLUMNS, read_frame
from warehouse.db import in_chunks
from warehouse.models import Household, Person

log = logging.getLogger(__name__)
MODEL_FILE = Path("matching") / "model.json"  # under SHOUWANG_HOME
_TYPO_KEYS = ("id_key0", "id_key1", "id_key2", "id_key3")


def model_path(home: Path) -> Path:
    """Where the last full run's model parameters are kept."""
    return Path(home) / MODEL_FILE


def save_model(home: Path, params: ModelParameters, spec: LinkageSpec) -> Path:
    """Keep a full run's trained parameters for the daily merge (numbers only, no records)."""
    path = model_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"comparisons": [c.name for c in spec.comparisons],
            "m": [m.tolist() for m in params.m], "u": [u.tolist() for u in params.u],
            "match_rate": params.match_rate}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)
    return path


def load_model(home: Path, spec: LinkageSpec) -> ModelParameters | None:
    """The saved parameters if they fit ``spec``'s comparisons, else None (train instead)."""
    path = model_path(home)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        log.warning("matching model %s unreadable: training on the day's pairs", path)
        return None
    if data.get("comparisons") != [c.name for c in spec.comparisons]:
        log.info("matching model %s is of another spec: training on the day's pairs", path)
        return None
    return ModelParameters([np.asarray(m, dtype=float) for m in data["m"]],
                           [np.asarray(u, dtype=float) for u in data["u"]],
                           float(data["match_rate"]), converged=True)


def key_columns(spec: LinkageSpec) -> tuple[str, ...]:
    """The blind-key columns the spec blocks on alone (id_index, id_key0..2: not id_key3, whose
    windows a whole cohort shares)."""
    return tuple(r.columns[0] for r in spec.blocking_rules
                 if len(r.columns) == 1 and not r.right_columns and r.columns[0] in ("id_index", *_TYPO_KEYS))


def candidate_persons(conn: Connection, records: pd.DataFrame, sample: int = 0,
                      keys: tuple[str, ...] = ("id_index", *_TYPO_KEYS)) -> pd.DataFrame:
    """Active roster persons that any blocking rule could pair with ``records`` (a record frame
    with ``township``/``village`` as written and the identity columns), as a person frame; plus
    about ``sample`` persons spread over the roster (every k-th id), for training's random pairs.
    ``keys``: the blind-key columns blocked on (``key_columns``)."""
    conditions = []
    if sample:
        top = conn.execute(select(func.max(Person.id))).scalar() or 0
        step = max(1, top // sample)
        conditions.append(Person.id % step == 0)
    for column in keys:
        values = _values(records[column])
        for part in in_chunks(values):
            conditions.append(getattr(Person, column).in_(part))
    births = _values(records["birth_date"].map(_as_date))
    for part in in_chunks(births):
        conditions.append(Person.birth_date.in_(part))
    # The village-and-surname rule: persons of the record's village whose name starts with its
    # surname's character (a surname written with another character of the same sound is missed).
    places: dict[tuple[str, str], set[str]] = {}
    for town, village, name in zip(records["township"], records["village"], records["name_clean"]):
        if isinstance(town, str) and isinstance(village, str) and isinstance(name, str) and name:
            places.setdefault((town, village), set()).add(name[0])
    for (town, village), initials in places.items():
        surnames = or_(*(Person.name.startswith(c, autoescape=True) for c in sorted(initials)))
        conditions.append(and_(Household.township == town, Household.village == village, surnames))
    names = _values(records["name"])
    towns = sorted({town for town, _ in places})
    if names and towns:  # the township-and-name rule (the village written differently)
        for part in in_chunks(names):
            conditions.append(and_(Household.township.in_(towns), Person.name.in_(part)))
    cols = [Person.id.label("person_id"), Person.household_id, Person.name, Person.relation,
            Household.township, Household.village] + [getattr(Person, c) for c in IDENTITY_COLUMNS]
    stmt = (select(*cols).join(Household, Household.id == Person.household_id)
            .where(Person.active.is_(True), Household.active.is_(True),
                   or_(*conditions) if conditions else Person.id.is_(None))
            .order_by(Person.id))
    return person_frame(read_frame(conn, stmt, cols))


def link_records(ctx, conn: Connection, period: str, rows: pd.DataFrame,
                 sample_persons: int = 5000, on_roster: float = 0.5) -> dict[int, dict]:
    """Link the new records ``rows`` (record_id, name, township, village, role, identity
    columns; already stored as feed records of ``period``) and store their links;
    ``sample_persons`` roster persons join the candidates when u comes from random pairs, and
    ``on_roster`` is the default model's prior share of records with a roster person.

    Returns per record id: ``status`` (auto | review | none | accepted | rejected),
    ``person_id``, ``household_id`` and ``probability``; plus the counts in ``log``.
    """
    t0 = time.perf_counter()
    if rows.empty:
        return {}
    spec = person_spec(ctx.settings)
    records = record_frame(rows.reset_index(drop=True))
    model = load_model(ctx.home, spec)
    # Without a saved model, u comes from random pairs: persons from all over the roster make
    # them the county's, not those of the few villages the inputs come from.
    persons = candidate_persons(conn, records, 0 if model else sample_persons, key_columns(spec))
    records["signature"] = signatures(ctx.vault(), records)
    decided = load_decisions(conn, records["signature"])
    stats = {"auto": 0, "review": 0, "none": 0, linker.ACCEPTED: 0, linker.REJECTED: 0,
             "candidate_pairs": 0}
    link_rows = list(_rows(records, persons, spec, decided, stats, model, on_roster))
    out = {row["record_id"]: {"status": row["status"], "person_id": row["person_id"],
                              "household_id": row["household_id"],
                              "probability": row["probability"]} for row in link_rows}
    linker.replace_links(conn, period, [int(r) for r in records["record_id"]], link_rows)
    log.info("link_records %s", {"period": period, "records": len(records),
                                 "persons": len(persons), **stats, "model": model is not None,
                                 "seconds": round(time.perf_counter() - t0, 2)})
    return out


def default_model(spec: LinkageSpec, records: pd.DataFrame, persons: pd.DataFrame,
                  candidate_pairs: int | None = None, on_roster: float = 0.5) -> ModelParameters:
    """The configured defaults as a model: the spec's starting m (most matches agree fully), u
    of every comparison from random record x person pairs (the chance of agreeing by
    coincidence), and a prior that a share ``on_roster`` of the records has its person among
    its candidate pairs (the record posterior's pi).

    Expectation maximisation needs thousands of pairs; a day's few hundred inputs do not give
    it enough to learn m from (a lone name-and-village report would score like a stranger).
    """
    adjusting = term_frequency_columns(spec)  # their m and u follow from the names' exact level
    own = frozenset(range(len(spec.comparisons))) - adjusting
    sampled = estimate_u_by_random_sampling(spec, records, persons, own)
    u = [sampled.get(j, np.full(len(c.levels), 1.0 / len(c.levels)))
         for j, c in enumerate(spec.comparisons)]
    pairs = candidate_pairs or max(len(records), 1) * 100
    rate = float(min(0.5, max(1e-6, on_roster * len(records) / max(pairs, 1))))
    return term_frequency_parameters(spec, ModelParameters(default_m(spec), u, rate))


def _rows(records, persons, spec, decided, stats, model, on_roster):
    """linker's link rows, scored with the saved model, else with the configured defaults."""
    if persons.empty:
        return linker.link_rows(records, persons, spec, decided, stats)
    exclude = linker.rejected_pairs(records, persons, decided)
    if model is None:
        # First pass counts the day's candidate pairs (the prior); the second scores with it.
        trial = link_frames(records, persons, spec, group="household_id",
                            params=default_model(spec, records, persons, None, on_roster),
                            exclude=exclude)
        pairs = trial.timings["candidate_pairs"]
        trial.release()
        model = default_model(spec, records, persons, pairs, on_roster)
    result = link_frames(records, persons, spec, group="household_id", params=model, exclude=exclude)
    stats["candidate_pairs"] = result.timings["candidate_pairs"]
    picks = result.best.set_index("li").reindex(range(len(records)))
    result.release()
    return linker.link_row_dicts(records, picks, result, persons["person_id"].to_numpy(),
                        persons["household_id"].to_numpy(), spec, decided, stats)


def _values(series: pd.Series) -> list:
    """The distinct present values of a column, sorted (for IN lists)."""
    return sorted({v for v in series.tolist() if v is not None and v == v and v != ""})


def _as_date(value):
    """A birth date as the warehouse stores it (record frames carry ISO text)."""
    import datetime as dt

    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return value

"""Load the monitored-household roster (花名册) into regions, households and persons.

The roster goes through the same reader, contract and normalizer as every feed. Loading the
same file twice changes nothing; a newer roster updates households and persons, appends
household_history when a household's type, risk status, income or size changes (who was a
monitored object when), and marks persons and households missing from it inactive.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import bindparam, insert, select, update

from connectors import catalog
from connectors.errors import FeedError
from connectors.ingest import (RECORD_PURPOSE, checksum_of, docs_dir, plain_value,
                               quarantine_rows, record_failure)
from connectors.plan import FeedPlan, ingest_settings, plan_feed
from connectors.reader import read_sheet
from connectors.regions import short_name
from connectors.sealing import identity_columns
from shouwang.context import Context
from warehouse import sensitive
from warehouse.db import in_chunks
from warehouse.models import (FeedBatch, Household, HouseholdHistory, Person, Quarantine, Region,
                              utcnow)

log = logging.getLogger(__name__)
HEAD = "户主"
# Household attributes whose change starts a new household_history row.
TRACKED = ("household_type", "risk_status", "income_per_capita", "size")


@dataclass
class RosterResult:
    """Counts of one roster load; safe to log."""

    batch_id: int | None
    status: str  # loaded | unchanged | failed
    source_file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_merged: int = 0
    regions_added: int = 0
    households_added: int = 0
    households_updated: int = 0
    households_deactivated: int = 0
    persons_added: int = 0
    persons_updated: int = 0
    persons_deactivated: int = 0
    seconds: float = 0.0
    error: str | None = None

    def summary(self) -> dict:
        """The result as a plain dict."""
        return asdict(self)


def load_roster(ctx: Context, path: Path) -> RosterResult:
    """Load a roster file (CSV in any common encoding, XLSX or XLS); see the module docstring."""
    started = time.perf_counter()
    path = Path(path)
    checksum = checksum_of(path.read_bytes()) if path.exists() else ""
    period = utcnow().strftime("%Y-%m")
    with ctx.engine.connect() as conn:
        done = conn.execute(select(FeedBatch.id, FeedBatch.rows_read).where(
            FeedBatch.department == catalog.ROSTER, FeedBatch.checksum == checksum,
            FeedBatch.status == "loaded")).first()
    if done is not None:
        return RosterResult(done.id, "unchanged", path.name, done.rows_read)
    contract = catalog.contract_for(catalog.ROSTER)
    vault = ctx.vault()
    try:
        plan = plan_feed(read_sheet(path), contract, ctx.settings, None,
                         hasher=lambda text: vault.blind(RECORD_PURPOSE, text),
                         docs_dir=docs_dir(ctx, period))
    except FeedError as e:
        failed = record_failure(ctx, catalog.ROSTER, period, path.name, checksum, e)
        return RosterResult(failed.batch_id, "failed", path.name, error=failed.error)
    result = RosterResult(None, "loaded", path.name, plan.rows_read, len(plan.load),
                          len(plan.quarantine), len(plan.merged))
    with ctx.engine.begin() as conn:
        result.batch_id = conn.execute(insert(FeedBatch).values(
            department=catalog.ROSTER, period=period, source_file=path.name, checksum=checksum,
            encoding=plan.located.sheet.encoding, header_row=plan.located.header_row,
            status="loaded", rows_read=plan.rows_read, rows_loaded=len(plan.load),
            rows_quarantined=len(plan.quarantine), rows_merged=len(plan.merged),
            loaded_at=utcnow(), docs_path=plan.docs_path).returning(FeedBatch.id)).scalar_one()
        rows = _rows(plan)
        places = _upsert_regions(conn, ctx, rows, result)
        households = _upsert_households(conn, rows, places, result)
        _upsert_persons(conn, vault, plan, rows, households, result)
        bad = quarantine_rows(plan, {"batch_id": result.batch_id, "department": catalog.ROSTER,
                                     "period": period, "source_file": path.name})
        if bad:
            conn.execute(insert(Quarantine), bad)
        conn.execute(update(FeedBatch).where(
            FeedBatch.department == catalog.ROSTER, FeedBatch.status == "loaded",
            FeedBatch.id != result.batch_id).values(status="superseded",
                                                    superseded_by=result.batch_id))
    result.seconds = round(time.perf_counter() - started, 3)
    log.info("roster %s: %s", path.name, result.summary())
    return result


def _rows(plan: FeedPlan) -> list[dict]:
    """The loaded rows as dicts of canonical values (plus their position in the plan)."""
    frame = plan.records.frame
    cols = {c: frame[c].to_numpy(dtype=object) for c in frame.columns}
    return [{"_pos": pos, **{c: plain_value(v[pos]) for c, v in cols.items()}} for pos in plan.load]


# --- regions -------------------------------------------------------------------------------

def _upsert_regions(conn, ctx: Context, rows: list[dict], result: RosterResult) -> dict:
    """County → township → village → group regions; returns (level, names…) → region id."""
    suffixes = ingest_settings(ctx.settings).get("region_suffixes", {})
    county_default = ctx.settings.get("county", {})
    existing = conn.execute(select(Region.id, Region.level, Region.short_name, Region.parent_id)).all()
    known = {(r.level, r.parent_id, r.short_name): r.id for r in existing}
    places: dict[tuple, int] = {}
    chain = (("county", ("county",)), ("township", ("county", "township")),
             ("village", ("county", "township", "village")),
             ("group", ("county", "township", "village", "group")))
    for level, path in chain:
        wanted: dict[tuple, tuple[str, int | None]] = {}
        for row in rows:
            names = tuple(row.get(k) or (county_default.get("name") if k == "county" else None)
                          for k in path)
            if not names[-1] or names in wanted:
                continue
            parent = places.get(names[:-1]) if len(names) > 1 else None
            if len(names) > 1 and parent is None:
                continue
            wanted[names] = (names[-1], parent)
        new = []
        for names, (name, parent) in wanted.items():
            key = (level, parent, short_name(name, tuple(suffixes.get(level, ()))))
            if key not in known and key not in {k for k, _ in new}:
                code = county_default.get("code") if level == "county" else None
                new.append((key, {"level": level, "name": name, "short_name": key[2],
                                  "code": code, "parent_id": parent}))
        if new:
            conn.execute(insert(Region), [v for _, v in new])
            result.regions_added += len(new)
            rows_now = conn.execute(select(Region.id, Region.level, Region.short_name,
                                           Region.parent_id).where(Region.level == level)).all()
            known.update({(r.level, r.parent_id, r.short_name): r.id for r in rows_now})
        for names, (name, parent) in wanted.items():
            places[names] = known[(level, parent,
                                   short_name(name, tuple(suffixes.get(level, ()))))]
    return places


# --- households ----------------------------------------------------------------------------

def _household_values(members: list[dict], places: dict, county_name: str | None) -> dict:
    head = next((m for m in members if m.get("relation") == HEAD), members[0])
    county = head.get("county") or county_name
    t_key = (county, head.get("township"))
    v_key = (*t_key, head.get("village"))
    size = head.get("household_size")
    return {
        "county": county, "township": head.get("township"), "village": head.get("village"),
        "group_name": head.get("group"), "township_id": places.get(t_key),
        "village_id": places.get(v_key), "household_type": head.get("household_type"),
        "risk_status": head.get("risk_status"),
        "income_per_capita": head.get("income_per_capita"),
        "size": int(size) if size is not None else len(members), "active": True,
    }


def _upsert_households(conn, rows: list[dict], places: dict, result: RosterResult) -> dict:
    """Insert new households, update changed ones, deactivate missing ones; returns no → id."""
    now = utcnow()
    by_no: dict[str, list[dict]] = {}
    for row in rows:
        by_no.setdefault(row["household_no"], []).append(row)
    county_name = next((r.get("county") for r in rows if r.get("county")), None)
    cols = ("id", "household_no", "county", "township", "village", "group_name", "township_id",
            "village_id", "household_type", "risk_status", "income_per_capita", "size", "active")
    existing = {r.household_no: r._asdict() for r in conn.execute(
        select(*(getattr(Household, c) for c in cols))).all()}
    new, changed, history_for = [], [], []
    for no, members in by_no.items():
        values = _household_values(members, places, county_name)
        old = existing.get(no)
        if old is None:
            new.append({"household_no": no, "roster_batch_id": result.batch_id, **values})
            history_for.append(no)
        elif any(old[k] != v for k, v in values.items()):
            changed.append({"b_id": old["id"], "roster_batch_id": result.batch_id, **values})
            if any(old[k] != values[k] for k in TRACKED) or not old["active"]:
                history_for.append(no)
    if new:
        conn.execute(insert(Household), new)
    if changed:
        conn.execute(update(Household).where(Household.id == bindparam("b_id")), changed)
    result.households_added, result.households_updated = len(new), len(changed)
    ids = {r.household_no: r.id for r in conn.execute(
        select(Household.id, Household.household_no)).all()}
    gone = [old["id"] for no, old in existing.items() if no not in by_no and old["active"]]
    if gone:
        for part in in_chunks(gone):
            conn.execute(update(Household).where(Household.id.in_(part)).values(active=False))
        result.households_deactivated = len(gone)
    _append_history(conn, [ids[no] for no in history_for] + gone, gone, by_no, ids, places,
                    county_name, result.batch_id, now)
    return ids


def _append_history(conn, closing: list[int], gone: list[int], by_no: dict, ids: dict,
                    places: dict, county_name: str | None, batch_id: int, now) -> None:
    """Close the open history rows of ``closing`` households; open new ones unless gone."""
    if not closing:
        return
    for part in in_chunks(closing):
        conn.execute(update(HouseholdHistory).where(HouseholdHistory.household_id.in_(part),
                                                    HouseholdHistory.valid_to.is_(None))
                     .values(valid_to=now))
    # Sets: membership tests over every household would be quadratic with lists.
    closing_set, gone_set = set(closing), set(gone)
    opened = []
    for no, members in by_no.items():
        hid = ids[no]
        if hid in closing_set and hid not in gone_set:
            v = _household_values(members, places, county_name)
            opened.append({"household_id": hid, "valid_from": now, "roster_batch_id": batch_id,
                           **{k: v[k] for k in TRACKED}})
    if opened:
        conn.execute(insert(HouseholdHistory), opened)


# --- persons -------------------------------------------------------------------------------

def _upsert_persons(conn, vault, plan: FeedPlan, rows: list[dict], households: dict,
                    result: RosterResult) -> None:
    """Insert, update and deactivate persons; IDs and phones sealed, never stored in plain."""
    ids = plan.records.ids["resident_id"]
    cols = ("id", "uid", "household_id", "name", "relation", "labour_capacity", "phone_index",
            "active", "id_index", "id_status", "id_key0", "id_key3")
    existing = [r._asdict() for r in conn.execute(select(*(getattr(Person, c) for c in cols)))]
    by_index = {p["id_index"]: p for p in existing if p["id_index"]}
    by_name = {(p["household_id"], p["name"]): p for p in existing if not p["id_index"]}
    new, changed, seen = [], [], set()
    for row in rows:
        cell = ids[row["_pos"]]
        hid = households[row["household_no"]]
        index = vault.blind(sensitive.RESIDENT_ID, cell.parsed.value) if cell.parsed.valid else None
        old = by_index.get(index) if index else by_name.get((hid, row["name"]))
        phone = row.get("phone")
        phone_index = (sensitive.blind_columns(vault, sensitive.PHONE, "phone", phone)["phone_index"]
                       if phone else None)
        values = {"household_id": hid, "name": row["name"], "relation": row.get("relation"),
                  "labour_capacity": row.get("labour_capacity"), "active": True,
                  "last_seen_batch_id": result.batch_id}
        if old is None:
            uid = uuid.uuid4().hex
            new.append({"uid": uid, "first_seen_batch_id": result.batch_id, **values,
                        **identity_columns(vault, "persons", uid, cell),
                        **_phone(vault, uid, phone)})
            continue
        seen.add(old["id"])
        update_values = dict(values)
        if old["phone_index"] != phone_index:
            update_values.update(_phone(vault, old["uid"], phone))
        if not index:
            ident = identity_columns(vault, "persons", old["uid"], cell)
            if (ident["id_status"], ident["id_key0"], ident["id_key3"]) != \
                    (old["id_status"], old["id_key0"], old["id_key3"]):
                update_values.update(ident)
        if any(old.get(k) != v for k, v in update_values.items() if k != "last_seen_batch_id"):
            result.persons_updated += 1
        changed.append({"p_id": old["id"], **update_values})
    if new:
        conn.execute(insert(Person), new)
    if changed:
        # Rows differ in which columns change (phone, ID); group them by column set.
        groups: dict[tuple, list[dict]] = {}
        for c in changed:
            groups.setdefault(tuple(sorted(c)), []).append(c)
        for group in groups.values():
            conn.execute(update(Person).where(Person.id == bindparam("p_id")), group)
    gone = [p["id"] for p in existing if p["id"] not in seen and p["active"]]
    if gone:
        for part in in_chunks(gone):
            conn.execute(update(Person).where(Person.id.in_(part)).values(active=False))
    result.persons_added, result.persons_deactivated = len(new), len(gone)


def _phone(vault, uid: str, phone: str | None) -> dict:
    """phone_cipher bound to the person's row, and phone_index."""
    return sensitive.sealed_pair(vault, sensitive.PHONE, "persons", "phone_cipher", uid, phone)

"""Load the monitored-household roster (花名册) into regions, households and persons.

The roster goes through the same reader, contract and normalizer as every feed. Loading the
same file twice changes nothing; a newer roster updates households and persons, appends
household_history when a household's type, risk status, income or size changes (who was a
monitored object when), and marks persons and households missing from it inactive.
"""
from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import bindparam, insert, select, update

from connectors import catalog
from connectors.errors import FeedError
from connectors.failures import feed_error
from connectors.ingest import (RECORD_PURPOSE, checksum_of, docs_dir, plain_column,
                               quarantine_rows, record_failure)
from connectors.plan import FeedPlan, ingest_settings, plan_feed
from connectors.reader import read_sheet
from connectors.regions import short_name
from connectors.sealing import identity_columns
from shouwang.context import Context
from warehouse import sensitive
from warehouse.db import bulk_insert, in_chunks, sqlite_page_cache
from warehouse.models import (FeedBatch, Household, HouseholdHistory, Person, Quarantine, Region,
                              new_uids, utcnow)

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
        plan.release_cells()
        result = RosterResult(None, "loaded", path.name, plan.rows_read, len(plan.load),
                              len(plan.quarantine), len(plan.merged))
        _store(ctx, vault, plan, path.name, checksum, period, result)
    except Exception as e:  # noqa: BLE001 - a bug met in the roster fails this load only
        return _failed(ctx, period, path.name, checksum, feed_error(path.name, e))
    result.seconds = round(time.perf_counter() - started, 3)
    log.info("roster %s: %s", path.name, result.summary())
    return result


def _failed(ctx: Context, period: str, source_file: str, checksum: str,
            error: FeedError) -> RosterResult:
    """A failed roster batch (and event) whose error says what to do; nothing else written."""
    failed = record_failure(ctx, catalog.ROSTER, period, source_file, checksum, error)
    return RosterResult(failed.batch_id, "failed", source_file, error=failed.error)


def _store(ctx: Context, vault, plan: FeedPlan, source_file: str, checksum: str, period: str,
           result: RosterResult) -> None:
    """Write the batch, regions, households, persons and quarantine in one transaction."""
    with ctx.engine.begin() as conn:
        result.batch_id = conn.execute(insert(FeedBatch).values(
            department=catalog.ROSTER, period=period, source_file=source_file, checksum=checksum,
            encoding=plan.located.sheet.encoding, header_row=plan.located.header_row,
            status="loaded", rows_read=plan.rows_read, rows_loaded=len(plan.load),
            rows_quarantined=len(plan.quarantine), rows_merged=len(plan.merged),
            loaded_at=utcnow(), docs_path=plan.docs_path).returning(FeedBatch.id)).scalar_one()
        cols = _Columns(plan)
        with sqlite_page_cache(conn, int(ingest_settings(ctx.settings).get("sqlite_cache_mb", 0))):
            places = _upsert_regions(conn, ctx, cols, result)
            households = _upsert_households(conn, cols, places, result)
            _upsert_persons(conn, vault, plan, cols, households, result)
        del cols
        bad = quarantine_rows(plan, {"batch_id": result.batch_id, "department": catalog.ROSTER,
                                     "period": period, "source_file": source_file})
        bulk_insert(conn, Quarantine.__table__, bad)
        conn.execute(update(FeedBatch).where(
            FeedBatch.department == catalog.ROSTER, FeedBatch.status == "loaded",
            FeedBatch.id != result.batch_id).values(status="superseded",
                                                    superseded_by=result.batch_id))


class _Columns:
    """The loaded rows' canonical values, one list per column in ``plan.load`` order.

    Column lists rather than a dict per row: a county's roster is 364k rows of ~20 fields,
    and per-row dicts cost seconds to build and most of a gigabyte to hold.
    """

    def __init__(self, plan: FeedPlan):
        self._frame = plan.records.frame
        self._load = np.asarray(plan.load, dtype=np.int64)
        self._cache: dict[str, list] = {}
        self.positions: list[int] = list(plan.load)

    def __len__(self) -> int:
        return len(self.positions)

    def __getitem__(self, name: str) -> list:
        """The column's values (all None when the roster has no such column)."""
        if name not in self._cache:
            if name not in self._frame.columns:
                self._cache[name] = [None] * len(self.positions)
            else:
                self._cache[name] = plain_column(
                    self._frame[name].to_numpy(dtype=object)[self._load])
        return self._cache[name]


# --- regions -------------------------------------------------------------------------------

def _upsert_regions(conn, ctx: Context, cols: _Columns, result: RosterResult) -> dict:
    """County → township → village → group regions; returns (level, names…) → region id."""
    suffixes = ingest_settings(ctx.settings).get("region_suffixes", {})
    county_default = ctx.settings.get("county", {})
    existing = conn.execute(select(Region.id, Region.level, Region.short_name, Region.parent_id)).all()
    known = {(r.level, r.parent_id, r.short_name): r.id for r in existing}
    places: dict[tuple, int] = {}
    # Distinct address chains in order of first appearance (a few thousand, not 364k rows):
    # regions are created in the same order, so they get the same ids as row by row.
    county_name = county_default.get("name")
    chains = dict.fromkeys(zip((c or county_name for c in cols["county"]),
                               *([v or None for v in cols[k]] for k in ("township", "village",
                                                                        "group"))))
    for depth, level in enumerate(("county", "township", "village", "group"), start=1):
        wanted: dict[tuple, tuple[str, int | None]] = {}
        for chain in chains:
            names = chain[:depth]
            if not names[-1] or names in wanted:
                continue
            parent = places.get(names[:-1]) if depth > 1 else None
            if depth > 1 and parent is None:
                continue
            wanted[names] = (names[-1], parent)
        new: dict[tuple, dict] = {}
        for names, (name, parent) in wanted.items():
            key = (level, parent, short_name(name, tuple(suffixes.get(level, ()))))
            if key not in known and key not in new:
                code = county_default.get("code") if level == "county" else None
                new[key] = {"level": level, "name": name, "short_name": key[2], "code": code,
                            "parent_id": parent}
        if new:
            conn.execute(insert(Region), list(new.values()))
            result.regions_added += len(new)
            rows_now = conn.execute(select(Region.id, Region.level, Region.short_name,
                                           Region.parent_id).where(Region.level == level)).all()
            known.update({(r.level, r.parent_id, r.short_name): r.id for r in rows_now})
        for names, (name, parent) in wanted.items():
            places[names] = known[(level, parent,
                                   short_name(name, tuple(suffixes.get(level, ()))))]
    return places


# --- households ----------------------------------------------------------------------------

def _household_values(cols: _Columns, members: list[int], places: dict,
                      county_name: str | None) -> dict:
    relation = cols["relation"]
    head = next((m for m in members if relation[m] == HEAD), members[0])
    county = cols["county"][head] or county_name
    township, village = cols["township"][head], cols["village"][head]
    size = cols["household_size"][head]
    return {
        "county": county, "township": township, "village": village,
        "group_name": cols["group"][head], "township_id": places.get((county, township)),
        "village_id": places.get((county, township, village)),
        "household_type": cols["household_type"][head], "risk_status": cols["risk_status"][head],
        "income_per_capita": cols["income_per_capita"][head],
        "size": int(size) if size is not None else len(members), "active": True,
    }


def _upsert_households(conn, cols: _Columns, places: dict, result: RosterResult) -> dict:
    """Insert new households, update changed ones, deactivate missing ones; returns no → id."""
    now = utcnow()
    by_no: dict[str, list[int]] = {}
    for i, no in enumerate(cols["household_no"]):
        by_no.setdefault(no, []).append(i)
    county_name = next((c for c in cols["county"] if c), None)
    names = ("id", "household_no", "county", "township", "village", "group_name", "township_id",
             "village_id", "household_type", "risk_status", "income_per_capita", "size", "active")
    existing = {r.household_no: r._asdict() for r in conn.execute(
        select(*(getattr(Household, c) for c in names))).all()}
    new, changed, opening = [], [], {}
    for no, members in by_no.items():
        values = _household_values(cols, members, places, county_name)
        old = existing.get(no)
        if old is None:
            new.append({"household_no": no, "roster_batch_id": result.batch_id, **values})
            opening[no] = values
        elif any(old[k] != v for k, v in values.items()):
            changed.append({"b_id": old["id"], "roster_batch_id": result.batch_id, **values})
            if any(old[k] != values[k] for k in TRACKED) or not old["active"]:
                opening[no] = values
    if new:
        bulk_insert(conn, Household.__table__, new)
    if changed:
        conn.execute(update(Household).where(Household.id == bindparam("b_id")), changed)
    result.households_added, result.households_updated = len(new), len(changed)
    del new, changed
    ids = {r.household_no: r.id for r in conn.execute(
        select(Household.id, Household.household_no)).all()}
    gone = [old["id"] for no, old in existing.items() if no not in by_no and old["active"]]
    if gone:
        for part in in_chunks(gone):
            conn.execute(update(Household).where(Household.id.in_(part)).values(active=False))
        result.households_deactivated = len(gone)
    # Opened in roster order, as before, so history ids follow the file.
    opened = {ids[no]: values for no, values in opening.items()}
    _append_history(conn, opened, gone, result.batch_id, now)
    return ids


def _append_history(conn, opened: dict[int, dict], gone: list[int], batch_id: int, now) -> None:
    """Close the open history rows of changed and gone households; open rows for ``opened``."""
    closing = [*opened, *gone]
    if not closing:
        return
    for part in in_chunks(closing):
        conn.execute(update(HouseholdHistory).where(HouseholdHistory.household_id.in_(part),
                                                    HouseholdHistory.valid_to.is_(None))
                     .values(valid_to=now))
    if opened:
        bulk_insert(conn, HouseholdHistory.__table__, [
            {"household_id": hid, "valid_from": now, "roster_batch_id": batch_id,
             **{k: v[k] for k in TRACKED}} for hid, v in opened.items()])


# --- persons -------------------------------------------------------------------------------

# Persons are sealed and written this many at a time, so a county's worth of row dicts
# (and SQLAlchemy's copies of them) is never held at once.
PERSON_CHUNK = 20_000
# What a re-load compares a stored person against; the typo keys only for persons stored
# without a valid ID (the 32-char keys of every person would cost hundreds of MB).
_PERSON_COLS = ("id", "uid", "household_id", "name", "relation", "labour_capacity",
                "phone_index", "active", "id_index")


def _upsert_persons(conn, vault, plan: FeedPlan, cols: _Columns, households: dict,
                    result: RosterResult) -> None:
    """Insert, update and deactivate persons; IDs and phones sealed, never stored in plain."""
    existing = conn.execute(select(*(getattr(Person, c) for c in _PERSON_COLS))).all()
    by_index = {p.id_index: p for p in existing if p.id_index}
    by_name = {(p.household_id, p.name): p for p in existing if not p.id_index}
    unindexed = {r.id: r for r in conn.execute(
        select(Person.id, Person.id_status, Person.id_key0, Person.id_key3)
        .where(Person.id_index.is_(None)))} if by_name else {}
    seen: set[int] = set()
    for start in range(0, len(cols), PERSON_CHUNK):
        new, changed, touched = _person_chunk(
            vault, plan, cols, range(start, min(start + PERSON_CHUNK, len(cols))), households,
            by_index, by_name, unindexed, result)
        seen.update(touched)
        if new:
            bulk_insert(conn, Person.__table__, new)
        # Rows differ in which columns change (phone, ID); group them by column set.
        groups: dict[tuple, list[dict]] = {}
        for c in changed:
            groups.setdefault(tuple(sorted(c)), []).append(c)
        for group in groups.values():
            conn.execute(update(Person).where(Person.id == bindparam("p_id")), group)
        # Persons found unchanged only record that this roster saw them.
        unchanged = set(touched).difference(c["p_id"] for c in changed)
        for part in in_chunks(sorted(unchanged)):
            conn.execute(update(Person).where(Person.id.in_(part))
                         .values(last_seen_batch_id=result.batch_id))
        result.persons_added += len(new)
    gone = [p.id for p in existing if p.id not in seen and p.active]
    if gone:
        for part in in_chunks(gone):
            conn.execute(update(Person).where(Person.id.in_(part)).values(active=False))
    result.persons_deactivated = len(gone)


def _person_chunk(vault, plan: FeedPlan, cols: _Columns, span: range, households: dict,
                  by_index: dict, by_name: dict, unindexed: dict,
                  result: RosterResult) -> tuple[list[dict], list[dict], list[int]]:
    """New person rows, updates, and ids of stored persons seen, for rows ``span``."""
    ids = plan.records.ids["resident_id"]
    nos, names, relations, labour, phones = (cols[c] for c in (
        "household_no", "name", "relation", "labour_capacity", "phone"))
    batch = result.batch_id
    new, changed, touched = [], [], []
    uids = iter(new_uids(len(span)))  # one batch; stored persons leave theirs unused
    for i in span:
        cell = ids[cols.positions[i]]
        hid = households[nos[i]]
        old = index = None
        if by_index or by_name:  # a first load has nobody to look up
            index = (vault.blind(sensitive.RESIDENT_ID, cell.parsed.value)
                     if cell.parsed.valid else None)
            old = by_index.get(index) if index else by_name.get((hid, names[i]))
        values = {"household_id": hid, "name": names[i], "relation": relations[i],
                  "labour_capacity": labour[i], "active": True, "last_seen_batch_id": batch}
        if old is None:
            uid = next(uids)
            new.append({"uid": uid, "first_seen_batch_id": batch, **values,
                        **identity_columns(vault, "persons", uid, cell),
                        **_phone(vault, uid, phones[i])})
            continue
        touched.append(old.id)
        if old.phone_index != sensitive.blind_index(vault, sensitive.PHONE, phones[i] or ""):
            values.update(_phone(vault, old.uid, phones[i]))
        if not index:
            ident = identity_columns(vault, "persons", old.uid, cell)
            was = unindexed[old.id]
            if (ident["id_status"], ident["id_key0"], ident["id_key3"]) != \
                    (was.id_status, was.id_key0, was.id_key3):
                values.update(ident)
        # Columns not selected (ciphertexts, other keys) compare as None, as they did when
        # ``old`` was a dict: a new ciphertext always counts as an update.
        if any(getattr(old, k, None) != v for k, v in values.items()
               if k != "last_seen_batch_id"):
            result.persons_updated += 1
            changed.append({"p_id": old.id, **values})
    return new, changed, touched


def _phone(vault, uid: str, phone: str | None) -> dict:
    """phone_cipher bound to the person's row, and phone_index."""
    return sensitive.sealed_pair(vault, sensitive.PHONE, "persons", "phone_cipher", uid, phone)

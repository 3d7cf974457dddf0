"""`bench match`'s county from the demo generator: the files ``shouwang generate`` writes, read
and normalized by the product's own readers and contracts, IDs only as blind keys (a throwaway
key), each record's true person from the generator's truth/links.csv."""
from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from connectors import catalog
from connectors.contract import IDENTITY_FIELD
from connectors.plan import plan_feed
from connectors.reader import read_sheet
from connectors.rows import person_columns
from matching.person_frames import IDENTITY, person_frame, record_frame
from shouwang import config
from shouwang_tools.bench.datasets import Dataset
from shouwang_tools.demo.generate import generate_county
from warehouse.crypto import Keyring, Vault

_KEYS = ["name", "township", "village"]


def demo_dataset(households: int, seed: int, period: str) -> Dataset:
    """The demo county of ``households`` roster households as the benchmark's dataset."""
    vault = Vault(Keyring(active=os.urandom(32)))  # blind indexes that mean nothing after the run
    settings = config.settings()
    with tempfile.TemporaryDirectory(prefix="shouwang-bench-county-") as tmp:
        made = generate_county(households, period, Path(tmp), seed=seed,
                               as_of=_month_end(period))
        persons = _roster(made.roster, vault, settings)
        records = pd.concat([_feed(path, vault, settings) for path in sorted(made.feeds.values())],
                            ignore_index=True)
        links = pd.read_csv(made.truth["links"], dtype=str, keep_default_na=False)
    records["record_key"] = np.arange(len(records))
    truth_rows = links[links["kind"] == "match"]
    person_of = dict(zip(zip(truth_rows["source_file"], truth_rows["source_row"].astype(int)),
                         zip(truth_rows["household_no"], truth_rows["member"])))
    key_of = dict(zip(zip(persons["household_no"], persons["member"]), persons["person_key"]))
    truth = set()
    for rk, file, row in zip(records["record_key"], records["source_file"], records["source_row"]):
        who = person_of.get((file, int(row)))
        if who is not None and who in key_of:
            truth.add((int(rk), int(key_of[who])))
    return Dataset("county", record_frame(records), person_frame(persons), "record_key",
                   "person_key", truth)


def _month_end(period: str) -> dt.date:
    year, month = map(int, period.split("-"))
    return dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def _identity(vault: Vault, table: str, plan, positions: list[int]) -> pd.DataFrame:
    """Blind keys, birth date and sex of the rows at ``positions`` (connectors.rows' columns)."""
    cells = plan.records.ids.get(IDENTITY_FIELD)
    rows = [person_columns(vault, f"{table}-{k}", cells[pos] if cells is not None else None)
            for k, pos in enumerate(positions)]
    return pd.DataFrame(rows, columns=IDENTITY)


def _roster(path: Path, vault: Vault, settings: dict) -> pd.DataFrame:
    """Roster persons: key, household (户编号), member number, relation, place and identity."""
    plan = plan_feed(read_sheet(path), catalog.contract_for(catalog.ROSTER), settings, None,
                     validate=False)
    frame = plan.records.frame.iloc[plan.load].reset_index(drop=True)
    out = frame[_KEYS + ["household_no", "relation"]].copy()
    out["member"] = (out.groupby("household_no").cumcount() + 1).astype(str)
    out["person_key"] = np.arange(len(out))
    out["household_key"] = pd.factorize(out["household_no"])[0]
    return pd.concat([out, _identity(vault, "persons", plan, list(plan.load))], axis=1)


def _feed(path: Path, vault: Vault, settings: dict) -> pd.DataFrame:
    """A department file's loaded rows: file, row, role, name, place and identity."""
    dept, _ = catalog.parse_file_name(path.stem)
    contract = catalog.contract_for(dept)
    plan = plan_feed(read_sheet(path), contract, settings, None, validate=False)
    frame = plan.records.frame.iloc[plan.load].reset_index(drop=True)
    out = frame[_KEYS + ["source_row"]].copy()
    out["source_file"] = path.name
    out["role"] = contract.role
    return pd.concat([out, _identity(vault, "feed_records", plan, list(plan.load))], axis=1)

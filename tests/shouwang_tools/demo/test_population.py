"""The demo population's synthetic IDs: valid, unique, sex by parity, order codes spread like real ones."""
import numpy as np

from shouwang import config
from shouwang_tools.demo.population import build_population
from shouwang_tools.demo.settings import demo_settings, stream
from warehouse.identity import OK, parse


def _population(seed: int):
    code = str(config.settings()["county"]["code"])
    return build_population(3000, code, demo_settings()["county"], stream(seed, "population"))


def test_ids_are_unique_valid_and_spread_over_the_order_codes():
    people = _population(5).persons
    rids = people["resident_id"].to_numpy()
    assert len(set(rids)) == len(rids)
    assert all(parse(r).status == OK for r in rids[:500])
    order = np.array([int(r[14:17]) for r in rids])
    assert ((order % 2 == 1) == people["male"].to_numpy()).all()
    # A realistic spread: no code holds more than 1% of people (000/001 held nearly all before).
    counts = np.bincount(order, minlength=1000)
    assert (counts > 0).sum() > 900
    assert counts.max() < len(order) / 100


def test_same_seed_same_ids_other_seed_other_ids():
    first = _population(5).persons["resident_id"].tolist()
    assert _population(5).persons["resident_id"].tolist() == first
    assert _population(6).persons["resident_id"].tolist() != first

"""matching/incremental.py: a day's inputs read only their candidate persons, and a saved model
is used when there is one; on SQLite and PostgreSQL."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from matching.incremental import (candidate_persons, default_model, key_columns, load_model,
                                  model_path, save_model)
from matching.person_frames import person_spec, record_frame
from tests.screening.channels.factory import Reports
from tests.support.warehouse import building
from warehouse.sensitive import identity_columns


def _record(vault, resident_id: str | None, name: str, township: str, village: str) -> pd.DataFrame:
    ident = identity_columns(vault, "feed_records", "0" * 32, resident_id) if resident_id else {}
    row = {"record_id": 1, "name": name, "township": township, "village": village, "role": "person"}
    for c in ("id_index", "id_key0", "id_key1", "id_key2", "id_key3", "birth_date", "sex"):
        row[c] = ident.get(c)
    return record_frame(pd.DataFrame([row]))


def test_only_persons_a_blocking_rule_could_pair_are_read(ctx):
    county = Reports(ctx)
    near = county.household("500230001001000001", head="张三")  # 龙河镇 双河村
    with building(ctx, county.ids) as b:
        far = b.household("500230009009000001", township="三合街道", village="石桥村")
        stranger = b.person(far, "周七", county.ids.new(dt.date(1955, 1, 1)), relation="户主").id
        namesake = b.person(far, "张三", county.ids.new(dt.date(1961, 2, 2)), relation="之子").id
    head_id = county.plain_ids[0]
    with ctx.engine.connect() as conn:
        by_id = candidate_persons(conn, _record(ctx.vault(), head_id, "张三", "龙河镇", "双河村"))
        by_place = candidate_persons(conn, _record(ctx.vault(), None, "王五", "三合街道", "其他村"))
        sampled = candidate_persons(conn, _record(ctx.vault(), None, "王五", "三合街道", "其他村"), sample=2)
    assert set(by_id["person_id"]) == set(near["persons"])  # its ID and its village: not 三合街道's
    assert stranger not in set(by_place["person_id"]) and namesake not in set(by_place["person_id"])
    assert len(sampled) >= 1  # the roster sample for random pairs


def test_a_saved_model_is_kept_and_refused_for_another_spec(ctx, tmp_path):
    spec = person_spec(ctx.settings)
    records = _record(ctx.vault(), None, "张三", "龙河镇", "双河村")
    persons = records.rename(columns={"record_id": "person_id"}).assign(household_id=1, relation="户主")
    # Even odds that the record's person is among its 4 candidate pairs: 0.5 x 1 / 4.
    params = default_model(spec, records, persons, candidate_pairs=4)
    assert params.match_rate == 0.125
    path = save_model(tmp_path, params, spec)
    assert path == model_path(tmp_path) and path.exists()
    again = load_model(tmp_path, spec)
    assert again is not None and again.match_rate == 0.125
    assert [m.tolist() for m in again.m] == [m.tolist() for m in params.m]
    spec.comparisons = spec.comparisons[:-1]
    assert load_model(tmp_path, spec) is None
    assert load_model(tmp_path / "nowhere", person_spec(ctx.settings)) is None


def test_blind_keys_read_are_those_the_spec_blocks_on(ctx):
    # id_key3's window is shared by a whole birth cohort (hundreds of persons): never read alone.
    assert key_columns(person_spec(ctx.settings)) == ("id_index", "id_key0", "id_key1", "id_key2")

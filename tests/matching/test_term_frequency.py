"""Term-frequency adjustment: a name unique in its village weighs more than two 张伟 do."""
import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from matching.comparisons import TermFrequency, term_frequency_u
from matching.engine import link_frames
from matching.explain import render_zh
from matching.person_frames import person_frame, person_spec, record_frame
from matching.training import ModelParameters, term_frequency_parameters
from shouwang import config

SPEC_ROW = {"type": "term_frequency", "column": "name_clean", "of": "name_clean",
            "block": "village_key", "within": "surname_pinyin"}


def test_u_is_the_share_of_the_blocks_other_persons_of_that_surname():
    # values: 0 张伟, 1 张强, 2 张磊; keys: surname 张 = 0; blocks: village 0 and 1.
    values = np.array([0, 0, 1, 2, 1, 2, 0])
    keys = np.zeros(7, dtype=np.int64)
    blocks = np.array([0, 0, 0, 0, 1, 1, 1])
    u = term_frequency_u(values, keys, blocks, prior_persons=1.0)
    county_zw = 3 / 7
    # The two 张伟 of village 0 each have 1 namesake among 3 other 张: (1 + share) / (3 + 1).
    assert u[0] == pytest.approx((1 + county_zw) / 4)
    # The lone 张伟 of village 1 has none among its 2 others: only the county share remains.
    assert u[6] == pytest.approx(county_zw / 3)
    assert u[6] < u[0]
    missing = term_frequency_u(np.array([-1, 0]), np.zeros(2, np.int64), np.zeros(2, np.int64), 1.0)
    assert missing[0] == 1.0


def test_levels_run_rarest_first_and_only_exact_names_get_one():
    tf = TermFrequency("name_clean", of="name_clean", block="village_key", within="surname_pinyin")
    assert tf.name == "name_clean_tf" and tf.u_from == "term_frequency"
    assert len(tf.levels) == len(tf.thresholds) + 1
    assert np.all(np.diff(tf.representative_u) > 0)
    assert tf.describe(0) == "" and tf.describe(1).startswith("本村同姓中同名占比<")
    # Same name in the same village: the block's bin; from another village: the county's.
    graded = tf._grade(np.array([3, 3, 3, -1]), np.array([3, 3, 4, -1]), np.array([1, 1, 1, 1]),
                       np.array([1, 2, 1, 1]), np.array([2, 2, 5, 1], np.int8),
                       np.array([4, 4, 4, 4], np.int8))
    assert graded.tolist() == [2, 4, 0, 0]


def test_its_weight_is_log2_of_u_exact_over_u_tf_and_em_ignores_it():
    spec = person_spec(config.settings())
    names = [c.name for c in spec.comparisons]
    j, of = names.index("name_clean_tf"), names.index("name_clean")
    params = ModelParameters([np.full(len(c.levels), 0.5) for c in spec.comparisons],
                             [np.full(len(c.levels), 0.5) for c in spec.comparisons], 0.01)
    params.u[of] = np.array([0.2, 0.1, 0.1, 0.1, 0.5])
    params = term_frequency_parameters(spec, params)
    tf = spec.comparisons[j]
    assert params.weights()[j] == pytest.approx(np.log2(0.2 / tf.representative_u))
    # A rare name adds bits, a name shared by a sixth of the block's surname takes some away.
    assert params.weights()[j][0] > 4 and params.weights()[j][-1] < 0


def _county(seed: int = 3) -> tuple[pd.DataFrame, list[dict]]:
    """A roster of four villages: one rare name, two 张伟 in two households of one village."""
    rnd = random.Random(seed)
    surnames, given = ["王", "李", "张", "刘", "陈"], ["芳", "丽", "强", "磊", "军", "敏", "静", "明"]
    rows, hh = [], 0
    for village in ["三合村", "新华村", "石桥村", "大坪村"]:
        for _ in range(40):
            hh += 1
            for k in range(rnd.randint(1, 4)):
                rows.append((hh, rnd.choice(surnames) + rnd.choice(given), "户主" if k == 0 else "之子",
                             village))
    hh += 1
    rows.append((hh, "欧阳子轩", "户主", "三合村"))
    rows.append((hh + 1, "张伟", "户主", "三合村"))
    rows.append((hh + 2, "张伟", "户主", "三合村"))
    born = dt.date(1970, 1, 1)
    persons = pd.DataFrame({
        "person_id": range(len(rows)), "household_id": [r[0] for r in rows],
        "name": [r[1] for r in rows], "relation": [r[2] for r in rows],
        "township": "龙河镇", "village": [r[3] for r in rows],
        "id_index": [f"ix{i}" for i in range(len(rows))],
        "id_key0": [f"a{i}" for i in range(len(rows))], "id_key1": [f"b{i}" for i in range(len(rows))],
        "id_key2": [f"c{i}" for i in range(len(rows))], "id_key3": [f"d{i}" for i in range(len(rows))],
        "birth_date": [born + dt.timedelta(days=37 * i) for i in range(len(rows))],
        "sex": ["男" if i % 2 else "女" for i in range(len(rows))],
    })
    return person_frame(persons), rows


def test_a_name_unique_in_its_village_links_without_an_id_and_two_namesakes_go_to_review():
    persons, rows = _county()
    sample = persons.sample(frac=0.6, random_state=1)
    records = sample[["name", "township", "village", "id_index", "id_key0", "id_key1", "id_key2",
                      "id_key3", "birth_date", "sex"]].copy()
    records["role"] = "person"
    blank = {c: None for c in ("id_index", "id_key0", "id_key1", "id_key2", "id_key3",
                               "birth_date", "sex")}
    extra = pd.DataFrame([{"name": "欧阳子轩", "township": "龙河镇", "village": "三合村",
                           "role": "person", **blank},
                          {"name": "张伟", "township": "龙河镇", "village": "三合村",
                           "role": "person", **blank}])
    records = record_frame(pd.concat([records, extra], ignore_index=True))
    result = link_frames(records, persons, person_spec(config.settings()), group="household_id")
    best = result.best.set_index("li")
    rare, common = len(records) - 2, len(records) - 1
    assert best.loc[rare, "status"] == "auto"
    assert persons.loc[best.loc[rare, "ri"], "name"] == "欧阳子轩"
    assert best.loc[common, "status"] == "review" and bool(best.loc[common, "ambiguous"])
    words = render_zh(result.pattern_explanation(int(best.loc[rare, "pattern"])))
    assert "本村同姓中同名占比" in words and "缺失、(" not in words

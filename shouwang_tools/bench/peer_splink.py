"""Splink 5 on DuckDB in the benchmark.

FEBRL4: the settings of Splink's documented FEBRL4 example (docs/demos/examples/duckdb/febrl4):
its seven blocking rules, the "detailed" model's comparisons, the random-match probability
from deterministic rules at recall 0.8, u by random sampling (1e6 pairs), EM blocked on
date_of_birth then postcode; links are predictions with match probability >= 0.5.
County: the same recipe on the same derived columns Shouwang sees (blind ID keys, cleaned
name and pinyin, birth date, sex, township and village), the same blocking rules, links at
probability >= the auto band, best person per record.
"""
from __future__ import annotations

import logging

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from shouwang_tools.bench.datasets import Dataset

logging.getLogger("splink").setLevel(logging.ERROR)  # its training chatter is not our output

FEBRL_THRESHOLD = 0.5


def _febrl_settings():
    rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"), block_on("soc_sec_id"), block_on("state", "address_1"),
        block_on("street_number", "address_1"), block_on("postcode"),
    ]
    return SettingsCreator(
        unique_id_column_name="rec_id", link_type="link_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d", invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _county_settings():
    strong = " or ".join(f"id_key{i}_l = id_key{i}_r" for i in range(3))
    id_levels = cl.CustomComparison(
        output_column_name="id",
        comparison_levels=[
            cll.And(cll.NullLevel("id_index"), cll.NullLevel("id_key3")),
            cll.ExactMatchLevel("id_index"),
            cll.CustomLevel(strong, label_for_charts="one typo"),
            cll.CustomLevel("id_key3_l = id_key3_r", label_for_charts="region and birth month"),
            cll.ElseLevel(),
        ])
    name_levels = cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_clean"), cll.ExactMatchLevel("name_clean"),
            cll.ExactMatchLevel("name_pinyin"), cll.JaroWinklerLevel("name_pinyin", 0.88),
            cll.ElseLevel(),
        ])
    rules = [block_on("id_index"), block_on("id_key0"), block_on("id_key1"), block_on("id_key2"),
             block_on("village_key", "surname_pinyin"), block_on("birth_date", "name_pinyin"),
             block_on("township_key", "name_pinyin")]
    return SettingsCreator(
        unique_id_column_name="uid", link_type="link_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            id_levels, name_levels,
            cl.DateOfBirthComparison("birth_date", input_is_string=True,
                                     invalid_dates_as_null=True),
            cl.ExactMatch("sex"), cl.ExactMatch("township_key"), cl.ExactMatch("village_key"),
            cl.ExactMatch("head"),
        ],
    )


_COUNTY_COLUMNS = ["id_index", "id_key0", "id_key1", "id_key2", "id_key3", "name_clean",
                   "name_pinyin", "surname_pinyin", "birth_date", "sex", "township_key",
                   "village_key", "head"]


def link(data: Dataset, auto_threshold: float) -> tuple[set, dict]:
    """Predicted (left key, right key) pairs, and no notes."""
    db = DuckDBAPI()
    if data.name == "febrl4":
        frames = [data.left, data.right]
        settings = _febrl_settings()
    else:
        frames = [f[_COUNTY_COLUMNS].assign(uid=f[key].astype(str))
                  for f, key in ((data.left, data.left_key), (data.right, data.right_key))]
        settings = _county_settings()
    linker = Linker([db.register(f) for f in frames], settings, log_level=logging.WARNING)
    t = linker.training
    if data.name == "febrl4":
        t.estimate_probability_two_random_records_match(
            [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8)
        t.estimate_u_using_random_sampling(max_pairs=1e6)
        t.estimate_parameters_using_expectation_maximisation(
            block_on("date_of_birth"), estimate_without_term_frequencies=True)
        t.estimate_parameters_using_expectation_maximisation(
            block_on("postcode"), estimate_without_term_frequencies=True)
        pred = linker.inference.predict(threshold_match_probability=FEBRL_THRESHOLD)
        df = pred.as_pandas_dataframe()
        return set(_oriented(df, "rec_id", data)), {}
    t.estimate_probability_two_random_records_match(
        [block_on("id_index"), block_on("name_clean", "birth_date")], recall=0.9)
    t.estimate_u_using_random_sampling(max_pairs=1e6)
    t.estimate_parameters_using_expectation_maximisation(block_on("village_key", "surname_pinyin"))
    t.estimate_parameters_using_expectation_maximisation(block_on("id_index"))
    df = linker.inference.predict(threshold_match_probability=auto_threshold).as_pandas_dataframe()
    df = df.sort_values("match_probability", ascending=False)
    pairs = _oriented(df, "uid", data)
    best: dict = {}
    for left, right in pairs:  # already ordered best first
        best.setdefault(left, right)
    cast_l = {str(k): k for k in data.left[data.left_key]}
    cast_r = {str(k): k for k in data.right[data.right_key]}
    return {(cast_l[a], cast_r[b]) for a, b in best.items()}, {}


def _oriented(df, key: str, data: Dataset) -> list:
    # Splink names the sides by the order the tables were registered: left first.
    left_first = df["source_dataset_l"] < df["source_dataset_r"]
    l = df[f"{key}_l"].where(left_first, df[f"{key}_r"])
    r = df[f"{key}_r"].where(left_first, df[f"{key}_l"])
    return list(zip(l, r))

"""Comparisons grade pairs into ordered levels; null sides are level 0."""
import numpy as np
import pandas as pd
import pytest

from matching.comparisons import (
    BlindIdComparison, ChineseNameComparison, DateComparison, ExactMatch,
    JaroWinklerAtThresholds, comparison_from_dict,
)
from matching.person_frames import add_match_keys


def _grade(comp, left_values, right_values, column=None):
    column = column or comp.column
    left = pd.DataFrame({column: left_values})
    right = pd.DataFrame({column: right_values})
    idx = np.arange(len(left_values))
    return comp.compare(left, right, idx, idx).tolist()


def test_exact_match_and_nulls():
    assert _grade(ExactMatch("sex"), ["男", "男", None], ["男", "女", "男"]) == [1, 2, 0]


def test_jaro_winkler_levels_follow_thresholds():
    comp = JaroWinklerAtThresholds("s", [0.9, 0.7])
    assert _grade(comp, ["martha", "dwayne", "abc"], ["martha", "duane", "xyz"]) == [1, 3, 4]


def test_date_levels():
    comp = DateComparison("d")
    got = _grade(comp, ["1980-03-14", "1980-03-14", "1980-03-14", "1980-03-14"],
                 ["1980-03-14", "1980-03-41", "1980-03-02", "1991-01-01"])
    assert got == [1, 2, 3, 4]


def _names(pairs):
    frame = pd.DataFrame({"name": [p[0] for p in pairs], "township": None, "village": None,
                          **{c: None for c in ("id_index", "id_key0", "id_key1", "id_key2",
                                               "id_key3", "birth_date", "sex")}})
    left = add_match_keys(frame)
    right = add_match_keys(frame.assign(name=[p[1] for p in pairs]))
    idx = np.arange(len(pairs))
    return ChineseNameComparison("name_clean", "name_pinyin").compare(left, right, idx, idx).tolist()


def test_chinese_name_levels_for_traditional_homophone_heteronym_and_different():
    got = _names([("张伟", "张伟"), ("陳麗", "陈丽"), ("张伟", "张玮"), ("张乐", "张悦"),
                  ("张伟", "张威伟"), ("张伟", "李强")])
    # 陳麗 is 陈丽 once simplified; 张乐/张悦 share the reading yue; 张威伟 is only close.
    assert got == [1, 1, 2, 3, 4, 5]


def test_blind_id_levels_exact_typo_weak_else_and_null():
    cols = ["id_index", "id_key0", "id_key1", "id_key2", "id_key3"]
    left = pd.DataFrame([["A", "k0", "k1", "k2", "k3"], [None, "k0", "x", "x", "x"],
                         [None, None, None, None, "k3"], ["B", "y", "y", "y", "y"],
                         [None, None, None, None, None]], columns=cols)
    right = pd.DataFrame([["A", "k0", "k1", "k2", "k3"]] * 5, columns=cols)
    idx = np.arange(5)
    assert BlindIdComparison().compare(left, right, idx, idx).tolist() == [1, 2, 3, 4, 0]


def test_two_valid_different_ids_are_else_whatever_windows_they_share():
    """Same region, birth month and most digits, yet both IDs pass their check digit: two people."""
    cols = ["id_index", "id_key0", "id_key1", "id_key2", "id_key3"]
    left = pd.DataFrame([["B", "k0", "x", "x", "k3"], ["B", "x", "x", "x", "k3"]], columns=cols)
    right = pd.DataFrame([["A", "k0", "k1", "k2", "k3"]] * 2, columns=cols)
    idx = np.arange(2)
    assert BlindIdComparison().compare(left, right, idx, idx).tolist() == [4, 4]


def test_comparison_from_dict_names_the_right_usage_on_error():
    assert isinstance(comparison_from_dict({"type": "exact_match", "column": "sex"}), ExactMatch)
    with pytest.raises(ValueError, match="exact_match"):
        comparison_from_dict({"type": "soundex", "column": "name"})


def test_missing_column_error_names_the_column():
    with pytest.raises(KeyError, match="sex"):
        _grade(ExactMatch("sex"), ["男"], ["男"], column="gender")


def test_describe_words_each_level():
    comp = ExactMatch("village_key", label_zh="村")
    assert comp.describe(1) == "村一致" and comp.describe(2) == "村不一致"
    assert comp.describe(0) == "村缺失"


def test_date_one_typo_across_lengths_and_a_swap_far_from_month():
    comp = DateComparison("d")
    got = _grade(comp, ["1980-03-14", "1980-03-14", "1980-3-14", "1980-03-14", None],
                 ["1980-03-41", "1908-03-14", "1980-03-14", "1985-07-02", "1980-03-14"])
    assert got == [2, 2, 2, 4, 0]


def test_repeated_value_pairs_grade_the_same_as_single_ones():
    comp = JaroWinklerAtThresholds("s", [0.9, 0.7])
    left, right = ["martha", "dwayne", "abc"] * 4, ["martha", "duane", "xyz"] * 4
    assert _grade(comp, left, right) == [1, 3, 4] * 4

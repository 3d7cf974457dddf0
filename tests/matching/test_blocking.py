"""Blocking rules pair rows sharing present keys, including the typo-tolerant ID keys."""
import datetime as dt
import os

import pandas as pd

from matching.blocking import BlockOn, blocking_from_dict, candidate_pairs
from warehouse.crypto import Keyring, Vault
from warehouse.identity import make_id, parse


def _pairs(rule, left, right):
    return sorted(map(tuple, rule.pairs(left, right).tolist()))


def test_block_on_pairs_equal_keys_and_skips_missing_ones():
    left = pd.DataFrame({"v": ["a", "b", None, ""], "s": ["x", "y", "x", "x"]})
    right = pd.DataFrame({"v": ["a", "a", "b", None], "s": ["x", "z", "y", "x"]})
    assert _pairs(BlockOn(("v",)), left, right) == [(0, 0), (0, 1), (1, 2)]
    assert _pairs(BlockOn(("v", "s")), left, right) == [(0, 0), (1, 2)]


def test_swapped_columns_rule_pairs_given_name_with_surname():
    left = pd.DataFrame({"given": ["ann"], "sur": ["lee"]})
    right = pd.DataFrame({"given": ["lee", "ann"], "sur": ["ann", "lee"]})
    rule = blocking_from_dict({"columns": ["given", "sur"], "right_columns": ["sur", "given"]})
    assert _pairs(rule, left, right) == [(0, 0)]


def test_candidate_pairs_are_the_union_without_repeats():
    left = pd.DataFrame({"a": ["1", "2"], "b": ["p", "q"]})
    right = pd.DataFrame({"a": ["1", "9"], "b": ["p", "q"]})
    li, ri = candidate_pairs([BlockOn(("a",)), BlockOn(("b",))], left, right)
    assert sorted(zip(li.tolist(), ri.tolist())) == [(0, 0), (1, 1)]


def test_typo_keys_block_a_mistyped_and_a_swapped_id_with_the_right_one():
    vault = Vault(Keyring(active=os.urandom(32)))
    good = make_id("500230", dt.date(1980, 3, 14), 123, True)
    typo = good[:9] + str((int(good[9]) + 1) % 10) + good[10:]
    swapped = good[:12] + good[13] + good[12] + good[14:]
    other = make_id("500230", dt.date(1975, 7, 2), 456, False)

    def keys(raw):
        k = vault.typo_keys(parse(raw))
        return {f"id_key{i}": k[i] for i in range(4)}

    right = pd.DataFrame([keys(good)])
    left = pd.DataFrame([keys(typo), keys(swapped), keys(other)])
    rules = [BlockOn((f"id_key{i}",)) for i in range(3)]
    li, _ = candidate_pairs(rules, left, right)
    assert sorted(set(li.tolist())) == [0, 1]


def test_a_block_over_the_limit_is_skipped_and_smaller_ones_kept():
    left = pd.DataFrame({"k": ["big"] * 3 + ["small"]})
    right = pd.DataFrame({"k": ["big"] * 3 + ["small"] * 2})
    assert len(BlockOn(("k",)).pairs(left, right)) == 11
    capped = blocking_from_dict({"columns": ["k"], "max_block_pairs": 4})
    assert _pairs(capped, left, right) == [(3, 3), (3, 4)]


def test_a_row_settled_by_the_exact_rule_skips_the_typo_rule_but_keeps_names():
    left = pd.DataFrame({"id": ["a", None], "key": ["k", "k"], "name": ["li", "wu"]})
    right = pd.DataFrame({"id": ["a", "b"], "key": ["k", "k"], "name": ["li", "li"]})
    rules = [BlockOn(("id",), settles=True), BlockOn(("key",), skips_settled=True), BlockOn(("name",))]
    li, ri = candidate_pairs(rules, left, right)
    assert sorted(zip(li.tolist(), ri.tolist())) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    li, ri = candidate_pairs(rules[:2], left, right)
    assert sorted(zip(li.tolist(), ri.tolist())) == [(0, 0), (1, 0), (1, 1)]

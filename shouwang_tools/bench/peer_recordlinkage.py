"""The Python Record Linkage Toolkit (recordlinkage) in the benchmark.

FEBRL4: its documented deterministic example (examples/linking_deterministic.py): blocks on
given_name, surname and soc_sec_id; exact and Jaro-Winkler (0.85) features; the fixed
logistic classifier (intercept -11, coefficients 1.5, 1.5, 8, 6, 2.5, 6.5, 5).
County: the same blocking keys Shouwang uses and binary features on the same columns,
classified by its unsupervised ECM classifier (as in its unsupervised_learning example);
best person per record.
"""
from __future__ import annotations

import recordlinkage as rl
from recordlinkage.compare import Exact, String
from recordlinkage.index import Block

from shouwang_tools.bench.datasets import Dataset

FEBRL_INTERCEPT = -11.0
FEBRL_COEFFICIENTS = [1.5, 1.5, 8.0, 6.0, 2.5, 6.5, 5.0]
_COUNTY_BLOCKS = [["id_index"], ["id_key0"], ["id_key1"], ["id_key2"],
                  ["village_key", "surname_pinyin"], ["birth_date", "name_pinyin"],
                  ["township_key", "name_pinyin"]]
_COUNTY_EXACT = ["id_index", "id_key0", "id_key1", "id_key2", "name_clean", "birth_date", "sex",
                 "township_key", "village_key"]


def link(data: Dataset, auto_threshold: float) -> tuple[set, dict]:
    """Predicted (left key, right key) pairs, and no notes."""
    left = data.left.set_index(data.left_key)
    right = data.right.set_index(data.right_key)
    indexer = rl.Index()
    comparer = rl.Compare()
    if data.name == "febrl4":
        for col in ("given_name", "surname", "soc_sec_id"):
            indexer.add(Block(col))
        comparer.add(Exact("given_name", "given_name"))
        comparer.add(String("surname", "surname", method="jarowinkler", threshold=0.85))
        comparer.add(Exact("date_of_birth", "date_of_birth"))
        comparer.add(Exact("suburb", "suburb"))
        comparer.add(Exact("state", "state"))
        comparer.add(String("address_1", "address_1", threshold=0.85))
        comparer.add(String("address_2", "address_2", threshold=0.85))
        features = comparer.compute(indexer.index(left, right), left, right)
        clf = rl.LogisticRegressionClassifier(coefficients=FEBRL_COEFFICIENTS,
                                              intercept=FEBRL_INTERCEPT)
        return set(clf.predict(features).to_list()), {}
    for cols in _COUNTY_BLOCKS:
        indexer.add(Block(cols))
    for col in _COUNTY_EXACT:
        comparer.add(Exact(col, col, label=col))
    comparer.add(String("name_pinyin", "name_pinyin", method="jarowinkler", threshold=0.88,
                        label="name_pinyin"))
    features = comparer.compute(indexer.index(left, right), left, right)
    clf = rl.ECMClassifier(binarize=0.5)
    clf.fit(features)
    prob = clf.prob(features)
    prob = prob[prob >= auto_threshold].sort_values(ascending=False)
    best: dict = {}
    for left_key, right_key in prob.index:  # best first
        best.setdefault(left_key, right_key)
    return set(best.items()), {}

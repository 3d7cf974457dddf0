"""The generic engine links two plain DataFrames from a comparison spec, as for FEBRL4."""
import os

import numpy as np
import pandas as pd

from matching.engine import link_frames
from matching.evaluation import pair_metrics
from matching.settings import LinkageSpec

FIRST = ["james", "mary", "robert", "patricia", "john", "jennifer", "michael", "linda", "david",
         "elizabeth", "william", "barbara", "richard", "susan", "joseph", "jessica"]
LAST = ["smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "wilson",
        "anderson", "thomas", "taylor", "moore", "jackson", "martin", "lee", "thompson", "white"]
SPEC = {
    "one_to_one": "both", "auto_threshold": 0.5, "em_max_iterations": 200, "review_threshold": 0.5,
    "blocking_rules": [["first", "last"], ["dob"], ["zip"]],
    "comparisons": [
        {"type": "jaro_winkler_at_thresholds", "column": "first", "thresholds": [0.9]},
        {"type": "jaro_winkler_at_thresholds", "column": "last", "thresholds": [0.9]},
        {"type": "date", "column": "dob", "month_chars": 6},
        {"type": "damerau_levenshtein_at_thresholds", "column": "zip", "thresholds": [1]},
    ],
}


def _typo(word, rng):
    i = int(rng.integers(0, len(word)))
    return word[:i] + "xq"[int(rng.integers(0, 2))] + word[i + 1:]


def _people(n, rng):
    return pd.DataFrame({
        "key": [f"p{i}" for i in range(n)],
        "first": rng.choice(FIRST, n), "last": rng.choice(LAST, n),
        "dob": [f"{y}{m:02d}{d:02d}" for y, m, d in zip(rng.integers(1940, 2005, n),
                                                         rng.integers(1, 13, n), rng.integers(1, 29, n))],
        "zip": [f"{z:04d}" for z in rng.integers(2000, 2100, n)],
    })


def test_two_plain_frames_link_with_high_precision_and_recall():
    rng = np.random.default_rng(8)
    left = _people(600, rng)
    right = left.sample(frac=0.8, random_state=1).copy()
    for col in ("first", "last"):
        hit = rng.random(len(right)) < 0.15
        right.loc[hit, col] = [_typo(w, rng) for w in right.loc[hit, col]]
    right.loc[rng.random(len(right)) < 0.1, "zip"] = None
    right = pd.concat([right, _people(100, rng).assign(key=lambda f: "s" + f["key"])])
    result = link_frames(left, right, LinkageSpec.from_dict(SPEC))
    got = result.linked()
    pred = set(zip(left["key"].to_numpy()[got["li"]], right["key"].to_numpy()[got["ri"]]))
    truth = {(k, k) for k in right["key"] if k.startswith("p")}
    metrics = pair_metrics(pred, truth)
    assert metrics["precision"] > 0.97 and metrics["recall"] > 0.9, metrics
    assert result.params.converged
    assert got["li"].is_unique and got["ri"].is_unique
    expl = result.explanation(int(got["pair_row"].iloc[0]))
    assert [t["comparison"] for t in expl["terms"]] == ["first", "last", "dob", "zip"]


def _frames():
    rng = np.random.default_rng(3)
    left = _people(300, rng)
    right = pd.concat([left.sample(frac=0.7, random_state=2), _people(80, rng)], ignore_index=True)
    right.loc[rng.random(len(right)) < 0.2, "first"] = None
    return left, right.assign(family=np.arange(len(right)) // 3)


def test_pairs_in_slices_score_and_resolve_as_all_pairs_at_once():
    left, right = _frames()
    for extra in ({"one_to_one": "both"}, {"one_to_one": "left", "record_posterior": True}):
        spec = {**SPEC, **extra}
        whole = link_frames(left, right, LinkageSpec.from_dict({**spec, "chunk_pairs": None}), group="family")
        sliced = link_frames(left, right, LinkageSpec.from_dict({**spec, "chunk_pairs": 40}), group="family")
        assert len(sliced.slices) > 10 and len(whole.slices) == 1
        pd.testing.assert_frame_equal(sliced.pairs, whole.pairs)
        pd.testing.assert_frame_equal(sliced.best, whole.best)
        assert sliced.explanation(123) == whole.explanation(123)
        # Slices past memory_pairs wait in a temporary file: the same pairs and links.
        spilled = link_frames(left, right, LinkageSpec.from_dict(
            {**spec, "chunk_pairs": 40, "memory_pairs": 100}), group="family")
        on_disk = [s for s in spilled.slices if s._spill is not None]
        assert spilled.spill is not None and 0 < len(on_disk) < len(spilled.slices)
        pd.testing.assert_frame_equal(spilled.pairs, whole.pairs)
        pd.testing.assert_frame_equal(spilled.best, whole.best)
        np.testing.assert_array_equal(spilled.gamma, whole.gamma)
        assert spilled.explanation(123) == whole.explanation(123)
        path = f"/proc/self/fd/{spilled.spill._file.fileno()}"
        spilled.release()
        assert spilled.slices == [] and spilled.spill is None and spilled.n_pairs == 0
        assert not os.path.exists(path)

"""One best person per record; a close rival in another household sends it to review."""
import pandas as pd

from matching.resolution import resolve
from matching.settings import LinkageSpec

SPEC = LinkageSpec(comparisons=[], blocking_rules=[], ambiguity_margin=3.0)


def _pairs(rows):
    return pd.DataFrame(rows, columns=["li", "ri", "weight", "probability", "status", "hh"])


def test_best_candidate_wins_and_clear_winners_stay_auto():
    best = resolve(_pairs([(0, 5, 20.0, 0.999, "auto", 1), (0, 6, 2.0, 0.8, "review", 2)]), SPEC, "hh")
    assert best[["li", "ri", "status"]].values.tolist() == [[0, 5, "auto"]]
    assert not best["ambiguous"].iloc[0]


def test_close_rival_in_another_household_demotes_to_review():
    best = resolve(_pairs([(0, 5, 20.0, 0.999, "auto", 1), (0, 6, 19.0, 0.999, "auto", 2)]), SPEC, "hh")
    assert best["status"].tolist() == ["review"] and best["ambiguous"].iloc[0]


def test_rival_in_the_same_household_is_no_ambiguity_for_the_household():
    best = resolve(_pairs([(0, 5, 20.0, 0.999, "auto", 1), (0, 6, 19.5, 0.999, "auto", 1)]), SPEC, "hh")
    assert best["status"].tolist() == ["auto"] and best["ri"].tolist() == [5]


def test_one_to_one_on_both_sides_gives_each_right_row_once():
    spec = LinkageSpec(comparisons=[], blocking_rules=[], one_to_one="both")
    pairs = _pairs([(0, 5, 20.0, 0.99, "auto", 1), (1, 5, 18.0, 0.99, "auto", 1),
                    (1, 6, 10.0, 0.99, "auto", 2)])
    best = resolve(pairs, spec)
    assert sorted(best[["li", "ri"]].values.tolist()) == [[0, 5], [1, 6]]


def test_each_record_appears_once():
    pairs = _pairs([(i % 3, i, float(i), 0.99, "auto", i) for i in range(9)])
    best = resolve(pairs, SPEC, "hh")
    assert sorted(best["li"].tolist()) == [0, 1, 2]


def test_record_posterior_is_sure_of_a_lone_candidate_and_splits_between_rivals():
    import numpy as np

    from matching.training import ModelParameters

    spec = LinkageSpec(comparisons=[], blocking_rules=[], record_posterior=True)
    params = ModelParameters(m=[], u=[], match_rate=0.1)
    prior = params.prior_weight
    lone = _pairs([(0, 1, prior + 12, 0.8, "review", 1), (0, 2, prior - 5, 0.0, "none", 2),
                   (0, 3, prior - 5, 0.0, "none", 3)])
    best = resolve(lone, spec, "hh", params)
    assert best["status"].tolist() == ["auto"] and best["probability"].iloc[0] > 0.99
    assert best["pair_probability"].iloc[0] == 0.8
    twins = _pairs([(0, 1, prior + 12, 0.8, "review", 1), (0, 2, prior + 12, 0.8, "review", 2)])
    best = resolve(twins, spec, "hh", params)
    assert best["status"].tolist() == ["review"]
    assert np.isclose(best["probability"].iloc[0], 0.5, atol=0.01)


def test_sole_candidate_goes_auto_from_its_own_threshold_but_a_rival_keeps_review():
    from matching.training import ModelParameters

    spec = LinkageSpec(comparisons=[], blocking_rules=[], record_posterior=True,
                       sole_candidate_threshold=0.8)
    params = ModelParameters(m=[], u=[], match_rate=0.3)
    # A lone name-alike whose record probability lands between 0.8 and auto (0.95).
    weight = params.prior_weight + 4.5
    lone = _pairs([(0, 1, weight, 0.7, "review", 1), (0, 2, params.prior_weight - 9, 0.0, "none", 2)])
    off = resolve(lone, LinkageSpec(comparisons=[], blocking_rules=[], record_posterior=True),
                  "hh", params)
    on = resolve(lone, spec, "hh", params)
    assert 0.8 <= on["probability"].iloc[0] < 0.95
    assert off["status"].tolist() == ["review"] and on["status"].tolist() == ["auto"]
    rival = _pairs([(0, 1, weight, 0.7, "review", 1), (0, 2, weight - 4, 0.6, "review", 2)])
    assert resolve(rival, spec, "hh", params)["status"].tolist() == ["review"]


def test_sole_candidate_threshold_outside_the_bands_is_refused():
    import pytest

    with pytest.raises(ValueError, match="sole_candidate_threshold"):
        LinkageSpec(comparisons=[], blocking_rules=[], sole_candidate_threshold=0.99)


def test_compensated_sums_match_pandas_group_sum_to_the_last_bit():
    import numpy as np

    from matching.resolution import compensated_sums

    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 60, 400)
    labels = np.repeat(np.arange(len(sizes)), sizes)
    values = rng.random((len(labels), 2)) ** 9 * 10.0 ** rng.integers(-8, 3, (len(labels), 1))
    # Labels out of order, as the record posterior always gave them: pandas' Cython (Kahan) sum.
    shuffled = np.lexsort((np.arange(len(labels)), rng.random(len(sizes))[labels]))
    expected = pd.DataFrame(values[shuffled]).groupby(labels[shuffled]).sum().to_numpy()
    starts = np.cumsum(sizes) - sizes
    got = compensated_sums(values[np.sort(shuffled)], starts, sizes)
    assert (got == expected).all()

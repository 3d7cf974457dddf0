"""EM recovers m, u and the match rate from comparison vectors drawn from a known model."""
import numpy as np
import pandas as pd

from matching.comparisons import ExactMatch, JaroWinklerAtThresholds
from matching.settings import LinkageSpec
from matching.training import estimate_parameters_by_em, estimate_u_by_random_sampling

TRUE_RATE = 0.2
TRUE_M = [np.array([0.9, 0.1]), np.array([0.7, 0.2, 0.1]), np.array([0.85, 0.15])]
TRUE_U = [np.array([0.05, 0.95]), np.array([0.02, 0.08, 0.9]), np.array([0.1, 0.9])]


def _spec(**kw):
    return LinkageSpec(
        comparisons=[ExactMatch("a"), JaroWinklerAtThresholds("b", [0.9]), ExactMatch("c")],
        blocking_rules=[], **kw)


def _draw(n, rng):
    is_match = rng.random(n) < TRUE_RATE
    cols = []
    for m, u in zip(TRUE_M, TRUE_U):
        lm = rng.choice(len(m), n, p=m) + 1
        lu = rng.choice(len(u), n, p=u) + 1
        cols.append(np.where(is_match, lm, lu))
    gamma = np.stack(cols, axis=1).astype(np.int8)
    gamma[rng.random(n) < 0.05, 2] = 0  # some nulls, which must carry no weight
    return gamma


def test_em_converges_to_the_generating_parameters():
    rng = np.random.default_rng(3)
    gamma = _draw(60_000, rng)
    params = estimate_parameters_by_em(_spec(prior_match_rate=0.05, em_max_iterations=200), gamma)
    assert params.converged
    assert abs(params.match_rate - TRUE_RATE) < 0.01
    for got, want in zip(params.m, TRUE_M):
        np.testing.assert_allclose(got, want, atol=0.02)
    for got, want in zip(params.u, TRUE_U):
        np.testing.assert_allclose(got, want, atol=0.02)
    # the match rate settles: the last steps move less than the first
    steps = np.abs(np.diff(params.history))
    assert steps[-1] < steps[0]


def test_fixed_u_stays_where_random_sampling_put_it():
    rng = np.random.default_rng(4)
    gamma = _draw(20_000, rng)
    start = [u.copy() for u in TRUE_U]
    params = estimate_parameters_by_em(_spec(), gamma, u_start=start, fixed_u=frozenset({0}))
    np.testing.assert_array_equal(params.u[0], TRUE_U[0])
    assert abs(params.match_rate - TRUE_RATE) < 0.02


def test_u_by_random_sampling_is_the_share_of_chance_agreement():
    rng = np.random.default_rng(5)
    left = pd.DataFrame({"a": rng.choice(list("abcd"), 400)})
    right = pd.DataFrame({"a": rng.choice(list("abcd"), 400)})
    spec = LinkageSpec(comparisons=[ExactMatch("a")], blocking_rules=[], u_random_pairs=50_000)
    u = estimate_u_by_random_sampling(spec, left, right)[0]
    assert abs(u[0] - 0.25) < 0.02 and abs(u.sum() - 1) < 1e-9

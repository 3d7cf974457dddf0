"""Array helpers agree with numpy's own set functions on random integers."""
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.arrays import distinct, distinct_values, expand_ranges, member, shared_codes

INTS = st.lists(st.integers(-50, 50), max_size=60)


@settings(max_examples=60, deadline=None)
@given(INTS)
def test_distinct_is_numpy_unique(values):
    arr = np.array(values, dtype=np.int64)
    uniq, inverse, counts = distinct(arr)
    want_u, want_inv, want_c = np.unique(arr, return_inverse=True, return_counts=True)
    assert uniq.tolist() == want_u.tolist() == distinct_values(arr).tolist()
    assert inverse.tolist() == want_inv.tolist() and counts.tolist() == want_c.tolist()


@settings(max_examples=60, deadline=None)
@given(INTS, INTS)
def test_member_is_numpy_isin(values, pool):
    a, b = np.array(values, dtype=np.int64), np.array(pool, dtype=np.int64)
    assert member(a, b).tolist() == np.isin(a, b).tolist()


def test_expand_ranges_repeats_rows_with_offsets():
    row, offset = expand_ranges(np.array([2, 0, 3]))
    assert row.tolist() == [0, 0, 2, 2, 2] and offset.tolist() == [0, 1, 0, 1, 2]


def test_shared_codes_one_vocabulary_and_blank_is_missing():
    left = pd.DataFrame({"v": ["a", "", None, "b"]})
    right = pd.DataFrame({"w": ["b", "c"]})
    lc, rc, vocabulary = shared_codes(left, right, "v", "w")
    assert lc[1] == lc[2] == -1
    assert vocabulary[lc[0]] == "a" and lc[3] == rc[0] and vocabulary[rc[1]] == "c"

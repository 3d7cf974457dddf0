"""Bulk synthetic IDs equal warehouse.identity.make_id; each ID mess does what FEEDS.md describes."""
from __future__ import annotations

import datetime as dt

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shouwang_tools.demo import ids
from warehouse import identity

people = st.lists(
    st.tuples(
        st.sampled_from(["500230", "500231", "110101", "652901"]),
        st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)),
        st.integers(0, 499),
        st.booleans(),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(people)
def test_make_ids_equals_make_id(rows):
    region, birth, seq, male = zip(*rows)
    bulk = ids.make_ids(np.array(region), np.array(birth, dtype="datetime64[D]"), np.array(seq), np.array(male))
    assert list(bulk) == [identity.make_id(r, b, s, m) for r, b, s, m in rows]


@settings(max_examples=60, deadline=None)
@given(people.map(lambda r: r[0]), st.integers(0, 2**32 - 1))
def test_mangled_ids_read_as_described(person, seed):
    rid = identity.make_id(*person)
    rng = np.random.default_rng(seed)
    assert identity.parse(ids.spaced(rid)).value == rid
    assert identity.parse(ids.fullwidth(rid)).value == rid
    if rid.endswith("X"):
        assert identity.parse(ids.lowercase_x(rid)).value == rid
    old = ids.old_15(rid)
    assert (old != "") == (person[1].year < 2000)
    if old:
        assert identity.parse(old).status == identity.UPGRADED_15 and identity.parse(old).value == rid
    for mangled in (ids.typo_digit(rid, rng), ids.swap_adjacent(rid, rng)):
        if mangled:
            assert len(mangled) == 18 and identity.parse(mangled).status == identity.BAD_CHECKSUM
    number = ids.excel_number(rid)
    if number is not None:
        assert identity.parse(number).status == identity.EXCEL_PRECISION
    text = ids.excel_000(rid)
    if text:
        assert text.endswith("000") and identity.parse(text).status == identity.EXCEL_PRECISION


def test_order_slots_span_the_realistic_codes_with_sex_parity():
    slots = np.arange(ids.ORDER_SLOTS)
    region = np.full(len(slots), 500230)
    birth = np.full(len(slots), np.datetime64("1980-03-14"))
    for male in (True, False):
        codes = [int(r[14:17]) for r in ids.make_ids(region, birth, ids.seq_for_order_slot(slots), np.full(len(slots), male))]
        assert sorted(codes) == list(range(int(male), 1000, 2))

"""Township and village names with or without their suffix resolve to the same region."""
import pytest

from connectors.regions import RegionIndex, short_name

SUFFIXES = {"township": ["民族乡", "街道", "镇", "乡"], "village": ["社区", "居委会", "村"]}
ROWS = [(1, "township", "龙河镇", "龙河", None), (2, "township", "三合街道", "三合", None),
        (3, "village", "三合村", "三合", 1), (4, "village", "新华社区", "新华", 2),
        (5, "village", "三合村", "三合", 2)]


@pytest.mark.parametrize("name, short", [("三合街道", "三合"), ("龙河镇", "龙河"), ("龙河", "龙河"),
                                         ("镇", "镇"), ("龙 河 镇", "龙河"), (None, "")])
def test_short_name(name, short):
    assert short_name(name, ("街道", "镇")) == short


def test_resolution_with_and_without_suffixes():
    idx = RegionIndex(ROWS, SUFFIXES)
    t, v = idx.resolve("龙河", "三合")
    assert (t.name, t.region_id, v.name, v.region_id) == ("龙河镇", 1, "三合村", 3)
    t, v = idx.resolve("三合街道", "三合村")
    assert (t.region_id, v.region_id) == (2, 5)  # same village name, other township


def test_a_unique_village_finds_its_township_when_the_township_is_blank():
    t, v = RegionIndex(ROWS, SUFFIXES).resolve(None, "新华")
    assert (t.name, t.region_id, v.region_id) == ("三合街道", 2, 4)


def test_unknown_places_are_kept_as_written():
    t, v = RegionIndex(ROWS, SUFFIXES).resolve("外县镇", "某村")
    assert (t.name, t.region_id, v.name, v.region_id) == ("外县镇", None, "某村", None)

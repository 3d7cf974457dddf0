"""`bench match`'s county is the demo county, read by the product's readers; IDs as blind keys."""
from shouwang_tools.bench.county import load_config
from shouwang_tools.bench.datasets import county
from shouwang_tools.bench.demo_county import demo_dataset


def test_the_bench_county_comes_from_the_demo_generator_by_default():
    assert load_config()["source"] == "demo"


def test_demo_county_records_persons_and_truth():
    data = demo_dataset(120, seed=5, period="2026-10")
    records, persons = data.left, data.right
    assert data.name == "county" and len(records) > 100 and len(persons) > 120
    lefts = {left for left, _ in data.truth}
    assert len(lefts) == len(data.truth)  # a record is one person at most
    assert lefts <= set(records["record_key"]) and {r for _, r in data.truth} <= set(persons["person_key"])
    assert len(data.truth) < len(records)  # strangers (and leads) have no true person
    for frame in (records, persons):
        assert "resident_id" not in frame.columns and "id_cipher" not in frame.columns
        assert frame["id_index"].dropna().str.fullmatch(r"[0-9a-f]{32}").all()
    assert {"head", "person", "student"} <= set(records["role"])
    assert persons["household_key"].nunique() == 120


def test_the_loader_gives_the_same_county_for_the_same_seed():
    a, b = county(60), county(60)
    assert a.truth == b.truth and len(a.left) == len(b.left)

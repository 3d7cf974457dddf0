"""Normalized records keep source cells for lineage, with every ID and phone masked."""
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors import catalog
from connectors.reader import locate, sheet_from_records
from connectors.records import build_records
from connectors.regions import RegionIndex
from shouwang import config
from tests.connectors import factory as f
from warehouse.masking import mask_cell as scrub

CFG = config.settings()["ingest"]
PERSONS = f.people(4, seed=9)


def _records(rows, department="health", regions=None):
    sheet = sheet_from_records(rows, f"{department}.csv", "csv")
    loc = locate(sheet, catalog.contract_for(department), 30, ("合计",))
    return build_records(loc, regions, CFG)


def test_raw_cells_are_kept_with_ids_and_phones_masked_even_in_extra_columns():
    rows = f.feed_rows("health", PERSONS)
    rows[0]["备注"] = f"家属身份证 {PERSONS[1].rid}，电话13800001234"
    recs = _records(rows)
    raw = recs.raw[0]
    assert raw["身份证号"] == PERSONS[0].rid[:6] + "********" + PERSONS[0].rid[-4:]
    assert PERSONS[1].rid not in raw["备注"] and "13800001234" not in raw["备注"]
    assert "138****1234" in raw["备注"] and raw["疾病名称"] == "高血压"


def test_a_bad_id_in_the_name_column_is_masked_in_the_quarantine_detail():
    rows = f.feed_rows("health", PERSONS)
    rows[1]["姓名"] = PERSONS[1].rid
    recs = _records(rows)
    (problem,) = recs.problems[1]
    assert problem.reason == "bad_name" and PERSONS[1].rid not in problem.detail


def test_the_frame_carries_status_and_mask_but_never_the_id():
    recs = _records(f.feed_rows("health", PERSONS))
    assert {"id_status", "id_masked", "source_row", "birth_date"} <= set(recs.frame.columns)
    text = recs.frame.astype(str).to_csv()
    assert not any(p.rid in text for p in PERSONS)
    assert [c.cleaned for c in recs.ids["resident_id"]] == [p.rid for p in PERSONS]


def test_places_are_resolved_and_unknown_ones_flagged():
    regions = RegionIndex([(1, "township", "龙河镇", "龙河", None),
                           (2, "village", "三合村", "三合", 1)], CFG["region_suffixes"])
    rows = f.feed_rows("health", PERSONS[:1])
    rows[0].update({"乡镇": "龙河", "村": "三合"})
    rows.append(dict(rows[0], 村="外村", 姓名="李四"))
    recs = _records(rows, regions=regions)
    assert list(recs.frame["township"]) == ["龙河镇", "龙河镇"]
    assert list(recs.frame["village"]) == ["三合村", "外村"]
    assert recs.flags == [[], ["region_unknown"]]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789Xx -１２", min_size=15, max_size=40))
def test_scrub_leaves_no_id_like_run_of_digits(cell):
    out = scrub(cell)
    digits = "".join(c for c in out if c.isdigit() or c in "Xx")
    assert "*" in out or not any(run for run in _runs(out) if len(run) >= 15)
    assert len(digits) <= len(cell)


def _runs(text):
    run = ""
    for c in text:
        if c.isascii() and c.isdigit():
            run += c
        else:
            yield run
            run = ""
    yield run


def test_housing_reads_how_a_dwelling_is_lived_in_where_the_file_says_it():
    rows = f.feed_rows("housing", PERSONS)
    for row, how in zip(rows, ("间歇性居住", "常住", "", "偶尔")):
        row["居住情况"] = how
    recs = _records(rows, "housing")
    # 偶尔 is not one of the contract's values: the cell is dropped and the row still loads
    assert list(recs.frame["occupancy"].fillna("")) == ["间歇性居住", "常住", "", ""]
    assert len(recs.frame) == 4
    without = _records(f.feed_rows("housing", PERSONS), "housing")  # the column is optional
    assert len(without.frame) == 4 and without.frame["occupancy"].isna().all()

"""One reader for every encoding and spreadsheet quirk, with Excel row numbers kept."""
import pytest

from connectors import catalog
from connectors.errors import FeedError
from connectors.reader import cell_text, decode, locate, read_sheet
from tests.connectors import factory as f

TOTALS = ("合计", "总计")
HEALTH = catalog.contract_for("health")


@pytest.fixture(scope="module")
def persons():
    return f.people(12)


@pytest.mark.parametrize("encoding, detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                ("gbk", "gbk"), ("gb18030", "gbk")])
def test_csv_in_every_encoding_reads_the_same_rows(tmp_path, persons, encoding, detected):
    rows = f.feed_rows("health", persons)
    sheet = read_sheet(f.write_csv(tmp_path / "卫健_2026-10.csv", rows, encoding))
    assert sheet.encoding == detected  # GB18030 text without 4-byte characters is also GBK
    loc = locate(sheet, HEALTH, 30, TOTALS)
    assert loc.header_row == 1 and not loc.missing
    names = [sheet.rows[i][loc.mapping["name"]] for i in loc.data_rows]
    assert names == [p.name for p in persons]


def test_gb18030_only_characters_are_detected(tmp_path):
    rare = "㐀"  # CJK Extension A: in GB18030 (four bytes), not in GBK
    (tmp_path / "x.csv").write_bytes(f"姓名,备注\n{rare}华,一\n".encode("gb18030"))
    sheet = read_sheet(tmp_path / "x.csv")
    assert sheet.encoding == "gb18030" and sheet.rows[1][0] == f"{rare}华"


def test_title_rows_and_totals_rows_keep_excel_row_numbers(tmp_path, persons):
    rows = f.feed_rows("health", persons[:3])
    sheet = read_sheet(f.write_csv(tmp_path / "h.csv", rows, "gbk", title="示范县卫健委报表",
                                   totals=True))
    loc = locate(sheet, HEALTH, 30, TOTALS)
    assert loc.header_row == 2
    assert [sheet.row_numbers[i] for i in loc.data_rows] == [3, 4, 5]
    assert loc.totals_dropped == 1


def test_headers_with_spaces_bom_full_width_brackets_and_extra_columns(tmp_path, persons):
    rows = [{" 姓 名": p.name, "身份证号（18位）": p.rid, "疾病名称": "高血压", "疾病类别": "大病",
             "确诊日期": "2026-09-01", "医疗机构": "县医院", "乡镇": p.township, "村": p.village,
             "填报单位": "卫健委"} for p in persons[:2]]
    sheet = read_sheet(f.write_csv(tmp_path / "h.csv", rows, "utf-8-sig"))
    loc = locate(sheet, HEALTH, 30, TOTALS)
    assert not loc.missing
    assert loc.extra_columns == ["填报单位"]


def test_xlsx_with_ids_stored_as_numbers_is_detected(tmp_path, persons):
    rows = f.feed_rows("medical_insurance", persons)
    path = f.write_xlsx(tmp_path / "医保_2026-10.xlsx", rows, title="参保情况", totals=True,
                        numeric_ids=("身份证号",))
    sheet = read_sheet(path)
    loc = locate(sheet, catalog.contract_for("医保"), 30, TOTALS)
    id_col = loc.mapping["resident_id"]
    marked = {(i, id_col) in sheet.numeric for i in loc.data_rows}
    assert marked == {True}
    assert loc.header_row == 2 and loc.totals_dropped == 1
    first = sheet.rows[loc.data_rows[0]][id_col]
    assert first.endswith("000") or first[-3:] == persons[0].rid[-3:]


def test_old_xls_via_xlwt(tmp_path, persons):
    rows = f.feed_rows("emergency", persons[:4])
    sheet = read_sheet(f.write_xls(tmp_path / "应急_2026-10.xls", rows, title="灾害损失"))
    assert sheet.kind == "xls"
    loc = locate(sheet, catalog.contract_for("emergency"), 30, TOTALS)
    assert loc.header_row == 2 and len(loc.data_rows) == 4
    assert sheet.rows[loc.data_rows[0]][loc.mapping["resident_id"]] == persons[0].rid


@pytest.mark.parametrize("content, reason", [(b"", "empty_file"), (b"   \n", "empty_file"),
                                             (bytes(range(256)) * 20, "unreadable_encoding")])
def test_unreadable_files_fail_with_a_reason(tmp_path, content, reason):
    path = tmp_path / "卫健_2026-10.csv"
    path.write_bytes(content)
    with pytest.raises(FeedError) as e:
        read_sheet(path)
    assert e.value.reason == reason and "卫健_2026-10.csv" in str(e.value)


def test_a_corrupt_workbook_fails_with_a_reason(tmp_path):
    path = tmp_path / "医保_2026-10.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FeedError, match="医保_2026-10.xlsx"):
        read_sheet(path)


def test_decode_prefers_strict_utf8():
    assert decode("医保".encode(), "x") == ("医保", "utf-8")


def test_cell_text_of_spreadsheet_values():
    import datetime as dt

    assert cell_text(3000.0) == "3000" and cell_text(12.5) == "12.5"
    assert cell_text(dt.datetime(2026, 10, 3, 0, 0)) == "2026-10-03"
    assert cell_text(None) == "" and cell_text(float("nan")) == ""

"""The quarantine export: the four columns the county reconciles with, IDs masked."""
import csv

from connectors.export import COLUMNS, write_quarantine_csv
from connectors.ingest import ingest_file
from tests.connectors import factory as f

PERSONS = f.people(6, seed=13)


def test_export_lists_each_quarantined_row_with_masked_detail(ctx, tmp_path):
    rows = f.feed_rows("emergency", PERSONS)
    rows[1]["户主身份证号"] = PERSONS[1].rid + "99"  # too long: not an ID at all …
    rows[1]["乡镇"] = rows[1]["村"] = ""  # … and no place for the name: it identifies nobody
    rows[4]["受灾情况"] = "轻微"
    ingest_file(ctx, f.write_xls(tmp_path / "应急_2026-10.xls", rows, title="灾害损失"))
    ingest_file(ctx, f.write_csv(tmp_path / "应急_2026-09.csv", rows))  # another period
    out = tmp_path / "out" / "q.csv"
    assert write_quarantine_csv(ctx, "2026-10", out) == 2
    text = out.read_text(encoding="utf-8")
    got = list(csv.DictReader(text.splitlines()))
    assert tuple(got[0]) == COLUMNS
    assert [(g["source_file"], g["source_row"], g["reason"], g["column"]) for g in got] == [
        ("应急_2026-10.xls", "4", "id_bad_length", "户主身份证号"),
        ("应急_2026-10.xls", "7", "bad_enum", "受灾情况")]
    assert PERSONS[1].rid not in text and "********" in text

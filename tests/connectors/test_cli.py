"""`shouwang feeds check`, `ingest`, `export quarantine` and `registry load` as a user types them."""
import csv

from sqlalchemy import func, select

from shouwang.cli import main
from tests.connectors import factory as f
from warehouse.models import FeedBatch, FeedRecord

PERSONS = f.people(10, seed=21)


def _run(ctx, *argv):
    return main(["--warehouse", ctx.warehouse, "--home", str(ctx.home), *argv])


def _batches(ctx):
    with ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(FeedBatch)).scalar_one()


def test_feeds_check_explains_a_file_and_writes_nothing(ctx, tmp_path, capsys):
    rows = f.feed_rows("health", PERSONS)
    rows[3]["确诊日期"] = "2026-13-45"
    rows[4]["身份证号"] = PERSONS[4].rid[:15] + "000"
    rows.append(dict(rows[0]))
    path = f.write_csv(tmp_path / "卫健_2026-10.csv", rows, "gbk", title="示范县大病台账",
                       totals=True)
    assert _run(ctx, "feeds", "check", str(path)) == 0
    out = capsys.readouterr().out
    for expected in ("health (卫健)", "encoding gbk", "header row  2", "疾病类别", "→ disease_category",
                     "11 read = 9 to load + 1 to quarantine + 1 duplicates merged",
                     "totals rows dropped 1", "row 6: bad_date", "id_excel_precision_lost ×1",
                     "flagged ID  1 rows load with a flagged ID"):
        assert expected in out, expected
    assert PERSONS[4].rid[:15] not in out
    assert _batches(ctx) == 0 and not (ctx.home / "data_docs").exists()


def test_feeds_check_on_a_broken_file_fits_one_screen(ctx, tmp_path, capsys):
    rows = f.feed_rows("water", PERSONS)
    for r in rows:
        del r["供水方式"]
    path = f.write_csv(tmp_path / "水利_2026-10.csv", rows, "gb18030")
    assert _run(ctx, "feeds", "check", str(path)) == 1
    out = capsys.readouterr().out
    assert "PROBLEM (missing_column)" in out and "供水方式" in out and "Add the column" in out
    assert len(out.splitlines()) <= 24 and max(len(line) for line in out.splitlines()) < 400


def test_feeds_check_guesses_the_department_from_headers(ctx, tmp_path, capsys):
    path = f.write_xlsx(tmp_path / "export.xlsx", f.feed_rows("emergency", PERSONS))
    assert _run(ctx, "feeds", "check", str(path)) == 0
    out = capsys.readouterr().out
    assert "emergency (应急)  [guessed from headers]" in out and "NOT IN FILE NAME" in out


def test_ingest_then_export_quarantine(ctx, tmp_path, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    rows = f.feed_rows("hr", PERSONS)
    rows[2]["就业状态"] = "不详"
    f.write_xlsx(landing / "人社_2026-10.xlsx", rows, totals=True)
    assert _run(ctx, "ingest", "--period", "2026-10", "--landing", str(landing)) == 0
    assert "loaded    人社_2026-10.xlsx: read 10, loaded 9, quarantined 1" in capsys.readouterr().out
    assert _run(ctx, "ingest", "--period", "2026-10", "--landing", str(landing)) == 0
    assert "unchanged" in capsys.readouterr().out
    out = tmp_path / "q.csv"
    assert _run(ctx, "export", "quarantine", "--period", "2026-10", "--out", str(out)) == 0
    with out.open(encoding="utf-8") as fh:
        got = list(csv.DictReader(fh))
    assert [(g["department"], g["source_file"], g["source_row"], g["reason"]) for g in got] == \
        [("hr", "人社_2026-10.xlsx", "4", "bad_enum")]


def test_ingest_reports_a_failed_file_and_a_bad_period(ctx, tmp_path, capsys):
    (tmp_path / "医保_2026-10.csv").write_bytes(b"")
    assert _run(ctx, "ingest", "--period", "2026-10", "--landing", str(tmp_path)) == 1
    assert "failed    医保_2026-10.csv: the file is empty" in capsys.readouterr().out
    assert _run(ctx, "ingest", "--period", "2026-13", "--landing", str(tmp_path)) == 1
    assert "YYYY-MM" in capsys.readouterr().err


def test_registry_load_command(ctx, tmp_path, capsys):
    path = f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS), "gb18030")
    assert _run(ctx, "registry", "load", str(path)) == 0
    assert "loaded roster.csv" in capsys.readouterr().out
    assert _run(ctx, "registry", "load", str(path)) == 0
    assert "unchanged" in capsys.readouterr().out
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(FeedRecord)).scalar_one() == 0


def test_feeds_check_without_a_warehouse_creates_none(tmp_path, home, capsys):
    path = f.write_csv(tmp_path / "卫健_2026-10.csv", f.feed_rows("health", PERSONS), "gbk")
    db = tmp_path / "never.db"
    assert main(["--warehouse", f"sqlite:///{db}", "--home", str(home), "feeds", "check",
                 str(path)]) == 0
    assert "10 read = 10 to load" in capsys.readouterr().out
    assert not db.exists()


def test_without_a_master_key_ingest_and_registry_load_say_how_to_get_one(ctx, tmp_path,
                                                                           capsys, monkeypatch):
    monkeypatch.delenv("SHOUWANG_MASTER_KEY")
    f.write_csv(tmp_path / "卫健_2026-10.csv", f.feed_rows("health", PERSONS))
    assert _run(ctx, "ingest", "--period", "2026-10", "--landing", str(tmp_path)) == 1
    assert "shouwang init" in capsys.readouterr().err
    roster = f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS))
    assert _run(ctx, "registry", "load", str(roster)) == 1
    assert "shouwang init" in capsys.readouterr().err

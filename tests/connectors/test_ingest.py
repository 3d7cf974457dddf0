"""Feeds load into the warehouse on SQLite and PostgreSQL: accounting, lineage, supersession."""
import datetime as dt
import os

import pytest
from sqlalchemy import func, select

from connectors.export import quarantine_of
from connectors.ingest import ingest_file, ingest_landing
from connectors.roster import load_roster
from tests.connectors import factory as f
from tests.support.warehouse import plaintext_columns
from warehouse.identity import make_id
from warehouse.models import FeedBatch, FeedRecord, PipelineEvent, Quarantine

PERSONS = f.people(40, seed=3)

WRITERS = {
    "medical_insurance": lambda p, rows: f.write_xlsx(p.with_suffix(".xlsx"), rows, title="参保",
                                                      totals=True, numeric_ids=("身份证号",)),
    "education": lambda p, rows: f.write_csv(p.with_suffix(".csv"), rows, "utf-8-sig"),
    "health": lambda p, rows: f.write_csv(p.with_suffix(".csv"), rows, "gbk", totals=True),
    "housing": lambda p, rows: f.write_xlsx(p.with_suffix(".xlsx"), rows, title="台账"),
    "water": lambda p, rows: f.write_csv(p.with_suffix(".csv"), rows, "gb18030"),
    "civil_affairs": lambda p, rows: f.write_csv(p.with_suffix(".csv"), rows, "utf-8",
                                                 title="社会救助变动名单"),
    "hr": lambda p, rows: f.write_xlsx(p.with_suffix(".xlsx"), rows, totals=True),
    "emergency": lambda p, rows: f.write_xls(p.with_suffix(".xls"), rows, title="灾害损失",
                                             totals=True),
}
LABELS = {"medical_insurance": "医保", "health": "卫健", "water": "水利", "hr": "人社"}


def _land(folder, department, rows, period="2026-10"):
    stem = f"{LABELS.get(department, department)}_{period}"
    return WRITERS[department](folder / stem, rows)


def _count(ctx, model, **where):
    with ctx.engine.connect() as conn:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return conn.execute(q).scalar_one()


@pytest.fixture
def roster(ctx, tmp_path):
    path = f.write_csv(tmp_path / "roster.csv", f.roster_rows(PERSONS), "gb18030")
    assert load_roster(ctx, path).status == "loaded"
    return path


@pytest.mark.parametrize("department", sorted(WRITERS))
def test_every_department_loads_from_its_file_format(ctx, roster, tmp_path, department):
    rows = f.feed_rows(department, PERSONS[:12])
    for r in rows[:6]:  # half the places written without their suffix
        r["乡镇"] = r["乡镇"].removesuffix("镇").removesuffix("街道")
    result = ingest_file(ctx, _land(tmp_path, department, rows))
    assert result.status == "loaded", result.error
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (12, 12, 0)
    with ctx.engine.connect() as conn:
        recs = conn.execute(select(FeedRecord).order_by(FeedRecord.source_row)).all()
    title = 1 if department in ("medical_insurance", "housing", "civil_affairs", "emergency") else 0
    assert [r.source_row for r in recs] == list(range(2 + title, 14 + title))
    assert {r.township for r in recs} <= {"龙河镇", "三合街道"}
    assert all(r.township_id and r.village_id for r in recs)
    assert all(r.id_cipher and r.id_masked and "*" in r.id_masked for r in recs)


def test_feed_with_five_percent_bad_rows_loads_the_rest_and_reconciles(ctx, tmp_path):
    rows = f.feed_rows("civil_affairs", PERSONS)
    bad = {3: ("救助金额", "约三千"), 17: ("变动日期", "2026-13-45")}
    for i, (header, cell) in bad.items():
        rows[i][header] = cell
    rows.append(dict(rows[5]))  # an exact duplicate
    result = ingest_file(ctx, _land(tmp_path, "civil_affairs", rows))
    assert result.status == "loaded"
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined, result.rows_merged) \
        == (41, 38, 2, 1)
    with ctx.engine.connect() as conn:
        batch = conn.execute(select(FeedBatch)).one()
        assert batch.rows_read == batch.rows_loaded + batch.rows_quarantined + batch.rows_merged
    assert _count(ctx, FeedRecord, batch_id=result.batch_id) == 38
    exported = quarantine_of(ctx, "2026-10")
    assert [(r[2], r[3]) for r in exported] == [(3 + 3, "bad_amount"), (17 + 3, "bad_date")]  # title + header rows
    assert exported[0][0] == "civil_affairs" and exported[0][1] == "civil_affairs_2026-10.csv"


def test_relanding_the_same_file_is_a_no_op(ctx, tmp_path):
    path = _land(tmp_path, "health", f.feed_rows("health", PERSONS[:5]))
    first = ingest_file(ctx, path)
    again = ingest_file(ctx, path)
    assert (first.status, again.status) == ("loaded", "unchanged")
    assert again.batch_id == first.batch_id
    assert _count(ctx, FeedBatch) == 1 and _count(ctx, FeedRecord) == 5


def test_a_corrected_file_supersedes_the_old_batch_without_duplicates(ctx, tmp_path):
    rows = f.feed_rows("hr", PERSONS[:6])
    rows[2]["就业状态"] = "不详"
    (tmp_path / "first").mkdir()
    old = ingest_file(ctx, _land(tmp_path / "first", "hr", rows))
    rows[2]["就业状态"] = "失业"
    new = ingest_file(ctx, _land(tmp_path, "hr", rows))
    assert (old.rows_quarantined, new.rows_quarantined) == (1, 0)
    assert new.superseded == [old.batch_id]
    with ctx.engine.connect() as conn:
        status = dict(conn.execute(select(FeedBatch.id, FeedBatch.status)).all())
        live = conn.execute(select(func.count()).select_from(FeedRecord).join(
            FeedBatch, FeedBatch.id == FeedRecord.batch_id).where(
            FeedBatch.status == "loaded")).scalar_one()
    assert status == {old.batch_id: "superseded", new.batch_id: "loaded"}
    assert live == 6
    assert quarantine_of(ctx, "2026-10") == []  # the superseded batch's quarantine is gone too


def test_feed_level_failures_stop_only_their_file(ctx, tmp_path):
    good = _land(tmp_path, "health", f.feed_rows("health", PERSONS[:4]))
    missing = f.feed_rows("water", PERSONS[:4])
    for r in missing:
        del r["检查日期"]
    f.write_csv(tmp_path / "水利_2026-10.csv", missing, "gbk")
    f.write_csv(tmp_path / "医保_2026-10.csv", f.feed_rows("hr", PERSONS[:4]))
    (tmp_path / "人社_2026-10.csv").write_bytes(b"")
    (tmp_path / "应急_2026-10.csv").write_bytes(bytes(range(256)) * 10)
    f.write_csv(tmp_path / "民政.csv", f.feed_rows("civil_affairs", PERSONS[:2]))
    f.write_csv(tmp_path / "教育_2026-09.csv", f.feed_rows("education", PERSONS[:2]))
    os.utime(good, (0, 0))  # oldest first
    results = {r.source_file: r for r in ingest_landing(ctx, "2026-10", tmp_path)}
    assert "教育_2026-09.csv" not in results  # another period waits for its own run
    assert results[good.name].status == "loaded"
    failed = {k: r.error for k, r in results.items() if r.status == "failed"}
    assert set(failed) == {"水利_2026-10.csv", "医保_2026-10.csv", "人社_2026-10.csv",
                           "应急_2026-10.csv", "民政.csv"}
    assert "检查日期" in failed["水利_2026-10.csv"]
    assert "人社" in failed["医保_2026-10.csv"] and "rename" in failed["医保_2026-10.csv"].lower()
    assert "empty" in failed["人社_2026-10.csv"]
    assert "encoding" in failed["应急_2026-10.csv"]
    assert "YYYY-MM" in failed["民政.csv"]
    for name, error in failed.items():
        assert name in error
    with ctx.engine.connect() as conn:
        stored = dict(conn.execute(select(FeedBatch.source_file, FeedBatch.status)).all())
    assert stored[good.name] == "loaded" and stored["水利_2026-10.csv"] == "failed"

    # Landing the same files again changes nothing: no second failed batch, no second event.
    def counts():
        with ctx.engine.connect() as conn:
            return [conn.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in (FeedBatch, PipelineEvent)]
    before = counts()
    again = {r.source_file: r for r in ingest_landing(ctx, "2026-10", tmp_path)}
    assert counts() == before
    assert {k: r.batch_id for k, r in again.items() if r.status == "failed"} == \
        {k: r.batch_id for k, r in results.items() if r.status == "failed"}


def test_no_plaintext_id_or_phone_anywhere_after_loads(ctx, roster, tmp_path):
    rows = f.feed_rows("education", PERSONS[:8])
    rows[0]["学生身份证号"] = PERSONS[0].rid[:15] + "000"  # also check masked raw and flags
    rows[1]["学籍状态"] = "在校外"  # quarantined: raw and detail must be masked too
    mi = f.feed_rows("medical_insurance", PERSONS[:8])
    ingest_file(ctx, _land(tmp_path, "education", rows))
    ingest_file(ctx, _land(tmp_path, "medical_insurance", mi))
    guardians = [r["监护人身份证号"] for r in rows]
    phones = [r["联系电话"] for r in f.roster_rows(PERSONS) if r["联系电话"]]
    secrets = [p.rid for p in PERSONS] + [p.rid[:15] for p in PERSONS] + guardians + phones
    assert plaintext_columns(ctx.engine, secrets) == []
    if ctx.warehouse.startswith("sqlite"):
        blob = open(ctx.warehouse.split(":///", 1)[1], "rb").read()
        assert not any(s.encode() in blob for s in secrets)


def test_guardian_id_is_sealed_in_fields_with_its_blind_index(ctx, tmp_path):
    rows = f.feed_rows("education", PERSONS[:2])
    ingest_file(ctx, _land(tmp_path, "education", rows))
    vault = ctx.vault()
    with ctx.engine.connect() as conn:
        rec = conn.execute(select(FeedRecord).where(FeedRecord.source_row == 2)).one()
    guardian = rows[0]["监护人身份证号"]
    assert rec.fields["guardian_id_index"] == vault.blind("resident_id", guardian)
    aad = f"feed_records.fields.guardian_id_cipher:{rec.uid}"
    assert vault.open("resident_id", rec.fields["guardian_id_cipher"], aad) == guardian
    assert vault.open("resident_id", rec.id_cipher, f"feed_records.id_cipher:{rec.uid}") \
        == PERSONS[0].rid
    assert rec.role == "student" and rec.fields["schooling_cost"] == 1000.0


def test_ids_excel_stored_as_numbers_load_flagged_with_region_and_birth_date(ctx, tmp_path):
    person = f.Person("王芳", make_id("500230", dt.date(1970, 5, 6), 321, False), "龙河镇",
                      "三合村", "1组", dt.date(1970, 5, 6))
    ingest_file(ctx, _land(tmp_path, "medical_insurance", f.feed_rows("medical_insurance",
                                                                        [person])))
    with ctx.engine.connect() as conn:
        rec = conn.execute(select(FeedRecord)).one()
    assert rec.id_status == "id_excel_precision_lost" and rec.id_index is None
    assert rec.flags == ["id_excel_precision_lost"]
    assert (rec.id_region, rec.birth_date) == ("500230", dt.date(1970, 5, 6))
    assert _count(ctx, Quarantine) == 0


@pytest.mark.bench
def test_a_hundred_thousand_row_feed(ctx, tmp_path):
    import time

    path = f.write_csv(tmp_path / "医保_2026-10.csv",
                       f.feed_rows("medical_insurance", f.people(100_000)), "gbk")
    started = time.perf_counter()
    result = ingest_file(ctx, path)
    seconds = time.perf_counter() - started
    print(f"\n100,000-row feed on {ctx.engine.dialect.name}: {seconds:.1f}s")
    assert result.rows_loaded == 100_000


def _stored(ctx, batch_id):
    """A batch's records as comparable rows: everything but the random uid and ciphertexts."""
    table = FeedRecord.__table__
    with ctx.engine.connect() as conn:
        recs = conn.execute(select(table).where(table.c.batch_id == batch_id)
                            .order_by(table.c.source_row)).mappings().all()
    skip = {"id", "uid", "batch_id", "id_cipher"}
    return [{**{k: v for k, v in r.items() if k not in skip},
             "fields": {k: v for k, v in r["fields"].items() if not k.endswith("_cipher")}}
            for r in recs]


def test_writing_in_chunks_stores_the_same_rows_as_one_batch(ctx, roster, tmp_path, monkeypatch):
    from connectors import catalog
    from connectors.ingest import load_sheet
    from connectors.reader import read_sheet
    from shouwang.context import Context

    rows = f.feed_rows("education", PERSONS)
    rows[4]["学籍状态"] = "不详"  # quarantined
    rows.append(dict(rows[7]))  # merged into row 7
    path = _land(tmp_path, "education", rows)
    contract = catalog.contract_for("education")
    whole = load_sheet(ctx, contract, "2026-10", read_sheet(path), path.name, "file", "a")
    small = tmp_path / "settings.yaml"
    small.write_text("ingest:\n  write_chunk_rows: 3\n", encoding="utf-8")
    monkeypatch.setenv("SHOUWANG_CONFIG", str(small))
    again = Context(warehouse=ctx.warehouse, home=ctx.home)  # settings are read once a context
    assert again.settings["ingest"]["write_chunk_rows"] == 3
    chunked = load_sheet(again, contract, "2026-10", read_sheet(path), path.name, "file", "b")
    assert (chunked.rows_loaded, chunked.rows_quarantined, chunked.rows_merged) \
        == (whole.rows_loaded, whole.rows_quarantined, whole.rows_merged) == (39, 1, 1)
    first, second = _stored(ctx, whole.batch_id), _stored(ctx, chunked.batch_id)
    assert len(first) == 39 and first == second
    assert all(r["fields"]["guardian_id_index"] for r in first)
    merged = [(r["source_row"], r["raw"]["_merged_rows"]) for r in first
              if "_merged_rows" in r["raw"]]
    assert merged == [(9, [42])]  # header row 1: data row 8 is row 9, the copy row 42

"""The PII scanner finds plaintext IDs and phones in every kind of file the rooms write."""
import datetime as dt
import gzip
import sqlite3

import openpyxl
import pytest

from tests.support.pii import find_plaintext
from warehouse.identity import check_digit, make_id
from warehouse.masking import mask_id, mask_phone

ID = make_id("500230", dt.date(1990, 3, 7), 12, male=True)
X_BODY = "11010519491231002"
X_ID = X_BODY + check_digit(X_BODY)  # ends in X
PHONE = "13812345678"
SECRETS = [ID, X_ID, PHONE]


def test_finds_secrets_in_each_kind_of_file(tmp_path):
    (tmp_path / "run.log").write_text(f"INFO loaded row 3 id={ID}\n", encoding="utf-8")
    (tmp_path / "list.csv").write_bytes(f"姓名,电话\n张三,{PHONE}\n".encode("gb18030"))
    (tmp_path / "page.html").write_text(f"<td>{X_ID.lower()}</td>", encoding="utf-8")
    (tmp_path / "utf16.txt").write_text(ID, encoding="utf-16")
    (tmp_path / "digest.txt.gz").write_bytes(gzip.compress(f"phone {PHONE}".encode()))
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "身份证号"])
    wb.active.append(["张三", ID])
    wb.save(tmp_path / "list.xlsx")
    db = tmp_path / "warehouse.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", (X_ID,))
    found = find_plaintext([tmp_path], SECRETS)
    assert f"{tmp_path / 'run.log'}: {mask_id(ID)}" in found
    assert f"{tmp_path / 'list.csv'}: {mask_phone(PHONE)}" in found
    assert f"{tmp_path / 'page.html'}: {mask_id(X_ID)}" in found
    assert f"{tmp_path / 'utf16.txt'}: {mask_id(ID)}" in found
    assert f"{tmp_path / 'digest.txt.gz'}!gunzip: {mask_phone(PHONE)}" in found
    assert f"{tmp_path / 'list.xlsx'}!xl/worksheets/sheet1.xml: {mask_id(ID)}" in found
    assert f"{tmp_path / 'list.xlsx'}: {mask_id(ID)}" not in found, "xlsx members are deflated"
    assert f"{db}: {mask_id(X_ID)}" in found
    assert not any(s in line for s in SECRETS for line in found), "findings must be masked"


def test_clean_files_report_nothing(tmp_path):
    (tmp_path / "list.csv").write_text(f"张三,{mask_id(ID)},{mask_phone(PHONE)}\n")
    wb = openpyxl.Workbook()
    wb.active.append(["张三", mask_id(ID), 42])
    wb.save(tmp_path / "list.xlsx")
    assert find_plaintext([tmp_path / "list.csv", tmp_path / "list.xlsx"], SECRETS) == []


def test_sqlite_wal_file_is_scanned(tmp_path):
    db = tmp_path / "w.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (v TEXT)")
    conn.execute("INSERT INTO t VALUES (?)", (PHONE,))
    conn.commit()  # the row sits in w.db-wal until a checkpoint
    try:
        found = find_plaintext([db], [PHONE])
    finally:
        conn.close()
    assert f"{db}-wal: {mask_phone(PHONE)}" in found


def test_too_short_secret_is_refused(tmp_path):
    with pytest.raises(ValueError, match="too short"):
        find_plaintext([tmp_path], ["138"])

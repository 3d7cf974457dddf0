"""`shouwang grids load`: the grid ledger ties every roster household to one grid, on SQLite and
PostgreSQL; a household in two grids or in none, or an unknown place, stops the load naming
file, row and column, and leaves the previous ties as they were."""
from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from connectors.grids import grid_group, group_key, load_grids
from shouwang.cli import main
from shouwang.core.errors import UserError
from tests.support.pii import find_plaintext
from tests.support.warehouse import building, plaintext_columns
from warehouse.db import session_scope
from warehouse.grid_tables import Grid, HouseholdGrid
from warehouse.models import Household
from warehouse.sensitive import PHONE, aad

HEADERS = ["乡镇", "村", "村组网格名称", "农户数", "网格员姓名", "网格员身份", "网格员联系电话",
           "村级网格员姓名", "村级网格员职务", "村级网格员联系电话"]
# Synthetic phones (no real subscriber): they must never be stored in plain text.
PHONES = {"一组": "13800000101", "二组": "13800000202", "第三村民小组": "13800000303",
          "一组网格": "13800000404", "cadre": "13900000999"}
# 户编号 -> (township, village, group) of the roster.
ROSTER = {
    "500230010100001": ("龙河镇", "石桥村", "1组"),
    "500230010100002": ("龙河镇", "石桥村", "1组"),
    "500230010100003": ("龙河镇", "石桥村", "2组"),
    "500230010100004": ("龙河镇", "石桥村", "3组"),
    "500230010100005": ("龙河镇", "石桥村", "3组"),
    "500230010100006": ("龙河镇", "石桥村", "3组"),
    "500230020100001": ("三合街道", "花园社区", "1组"),
}


def seed_roster(ctx) -> dict[str, int]:
    """The ROSTER households (and one inactive one, which needs no grid); 户编号 -> id."""
    with building(ctx, seal=False) as b:
        ids = {no: b.household(no, county="示范县", township=t, village=v, group_name=g).id
               for no, (t, v, g) in ROSTER.items()}
        b.household("500230010199999", township="龙河镇", village="石桥村", group_name="9组",
                    active=False)
    return ids


def ledger_rows(*extra: list[str], drop: str | None = None) -> list[list[str]]:
    """A ledger: 1组, 2组 and the whole 3组 of 石桥村, 花园社区's 1组; places written short."""
    rows = [
        ["龙河", "石桥", "一组", "2", "张组长", "村民组长", PHONES["一组"], "李书记", "村支书", PHONES["cadre"]],
        ["龙河镇", "石桥村", "二组", "1", "王党员", "党员", PHONES["二组"], "李书记", "村支书", PHONES["cadre"]],
        ["龙河镇", "石桥村", "第三村民小组", "3", "赵乡贤", "乡贤", PHONES["第三村民小组"], "", "", ""],
        ["三合街道", "花园社区", "1组网格", "1", "孙组长", "村民组长", "", "", "", ""],
    ]
    return [HEADERS, *(r for r in rows if r[2] != drop), *extra]


def write_csv(path, rows, encoding="gbk"):
    """A CSV as a township office saves it from Excel (GBK by default)."""
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def ties(ctx) -> dict[str, str]:
    """户编号 -> grid name, as stored."""
    with session_scope(ctx.engine) as s:
        rows = s.execute(select(Household.household_no, Grid.name)
                         .join(HouseholdGrid, HouseholdGrid.household_id == Household.id)
                         .join(Grid, Grid.id == HouseholdGrid.grid_id))
        return dict(rows.all())


def test_group_names_compare_across_spellings():
    suffixes = ("村民小组", "小组", "组")
    assert {group_key(g, suffixes) for g in ("三组", "3组", "第三村民小组", "03组", "第3组")} == {"3"}
    assert group_key("十二组", suffixes) == "12" and group_key("二十组", suffixes) == "20"
    assert grid_group("三组第一网格") == "三组" and grid_group("3组网格") == "3组"
    assert grid_group("三组") == "三组" and grid_group("石桥网格") is None


def test_a_gbk_csv_ledger_ties_every_household_and_seals_phones(ctx, tmp_path, caplog):
    seed_roster(ctx)
    with caplog.at_level(logging.DEBUG):
        r = load_grids(ctx, write_csv(tmp_path / "网格台账.csv", ledger_rows()))
    assert (r.grids, r.households, r.by_group, r.by_list) == (4, 7, 7, 0)
    assert ties(ctx) == {
        "500230010100001": "一组", "500230010100002": "一组", "500230010100003": "二组",
        "500230010100004": "第三村民小组", "500230010100005": "第三村民小组",
        "500230010100006": "第三村民小组", "500230020100001": "1组网格"}
    with session_scope(ctx.engine) as s:
        g = s.scalar(select(Grid).where(Grid.name == "一组"))
        # Written short (龙河, 石桥): stored in the roster's spelling, as warnings name them.
        assert (g.township, g.village, g.worker_name, g.worker_role) == ("龙河镇", "石桥村", "张组长", "村民组长")
        assert g.worker_phone_masked == "138****0101" and g.cadre_phone_masked == "139****0999"
        assert ctx.vault().open(PHONE, g.worker_phone_cipher,
                                aad("grids", "worker_phone_cipher", g.uid)) == PHONES["一组"]
        assert (g.source_file, g.source_row) == ("网格台账.csv", 2)
    assert plaintext_columns(ctx.engine, list(PHONES.values())) == []
    assert "网格台账.csv" in caplog.text and not any(p in caplog.text for p in PHONES.values())
    if ctx.warehouse.startswith("sqlite"):  # the file itself, its WAL and the home
        assert find_plaintext([Path(ctx.engine.url.database), ctx.home], PHONES.values()) == []


def test_a_split_group_lists_its_households_in_a_second_sheet(ctx, tmp_path):
    ids = seed_roster(ctx)
    wb = Workbook()
    ws = wb.active
    ws.title = "网格台账"
    ws.append(["龙河镇石桥村防止返贫动态监测基层网格工作台账"])  # a title line above the header
    for row in ledger_rows(
            ["龙河镇", "石桥村", "三组第一网格", "2", "周党员", "党员", PHONES["一组网格"], "", "", ""],
            ["龙河镇", "石桥村", "三组第二网格", "1", "吴代表", "其他（村民代表）", "", "", "", ""],
            drop="第三村民小组"):
        ws.append(row)
    listed = wb.create_sheet("网格农户")
    listed.append(["户编号", "村组网格名称"])
    for no, grid in (("500230010100004", "三组第一网格"), ("500230010100005", "三组第一网格"),
                     ("500230010100006", "三组第二网格"),
                     ("500230010100005", "三组第一网格")):  # listed twice: once in the grid
        listed.append([no, grid])
    path = tmp_path / "网格台账.xlsx"
    wb.save(path)
    r = load_grids(ctx, path)
    assert (r.grids, r.households, r.by_group, r.by_list) == (5, 7, 4, 3)
    got = ties(ctx)
    assert [got[n] for n in ("500230010100004", "500230010100005", "500230010100006")] == \
        ["三组第一网格", "三组第一网格", "三组第二网格"]
    with session_scope(ctx.engine) as s:
        first = s.scalar(select(Grid).where(Grid.name == "三组第一网格"))
        assert (first.group_name, first.source_row, first.worker_name) == ("三组", 6, "周党员")
        assert s.get(HouseholdGrid, ids["500230010100004"]).grid_id == first.id


def test_a_household_in_two_grids_stops_the_load_and_names_rows(ctx, tmp_path):
    seed_roster(ctx)
    load_grids(ctx, write_csv(tmp_path / "ok.csv", ledger_rows()))
    before = ties(ctx)
    bad = write_csv(tmp_path / "twice.csv", ledger_rows(
        ["龙河镇", "石桥村", "1组网格", "2", "钱组长", "村民组长", "", "", "", ""]))
    with pytest.raises(UserError) as err:
        load_grids(ctx, bad)
    text = str(err.value)
    assert "twice.csv" in text and "未写入任何数据" in text
    assert "户 500230010100001 同时在 2 个网格" in text
    assert "「一组」（台账第 2 行（按1组））" in text and "「1组网格」（台账第 6 行（按1组））" in text
    assert ties(ctx) == before  # the previous ties stand


def test_a_household_in_no_grid_stops_the_load(ctx, tmp_path):
    seed_roster(ctx)
    with pytest.raises(UserError) as err:
        load_grids(ctx, write_csv(tmp_path / "none.csv", ledger_rows(drop="二组")))
    text = str(err.value)
    assert "龙河镇石桥村2组 的户 500230010100003 不在任何网格" in text
    assert "村组网格名称" in text  # says which column to fill
    assert ties(ctx) == {}


def test_unknown_places_and_blank_cells_name_row_and_column(ctx, tmp_path):
    seed_roster(ctx)
    rows = ledger_rows(["龙河镇", "金竹村", "一组", "", "", "", "", "", "", ""],
                       ["太平镇", "石桥村", "一组", "", "", "", "", "", "", ""],
                       ["龙河镇", "石桥村", "", "x户", "", "", "", "", "", ""])
    with pytest.raises(UserError) as err:
        load_grids(ctx, write_csv(tmp_path / "places.csv", rows, encoding="utf-8-sig"))
    text = str(err.value)
    assert "第 6 行「村」列「金竹村」不是花名册中 龙河镇 的村" in text
    assert "第 7 行「乡镇」列「太平镇」不是花名册中的乡镇" in text
    assert "第 8 行「村组网格名称」列为空" in text and "第 8 行「农户数」列「x户」不是户数" in text


def test_reload_is_idempotent_and_a_new_ledger_replaces_the_old(ctx, tmp_path):
    seed_roster(ctx)
    path = write_csv(tmp_path / "网格台账.csv", ledger_rows())
    load_grids(ctx, path)
    with session_scope(ctx.engine) as s:
        first = {(g.name, g.id, g.uid, g.worker_phone_cipher) for g in s.scalars(select(Grid))}
    first_ties = ties(ctx)
    load_grids(ctx, path)
    assert ties(ctx) == first_ties
    with session_scope(ctx.engine) as s:
        again = {(g.name, g.id, g.uid) for g in s.scalars(select(Grid))}
        assert again == {(n, i, u) for n, i, u, _ in first}  # same grids, same rows
    # 二组 and 1组 merge into one grid named otherwise: it lists its households.
    wb = Workbook()
    ws = wb.active
    for row in ledger_rows(["龙河镇", "石桥村", "石桥网格", "3", "新网格员", "党员", "", "", "", ""],
                           drop="一组"):
        if row[2] != "二组":
            ws.append(row)
    listed = wb.create_sheet("农户")
    listed.append(["乡镇", "村", "户编号", "网格名称"])
    for no in ("500230010100001", "500230010100002", "500230010100003"):
        listed.append(["龙河镇", "石桥村", no, "石桥网格"])
    wb.save(tmp_path / "新台账.xlsx")
    r = load_grids(ctx, tmp_path / "新台账.xlsx")
    assert r.removed_grids == 2 and r.grids == 3
    got = ties(ctx)
    assert {got[n] for n in ("500230010100001", "500230010100002", "500230010100003")} == {"石桥网格"}
    with session_scope(ctx.engine) as s:
        assert sorted(s.scalars(select(Grid.name))) == ["1组网格", "石桥网格", "第三村民小组"]


def test_a_listed_household_must_be_on_the_roster_and_in_the_grids_village(ctx, tmp_path):
    seed_roster(ctx)
    wb = Workbook()
    ws = wb.active
    for row in ledger_rows(drop="一组"):
        ws.append(row)
    listed = wb.create_sheet("农户")
    listed.append(["户编号", "村组网格名称"])
    listed.append(["500230019999999", "二组"])
    listed.append(["500230020100001", "二组"])  # 花园社区's household, 石桥村's grid
    wb.save(tmp_path / "台账.xlsx")
    with pytest.raises(UserError) as err:
        load_grids(ctx, tmp_path / "台账.xlsx")
    text = str(err.value)
    assert "工作表「农户」第 2 行「户编号」列「500230019999999」不是花名册中的户编号" in text
    assert "第 3 行「村组网格名称」列「二组」：户 500230020100001 在 三合街道花园社区" in text


def test_cli_loads_and_reports_in_one_line(ctx, tmp_path, capsys):
    seed_roster(ctx)
    path = write_csv(tmp_path / "网格台账.csv", ledger_rows())
    assert main(["--warehouse", ctx.warehouse, "grids", "load", str(path)]) == 0
    out = capsys.readouterr().out
    assert "4 个网格，7 户" in out and PHONES["一组"] not in out
    bad = write_csv(tmp_path / "bad.csv", ledger_rows(drop="二组"))
    assert main(["--warehouse", ctx.warehouse, "grids", "load", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "不在任何网格" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert main(["--warehouse", ctx.warehouse, "grids", "load", str(tmp_path / "nope.csv")]) == 1
    assert "文件不存在" in capsys.readouterr().err


def test_no_roster_yet_says_what_to_do(ctx, tmp_path):
    with pytest.raises(UserError, match="registry load"):
        load_grids(ctx, write_csv(tmp_path / "g.csv", ledger_rows()))


def test_key_rotation_reseals_and_reindexes_the_grid_phones(ctx, tmp_path, monkeypatch):
    from warehouse import keys
    from warehouse.crypto import ENV_KEY
    from warehouse.sensitive import blind_index

    monkeypatch.delenv(ENV_KEY)  # the key in $SHOUWANG_HOME/keys: rotation writes the new one there
    ctx.vault(create=True)
    seed_roster(ctx)
    load_grids(ctx, write_csv(tmp_path / "网格台账.csv", ledger_rows()))
    old = ctx.vault()
    keys.rotate(ctx.engine, ctx.home, batch_size=2)
    new = ctx.vault()
    assert new.key_id != old.key_id
    with session_scope(ctx.engine) as s:
        g = s.scalar(select(Grid).where(Grid.name == "一组"))
        assert f".{new.key_id}." in g.worker_phone_cipher
        assert new.open(PHONE, g.cadre_phone_cipher, aad("grids", "cadre_phone_cipher", g.uid)) == \
            PHONES["cadre"]
        assert g.worker_phone_index == blind_index(new, PHONE, PHONES["一组"])

"""grid_columns: a household's 组, grid and grid worker for the township lists (phones masked)."""
from __future__ import annotations

from connectors.grids import load_grids
from screening.grid_lookup import GRID_HEADERS, GridInfo, grid_cells, grid_columns, worker_phone
from tests.connectors.test_grids import PHONES, ledger_rows, seed_roster, write_csv
from warehouse.db import session_scope


def test_every_asked_household_gets_its_group_grid_and_worker(ctx, tmp_path):
    ids = seed_roster(ctx)
    load_grids(ctx, write_csv(tmp_path / "网格台账.csv", ledger_rows()))
    first, split = ids["500230010100001"], ids["500230010100004"]
    with session_scope(ctx.engine) as s:
        got = grid_columns(s, [first, split, first, None, 987654])
        assert set(got) == {first, split}  # duplicates once, None and unknown ids left out
        assert got[first] == GridInfo(group="1组", grid="一组", grid_id=got[first].grid_id,
                                      worker_name="张组长", worker_role="村民组长",
                                      worker_phone_masked="138****0101", cadre_name="李书记",
                                      cadre_phone_masked="139****0999")
        assert (got[split].group, got[split].grid) == ("3组", "第三村民小组")
        assert worker_phone(s, ctx.vault(), got[first].grid_id) == PHONES["一组"]
    assert dict(zip(GRID_HEADERS, grid_cells(got[first]))) == {
        "组": "1组", "网格": "一组", "网格员": "张组长", "网格员电话": "138****0101"}
    assert PHONES["一组"] not in repr(got)


def test_before_a_ledger_is_loaded_the_group_still_shows(ctx):
    ids = seed_roster(ctx)
    with session_scope(ctx.engine) as s:
        got = grid_columns(s, ids.values())
    assert len(got) == len(ids) and all(g.grid is None and g.group for g in got.values())
    assert grid_cells(got[ids["500230010100003"]]) == ["2组", "", "", ""]
    assert grid_cells(None) == ["", "", "", ""]


def test_many_households_in_one_call(ctx, tmp_path):
    from tests.support.warehouse import building

    with building(ctx, seal=False) as b:
        ids = [b.household(f"5002300303{n:05d}", township="龙河镇", village="石桥村",
                           group_name=f"{n % 3 + 1}组").id for n in range(1200)]
    write_csv(tmp_path / "g.csv", [["乡镇", "村", "村组网格名称", "网格员姓名"], *(
        ["龙河镇", "石桥村", f"{g}组", f"{g}组组长"] for g in (1, 2, 3))])
    load_grids(ctx, tmp_path / "g.csv")
    with session_scope(ctx.engine) as s:
        got = grid_columns(s, ids)
    assert len(got) == 1200 and {g.grid for g in got.values()} == {"1组", "2组", "3组"}
    assert all(g.grid == g.group for g in got.values())

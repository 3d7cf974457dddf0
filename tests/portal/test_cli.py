"""`shouwang users add|list` (password from stdin or a file) on SQLite and PostgreSQL."""
from __future__ import annotations

import io

from sqlalchemy import select

from portal.auth import Passwords
from shouwang.cli import main
from warehouse.db import session_scope
from warehouse.models import Region, User


def test_users_add_from_file_and_stdin(ctx, tmp_path, monkeypatch, capsys):
    pw = tmp_path / "pw.txt"
    pw.write_text("file-password-123\n", encoding="utf-8")
    assert main(["--warehouse", ctx.warehouse, "users", "add", "--name", "town_a", "--role",
                 "township", "--township", "龙河镇", "--password-file", str(pw)]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("stdin-password-456\n"))
    assert main(["--warehouse", ctx.warehouse, "users", "add", "--name", "boss", "--role",
                 "county_admin"]) == 0
    out = capsys.readouterr().out
    assert "user added: town_a (township, 龙河镇)" in out and "password" not in out
    with session_scope(ctx.engine) as s:
        users = {u.name: u for u in s.scalars(select(User))}
        pw = Passwords.from_settings(ctx.settings)
        assert pw.verify(users["town_a"].password_hash, "file-password-123")
        assert pw.verify(users["boss"].password_hash, "stdin-password-456")
    assert main(["--warehouse", ctx.warehouse, "users", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == ["boss\tcounty_admin\t", "town_a\ttownship\t龙河镇"]


def test_users_add_errors_are_one_line(ctx, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    assert main(["--warehouse", ctx.warehouse, "users", "add", "--name", "t", "--role",
                 "township"]) == 1
    assert "必须绑定一个乡镇 (--township)" in capsys.readouterr().err
    missing = tmp_path / "nope.txt"
    assert main(["--warehouse", ctx.warehouse, "users", "add", "--name", "t", "--role",
                 "engineer", "--password-file", str(missing)]) == 1
    assert f"cannot read --password-file {missing}" in capsys.readouterr().err


def test_a_township_the_roster_does_not_have_is_refused(ctx, tmp_path, capsys):
    with session_scope(ctx.engine) as s:
        county = Region(level="county", name="示范县", short_name="示范")
        s.add(county)
        s.flush()
        s.add_all([Region(level="township", name=n, short_name=n[:-1], parent_id=county.id)
                   for n in ("龙河乡", "太平镇")])
    pw = tmp_path / "pw.txt"
    pw.write_text("file-password-123\n", encoding="utf-8")
    add = ["--warehouse", ctx.warehouse, "users", "add", "--name", "lh", "--role", "township",
           "--password-file", str(pw), "--township"]
    assert main([*add, "龙河镇"]) == 1  # 龙河 is a 乡 in this county: the queue would stay empty
    err = capsys.readouterr().err
    assert "花名册中没有乡镇 龙河镇；可选: 太平镇、龙河乡" in err and len(err.splitlines()) == 1
    assert main([*add, "龙河乡"]) == 0


def _grid_county(ctx, tmp_path) -> None:
    """Two households of 龙河镇 (石桥村 1组, 花园村 1组), the roster's regions and a grid ledger."""
    import csv

    from connectors.grids import load_grids
    from tests.support.warehouse import building

    with building(ctx, seal=False) as b:
        county = b.add(Region(level="county", name="示范县", short_name="示范"))
        b.add(Region(level="township", name="龙河镇", short_name="龙河", parent_id=county.id))
        for n, village in enumerate(("石桥村", "花园村"), start=1):
            b.household(f"50023001010000{n}", township="龙河镇", village=village, group_name="1组")
    with open(tmp_path / "网格台账.csv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["乡镇", "村", "村组网格名称", "网格员姓名"],
                                 ["龙河镇", "石桥村", "一组", "张组长"],
                                 ["龙河镇", "花园村", "一组", "李组长"]])
    load_grids(ctx, tmp_path / "网格台账.csv")


def test_users_add_binds_village_grid_and_department_accounts(ctx, tmp_path, capsys):
    _grid_county(ctx, tmp_path)
    pw = tmp_path / "pw.txt"
    pw.write_text("file-password-123\n", encoding="utf-8")
    add = ["--warehouse", ctx.warehouse, "users", "add", "--password-file", str(pw)]
    assert main([*add, "--name", "sq", "--role", "village", "--township", "龙河镇",
                 "--village", "石桥村"]) == 0
    assert main([*add, "--name", "sq1", "--role", "grid", "--township", "龙河镇",
                 "--village", "石桥村", "--grid", "一组"]) == 0
    assert main([*add, "--name", "mz", "--role", "department", "--department", "民政"]) == 0
    out = capsys.readouterr().out
    assert "user added: sq (village, 龙河镇, 石桥村)" in out
    assert "user added: sq1 (grid, 龙河镇, 石桥村, 一组)" in out
    assert "user added: mz (department, civil_affairs)" in out
    with session_scope(ctx.engine) as s:
        users = {u.name: (u.role, u.township, u.village, u.grid, u.department)
                 for u in s.scalars(select(User))}
    assert users == {"sq": ("village", "龙河镇", "石桥村", None, None),
                     "sq1": ("grid", "龙河镇", "石桥村", "一组", None),
                     "mz": ("department", None, None, None, "civil_affairs")}
    assert main(["--warehouse", ctx.warehouse, "users", "list"]) == 0
    assert "sq1\tgrid\t龙河镇/石桥村/一组" in capsys.readouterr().out


USERS_ADD_ERRORS = [
    (["--role", "village", "--township", "龙河镇"], "角色 village 必须绑定一个村 (--village)"),
    (["--role", "village", "--township", "龙河镇", "--village", "金竹村"],
     "花名册中 龙河镇 没有村 金竹村；可选: 石桥村、花园村"),
    (["--role", "grid", "--township", "龙河镇", "--village", "石桥村"],
     "角色 grid 必须绑定一个网格 (--grid)"),
    (["--role", "grid", "--township", "龙河镇", "--village", "石桥村", "--grid", "二组"],
     "网格台账中 龙河镇石桥村 没有网格 二组；可选: 一组"),
    (["--role", "grid", "--township", "太平镇", "--village", "石桥村", "--grid", "一组"],
     "花名册中没有乡镇 太平镇；可选: 龙河镇"),
    (["--role", "department", "--department", "气象"], "没有部门 气象；可选: "),
    (["--role", "department"], "角色 department 必须绑定一个部门 (--department)"),
    (["--role", "township", "--township", "龙河镇", "--village", "石桥村"],
     "角色 township 不绑定村；去掉 --village"),
    (["--role", "county_admin", "--department", "民政"], "角色 county_admin 不绑定部门；去掉 --department"),
]


def test_users_add_refuses_places_that_do_not_exist_in_one_line(ctx, tmp_path, capsys):
    _grid_county(ctx, tmp_path)
    pw = tmp_path / "pw.txt"
    pw.write_text("file-password-123\n", encoding="utf-8")
    for args, message in USERS_ADD_ERRORS:
        assert main(["--warehouse", ctx.warehouse, "users", "add", "--name", "x",
                     "--password-file", str(pw), *args]) == 1, args
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, (args, err)
    with session_scope(ctx.engine) as s:
        assert s.scalars(select(User)).all() == []


def test_a_grid_account_needs_a_loaded_ledger(ctx, tmp_path, capsys):
    from tests.support.warehouse import building

    with building(ctx, seal=False) as b:
        b.household("500230010100001", township="龙河镇", village="石桥村", group_name="1组")
    pw = tmp_path / "pw.txt"
    pw.write_text("file-password-123\n", encoding="utf-8")
    assert main(["--warehouse", ctx.warehouse, "users", "add", "--name", "g", "--role", "grid",
                 "--township", "龙河镇", "--village", "石桥村", "--grid", "一组",
                 "--password-file", str(pw)]) == 1
    assert "请先运行 shouwang grids load" in capsys.readouterr().err

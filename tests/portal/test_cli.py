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

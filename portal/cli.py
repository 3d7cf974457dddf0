"""Portal commands: `shouwang serve` and `shouwang users add|list`."""
from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from portal.principal import ROLES
from shouwang.core.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the portal subcommands."""
    p = sub.add_parser("serve", help="run the verification portal (web pages and JSON API)")
    p.add_argument("--host", help="address to listen on (settings portal.host)")
    p.add_argument("--port", type=int, help="port (settings portal.port)")
    p.set_defaults(func=cmd_serve)

    users = sub.add_parser("users", help="portal accounts")
    usub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = usub.add_parser("add", help="create an account; the password comes from stdin or a file")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--township", help="the township of a `township`, `village` or `grid` account")
    add.add_argument("--village", help="the village of a `village` or `grid` account (as in the roster)")
    add.add_argument("--grid", help="the grid of a `grid` account (村组网格名称 in the grid ledger)")
    add.add_argument("--department", help="the department of a `department` account (民政 or civil_affairs)")
    add.add_argument("--password-file", type=Path, help="read the password from this file")
    add.set_defaults(func=cmd_users_add)
    lst = usub.add_parser("list", help="list accounts")
    lst.set_defaults(func=cmd_users_list)


def cmd_serve(ctx, args) -> int:
    """Serve the portal with uvicorn."""
    import uvicorn

    from portal.app import create_app

    cfg = ctx.settings["portal"]
    uvicorn.run(create_app(ctx), host=args.host or cfg["host"], port=args.port or int(cfg["port"]),
                **uvicorn_options(ctx.settings))
    return 0


def uvicorn_options(settings: dict) -> dict:
    """uvicorn's proxy options from settings portal.trusted_proxies: X-Forwarded-For and
    X-Forwarded-Proto are read only from those addresses. None configured: ignored from
    everyone (uvicorn's default would trust 127.0.0.1, so any local process could pose as
    any client and reset the login limit)."""
    proxies = [str(p) for p in (settings["portal"].get("trusted_proxies") or [])]
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": proxies}


def _read_password(path: Path | None) -> str:
    """The password from ``path``, a terminal prompt, or the first line of stdin."""
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as e:
            raise UserError(f"cannot read --password-file {path}: {e.strerror}") from None
    if sys.stdin.isatty():
        first = getpass.getpass("密码: ")
        if getpass.getpass("再次输入密码: ") != first:
            raise UserError("the two passwords differ; run the command again")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def cmd_users_add(ctx, args) -> int:
    """Create a portal account with an argon2-hashed password."""
    from portal.auth import Passwords, add_user
    from portal.errors import InvalidInput
    from warehouse.db import session_scope

    password = _read_password(args.password_file)
    try:
        with session_scope(ctx.engine) as s:
            user = add_user(s, Passwords.from_settings(ctx.settings), args.name, args.role,
                            args.township, password,
                            int(ctx.settings["portal"]["min_password_length"]),
                            village=args.village, grid=args.grid, department=args.department)
            bound = [b for b in (user.township, user.village, user.grid, user.department) if b]
            summary = f"{user.name} ({', '.join([user.role, *bound])})"
    except InvalidInput as e:
        raise UserError(str(e)) from None
    print(f"user added: {summary}")
    return 0


def cmd_users_list(ctx, args) -> int:
    """Print every account: name, role and what it is bound to."""
    from sqlalchemy import select

    from warehouse.db import session_scope
    from warehouse.models import User

    with session_scope(ctx.engine) as s:
        for u in s.scalars(select(User).order_by(User.name)):
            bound = "/".join(b for b in (u.township, u.village, u.grid, u.department) if b)
            print(f"{u.name}\t{u.role}\t{bound}")
    return 0

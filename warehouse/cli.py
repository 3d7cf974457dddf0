"""Warehouse commands: init, keys rotate, registry load."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the warehouse subcommands."""
    p = sub.add_parser("init", help="create or migrate the warehouse; create a key if none")
    p.set_defaults(func=cmd_init)


def cmd_init(ctx, args) -> int:
    """Create or migrate the warehouse and make sure a master key exists."""
    from warehouse.db import migrate

    ctx.home.mkdir(parents=True, exist_ok=True)
    vault = ctx.vault(create=True)
    rev = migrate(ctx.warehouse)
    print(f"warehouse ready at revision {rev}: {_safe_url(ctx.warehouse)}")
    print(f"active key id {vault.key_id}")
    return 0


def _safe_url(url: str) -> str:
    """The URL with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)

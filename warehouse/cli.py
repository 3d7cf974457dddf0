"""Warehouse commands: init, keys rotate."""
from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the warehouse subcommands."""
    p = sub.add_parser("init", help="create or migrate the warehouse; create a key if none")
    p.set_defaults(func=cmd_init)

    keys = sub.add_parser("keys", help="manage the master key")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    p = keys_sub.add_parser(
        "rotate",
        help="new master key; re-seal every ciphertext and recompute every blind index",
        description="Stop the scheduler first. Safe to re-run: an interrupted rotation resumes; "
        "--rollback undoes it instead. The pipeline refuses to run while a rotation is unfinished.",
    )
    p.add_argument("--rollback", action="store_true",
                   help="undo an unfinished rotation: re-seal every row under the key it started from")
    p.add_argument(
        "--batch-size", type=int, help="rows per transaction (default: keys.rotate_batch_size)"
    )
    p.add_argument("--actor", default="cli", help="name recorded in the audit log")
    p.set_defaults(func=cmd_keys_rotate)


def cmd_init(ctx, args) -> int:
    """Create or migrate the warehouse and make sure a master key exists."""
    from warehouse.db import migrate

    ctx.home.mkdir(parents=True, exist_ok=True)
    # Schema first: the key check reads the key registry, and refuses to make a new key for a
    # warehouse that already holds sealed rows.
    rev = migrate(ctx.warehouse)
    vault = ctx.vault(create=True)
    print(f"warehouse ready at revision {rev}: {_safe_url(ctx.warehouse)}")
    print(f"active key id {vault.key_id}")
    return 0


def _safe_url(url: str) -> str:
    """The URL with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_keys_rotate(ctx, args) -> int:
    """Rotate the master key (or roll an unfinished rotation back) and say where the key is."""
    from shouwang.core.errors import UserError
    from warehouse.audit import record
    from warehouse.crypto import ENV_KEY, DecryptError
    from warehouse.db import session_scope
    from warehouse.keys import rollback, rotate

    cfg = ctx.settings["keys"]
    batch = args.batch_size or cfg["rotate_batch_size"]
    action = rollback if args.rollback else rotate
    try:
        report = action(ctx.engine, ctx.home, batch, derived=cfg.get("derived", []),
                        sample=int(cfg["registry_sample"]))
    except DecryptError as e:
        raise UserError(f"key rotation stopped: {e}") from e
    with session_scope(ctx.engine) as session:
        record(session, args.actor, "keys_rollback" if args.rollback else "keys_rotate",
               "keyring", report.new_key_id,
               detail={"retired": report.retired_key_ids, "resealed": report.resealed,
                       "remapped": report.remapped})
    print("\n".join(report.lines()))
    if report.rolled_back:
        print(f"key {report.new_key_id} is in use again, in {report.key_file}; the pipeline may run")
        return 0
    print(f"new key {report.new_key_id} is in {report.key_file} (mode 0600); back it up now")
    if report.from_env:
        print(
            f"\n!!! {ENV_KEY} still holds the retired key. Put the new key (field \"active\" of\n"
            f"!!!   {report.key_file}) into your secret store as {ENV_KEY}, restart every\n"
            "!!!   service, then delete that file. Until then commands refuse the old key."
        )
    return 0


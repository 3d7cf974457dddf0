"""Keys that refuse: the warehouse records which master keys sealed its rows, and every vault
is checked against that record before anything is written.

``key_registry`` (migration 0005) holds per key its public id and a check value (a keyed
digest of a fixed label, ``crypto.check_value``), never the key. ``checked_keyring`` is what
``Context.vault()`` calls, so the CLI, the pipeline, Airflow tasks and the portal all refuse:

- a keyring whose active key is not the key in use (a random ``SHOUWANG_MASTER_KEY``), that
  lacks a key in use, or whose key gives another check value;
- any run while a rotation is unfinished (a key registered without ``activated_at``);
- ``init`` minting a new key for a warehouse that already holds tokens.

A warehouse made before the registry is registered on first use from the key ids found in
its tokens, once the keyring opens a sample of each (settings ``keys.registry_sample``).
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import func, inspect, select, update
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from warehouse.crypto import (
    ENV_KEY,
    TOKEN_VERSION,
    DecryptError,
    Keyring,
    KeyMissing,
    Vault,
    check_value,
    keyring_path,
    load_keyring,
    read_keyring_file,
)
from warehouse.models import KeyRecord, utcnow
from warehouse.sensitive import aad, purpose_of, sealed_columns

REGISTRY = KeyRecord.__table__
_ID_START = len(TOKEN_VERSION) + 2  # 1-based position of the key id in "v1.<id>.<body>"
_ID_LENGTH = 12


class KeyRefused(KeyMissing):
    """The keyring is not the one this warehouse was sealed with; nothing was written."""


class RotationUnfinished(KeyRefused):
    """A key rotation stopped midway: finish it or roll it back before anything else runs."""


def restore_hint(home: Path) -> str:
    """What to restore when the right key is not at hand."""
    return (f"restore {keyring_path(home)} from backup or set {ENV_KEY} to the key that was "
            "used")


def has_key_source(home: Path, env: dict | None = None) -> bool:
    """True when a master key is configured (environment or key file)."""
    env = os.environ if env is None else env
    return bool(env.get(ENV_KEY)) or keyring_path(home).exists()


def checked_keyring(engine: Engine, home: Path, create: bool = False, sample: int = 20,
                    env: dict | None = None) -> Keyring:
    """The keyring, refused unless it is the one the warehouse's rows were sealed with.

    ``create`` makes a key file when no key is configured, but only for a warehouse that
    holds no token (``init`` never mints a key for sealed rows).
    """
    env = os.environ if env is None else env
    if not has_key_source(home, env):
        with engine.connect() as conn:
            found = token_key_ids(conn, limit=1) if _has_tables(conn) else set()
            known = in_use_ids(conn) if _has_registry(conn) else []
        if found:  # an empty warehouse may take a new key
            raise KeyRefused(
                f"the warehouse holds rows sealed with key {_names(known or found)} and no key "
                f"is configured; {restore_hint(home)} (init makes a new key only for a "
                "warehouse with nothing sealed)")
    ring = load_keyring(home, env, create=create)
    verify(engine, ring, home, sample)
    return ring


def verify(engine: Engine, ring: Keyring, home: Path, sample: int,
           allow_unfinished: bool = False) -> None:
    """Refuse ``ring`` unless it holds every key in use and its active key is the one in use.

    The first use of a warehouse registers its key(s); that is the only write, and a refusal
    rolls it back. ``allow_unfinished`` is for rotation itself.
    """
    try:
        _verify_once(engine, ring, home, sample, allow_unfinished)
    except IntegrityError:
        # Two processes registered a new warehouse's key at once: check against the winner's.
        _verify_once(engine, ring, home, sample, allow_unfinished)


def _verify_once(engine: Engine, ring: Keyring, home: Path, sample: int,
                 allow_unfinished: bool) -> None:
    with engine.begin() as conn:
        if not _has_registry(conn):
            if _has_tables(conn) and token_key_ids(conn, limit=1):
                raise KeyRefused("the warehouse schema predates the key registry: run "
                                 "`shouwang init` to upgrade it, then run this again")
            return  # not created yet: nothing sealed, nothing to check
        if not conn.execute(select(func.count()).select_from(REGISTRY)).scalar_one():
            _register_existing(conn, ring, home, sample)
        _check(conn, ring, home, allow_unfinished)


def in_use_ids(conn: Connection) -> list[str]:
    """Ids of the keys whose tokens may be in the warehouse (not retired), oldest first."""
    return list(conn.execute(select(KeyRecord.key_id).where(KeyRecord.retired_at.is_(None))
                             .order_by(KeyRecord.id)).scalars())


def unfinished(conn: Connection) -> Row | None:
    """The registry row of a rotation's target key while that rotation has not finished."""
    return conn.execute(select(KeyRecord).where(KeyRecord.activated_at.is_(None),
                                                KeyRecord.retired_at.is_(None))).first()


def register(conn: Connection, master: bytes, kid: str, activated: bool,
             previous: str | None = None) -> None:
    """Record key ``kid`` as in use (``activated``) or as a rotation's target."""
    now = utcnow()
    values = {"check_value": check_value(master), "previous_key_id": previous,
              "activated_at": now if activated else None, "retired_at": None}
    if conn.execute(select(KeyRecord.id).where(KeyRecord.key_id == kid)).first():
        # A key used once more (e.g. a key file restored after a rolled-back rotation).
        conn.execute(update(REGISTRY).where(KeyRecord.key_id == kid).values(values))
    else:
        conn.execute(REGISTRY.insert().values(key_id=kid, created_at=now, **values))


def finish_rotation(conn: Connection, new_id: str) -> None:
    """The rotation to ``new_id`` finished: it is the key in use, every other one retired."""
    now = utcnow()
    conn.execute(update(REGISTRY).where(KeyRecord.key_id != new_id, KeyRecord.retired_at.is_(None))
                 .values(retired_at=now))
    conn.execute(update(REGISTRY).where(KeyRecord.key_id == new_id).values(activated_at=now))


def retire(conn: Connection, kids: list[str]) -> None:
    """Keys ``kids`` seal nothing any more (a rolled-back rotation's target, a stale key)."""
    conn.execute(update(REGISTRY).where(KeyRecord.key_id.in_(kids)).values(retired_at=utcnow()))


def token_key_ids(conn: Connection, limit: int | None = None) -> set[str]:
    """Distinct key ids named by the tokens of every ``*_cipher`` column (at most ``limit``)."""
    found: set[str] = set()
    for table, name in sealed_columns():
        col = table.c[name]
        kid = func.substr(col, _ID_START, _ID_LENGTH)
        query = select(kid).where(col.like(f"{TOKEN_VERSION}.%")).distinct()
        found |= set(conn.execute(query.limit(limit) if limit else query).scalars())
        if limit and len(found) >= limit:
            break
    return found


def _has_registry(conn: Connection) -> bool:
    return inspect(conn).has_table(REGISTRY.name)


def _has_tables(conn: Connection) -> bool:
    return all(inspect(conn).has_table(t.name) for t, _ in sealed_columns())


def _names(ids) -> str:
    return ", ".join(sorted(ids)) or "none"


def _held(ring: Keyring) -> str:
    older = f" (older: {_names(ring.older)})" if ring.older else ""
    return f"{ring.active_id}{older}"


def _register_existing(conn: Connection, ring: Keyring, home: Path, sample: int) -> None:
    """First use: register the keys the tokens name, once the keyring opens a sample of each."""
    found = token_key_ids(conn)
    missing = sorted(k for k in found if not ring.holds(k))
    if missing:
        raise KeyRefused(f"the warehouse was sealed with key {_names(missing)}; this keyring "
                         f"holds {_held(ring)}; {restore_hint(home)}")
    for kid in found:
        _open_sample(conn, ring, home, kid, sample)
    # A key file with older keys is a rotation that stopped before the registry existed.
    path = keyring_path(home)
    stored = read_keyring_file(path) if path.exists() else None
    target = stored.active_id if stored is not None and stored.older else None
    for kid in sorted(found - {target}):
        register(conn, ring.master(kid), kid, activated=True)
    if target is not None:
        before = sorted(found - {target})
        register(conn, stored.active, target, activated=False,
                 previous=before[0] if len(before) == 1 else None)
    elif not found:
        register(conn, ring.active, ring.active_id, activated=True)  # a new warehouse


def _open_sample(conn: Connection, ring: Keyring, home: Path, kid: str, sample: int) -> None:
    """Open up to ``sample`` tokens of key ``kid`` from each column; refuse on the first failure."""
    vault = Vault(ring)
    for table, name in sealed_columns():
        col = table.c[name]
        rows = conn.execute(select(table.c.id, table.c.uid, col)
                            .where(col.like(f"{TOKEN_VERSION}.{kid}.%"))
                            .order_by(table.c.id).limit(sample)).all()
        for rid, uid, token in rows:
            try:
                vault.open(purpose_of(name, col.info), token, aad(table.name, name, uid))
            except DecryptError as e:
                raise KeyRefused(f"key {kid} does not open {table.name}.{name} of row id {rid} "
                                 f"({e}); {restore_hint(home)}") from e


def _check(conn: Connection, ring: Keyring, home: Path, allow_unfinished: bool) -> None:
    """Refuse a keyring that does not match the registered keys (see the module docstring)."""
    rows = {r.key_id: r for r in conn.execute(select(KeyRecord))}
    pending = unfinished(conn)
    if pending is not None and not allow_unfinished:
        raise RotationUnfinished(
            f"a key rotation to key {pending.key_id} is unfinished: run `shouwang keys rotate` "
            "again to finish it, or `shouwang keys rotate --rollback`; nothing was written")
    in_use = [k for k, r in rows.items() if r.retired_at is None]
    active = rows.get(ring.active_id)
    if active is not None and active.retired_at is not None and active.activated_at is not None:
        raise KeyRefused(
            f"the configured key {ring.active_id} was retired by `shouwang keys rotate`; set "
            f"{ENV_KEY} to the key in use, {_names(in_use)} (field \"active\" of "
            f"{keyring_path(home)}), or restore that file from backup")
    missing = [k for k in in_use if not ring.holds(k)]
    if (ring.active_id not in in_use and not allow_unfinished) or missing:
        if pending is None and not token_key_ids(conn, limit=1):
            # Nothing is sealed yet: the warehouse can still take the configured key.
            retire(conn, in_use)
            register(conn, ring.active, ring.active_id, activated=True)
            return
        raise KeyRefused(f"the warehouse was sealed with key {_names(in_use)}; this keyring "
                         f"holds {_held(ring)}; {restore_hint(home)}")
    for kid in in_use:
        if check_value(ring.master(kid)) != rows[kid].check_value:
            raise KeyRefused(f"key {kid} of this keyring does not give the check value the "
                             f"warehouse registered for it; {restore_hint(home)}")

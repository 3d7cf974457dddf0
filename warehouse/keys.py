"""Master-key rotation: re-seal every ciphertext and recompute every blind key under a new key.

How it runs (``shouwang keys rotate``):

1. The new key is written to the key file first, as ``active``, with every old key kept in
   ``older``: the new key is never only in memory, and a crash leaves both keys on disk.
2. Every table with ``*_cipher`` columns (found in the model metadata) is walked by primary
   key in batches, one transaction per batch. Each row's ciphertexts are re-sealed (a token
   already under the new key is kept) and its blind keys recomputed from the plaintext:
   ``<p>_index`` and ``<p>_key0..3`` beside ``<p>_cipher``, and ``<p>_index`` beside a
   ``<p>_cipher`` member of a JSON column (``fields.guardian_id_cipher``).
3. Columns marked ``info={"blind_reference": True}`` hold a keyed value copied from a
   row, maybe after ``prefix:``: a blind index (``warnings.subject_key = "lead:<id_index>"``)
   or a value another room derives from a feed record with its own function, listed in
   settings ``keys.derived`` (``match_decisions.record_signature``). Each old value is
   mapped to the new one; values that match nothing are counted in the report.
4. When no ciphertext is left under an old key, the old keys are dropped from the key file
   and their ids listed as ``retired``.

A crash anywhere resumes on the next run: the key file still holds old keys, so the run
picks up the same target key, skips tokens already re-sealed and recomputes the rest.

The key registry (warehouse/key_registry.py) records the target key before any row changes
and marks it in use only when no token is left under an old key: until then every vault
refuses, so the pipeline cannot seal rows under one key and index them under another. A
value that does not open stops the rotation naming its table, column and row; fix the value
and run again (it resumes), or ``shouwang keys rotate --rollback`` re-seals every row under
the key the rotation started from and drops the new one.

``feed_records.record_hash`` is not recomputed: it is a keyed digest of the raw row, which
the warehouse does not keep in plaintext, so it cannot be. It only detects exact duplicates
inside one load; an old digest under a destroyed key reveals nothing.

Stop the scheduler while rotating: rows written meanwhile under the old key are caught by
the final check, which then refuses to retire the old key (run the command again).
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

from sqlalchemy import JSON, Table, bindparam, func, select, update
from sqlalchemy.engine import Engine

from shouwang.core.errors import UserError
from warehouse import key_registry
from warehouse.crypto import (
    ENV_KEY,
    TOKEN_VERSION,
    DecryptError,
    Keyring,
    Vault,
    key_id,
    keyring_path,
    load_keyring,
    read_keyring_file,
)
from warehouse.models import Base
from warehouse.sensitive import (
    CIPHER_SUFFIX,
    aad,
    blind_columns,
    blind_index,
    purpose_of,
    sealed_columns,
)

AGAIN = ("run `shouwang keys rotate` again to finish, or `shouwang keys rotate --rollback`; "
         "the pipeline refuses to run until then")


class RotationStopped(UserError):
    """A rotation stopped midway; it resumes when run again, or rolls back."""


@dataclass
class RotationReport:
    """What a rotation did; counts only, nothing personal."""

    new_key_id: str
    retired_key_ids: list[str]
    key_file: Path
    from_env: bool
    resumed: bool
    resealed: dict[str, int] = field(default_factory=dict)  # table -> rows changed
    remapped: dict[str, int] = field(default_factory=dict)  # table.column -> values mapped
    unmapped: dict[str, int] = field(default_factory=dict)  # blind references with no source
    unrecoverable: dict[str, int] = field(default_factory=dict)  # index without ciphertext
    skipped: list[str] = field(default_factory=list)  # derived values whose room is absent
    rolled_back: bool = False  # back to the key the rotation started from

    def lines(self) -> list[str]:
        """The report as lines for the operator."""
        kind = "rolled back" if self.rolled_back else "resumed" if self.resumed else "new"
        out = [
            f"{kind} rotation to key {self.new_key_id}; "
            f"retired {', '.join(self.retired_key_ids) or 'none'}",
        ]
        out += [f"  re-sealed {n} rows of {t}" for t, n in self.resealed.items()]
        out += [f"  remapped {n} values of {c}" for c, n in self.remapped.items()]
        out += [
            f"  WARNING {n} values of {c} match no stored index"
            for c, n in self.unmapped.items()
            if n
        ]
        out += [
            f"  WARNING {n} blind keys in {c} have no ciphertext and could not be recomputed"
            for c, n in self.unrecoverable.items()
            if n
        ]
        out += [f"  WARNING not recomputed: {why}" for why in self.skipped]
        return out


@dataclass
class _CipherTable:
    """A table with sealed values: its ``*_cipher`` columns and JSON columns to scan."""

    table: Table
    ciphers: list[str]
    jsons: list[str]
    indexes: list[str]  # blind columns beside the ciphers

    @classmethod
    def discover(cls, table: Table) -> "_CipherTable | None":
        names = [c.name for c in table.columns]
        ciphers = [n for n in names if n.endswith(CIPHER_SUFFIX)]
        if not ciphers:
            return None
        prefixes = [n.removesuffix(CIPHER_SUFFIX) for n in ciphers]
        indexes = [n for n in names if any(_is_sibling(n, p) for p in prefixes)]
        jsons = [c.name for c in table.columns if isinstance(c.type, JSON)]
        return cls(table, ciphers, jsons, indexes)


def _is_sibling(name: str, prefix: str) -> bool:
    """True for ``<prefix>_index`` and ``<prefix>_key<N>``: blind keys beside a ciphertext."""
    rest = name.removeprefix(prefix + "_")
    return rest != name and (rest == "index" or (rest.startswith("key") and rest[3:].isdigit()))


def cipher_tables() -> list[_CipherTable]:
    """Every table of the schema that holds ciphertext columns."""
    found = (_CipherTable.discover(t) for t in Base.metadata.sorted_tables)
    return [t for t in found if t is not None]


def blind_references() -> list[tuple[Table, str]]:
    """Columns that hold a copy of a blind index (``info={"blind_reference": True}``)."""
    return [
        (t, c.name)
        for t in Base.metadata.sorted_tables
        for c in t.columns
        if c.info.get("blind_reference")
    ]


def _all_keys(current: Keyring, stored: Keyring | None) -> dict[str, bytes]:
    """Every key the configured keyring and the key file hold, by id."""
    keys = {current.active_id: current.active, **current.older}
    if stored is not None:
        keys.update({stored.active_id: stored.active, **stored.older})
    return keys


def _plan(engine: Engine, home: Path, current: Keyring) -> tuple[Keyring, bool]:
    """The working keyring (target key active, every other key in ``older``) and whether it
    resumes; the target is in the key file and registered before any row changes."""
    path = keyring_path(home)
    stored = read_keyring_file(path) if path.exists() else None
    with engine.connect() as conn:
        pending = key_registry.unfinished(conn)
        known = {r.key_id for r in conn.execute(select(key_registry.REGISTRY.c.key_id))}
    keys = _all_keys(current, stored)
    if pending is not None:
        if pending.key_id not in keys:
            raise RotationStopped(
                f"the unfinished rotation's key {pending.key_id} is in no keyring; "
                f"{key_registry.restore_hint(home)}, or `shouwang keys rotate --rollback`")
        new, previous = keys[pending.key_id], pending.previous_key_id
    elif stored is not None and stored.older and stored.active_id not in known:
        # The key file was written but the registry not: a crash at the very start.
        new, previous = stored.active, current.active_id
    else:
        new, previous = os.urandom(32), current.active_id
    new_id = key_id(new)
    resumed = pending is not None or new_id == (stored.active_id if stored else None)
    old = {k: v for k, v in keys.items() if k != new_id}
    ring = Keyring(active=new, older=old, retired=list(current.retired))
    ring.save(path)  # before any row changes: the new key must exist on disk first
    if pending is None:
        with engine.begin() as conn:
            key_registry.register(conn, new, new_id, activated=False, previous=previous)
    return ring, resumed


def _checked(engine: Engine, home: Path, env: dict, sample: int) -> Keyring:
    """The configured keyring, refused unless it holds every key in use (rotation may be
    unfinished)."""
    current = load_keyring(home, env)
    key_registry.verify(engine, current, home, sample, allow_unfinished=True)
    return current


def rotate(
    engine: Engine,
    home: Path,
    batch_size: int,
    derived: list[dict] | None = None,
    env: dict | None = None,
    sample: int = 20,
) -> RotationReport:
    """Rotate the master key: re-seal, re-index, remap, verify, retire the old keys.

    ``derived`` lists keyed values other rooms compute from a feed record (settings
    ``keys.derived``): ``{"column": "table.column", "function": "module:function"}``.
    ``sample``: settings ``keys.registry_sample`` (see warehouse.key_registry).
    """
    env = os.environ if env is None else env
    home = Path(home)
    ring, resumed = _plan(engine, home, _checked(engine, home, env, sample))
    report = RotationReport(
        new_key_id=ring.active_id,
        retired_key_ids=sorted(ring.older),
        key_file=keyring_path(home),
        from_env=bool(env.get(ENV_KEY)),
        resumed=resumed,
    )
    _rekey_everything(engine, ring, report, derived, batch_size, skip_settled=False)
    with engine.begin() as conn:
        key_registry.finish_rotation(conn, ring.active_id)
    ring.retired = sorted(set(ring.retired) | set(ring.older))
    ring.older = {}
    ring.save(keyring_path(home))
    return report


def rollback(
    engine: Engine,
    home: Path,
    batch_size: int,
    derived: list[dict] | None = None,
    env: dict | None = None,
    sample: int = 20,
) -> RotationReport:
    """Undo an unfinished rotation: re-seal every row under the key it started from, remap
    blind references back, and drop the rotation's key from the registry and the key file."""
    env = os.environ if env is None else env
    home = Path(home)
    current = _checked(engine, home, env, sample)
    path = keyring_path(home)
    with engine.connect() as conn:
        pending = key_registry.unfinished(conn)
    if pending is None:
        raise UserError("no key rotation is unfinished: there is nothing to roll back")
    back = pending.previous_key_id
    keys = _all_keys(current, read_keyring_file(path) if path.exists() else None)
    if back is None or back not in keys:
        raise UserError(
            f"the key the rotation to {pending.key_id} started from is "
            f"{'unknown' if back is None else 'in no keyring'}; finish the rotation with "
            "`shouwang keys rotate` instead")
    ring = Keyring(active=keys[back], older={k: v for k, v in keys.items() if k != back},
                   retired=list(current.retired))
    report = RotationReport(new_key_id=back, retired_key_ids=[pending.key_id], key_file=path,
                            from_env=bool(env.get(ENV_KEY)), resumed=False, rolled_back=True)
    # Rows the rotation never reached still hold the old key's tokens and blind keys: leave
    # them unopened, so a value that stopped the rotation does not stop its rollback.
    _rekey_everything(engine, ring, report, derived, batch_size, skip_settled=True)
    with engine.begin() as conn:
        key_registry.retire(conn, [pending.key_id])
    ring.retired = sorted(set(ring.retired) | {pending.key_id})
    ring.older = {}
    ring.save(path)
    return report


def _rekey_everything(engine: Engine, ring: Keyring, report: RotationReport,
                      derived: list[dict] | None, batch_size: int, skip_settled: bool) -> None:
    """Every token re-sealed under ``ring``'s active key, blind keys and references redone."""
    run = _Rotation(ring, report, _load_derived(derived or [], report), skip_settled)
    for spec in cipher_tables():
        run.reseal_table(engine, spec, batch_size)
    for table, column in blind_references():
        _remap(engine, table, column, run.old_to_new, batch_size, report, run.current)
    left = _tokens_under_other_keys(engine, ring.active_id)
    if left:
        raise RotationStopped(
            f"{left} ciphertexts were written under another key during the rotation; stop "
            f"the scheduler and {AGAIN}")


def _load_derived(specs: list[dict], report: RotationReport) -> dict[str, list[Callable]]:
    """Functions computing keyed values from a row, by source table; missing rooms skipped."""
    out: dict[str, list[Callable]] = {}
    for spec in specs:
        module, _, name = spec["function"].partition(":")
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            report.skipped.append(f"{spec['column']}: {spec['function']} not importable")
            continue
        out.setdefault(spec.get("from", "feed_records"), []).append(fn)
    return out


class _Rotation:
    """One rotation's state: the working vault, old vaults and the old→new blind value map."""

    def __init__(self, ring: Keyring, report: RotationReport, derived: dict[str, list[Callable]],
                 skip_settled: bool = False):
        self.vault = Vault(ring)
        self.olds = [Vault(Keyring(active=k)) for k in ring.older.values()]
        self.report = report
        self.derived = derived
        self.skip_settled = skip_settled
        self.old_to_new: dict[str, str] = {}
        self.current: set[str] = set()  # blind values of skipped rows: already under the key

    def settled(self, spec: _CipherTable, row: dict) -> bool:
        """True when every token of the row (columns and JSON members) is under the active key."""
        tokens = [row[n] for n in spec.ciphers]
        tokens += [v for n in spec.jsons if isinstance(row[n], dict)
                   for k, v in row[n].items() if k.endswith(CIPHER_SUFFIX)]
        return all(Vault.token_key_id(t) == self.vault.key_id for t in tokens if t)

    def keep(self, spec: _CipherTable, row: dict) -> None:
        """Remember a skipped row's blind values, so references to them are not "unmapped"."""
        self.current.update(row[n] for n in spec.indexes if row[n])
        for n in spec.jsons:
            if isinstance(row[n], dict):
                self.current.update(v for k, v in row[n].items() if k.endswith("_index") and v)
        for fn in self.derived.get(spec.table.name, []):
            self.current.add(fn(self.vault, SimpleNamespace(**row)))

    def reseal_table(self, engine: Engine, spec: _CipherTable, batch_size: int) -> None:
        """Walk one table in primary-key batches, one transaction per batch."""
        t = spec.table
        managed = spec.ciphers + spec.indexes + spec.jsons
        stmt = update(t).where(t.c.id == bindparam("b_id")).values(
            {n: bindparam(f"b_{n}") for n in managed}
        )
        last, changed = 0, 0
        while True:
            with engine.begin() as conn:
                rows = conn.execute(
                    select(t).where(t.c.id > last).order_by(t.c.id).limit(batch_size)
                ).mappings().all()
                if not rows:
                    break
                params = []
                for row in rows:
                    if self.skip_settled and self.settled(spec, row):
                        self.keep(spec, row)
                        continue
                    new = self.rekey_row(spec, dict(row))
                    if any(new[n] != row[n] for n in managed):
                        params.append({"b_id": row["id"], **{f"b_{n}": new[n] for n in managed}})
                if params:
                    conn.execute(stmt, params)
                changed += len(params)
                last = rows[-1]["id"]
        self.report.resealed[t.name] = changed

    def rekey_row(self, spec: _CipherTable, row: dict) -> dict:
        """The row under the new key; also records old→new pairs of its blind values."""
        table, uid = spec.table.name, row["uid"]
        out = dict(row)
        as_old = [dict(row) for _ in self.olds]  # the row as each old key would have indexed it
        for name in spec.ciphers:
            prefix = name.removesuffix(CIPHER_SUFFIX)
            if row[name] is None:
                siblings = [row[n] for n in spec.indexes if _is_sibling(n, prefix)]
                self.count_orphans(f"{table}.{prefix}_*", siblings)
                continue
            purpose = purpose_of(name, spec.table.c[name].info)
            token, blinds, old_blinds = self.rekey_value(
                purpose, prefix, row[name], aad(table, name, uid), f"{table}.{name}", row["id"]
            )
            out[name] = token
            out.update({k: v for k, v in blinds.items() if k in spec.indexes})
            for old_row, old in zip(as_old, old_blinds):
                old_row.update(old)
        for name in spec.jsons:
            if isinstance(row[name], dict):
                out[name] = self.rekey_json(table, name, uid, row[name], row["id"])
        for fn in self.derived.get(table, []):
            # Keyed values other rooms derive from this row (e.g. a review decision signature).
            new_value = fn(self.vault, SimpleNamespace(**out))
            for old, old_row in zip(self.olds, as_old):
                self.old_to_new[fn(old, SimpleNamespace(**old_row))] = new_value
        return out

    def rekey_json(self, table: str, column: str, uid: str, doc: dict, doc_id: int) -> dict:
        """A JSON document with its ``<p>_cipher`` members re-sealed and ``<p>_index`` redone."""
        out = dict(doc)
        for member in [k for k in doc if k.endswith(CIPHER_SUFFIX) and doc[k]]:
            prefix = member.removesuffix(CIPHER_SUFFIX)
            where = aad(table, f"{column}.{member}", uid)
            token, blinds, _ = self.rekey_value(purpose_of(member), prefix, doc[member], where,
                                                f"{table}.{column}.{member}", doc_id)
            out[member] = token
            out.update({k: v for k, v in blinds.items() if k in doc})
        for member in doc:
            sealed = doc.get(member.removesuffix("_index") + CIPHER_SUFFIX)
            if member.endswith("_index") and not sealed:
                self.count_orphans(f"{table}.{column}.{member}", [doc[member]])
        return out

    def rekey_value(
        self, purpose: str, prefix: str, token: str, where: str, column: str, row_id: int
    ) -> tuple[str, dict, list[dict]]:
        """A token under the active key, its new blind keys, and its blind index per old key."""
        try:
            plain = self.vault.open(purpose, token, where)
        except DecryptError as e:
            raise RotationStopped(
                f"key rotation stopped at {column} of row id {row_id}: {e}. Restore that value "
                f"from a backup (or clear it), then {AGAIN}") from e
        if Vault.token_key_id(token) != self.vault.key_id:
            token = self.vault.seal(purpose, plain, where)
        blinds = blind_columns(self.vault, purpose, prefix, plain)
        # Old values are computed under every old key, not read from the row, so a resumed
        # run still knows the mapping for rows an earlier run already rewrote.
        index = f"{prefix}_index"
        old_blinds = [{index: blind_index(old, purpose, plain)} for old in self.olds]
        if blinds[index]:
            self.old_to_new.update((old[index], blinds[index]) for old in old_blinds)
        return token, blinds, old_blinds

    def count_orphans(self, where: str, values: list) -> None:
        """Count blind keys that sit without a ciphertext to recompute them from."""
        n = sum(1 for v in values if v)
        if n:
            self.report.unrecoverable[where] = self.report.unrecoverable.get(where, 0) + n


def _remap(
    engine: Engine,
    table: Table,
    column: str,
    old_to_new: dict[str, str],
    batch_size: int,
    report: RotationReport,
    current: set[str] = frozenset(),
) -> None:
    """Replace old blind values (whole, or after ``prefix:``) in one reference column;
    ``current`` are values already under the active key (neither mapped nor unmapped)."""
    col = table.c[column]
    stmt = update(table).where(table.c.id == bindparam("b_id")).values({column: bindparam("b_v")})
    last, mapped, unmapped = 0, 0, 0
    new_values = set(old_to_new.values()) | set(current)
    while True:
        with engine.begin() as conn:
            rows = conn.execute(
                select(table.c.id, col).where(table.c.id > last, col.isnot(None))
                .order_by(table.c.id).limit(batch_size)
            ).all()
            if not rows:
                break
            params = []
            for rid, value in rows:
                head, sep, blind = value.rpartition(":")
                if blind in old_to_new:
                    params.append({"b_id": rid, "b_v": f"{head}{sep}{old_to_new[blind]}"})
                elif _looks_blind(blind) and blind not in new_values:
                    unmapped += 1
            if params:
                conn.execute(stmt, params)
            mapped += len(params)
            last = rows[-1][0]
    report.remapped[f"{table.name}.{column}"] = mapped
    report.unmapped[f"{table.name}.{column}"] = unmapped


def _looks_blind(value: str) -> bool:
    """True for a 32-hex-digit blind index (``hh:123`` and other plain keys are not)."""
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def _tokens_under_other_keys(engine: Engine, active_id: str) -> int:
    """How many ciphertext columns hold a token not made under ``active_id``."""
    total = 0
    with engine.connect() as conn:
        for table, name in sealed_columns():
            c = table.c[name]
            total += conn.execute(
                select(func.count()).select_from(table).where(
                    c.isnot(None), ~c.startswith(f"{TOKEN_VERSION}.{active_id}.")
                )
            ).scalar_one()
    return total

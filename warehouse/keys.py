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

from warehouse.crypto import (
    ENV_KEY,
    TOKEN_VERSION,
    Keyring,
    Vault,
    key_id,
    keyring_path,
    load_keyring,
    read_keyring_file,
)
from warehouse.models import Base
from warehouse.sensitive import aad, blind_columns, blind_index, purpose_of

CIPHER_SUFFIX = "_cipher"


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

    def lines(self) -> list[str]:
        """The report as lines for the operator."""
        out = [
            f"{'resumed' if self.resumed else 'new'} rotation to key {self.new_key_id}; "
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


def _plan(home: Path, env: dict) -> tuple[Keyring, bool]:
    """The working keyring (new active key, every old key in ``older``) and whether it resumes."""
    current = load_keyring(home, env)
    path = keyring_path(home)
    stored = read_keyring_file(path) if path.exists() else None
    resumed = bool(stored and stored.older)
    new = stored.active if resumed else os.urandom(32)
    new_id = key_id(new)
    old = {current.active_id: current.active, **current.older}
    if stored:
        old.update(stored.older)
    old.pop(new_id, None)
    ring = Keyring(active=new, older=old, retired=list(current.retired))
    ring.save(path)  # before any row changes: the new key must exist on disk first
    return ring, resumed


def rotate(
    engine: Engine,
    home: Path,
    batch_size: int,
    derived: list[dict] | None = None,
    env: dict | None = None,
) -> RotationReport:
    """Rotate the master key: re-seal, re-index, remap, verify, retire the old keys.

    ``derived`` lists keyed values other rooms compute from a feed record (settings
    ``keys.derived``): ``{"column": "table.column", "function": "module:function"}``.
    """
    env = os.environ if env is None else env
    ring, resumed = _plan(Path(home), env)
    report = RotationReport(
        new_key_id=ring.active_id,
        retired_key_ids=sorted(ring.older),
        key_file=keyring_path(home),
        from_env=bool(env.get(ENV_KEY)),
        resumed=resumed,
    )
    run = _Rotation(ring, report, _load_derived(derived or [], report))
    for spec in cipher_tables():
        run.reseal_table(engine, spec, batch_size)
    for table, column in blind_references():
        _remap(engine, table, column, run.old_to_new, batch_size, report)
    left = _tokens_under_other_keys(engine, ring.active_id)
    if left:
        raise RuntimeError(
            f"{left} ciphertexts were written under an old key during the rotation; "
            "stop the pipeline and run `shouwang keys rotate` again (it resumes)"
        )
    ring.retired = sorted(set(ring.retired) | set(ring.older))
    ring.older = {}
    ring.save(keyring_path(home))
    return report


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

    def __init__(self, ring: Keyring, report: RotationReport, derived: dict[str, list[Callable]]):
        self.vault = Vault(ring)
        self.olds = [Vault(Keyring(active=k)) for k in ring.older.values()]
        self.report = report
        self.derived = derived
        self.old_to_new: dict[str, str] = {}

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
                purpose, prefix, row[name], aad(table, name, uid)
            )
            out[name] = token
            out.update({k: v for k, v in blinds.items() if k in spec.indexes})
            for old_row, old in zip(as_old, old_blinds):
                old_row.update(old)
        for name in spec.jsons:
            if isinstance(row[name], dict):
                out[name] = self.rekey_json(table, name, uid, row[name])
        for fn in self.derived.get(table, []):
            # Keyed values other rooms derive from this row (e.g. a review decision signature).
            new_value = fn(self.vault, SimpleNamespace(**out))
            for old, old_row in zip(self.olds, as_old):
                self.old_to_new[fn(old, SimpleNamespace(**old_row))] = new_value
        return out

    def rekey_json(self, table: str, column: str, uid: str, doc: dict) -> dict:
        """A JSON document with its ``<p>_cipher`` members re-sealed and ``<p>_index`` redone."""
        out = dict(doc)
        for member in [k for k in doc if k.endswith(CIPHER_SUFFIX) and doc[k]]:
            prefix = member.removesuffix(CIPHER_SUFFIX)
            where = aad(table, f"{column}.{member}", uid)
            token, blinds, _ = self.rekey_value(purpose_of(member), prefix, doc[member], where)
            out[member] = token
            out.update({k: v for k, v in blinds.items() if k in doc})
        for member in doc:
            sealed = doc.get(member.removesuffix("_index") + CIPHER_SUFFIX)
            if member.endswith("_index") and not sealed:
                self.count_orphans(f"{table}.{column}.{member}", [doc[member]])
        return out

    def rekey_value(
        self, purpose: str, prefix: str, token: str, where: str
    ) -> tuple[str, dict, list[dict]]:
        """A token under the active key, its new blind keys, and its blind index per old key."""
        plain = self.vault.open(purpose, token, where)
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
) -> None:
    """Replace old blind values (whole, or after ``prefix:``) in one reference column."""
    col = table.c[column]
    stmt = update(table).where(table.c.id == bindparam("b_id")).values({column: bindparam("b_v")})
    last, mapped, unmapped = 0, 0, 0
    new_values = set(old_to_new.values())
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
        for spec in cipher_tables():
            for name in spec.ciphers:
                c = spec.table.c[name]
                total += conn.execute(
                    select(func.count()).select_from(spec.table).where(
                        c.isnot(None), ~c.startswith(f"{TOKEN_VERSION}.{active_id}.")
                    )
                ).scalar_one()
    return total

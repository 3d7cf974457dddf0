"""Keys that refuse (issue 13, defects 6 and 8), through the real CLI on SQLite and PostgreSQL.

A wrong master key, a deleted keyring or an unfinished rotation stops every command before it
writes; a stopped rotation resumes or rolls back and the pipeline then runs cleanly.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import os

import pytest
from alembic import command
from sqlalchemy import MetaData, func, insert, select, text, update

from shouwang.cli import main
from shouwang.context import Context
from warehouse.crypto import ENV_KEY, Vault, check_value, keyring_path, load_keyring
from warehouse.db import alembic_config, make_engine, migrate
from warehouse.identity import make_id
from warehouse.models import FeedRecord, Household, KeyRecord, Person, RiskWarning
from warehouse.sensitive import identity_columns

PERIOD = "2026-10"


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    """A small generated county (roster and eight feeds), shared read-only by the tests."""
    from shouwang_tools.demo.generate import generate_county

    return generate_county(40, PERIOD, tmp_path_factory.mktemp("county"), seed=3)


def cli(ctx, *args: str) -> int:
    """``shouwang --warehouse … --home … ARGS`` in this process."""
    return main(["--warehouse", ctx.warehouse, "--home", str(ctx.home), *args])


def run(ctx, county, tmp_path) -> int:
    """``shouwang run`` for the county's landing folder."""
    return cli(ctx, "run", "--period", PERIOD, "--landing", str(county.landing),
               "--out", str(tmp_path / "out"))


def loaded(ctx, county, tmp_path, capsys, runs: bool = True) -> None:
    """The roster loaded and (``runs``) one clean pipeline run."""
    assert cli(ctx, "registry", "load", str(county.roster)) == 0
    if runs:
        assert run(ctx, county, tmp_path) == 0
    capsys.readouterr()


def row_counts(engine) -> dict[str, int]:
    """Rows per table of the warehouse (what a refused command must leave unchanged)."""
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in meta.sorted_tables}


def random_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def leads(ctx) -> list[tuple]:
    """The lead warnings as (masked ID, risk type, opened period), one per warning."""
    with ctx.engine.connect() as conn:
        return sorted(conn.execute(select(RiskWarning.lead_id_masked, RiskWarning.risk_type,
                                          RiskWarning.opened_period).where(RiskWarning.is_lead)).all())


def tamper(ctx) -> tuple[int, str]:
    """Make one feed record's ciphertext undecryptable (its tag altered); return the original."""
    with ctx.engine.begin() as conn:
        rid, token = conn.execute(
            select(FeedRecord.id, FeedRecord.id_cipher).where(FeedRecord.id_cipher.isnot(None))
            .order_by(FeedRecord.id).offset(60).limit(1)).one()
        bad = token[:-4] + ("AAAA" if token[-4:] != "AAAA" else "BBBB")
        conn.execute(update(FeedRecord).where(FeedRecord.id == rid).values(id_cipher=bad))
    return rid, token


def restore(ctx, rid: int, token: str) -> None:
    """Put the original ciphertext back (what an operator restores from a backup)."""
    with ctx.engine.begin() as conn:
        conn.execute(update(FeedRecord).where(FeedRecord.id == rid).values(id_cipher=token))


def use_key_file(monkeypatch, home) -> None:
    """Do what the operator is told after a rotation: the secret gets the key file's key."""
    monkeypatch.setenv(ENV_KEY, json.loads(keyring_path(home).read_text())["active"])


def test_a_random_master_key_is_refused_before_anything_is_written(ctx, county, tmp_path,
                                                                   capsys, monkeypatch):
    loaded(ctx, county, tmp_path, capsys, runs=False)
    sealed_with = Vault(load_keyring(ctx.home)).key_id
    before = row_counts(ctx.engine)
    monkeypatch.setenv(ENV_KEY, random_key())
    stranger = Vault(load_keyring(ctx.home)).key_id

    assert run(ctx, county, tmp_path) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"sealed with key {sealed_with}; this keyring holds {stranger}" in err
    assert str(keyring_path(ctx.home)) in err and f"set {ENV_KEY} to the key that was used" in err
    assert row_counts(ctx.engine) == before
    assert not (tmp_path / "out").exists()

    # Every writer goes through Context.vault(): the portal, Airflow tasks, review, rotation.
    from warehouse.key_registry import KeyRefused

    with pytest.raises(KeyRefused, match=sealed_with):
        Context(warehouse=ctx.warehouse, home=ctx.home).vault()
    assert cli(ctx, "keys", "rotate") == 1
    assert "sealed with key" in capsys.readouterr().err
    assert row_counts(ctx.engine) == before
    assert not keyring_path(ctx.home).exists(), "a refused rotation must not write a key file"


def test_the_right_key_in_the_file_does_not_excuse_a_wrong_one_in_the_environment(
        ctx, county, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(ENV_KEY)
    assert cli(ctx, "init") == 0
    loaded(ctx, county, tmp_path, capsys, runs=False)
    before = row_counts(ctx.engine)
    monkeypatch.setenv(ENV_KEY, random_key())  # the file's key is still there, as an older one
    assert run(ctx, county, tmp_path) == 1
    assert "this keyring holds" in capsys.readouterr().err
    assert row_counts(ctx.engine) == before


def test_a_deleted_keyring_makes_init_refuse_not_mint(ctx, county, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(ENV_KEY)
    assert cli(ctx, "init") == 0
    sealed_with = Vault(load_keyring(ctx.home)).key_id
    loaded(ctx, county, tmp_path, capsys, runs=False)
    keyring_path(ctx.home).unlink()

    assert cli(ctx, "init") == 1
    err = capsys.readouterr().err
    assert f"sealed with key {sealed_with}" in err and "restore" in err and "Traceback" not in err
    assert not keyring_path(ctx.home).exists(), "init minted a key for a sealed warehouse"
    assert run(ctx, county, tmp_path) == 1
    assert f"sealed with key {sealed_with}" in capsys.readouterr().err


def test_a_fresh_warehouse_registers_its_key_with_a_check_value_not_the_key(ctx, monkeypatch):
    vault = ctx.vault()
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(KeyRecord)).all()
    ring = load_keyring(ctx.home)
    assert [(r.key_id, r.check_value) for r in rows] == [(vault.key_id, check_value(ring.active))]
    assert rows[0].activated_at is not None and rows[0].retired_at is None
    assert base64.urlsafe_b64encode(ring.active).decode().rstrip("=") not in repr(rows)
    # Nothing sealed yet: another key may still take the warehouse over.
    monkeypatch.setenv(ENV_KEY, random_key())
    assert ctx.vault().key_id != vault.key_id


def test_a_key_that_does_not_give_the_registered_check_value_is_refused(ctx, capsys):
    from warehouse.key_registry import KeyRefused

    vault = ctx.vault()
    with ctx.engine.begin() as conn:
        conn.execute(update(KeyRecord).values(check_value="0" * 64))
    with pytest.raises(KeyRefused, match=f"key {vault.key_id} .* check value"):
        ctx.vault()


def test_a_stopped_rotation_blocks_the_run_then_resumes_cleanly(ctx, county, tmp_path, capsys,
                                                                monkeypatch):
    loaded(ctx, county, tmp_path, capsys)
    first_leads = leads(ctx)
    assert first_leads, "the county needs lead warnings to show duplicates"
    rid, token = tamper(ctx)

    assert cli(ctx, "keys", "rotate", "--batch-size", "10") == 1
    err = capsys.readouterr().err
    assert f"feed_records.id_cipher of row id {rid}" in err
    assert "`shouwang keys rotate` again" in err and "--rollback" in err
    before = row_counts(ctx.engine)
    assert run(ctx, county, tmp_path) == 1
    err = capsys.readouterr().err
    assert "rotation" in err and "unfinished" in err and "--rollback" in err
    assert row_counts(ctx.engine) == before, "a run during an unfinished rotation wrote rows"
    assert cli(ctx, "keys", "rotate") == 1, "the tampered value still stops it"
    capsys.readouterr()

    restore(ctx, rid, token)
    assert cli(ctx, "keys", "rotate", "--batch-size", "10") == 0
    assert "resumed rotation" in capsys.readouterr().out
    use_key_file(monkeypatch, ctx.home)
    assert run(ctx, county, tmp_path) == 0
    assert leads(ctx) == first_leads, "duplicate lead warnings after the rotation"
    assert cli(ctx, "keys", "rotate") == 0, "a later rotation failed"
    use_key_file(monkeypatch, ctx.home)
    assert run(ctx, county, tmp_path) == 0
    assert leads(ctx) == first_leads


def test_a_stopped_rotation_rolls_back_cleanly(ctx, county, tmp_path, capsys, monkeypatch):
    loaded(ctx, county, tmp_path, capsys)
    first_leads = leads(ctx)
    started_with = Vault(load_keyring(ctx.home)).key_id
    with ctx.engine.connect() as conn:
        links = conn.execute(text("SELECT record_id, person_id, status FROM links "
                                  "ORDER BY record_id")).all()
    rid, token = tamper(ctx)
    assert cli(ctx, "keys", "rotate", "--batch-size", "10") == 1
    assert run(ctx, county, tmp_path) == 1
    capsys.readouterr()

    assert cli(ctx, "keys", "rotate", "--rollback") == 0
    out = capsys.readouterr().out
    assert f"key {started_with} is in use again" in out and "match no stored index" not in out
    assert Vault(load_keyring(ctx.home)).key_id == started_with
    assert run(ctx, county, tmp_path) == 0
    assert leads(ctx) == first_leads
    with ctx.engine.connect() as conn:
        assert conn.execute(text("SELECT record_id, person_id, status FROM links "
                                 "ORDER BY record_id")).all() == links
    assert cli(ctx, "keys", "rotate", "--rollback") == 1
    assert "nothing to roll back" in capsys.readouterr().err

    restore(ctx, rid, token)
    assert cli(ctx, "keys", "rotate") == 0, "a later rotation failed"
    use_key_file(monkeypatch, ctx.home)
    assert run(ctx, county, tmp_path) == 0
    assert leads(ctx) == first_leads


IDS = [make_id("500230", dt.date(1980, 1, 1), n, male=n % 2 == 0) for n in range(1, 4)]


def legacy_warehouse(url: str, home) -> Vault:
    """A warehouse at revision 0004 (before the registry) with persons sealed under the key."""
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
    vault = Vault(load_keyring(home))
    with engine.begin() as conn:
        hh = conn.execute(insert(Household).values(household_no="500230000100001")
                          .returning(Household.id)).scalar_one()
        for n, cell in enumerate(IDS):
            uid = f"p{n:031d}"
            cols = identity_columns(vault, "persons", uid, cell)
            conn.execute(insert(Person).values(household_id=hh, name=f"成员{n}", uid=uid, **cols))
    engine.dispose()
    migrate(url)
    return vault


def test_a_warehouse_from_before_the_registry_registers_the_keys_its_rows_name(
        home, warehouse_url):
    vault = legacy_warehouse(warehouse_url, home)
    ctx = Context(warehouse=warehouse_url, home=home)
    assert ctx.vault().key_id == vault.key_id
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(KeyRecord.key_id, KeyRecord.check_value)).all()
    assert rows == [(vault.key_id, check_value(vault.keyring.active))]
    ctx.engine.dispose()


def test_a_warehouse_from_before_the_registry_refuses_a_key_that_did_not_seal_it(
        home, warehouse_url, monkeypatch):
    from warehouse.key_registry import KeyRefused

    vault = legacy_warehouse(warehouse_url, home)
    monkeypatch.setenv(ENV_KEY, random_key())
    ctx = Context(warehouse=warehouse_url, home=home)
    with pytest.raises(KeyRefused, match=f"sealed with key {vault.key_id}"):
        ctx.vault()
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(KeyRecord)).scalar_one() == 0
    ctx.engine.dispose()


def test_a_warehouse_from_before_the_registry_is_registered_only_if_its_sample_opens(
        home, warehouse_url):
    from warehouse.key_registry import KeyRefused

    legacy_warehouse(warehouse_url, home)
    ctx = Context(warehouse=warehouse_url, home=home)
    with ctx.engine.begin() as conn:
        token = conn.execute(select(Person.id_cipher).order_by(Person.id)).scalars().first()
        # A token moved to another row: its key id is right, but it does not open there.
        conn.execute(update(Person).where(Person.uid == "p" + "0" * 30 + "2")
                     .values(id_cipher=token))
    with pytest.raises(KeyRefused, match="does not open persons.id_cipher of row id"):
        ctx.vault()
    with ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(KeyRecord)).scalar_one() == 0
    ctx.engine.dispose()


def test_a_missing_key_is_one_line_for_every_command(ctx, capsys, monkeypatch):
    monkeypatch.delenv(ENV_KEY)
    for command_line in (["link", "--period", PERIOD], ["keys", "rotate"]):
        assert cli(ctx, *command_line) == 1
        err = capsys.readouterr().err
        assert err.startswith("shouwang: error: no master key") and err.count("\n") == 1
        assert "Traceback" not in err and "unexpected" not in err

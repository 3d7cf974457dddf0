"""Portal fixtures: a warehouse seeded with two townships' households, warnings and users."""
from __future__ import annotations

import datetime as dt
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import pytest
from fastapi.testclient import TestClient

import yaml

from matching.explain import render_zh
from portal.auth import Passwords
from tests.support.warehouse import Builder, SyntheticIds, building
from warehouse.models import Alert, FeedBatch, Household, Person, User, RiskWarning, WarningEvidence

PASSWORD = "correct-horse-battery"
TOWN_A, TOWN_B = "龙河镇", "三合街道"
PERIOD = "2026-10"
# The portal refuses a form POST whose Origin is not its own; a browser always sends one.
ORIGIN = "https://testserver"
USERS = {  # name -> (role, township)
    "town_a": ("township", TOWN_A),
    "town_b": ("township", TOWN_B),
    "admin": ("county_admin", None),
    "analyst": ("county_analyst", None),
    "engineer": ("engineer", None),
}


# argon2id at its smallest cost: real hashing and verification, fast enough for many logins.
FAST_ARGON2 = {"time_cost": 1, "memory_cost_kib": 8, "parallelism": 1}


def write_test_settings(home) -> None:
    """A county settings file in ``home`` with the cheap argon2 cost."""
    (home / "settings.yaml").write_text(yaml.safe_dump({"portal": {"argon2": FAST_ARGON2}}),
                                        encoding="utf-8")


@pytest.fixture(autouse=True)
def fast_passwords(home):
    """Every portal test's home carries the cheap argon2 cost."""
    write_test_settings(home)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return Passwords(**FAST_ARGON2).hash(PASSWORD)


@dataclass
class Seed:
    """Ids of what was seeded, by township, and the plaintext IDs that must never leak."""

    warnings: dict[str, list[int]] = field(default_factory=dict)  # township -> warning ids
    code: dict[int, str] = field(default_factory=dict)  # warning id -> its code (W2026-10-00001)
    overdue: dict[str, int] = field(default_factory=dict)  # township -> its overdue warning
    closed: dict[str, int] = field(default_factory=dict)
    review_links: dict[str, int] = field(default_factory=dict)  # township -> link under review
    households: dict[str, int] = field(default_factory=dict)
    plain_ids: list[str] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)


def _add_household(b: Builder, town: str, n: int, region: str) -> tuple[Household, Person, str]:
    """A household of two; returns it, its head and the head's (synthetic) ID."""
    hh = b.household(f"5002300{n:011d}", county="示范县", township=town,
                     village=f"{town[:2]}村{n % 2 + 1}", household_type="脱贫不稳定户",
                     risk_status="风险未消除", income_per_capita=8800.0, size=2)
    head = None
    for i, relation in enumerate(("户主", "配偶")):
        rid = b.ids.new(dt.date(1970 + i, 3, 4), male=(i == 0), seq=n * 10 + i, region=region)
        p = b.person(hh, f"{town[0]}{'甲乙丙丁'[n % 4]}{i}", rid, relation=relation,
                     labour_capacity="普通劳动力")
        head = head or (p, rid)
    return hh, *head


# A match explanation as the linker stores it (matching/explain.py): terms and their text_zh.
EXPLANATION = {
    "prior_weight": -4.7,
    "terms": [{"comparison": "id_index", "level": "exact", "agreed": True, "weight": 13.9,
               "text_zh": "身份证号一致"},
              {"comparison": "name_clean", "level": "exact", "agreed": True, "weight": 2.2,
               "text_zh": "姓名完全一致"},
              {"comparison": "head", "level": "null", "agreed": False, "weight": 0.0,
               "text_zh": "户主身份缺失"}],
    "match_weight": 11.4, "probability": 0.9996, "person_id": 1,
}
EXPLANATION["text_zh"] = render_zh(EXPLANATION)


def _add_warning(b: Builder, seed: Seed, hh: Household, batch: FeedBatch, person: Person,
                 rid: str, n: int, *, level: str, due: dt.date, status: str = "open",
                 link_status: str = "auto") -> RiskWarning:
    rec = b.record(batch, n + 3, person.name, rid, township=hh.township, village=hh.village,
                   fields={"disease_category": "大病"}, raw={})
    link = b.link(rec, person, hh, status=link_status,
                  probability=0.97 if link_status == "auto" else 0.7, match_weight=9.1,
                  explanation=EXPLANATION)
    w = b.warning(f"W{PERIOD}-{n:05d}", f"hh:{hh.id}:{n}", "illness", level, PERIOD,
                  household_id=hh.id, township=hh.township, village=hh.village,
                  reason="卫健：大病确诊", sources=[f"{rec.source_file}#{rec.source_row}"],
                  status=status, due_date=due)
    seed.code[w.id] = w.code
    b.add(WarningEvidence(warning_id=w.id, record_id=rec.id, period=PERIOD, department="health",
                          indicator="disease_category", value="大病", rule="serious_illness"))
    b.task(w, due_date=due, status="done" if status == "closed" else "pending",
           outcome="不符合" if status == "closed" else None)
    if link_status == "review":
        seed.review_links[hh.township] = link.id
    return w


def seed_warehouse(ctx) -> Seed:
    """Two townships, each with three households, warnings (one overdue, one closed), users."""
    seed = Seed()
    today = seed.today
    with building(ctx, SyntheticIds(plain=seed.plain_ids), create_key=True) as b:
        for name, (role, town) in USERS.items():
            b.add(User(name=name, role=role, township=town, password_hash=_password_hash()))
        batch = b.batch("health", PERIOD, "loaded", f"卫健_{PERIOD}.xlsx", rows_read=12,
                        rows_loaded=10, rows_quarantined=2)
        n = 0
        for t, (town, region) in enumerate(((TOWN_A, "500230"), (TOWN_B, "500231"))):
            ids = []
            for k in range(3):
                n += 1
                hh, head, rid = _add_household(b, town, n, region)
                seed.households.setdefault(town, hh.id)
                level, due, status = [("red", today - dt.timedelta(days=3), "open"),
                                      ("orange", today + dt.timedelta(days=4), "open"),
                                      ("yellow", today + dt.timedelta(days=10), "closed")][k]
                w = _add_warning(b, seed, hh, batch, head, rid, n, level=level, due=due,
                                 status=status, link_status="review" if k == 1 else "auto")
                ids.append(w.id)
                if k == 0:
                    seed.overdue[town] = w.id
                if k == 2:
                    seed.closed[town] = w.id
            seed.warnings[town] = ids
            b.add(Alert(period=PERIOD, township=town, village=None, risk_type="illness",
                        households=15 + t))
    return seed


@pytest.fixture
def seed(ctx) -> Seed:
    """The seeded warehouse (SQLite and PostgreSQL)."""
    return seed_warehouse(ctx)


@pytest.fixture
def client(ctx, seed):
    """A TestClient over HTTPS (the session cookie is Secure)."""
    from portal.app import create_app

    with TestClient(create_app(ctx), base_url=ORIGIN, headers={"Origin": ORIGIN}) as c:
        yield c


def token_for(client: TestClient, name: str) -> dict:
    """Authorization headers for user ``name``."""
    r = client.post("/api/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def csrf_token(client: TestClient) -> str:
    """The CSRF token of ``client``'s session, read from the logout form every page carries."""
    page = client.get("/", follow_redirects=True).text
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no csrf_token field on the start page"
    return found.group(1)


def login(client: TestClient, name: str) -> None:
    """Log ``client`` in through the login form (sets the session cookie) and send the
    session's CSRF token with its later requests, as a page's forms do."""
    r = client.post("/login", data={"username": name, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    client.headers["X-CSRF-Token"] = csrf_token(client)


REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(ctx) -> Iterator[str]:
    """`shouwang serve` in a subprocess on a free loopback port; yields its base URL."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "shouwang.cli", "--warehouse", ctx.warehouse, "serve",
         "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"shouwang serve exited: {proc.stderr.read()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("shouwang serve did not start listening within 60 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

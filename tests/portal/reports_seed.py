"""What the self-report and lead tests add to the portal's seeded warehouse: the county's places
(regions, as the roster load writes them), village and grid accounts, and test settings."""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import uuid

import yaml
from sqlalchemy import select

from connectors.regions import region_suffixes, short_name
from tests.portal.conftest import FAST_ARGON2, TOWN_A, TOWN_B, _password_hash
from tests.support.warehouse import SyntheticIds, building
from warehouse.models import Region, User

VILLAGES = {TOWN_A: ["龙河村1", "龙河村2"], TOWN_B: ["三合村1", "三合村2"]}
LOCAL_USERS = {  # name -> (role, township, village, grid)
    "village_a": ("village", TOWN_A, "龙河村1", None),
    "grid_a": ("grid", TOWN_A, "龙河村1", "一组"),
}


def use_settings(ctx, monkeypatch, **sections) -> None:
    """A county settings file (cheap argon2 plus ``sections``) named by SHOUWANG_CONFIG, which
    ``ctx`` and a `shouwang serve` started after this read."""
    data = {"portal": {"argon2": FAST_ARGON2}}
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    # A new file each time: settings are cached per path.
    path = ctx.home / f"settings-{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SHOUWANG_CONFIG", str(path))
    ctx.__dict__.pop("settings", None)  # a cached_property: read the new file


def add_places(ctx, villages: dict[str, list[str]] = VILLAGES) -> None:
    """The county, its townships and their villages (township -> villages), as the roster load
    writes them; only those not there yet."""
    suffixes = region_suffixes(ctx.settings)
    with building(ctx, seal=False) as b:
        have = {(r.level, r.name): r for r in b.session.scalars(select(Region))}

        def place(level: str, name: str, parent: Region | None) -> Region:
            found = have.get((level, name))
            return found or b.add(Region(level=level, name=name,
                                         parent_id=parent.id if parent else None,
                                         short_name=short_name(name, suffixes[level])))

        county = place("county", "示范县", None)
        for town, names in villages.items():
            t = place("township", town, county)
            for v in names:
                place("village", v, t)


def seed_places(ctx) -> None:
    """The county's places and the village and grid accounts."""
    add_places(ctx)
    with building(ctx, seal=False) as b:
        for name, (role, town, village, grid) in LOCAL_USERS.items():
            b.add(User(name=name, role=role, township=town, village=village, grid=grid,
                       password_hash=_password_hash()))


def solve(challenge: dict, **override) -> str:
    """The number the client must find, searched as the browser searches it; the payload."""
    salt = challenge["salt"]
    number = next(n for n in range(challenge["maxnumber"] + 1)
                  if hashlib.sha256(f"{salt}{n}".encode()).hexdigest() == challenge["challenge"])
    data = {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
            "number": number, "salt": salt, "signature": challenge["signature"], **override}
    return base64.b64encode(json.dumps(data).encode()).decode()


def new_person(ids: SyntheticIds, seq: int) -> str:
    """A synthetic resident ID not on the seeded roster (remembered by ``ids``)."""
    return ids.new(dt.date(1985, 6, 7), male=seq % 2 == 0, seq=900 + seq)


def report_body(resident_id: str, phone: str, **changes) -> dict:
    """A valid self-report of 龙河村1, with ``changes``."""
    body = {"name": "周小梅", "resident_id": resident_id, "phone": phone, "township": "龙河",
            "village": "龙河村1", "risk_type": "家里有人生了大病或者受了重伤",
            "description": f"父亲住院，联系我 {phone}，身份证 {resident_id}"}
    body.update(changes)
    return body

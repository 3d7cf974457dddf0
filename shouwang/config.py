"""Configuration: packaged defaults (settings.yaml) overlaid by a county file and the environment.

Thresholds, bands, SLAs and paths live here, never as literals in code.
"""
from __future__ import annotations

import copy
import os
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from shouwang.core.errors import UserError

ENV_HOME = "SHOUWANG_HOME"
ENV_WAREHOUSE = "SHOUWANG_WAREHOUSE"
ENV_CONFIG = "SHOUWANG_CONFIG"


def home(env: dict | None = None) -> Path:
    """SHOUWANG_HOME (default ./var): key file, SQLite warehouse, Airflow home, outputs."""
    env = os.environ if env is None else env
    return Path(env.get(ENV_HOME) or "var").resolve()


def warehouse_url(
    explicit: str | None = None, env: dict | None = None, home_dir: Path | None = None
) -> str:
    """The warehouse SQLAlchemy URL: --warehouse, else SHOUWANG_WAREHOUSE, else SQLite in home."""
    env = os.environ if env is None else env
    base = home_dir or home(env)
    return explicit or env.get(ENV_WAREHOUSE) or f"sqlite:///{base / 'warehouse.db'}"


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in (over or {}).items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


@lru_cache(maxsize=8)
def _load(path: str | None) -> dict:
    text = resources.files("shouwang").joinpath("settings.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if path:
        county = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        _refuse_moved(path, county, data.get("moved_keys") or {})
        data = _merge(data, county)
    return data


def _refuse_moved(path: str, county: dict, moved: dict) -> None:
    """A county file that sets a key of an older release is refused, naming where it went."""
    for old, new in moved.items():
        section, _, key = old.partition(".")
        if isinstance(county.get(section), dict) and key in county[section]:
            raise UserError(f"{path}: {old} is no longer read; it moved to {new}. Set it there "
                            "and remove the old key")


def settings(env: dict | None = None) -> dict:
    """The merged settings: packaged defaults, then SHOUWANG_CONFIG or $SHOUWANG_HOME/settings.yaml."""
    env = os.environ if env is None else env
    path = env.get(ENV_CONFIG)
    if not path:
        candidate = home(env) / "settings.yaml"
        path = str(candidate) if candidate.exists() else None
    return copy.deepcopy(_load(path))

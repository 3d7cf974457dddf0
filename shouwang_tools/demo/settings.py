"""The generator's settings (demo.yaml) and its deterministic random streams."""
from __future__ import annotations

import zlib
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml


def _yaml(name: str) -> dict:
    text = resources.files("shouwang_tools.demo").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=1)
def _load() -> dict:
    cfg = _yaml("demo.yaml")
    extra = _yaml("accuracy.yaml")
    # accuracy.yaml adds mess kinds and the rate shock; a key demo.yaml already has wins there.
    cfg["mess"] = {**cfg["mess"], **{k: v for k, v in extra["mess"].items() if k not in cfg["mess"]}}
    cfg.setdefault("rate_shock", extra["rate_shock"])
    return cfg


def demo_settings() -> dict:
    """The packaged demo.yaml with accuracy.yaml's additions (volumes, mess rates, planted risks
    and shocks, file layouts)."""
    return _load()


def stream(seed: int, *labels: object) -> np.random.Generator:
    """A random generator fixed by the seed and labels (stable across runs and machines)."""
    # crc32, not hash(): Python salts str hashes per process.
    keys = [int(seed)] + [zlib.crc32(str(label).encode("utf-8")) for label in labels]
    return np.random.default_rng(np.random.SeedSequence(keys))

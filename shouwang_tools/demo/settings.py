"""The generator's settings (demo.yaml) and its deterministic random streams."""
from __future__ import annotations

import zlib
from functools import lru_cache
from importlib import resources

import numpy as np
import yaml


@lru_cache(maxsize=1)
def _load() -> dict:
    text = resources.files("shouwang_tools.demo").joinpath("demo.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def demo_settings() -> dict:
    """The packaged demo.yaml (volumes, mess rates, planted risks, file layouts)."""
    return _load()


def stream(seed: int, *labels: object) -> np.random.Generator:
    """A random generator fixed by the seed and labels (stable across runs and machines)."""
    # crc32, not hash(): Python salts str hashes per process.
    keys = [int(seed)] + [zlib.crc32(str(label).encode("utf-8")) for label in labels]
    return np.random.default_rng(np.random.SeedSequence(keys))

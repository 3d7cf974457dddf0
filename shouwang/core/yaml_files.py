"""Reading an operator's YAML file: a mapping, or an error naming the file and what to fix."""
from __future__ import annotations

from pathlib import Path

import yaml


def read_mapping(path: Path, error: type[Exception]) -> dict:
    """The YAML mapping in ``path`` ({} for an empty file); ``error`` names the file otherwise."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise error(f"{path}: not valid YAML ({e}); fix the file and rerun") from e
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping (key: value lines) at the top level; fix the file")
    return data

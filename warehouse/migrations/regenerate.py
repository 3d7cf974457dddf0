"""Regenerate the initial migration from warehouse/models.py (pre-release: one initial revision).

Run `make migration` after changing models.py. Hand-written revisions after 0001 are kept.
"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from alembic import command

from warehouse.db import alembic_config

VERSIONS = Path(__file__).parent / "versions"
INITIAL = "0001"


def main() -> None:
    """Rewrite versions/0001_initial.py to match the models."""
    with tempfile.TemporaryDirectory() as tmp:
        parked = Path(tmp) / "parked"
        parked.mkdir()
        for f in VERSIONS.glob("*.py"):
            if f.name.startswith(INITIAL):
                f.unlink()
            else:
                shutil.move(str(f), parked / f.name)
        url = f"sqlite:///{tmp}/empty.db"
        try:
            command.revision(
                alembic_config(url), message="initial", autogenerate=True, rev_id=INITIAL
            )
        finally:
            for f in parked.glob("*.py"):
                shutil.move(str(f), VERSIONS / f.name)
    print(f"wrote {next(VERSIONS.glob(INITIAL + '*.py'))}")


if __name__ == "__main__":
    main()

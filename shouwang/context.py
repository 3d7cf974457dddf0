"""What every command and task needs: the warehouse URL, SHOUWANG_HOME, settings and the vault."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from shouwang import config


@dataclass
class Context:
    """Resolved global options, shared by the CLI, the DAGs and the tests."""

    warehouse: str = field(default_factory=config.warehouse_url)
    home: Path = field(default_factory=config.home)

    @cached_property
    def settings(self) -> dict:
        """Merged configuration (see shouwang/settings.yaml)."""
        return config.settings()

    @cached_property
    def engine(self):  # -> sqlalchemy.engine.Engine
        """The warehouse engine."""
        from warehouse.db import make_engine

        return make_engine(self.warehouse)

    def vault(self, create: bool = False):  # -> warehouse.crypto.Vault
        """The vault over the configured master key, refused unless the warehouse was sealed
        with it or a rotation is unfinished (warehouse.key_registry); ``create`` makes a key
        on first init, never for a warehouse that holds sealed rows."""
        from warehouse.crypto import Vault
        from warehouse.key_registry import checked_keyring

        sample = int(self.settings["keys"]["registry_sample"])
        return Vault(checked_keyring(self.engine, self.home, create=create, sample=sample))

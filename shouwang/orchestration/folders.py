"""The folders the Airflow tasks read and write: landing (feeds in) and out (lists, digests)."""
from __future__ import annotations

import os
from pathlib import Path

from shouwang.context import Context

ENV_LANDING = "SHOUWANG_LANDING"
ENV_OUT = "SHOUWANG_OUT"


def airflow_settings(ctx: Context) -> dict:
    """The `airflow:` section of the settings."""
    return ctx.settings["airflow"]


def _folder(ctx: Context, env_name: str, key: str) -> Path:
    raw = os.environ.get(env_name) or airflow_settings(ctx)[key]
    path = Path(raw)
    return path if path.is_absolute() else (ctx.home / path).resolve()


def landing_dir(ctx: Context) -> Path:
    """The landing folder: SHOUWANG_LANDING, else settings airflow.landing under SHOUWANG_HOME."""
    return _folder(ctx, ENV_LANDING, "landing")


def out_dir(ctx: Context) -> Path:
    """The output folder for lists and digests: SHOUWANG_OUT, else settings airflow.out."""
    return _folder(ctx, ENV_OUT, "out")

"""Parse-time pieces the DAG files share: assets, schedules and task defaults from settings.

Cheap to import (settings YAML and the Airflow SDK only): the scheduler parses DAG files often.
"""
from __future__ import annotations

import datetime as dt

from shouwang import config, orchestration
from shouwang.core.clock import zone_name

ASSET_SCHEME = "shouwang"
INGESTED_ALIAS = "shouwang_ingested"


def dag_settings() -> dict:
    """The `airflow:` settings section (packaged defaults overlaid by the county's file)."""
    return config.settings()["airflow"]


def sqlite_connect_args() -> dict:
    """Connect args for a SQLite metadata DB: wait for locks instead of failing at 5 s."""
    return {"timeout": dag_settings()["sqlite_busy_timeout_seconds"]}


# Airflow takes connect args by import path (AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS).
SQLITE_CONNECT_ARGS = sqlite_connect_args()
SQLITE_CONNECT_ARGS_PATH = f"{__name__}.SQLITE_CONNECT_ARGS"


def landing_asset(department: str):  # -> airflow.sdk.Asset
    """The asset a department's landed feed updates (posted by the landing watcher or the API)."""
    from airflow.sdk import Asset

    return Asset(name=f"landing_{department}", uri=f"{ASSET_SCHEME}://landing/{department}", group="landing")


def ingested_asset(department: str):  # -> airflow.sdk.Asset
    """The asset feed_ingest updates when a department's feed is loaded into the warehouse."""
    from airflow.sdk import Asset

    return Asset(name=f"ingested_{department}", uri=f"{ASSET_SCHEME}://ingested/{department}", group="ingested")


def ingested_alias():  # -> airflow.sdk.AssetAlias
    """The alias ingest tasks emit through: only departments actually loaded get an event."""
    from airflow.sdk import AssetAlias

    return AssetAlias(INGESTED_ALIAS)


def cron(settings: dict, key: str):  # -> airflow.sdk.CronTriggerTimetable
    """The cron schedule ``settings[key]`` in the county's time zone."""
    from airflow.sdk import CronTriggerTimetable

    return CronTriggerTimetable(settings[key], timezone=zone_name(config.settings()))


def ingest_schedule(settings: dict):  # -> AssetOrTimeSchedule
    """Any department's landing asset, or the monthly backstop cron."""
    from airflow.sdk import AssetAny, AssetOrTimeSchedule

    from connectors.catalog import department_names

    assets = AssetAny(*(landing_asset(d) for d in department_names()))
    return AssetOrTimeSchedule(timetable=cron(settings, "ingest_backstop_cron"), assets=assets)


def publish_schedule(settings: dict):  # -> AssetOrTimeSchedule
    """Any department's ingested asset, or the daily cron (the one-day publication guarantee)."""
    from airflow.sdk import AssetAny, AssetOrTimeSchedule

    from connectors.catalog import department_names

    assets = AssetAny(*(ingested_asset(d) for d in department_names()))
    return AssetOrTimeSchedule(timetable=cron(settings, "publish_cron"), assets=assets)


def sla_schedule(settings: dict):  # -> CronTriggerTimetable
    """The daily verification-deadline check."""
    return cron(settings, "sla_cron")


def start_date(settings: dict) -> dt.datetime:
    """The DAGs' start date, midnight in the county's time zone."""
    import pendulum

    return pendulum.parse(settings["start_date"], tz=zone_name(config.settings()))


def tags(settings: dict, *extra: str) -> list[str]:
    """The project's tags plus the DAG's own."""
    return [*settings["tags"], *extra]


def default_args(settings: dict) -> dict:
    """Retries with exponential backoff, and the failure callback that feeds the digest."""
    return {
        "owner": "shouwang",
        "retries": settings["retries"],
        "retry_delay": dt.timedelta(seconds=settings["retry_delay_seconds"]),
        "retry_exponential_backoff": float(settings["retry_backoff_multiplier"]),
        "max_retry_delay": dt.timedelta(seconds=settings["max_retry_delay_seconds"]),
        "on_failure_callback": orchestration.on_task_failure,
    }


def common_dag_args(settings: dict) -> dict:
    """What every Shouwang DAG shares: start date, no catch-up, one run at a time, task defaults."""
    return {"start_date": start_date(settings), "catchup": False, "max_active_runs": 1,
            "default_args": default_args(settings)}


def period_param():  # -> airflow.sdk.Param
    """The optional `period` run parameter (YYYY-MM) every DAG accepts."""
    from airflow.sdk import Param

    from shouwang.core.periods import PATTERN  # the one YYYY-MM pattern, also the CLI's

    return Param(None, type=["null", "string"], pattern=PATTERN,
                 description="Month to process, YYYY-MM; empty: decided by the trigger")

"""What the Airflow tasks do besides calling the pipeline, one module per job.

- ``folders``: the landing and output folders (env or settings ``airflow:``);
- ``schedule``: which months a run handles and when they are due;
- ``landing``: the feeds waiting in the landing folder and what a file name stands for;
- ``sftp``: pulling feeds from the county's SFTP server into the landing folder;
- ``xcom``: what may pass through XCom (ids, counts, masked text) and idempotency keys;
- ``events``: ``pipeline_events`` rows (late feeds, failures), added once;
- ``publication``: which months' lists are stale, publishing and marking them;
- ``callbacks``: the task-failure callback.

Nothing here imports Airflow at module level, so every function runs (and is tested) without a
scheduler. Values returned here go to XCom: ids, counts, periods and file names only, never
personal data. The names below are re-exported for callers that import the package.
"""
from __future__ import annotations

from shouwang.orchestration.callbacks import on_task_failure
from shouwang.orchestration.events import record_event, report_missing
from shouwang.orchestration.folders import ENV_LANDING, ENV_OUT, airflow_settings, landing_dir, out_dir
from shouwang.orchestration.landing import LandedFile, feed_of, landed_files
from shouwang.orchestration.publication import (
    PUBLICATION_KIND, periods_to_publish, publication_key, publish_and_record, record_published,
)
from shouwang.orchestration.schedule import (
    check_param, feeds_due, periods_from_events, previous_period, run_periods, run_time,
)
from shouwang.orchestration.sftp import pull_sftp
from shouwang.orchestration.xcom import counts_only, ingest_key, safe_summary, scrub

__all__ = [
    "ENV_LANDING", "ENV_OUT", "PUBLICATION_KIND", "LandedFile", "airflow_settings", "check_param",
    "counts_only", "feed_of", "feeds_due", "ingest_key", "landed_files", "landing_dir",
    "on_task_failure", "out_dir", "periods_from_events", "periods_to_publish", "previous_period",
    "publication_key", "publish_and_record", "pull_sftp", "record_event", "record_published",
    "report_missing", "run_periods", "run_time", "safe_summary", "scrub",
]

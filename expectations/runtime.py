"""The process's one ephemeral GX context and one validation definition per department.

Created on first use, never at import time, so DAG files that import this package parse fast.
"""
from __future__ import annotations

import functools

import great_expectations as gx
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from expectations import custom, suites  # noqa: F401  (custom: registers our expectations with GX)

DATASOURCE = "shouwang"
BATCH = "whole_frame"

# Complete results give every failing row's frame index; values stay out of the results
# (and so out of Data Docs) because ID and phone columns are among them.
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 20,
}


@functools.cache
def context():
    """The ephemeral context: in-memory stores, no analytics, no progress bars."""
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    ctx = gx.get_context(mode="ephemeral", project_config=config)
    ctx.data_sources.add_pandas(DATASOURCE)
    return ctx


@functools.cache
def validation_definition(department: str) -> gx.ValidationDefinition:
    """The department's suite bound to a whole-dataframe batch of its own asset."""
    ctx = context()
    suite = ctx.suites.add(suites.build(department))
    asset = ctx.data_sources.get(DATASOURCE).add_dataframe_asset(department)
    batch = asset.add_batch_definition_whole_dataframe(BATCH)
    return ctx.validation_definitions.add(gx.ValidationDefinition(name=department, data=batch, suite=suite))

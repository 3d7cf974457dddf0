"""Run expectations on a small frame through the process's GX context, outside any department suite."""
from __future__ import annotations

import uuid

import great_expectations as gx
import pandas as pd

from expectations import runtime


def run_suite(expectations: list, frame: pd.DataFrame, parameters: dict | None = None):
    """The suite result of ``expectations`` on ``frame`` (fresh suite and asset each call)."""
    ctx = runtime.context()
    name = f"alone_{uuid.uuid4().hex[:8]}"
    suite = ctx.suites.add(gx.ExpectationSuite(name=name, expectations=expectations))
    batch = ctx.data_sources.get(runtime.DATASOURCE).add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
    definition = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
    return definition.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=parameters or {},
        result_format=runtime.RESULT_FORMAT,
    )


def run_alone(expectation, frame: pd.DataFrame, parameters: dict | None = None):
    """The ExpectationValidationResult of one ``expectation`` on ``frame``."""
    return run_suite([expectation], frame, parameters).results[0]

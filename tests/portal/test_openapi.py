"""schemathesis over the OpenAPI schema: generated calls never make the API answer 5xx.

Bounded for speed: a fixed number of derandomized examples per operation, generation mode
(valid and invalid input) and caller (township verifier, county admin, engineer, nobody).
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.portal.conftest import token_for

EXAMPLES = 8


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_api_has_no_server_errors(client, mode):
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/token", "/api/queue",
                                              "/api/warnings/{warning_id}/outcome"}
    callers = [token_for(client, u) for u in ("town_a", "admin", "engineer")] + [{}]
    calls: list[int] = []
    for op in operations:
        if mode == GenerationMode.NEGATIVE and not list(op.iter_parameters()) and not op.body:
            continue  # no input to make invalid (e.g. GET /api/reports/challenge)
        for headers in callers:
            _explore(op, mode, headers, calls)
    assert calls and max(calls) < 500


def _explore(operation, mode, headers: dict, calls: list[int]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call_and_validate(headers=headers, checks=[not_a_server_error])
        calls.append(response.status_code)

    check()

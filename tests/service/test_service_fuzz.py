"""Fuzz every operation of the OpenAPI schema (schemathesis, bounded): no answer is a 5xx.

Valid and invalid requests (positive and negative generation), each sent with an admin key so
they reach the routes, not just the key check. The count of cases is printed with -s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from tests.service.conftest import Served, serve
from unmask.service.settings import Limits

EXAMPLES = 10


@pytest.fixture
def fuzzed(tmp_path: Path) -> Iterator[Served]:
    # Small uploads and videos keep each case cheap; the limits are part of what is fuzzed.
    yield from serve(tmp_path / "data", limits=Limits(upload_bytes=200_000, video_seconds=2.0))


def test_no_operation_answers_5xx(fuzzed: Served) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    statuses: Counter[int] = Counter()
    server_errors: list[str] = []
    headers = fuzzed.headers("admin")
    for operation in operations:
        for mode in GenerationMode:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def send(case: schemathesis.Case) -> None:
                response = case.call(headers=headers)
                statuses[response.status_code] += 1
                if response.status_code >= 500:
                    server_errors.append(
                        f"{case.method} {case.formatted_path}: {response.text[:200]}"
                    )

            try:
                send()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing invalid to send (no inputs)
    tried = sum(statuses.values())
    print(
        f"\nfuzzed {len(operations)} operations with {tried} cases: {dict(sorted(statuses.items()))}"
    )
    assert tried >= 10 * len(operations)
    assert server_errors == []

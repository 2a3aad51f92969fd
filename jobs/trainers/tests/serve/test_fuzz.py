"""Property-based fuzzing of every route against the app's own OpenAPI spec: no 5xx, ever.

Schemathesis generates requests from the spec, valid and invalid (wrong types, out-of-range
numbers, odd strings, missing fields); every answer must be a 2xx/4xx in the one error format.
Marked slow (about a minute): run with ``pytest -m slow tests/serve/test_fuzz.py``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from serve_helpers import Shop, fresh_copy

from shopmind.serve import create_app

schemathesis = pytest.importorskip("schemathesis")


@pytest.mark.slow
@pytest.mark.parametrize("role", ["admin", "read", "none"])
def test_no_route_answers_5xx(shop: Shop, tmp_path: Path, role: str) -> None:
    shop = fresh_copy(shop, tmp_path)
    # rate limits off: the fuzzer sends far more than a client would
    app = create_app(replace(shop.settings, rate_limit_per_s=0))
    headers = shop.headers(role) if role != "none" else {}
    from schemathesis.python.asgi import get_client

    # one client for every call: the lifespan (logs opened, release 1 loaded) runs once
    with get_client(app) as client:
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        seen: list[tuple[str, str, int]] = []

        @hypothesis_settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=schema.as_strategy())
        def fuzz(case: schemathesis.Case) -> None:
            response = case.call(session=client, headers=headers)
            seen.append((case.method, case.path, response.status_code))
            assert response.status_code < 500, (case.method, case.path, response.text[:300])
            if response.status_code >= 400:
                body = response.json()
                assert {"error", "message", "request_id"} <= set(body), body

        fuzz()
    routes = {(m, p) for m, p, _ in seen}
    assert len(routes) >= 10, routes  # the fuzzer reached most of the API
    if role == "admin":  # and got past validation to real answers, not only 4xx
        assert sum(1 for *_, status in seen if status < 300) >= 50

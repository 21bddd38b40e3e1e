"""Property-based API test: schemathesis generates requests from the live ``/openapi.json`` (valid
and invalid ones) against the service under uvicorn with a real trained model; every answer must
be a non-5xx status the schema declares, with the declared content type and body schema.

The figures (cases per operation, status codes seen) show in the "serving figures" section of the
terminal summary (``pytest -q`` too); failures list each kind once, with a curl command.
"""

from __future__ import annotations

import collections
import time

import hypothesis
import schemathesis
from hypothesis import strategies as st

from tests.serving.helpers import HEADERS, lead

# Most cases per operation (valid and invalid requests); operations without parameters give one.
# About 190 in all: 20-60 s, mostly generating the predict bodies.
BUDGET = {"POST /v1/predict": 160}
OTHERS = 20
# Operations whose generated requests change what is served; the reload itself is covered by
# tests/serving/test_reload.py (and reloading the same model changes nothing anyway).
SKIP = {"POST /v1/admin/reload"}


def test_generated_requests_get_declared_answers_and_never_a_server_error(live_server,
                                                                          figures):
    from schemathesis import GenerationMode, checks  # checks: loaded on first attribute use

    _, port = live_server
    base = f"http://127.0.0.1:{port}"
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", timeout=10)
    wanted = [checks.not_a_server_error, checks.status_code_conformance,
              checks.content_type_conformance, checks.response_schema_conformance]
    statuses: dict[str, collections.Counter[int]] = {}
    failures: dict[str, str] = {}
    t0 = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        if label in SKIP:
            continue
        seen = statuses.setdefault(label, collections.Counter())
        cases = st.one_of(*(operation.as_strategy(generation_mode=mode, headers=HEADERS)
                            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)))

        def call(case, seen=seen, label=label) -> None:
            response = case.call(base_url=base, timeout=30)
            seen[response.status_code] += 1
            try:
                case.validate_response(response, checks=wanted)
            except Exception as exc:  # schemathesis' FailureGroup: keep one of each kind
                first = str(exc).strip().splitlines()[0]
                failures.setdefault(f"{label}: {first}", str(exc)[:2000])

        hypothesis.settings(max_examples=BUDGET.get(label, OTHERS), deadline=None,
                            database=None, derandomize=True, phases=[hypothesis.Phase.generate],
                            suppress_health_check=list(hypothesis.HealthCheck))(
            hypothesis.given(case=cases)(lambda case: call(case)))()
    took = time.monotonic() - t0
    total = sum(sum(c.values()) for c in statuses.values())
    for label, seen in statuses.items():
        figures(f"{label}: {sum(seen.values())} cases, statuses {dict(sorted(seen.items()))}")
    figures(f"{total} cases in {took:.1f} s, {len(failures)} kinds of failure")
    assert total >= 100
    assert not failures, "\n\n".join(failures.values())


# Dates outside the accepted window (features.dates.DateWindow), each lead by itself and in
# all-or-nothing mode: explicit cases beside the generated ones, through the same checks.
ACT = {"activity_type": "page_view", "occurred_at": "2026-09-02T10:00:00Z"}
OUTSIDE = [lead("L1", scored_at="9999-01-01T00:00:00Z"),
           lead("L1", mql_at="0001-01-01T00:00:00+14:00"),
           lead("L1", activities=[{**ACT, "occurred_at": "0001-01-01T00:00:00Z"}]),
           lead("L1", mql_at="1989-12-31T23:59:59Z", scored_at="1990-01-02T00:00:00Z",
                activities=[]),
           lead("L1", scored_at="2101-01-01T00:00:00Z")]
INSIDE = lead("L1", mql_at="1990-01-01T00:00:00Z", scored_at="2100-12-31T23:59:59Z",
              activities=[{**ACT, "occurred_at": "1990-01-01T00:00:00Z"}])


def test_dates_outside_the_window_get_declared_answers_naming_the_field(live_server):
    from schemathesis import checks

    _, port = live_server
    base = f"http://127.0.0.1:{port}"
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json", timeout=10)
    operation = schema["/v1/predict"]["POST"]
    wanted = [checks.not_a_server_error, checks.status_code_conformance,
              checks.content_type_conformance, checks.response_schema_conformance]
    for bad in OUTSIDE:
        for query, status in (({}, 200), ({"all_or_nothing": "true"}, 422)):
            case = operation.Case(body={"leads": [bad]}, headers=HEADERS, query=query)
            response = case.call(base_url=base, timeout=30)
            case.validate_response(response, checks=wanted)
            assert response.status_code == status, response.text
            problems = (response.json()["errors"][0]["errors"] if status == 200
                        else response.json()["detail"])
            assert [p["type"] for p in problems] == ["date_out_of_range"]
            assert "outside the accepted dates, 1990-01-01T00:00:00Z" in problems[0]["msg"]
    case = operation.Case(body={"leads": [INSIDE]}, headers=HEADERS,
                          query={"all_or_nothing": "true"})
    response = case.call(base_url=base, timeout=30)
    case.validate_response(response, checks=wanted)
    assert response.status_code == 200 and response.json()["errors"] == []

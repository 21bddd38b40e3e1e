"""The API's documentation pages render in a real headless browser with no internet: every host
but the test server's resolves to nothing (``tests.serving.browser.OFFLINE``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from serving.app import create_app
from serving.schemas import PredictResponse
from tests.serving.browser import OFFLINE, console_messages, run_chromium, serving
from tests.serving.helpers import HEADERS

RENDER = "--virtual-time-budget=20000"  # let the page's scripts fetch and draw the schema


@pytest.fixture
def served(settings) -> Iterator[str]:
    with serving(create_app(settings)) as base:
        yield base


def test_docs_and_redoc_load_nothing_from_other_hosts(client):
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        urls = re.findall(r"""(?:src|href)=["']([^"']+)""", page.text)
        assert urls and all(u.startswith("/") for u in urls), urls
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 1000, url


def test_the_documented_examples_are_what_the_service_takes_and_answers(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    request = schemas["PredictRequest"]["examples"][0]
    answer = client.post("/v1/predict", json=request, headers=HEADERS)
    assert answer.status_code == 200, answer.text
    documented = schemas["PredictResponse"]["examples"][0]
    PredictResponse.model_validate(documented)
    real, shown = answer.json(), documented
    assert set(real) == set(shown)
    got, example = real["predictions"][0], shown["predictions"][0]
    assert set(got) == set(example) and got["lead_id"] == example["lead_id"]
    assert set(got["bant"]) == set(example["bant"])
    assert set(got["reasons_up"][0]) == set(example["reasons_up"][0])


def test_swagger_ui_draws_every_endpoint_offline(served, tmp_path):
    dom = run_chromium(tmp_path / "profile", OFFLINE, RENDER, "--dump-dom", f"{served}/docs")
    assert dom.returncode == 0, dom.stderr[-2000:]
    paths = set(re.findall(r'data-path="([^"]+)"', dom.stdout))
    assert {"/v1/predict", "/v1/outcomes", "/readyz"} <= paths, sorted(paths)
    assert "Lead conversion predictor" in dom.stdout
    assert console_messages(dom.stderr) == []


def test_redoc_draws_the_reference_offline(served, tmp_path):
    dom = run_chromium(tmp_path / "profile", OFFLINE, RENDER, "--dump-dom", f"{served}/redoc")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert re.search(r"<h1[^>]*>\s*Lead conversion predictor", dom.stdout), dom.stdout[-3000:]
    assert "/v1/predict" in dom.stdout
    assert "Something went wrong" not in dom.stdout  # ReDoc's own error page


def test_every_json_answer_and_body_is_documented_with_whole_examples_that_validate(client):
    import serving.schemas as schemas_module

    spec = client.get("/openapi.json").json()
    components = spec["components"]["schemas"]
    documented: set[str] = set()
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            refs = [operation.get("responses", {}).get("200", {}).get("content", {})
                    .get("application/json", {}).get("schema", {}).get("$ref")]
            refs.append(operation.get("requestBody", {}).get("content", {})
                        .get("application/json", {}).get("schema", {}).get("$ref"))
            for ref in filter(None, refs):
                name = ref.rsplit("/", 1)[-1]
                assert components[name].get("examples"), f"{method} {path}: {name} has none"
                documented.add(name)
    assert {"PredictRequest", "PredictResponse", "OutcomesRequest", "OutcomesOut",
            "ScoreHistoryOut", "ModelOut", "ReadyOut"} <= documented
    for name in documented:
        model = getattr(schemas_module, name)
        for shown in components[name]["examples"]:
            model.model_validate(shown)

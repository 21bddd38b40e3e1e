"""The README's curl example works as printed, and the answer it shows is the service's."""

from __future__ import annotations

import json
import re
from pathlib import Path

from serving.schemas import PredictResponse
from tests.serving.helpers import HEADERS

README = Path(__file__).resolve().parents[2] / "README.md"


def _serving_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Serving"):text.index("\n## ", text.index("## Serving") + 5)]


def readme_request() -> dict:
    """The JSON body of the section's first ``curl ... /v1/predict -d '...'``."""
    section = _serving_section()
    found = re.search(r"curl -s -X POST localhost:8000/v1/predict .*? -d '(.*?)'\n", section,
                      re.S)
    assert found, "no curl example of POST /v1/predict in the README's Serving section"
    return json.loads(found.group(1))


def readme_answer() -> dict:
    """The first ```json block after that curl example: the answer the README shows."""
    section = _serving_section()
    after = section[section.index("/v1/predict -H"):]
    found = re.search(r"```json\n(.*?)\n```", after, re.S)
    assert found, "the README does not show the answer of its curl example"
    return json.loads(found.group(1))


def _keys(value: object, path: str = "") -> set[str]:
    if isinstance(value, dict):
        return {f"{path}.{k}" for k in value} | {
            key for k, v in value.items() for key in _keys(v, f"{path}.{k}")}
    if isinstance(value, list) and value:
        return _keys(value[0], path + "[]")
    return set()


def test_the_readme_curl_example_is_scored_and_shown_with_the_real_answers_fields(client):
    r = client.post("/v1/predict", json=readme_request(), headers=HEADERS)
    assert r.status_code == 200, r.text
    real = r.json()
    assert real["errors"] == [] and len(real["predictions"]) == 1
    shown = readme_answer()
    PredictResponse.model_validate(shown)
    assert _keys(shown) == _keys(real)
    [lead] = real["predictions"]
    [printed] = shown["predictions"]
    assert lead["scored_at"] == printed["scored_at"] == "2026-09-10T12:00:00Z"
    assert printed["grade"] in ("A", "B") and printed["tier"] == "hot"  # the hot lead it says
    assert all(r["text"] for r in printed["reasons_up"])

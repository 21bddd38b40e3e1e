"""A running service never loads a planted model: the reload is refused, nothing runs, and the
old model keeps serving (the admin reload and the poll alike)."""

from __future__ import annotations

import json

from scoring.bundle import CARD_FILE, MODEL_FILE, sha256_of
from tests.scoring.planted import planted_skops
from tests.serving.helpers import HEADERS, lead, predict


def test_a_planted_model_is_not_loaded_and_the_old_one_keeps_serving(client, models_dir,
                                                                     tmp_path):
    marker = tmp_path / "PWNED"
    before = predict(client, lead()).json()
    folder = (models_dir / "champion").resolve()
    planted_skops(folder / MODEL_FILE, marker)
    card = json.loads((folder / CARD_FILE).read_text())
    card.update(version="666", sha256=sha256_of(folder / MODEL_FILE))
    (folder / CARD_FILE).write_text(json.dumps(card))
    holder = client.app.state.holder
    assert holder.changed()  # the poll sees the new files ...
    r = client.post("/v1/admin/reload", headers=HEADERS)
    assert r.status_code == 409
    assert "signature does not match" in r.json()["detail"]
    assert not marker.exists()  # ... and nothing of them ran
    assert predict(client, lead()).json() == before
    info = client.get("/v1/model", headers=HEADERS).json()
    assert info["version"] == before["model_version"] != "666"
    assert "signature does not match" in info["last_reload_error"]

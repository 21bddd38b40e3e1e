"""The model card (``model.json``) as the API shows it: ``/v1/model`` and ``/v1/importances``."""

from __future__ import annotations

import math

from scoring.load import Loaded
from serving.holder import ModelHolder
from serving.schemas import ImportanceOut, ImportancesOut, ModelOut


def model_out(model: Loaded, holder: ModelHolder) -> ModelOut:
    """The served model's card: identity, provenance, out-of-time test metrics, reload status."""
    card = model.card
    metrics = card.metrics
    tests = {k: float(v) for k, v in metrics.items()
             if k.startswith("test_") and isinstance(v, (int, float)) and math.isfinite(v)}
    text = {k: getattr(card, k) for k in ("alias", "model_name", "trained_at", "run_id")}
    return ModelOut(
        version=model.version, source=model.source, **text,
        horizon_days=card.horizon_days,
        chosen_model=metrics.get("chosen_model"), calibration=metrics.get("calibration"),
        test_metrics=tests, data_fingerprint=card.data_fingerprint,
        loaded_at=model.loaded_at, last_reload_error=holder.last_error,
        last_reload_error_at=holder.last_error_at)


def importances_out(model: Loaded) -> ImportancesOut:
    """The card's global importances (name, label, family, importance, direction)."""
    rows = [ImportanceOut.model_validate({k: r.get(k) for k in ImportanceOut.model_fields})
            for r in model.card.importances]
    return ImportancesOut(model_version=model.version,
                          importances=sorted(rows, key=lambda r: -r.importance))

"""The model card (``model.json``): what a saved model is, how it was made, how to score with it.

One typed, frozen ``ModelCard`` is written by training (``training.publish``), stored beside the
model in the bundle and logged to the MLflow run, and read by the scorers, the service, the report
and the CLI. ``to_dict``/``from_dict`` are the JSON form; keys a newer version adds are kept in
``extra`` so an older reader never drops them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from features.roles import Mapping

Shape = Literal["event", "flat"]
SHAPES: tuple[Shape, ...] = ("event", "flat")


class CardError(ValueError):
    """The card is not a model card this version can read; the message names the key."""


@dataclass(frozen=True)
class ModelCard:
    """A saved model's description.

    Attributes:
        shape: ``event`` (leads + activities, ``features.build``) or ``flat`` (one row per lead of
            a flat export, ``features.flat``, with ``mapping``).
        version, alias, model_name, run_id, trained_at: identity in the MLflow registry.
        horizon_days: the label's horizon (event shape).
        metrics: out-of-time test metrics and run facts (``test_auc``, ``chosen_model``, ...).
        data_fingerprint: hash, counts and dates of the training data.
        features: one record per model input: name, label, family, kind.
        feature_names: the model's input columns, in order (flat shape).
        importances: global importances (name, label, family, importance, std, direction).
        reference: the reference lead of the reasons (training medians and modes).
        checks: a few model-input rows whose probabilities the fast path must reproduce at load.
        leakage: the leakage record (flags with evidence, dropped and kept columns).
        mapping: the flat export's column mapping (``features.roles.Mapping.to_dict``).
        sklearn_version: the scikit-learn that fitted the model.
        sha256, model_file: the model file of the bundle and its checksum.
        extra: keys this version does not know, kept as they were.
    """

    shape: Shape = "event"
    version: str = "unknown"
    alias: str | None = None
    model_name: str = "lead-conversion"
    run_id: str | None = None
    trained_at: str | None = None
    horizon_days: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    data_fingerprint: dict[str, Any] = field(default_factory=dict)
    features: list[dict[str, Any]] = field(default_factory=list)
    feature_names: list[str] = field(default_factory=list)
    importances: list[dict[str, Any]] = field(default_factory=list)
    reference: dict[str, Any] | None = None
    checks: list[dict[str, Any]] = field(default_factory=list)
    leakage: dict[str, Any] = field(default_factory=dict)
    mapping: dict[str, Any] | None = None
    sklearn_version: str | None = None
    sha256: str | None = None
    model_file: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise CardError(f"model card: shape must be one of {SHAPES}, got {self.shape!r}")
        if self.shape == "flat" and not self.mapping:
            raise CardError("model card: a flat-export model needs its column 'mapping'")

    @property
    def is_flat(self) -> bool:
        return self.shape == "flat"

    @property
    def labels(self) -> dict[str, str]:
        """Business label of each model input, by name."""
        return {f["name"]: f.get("label", f["name"]) for f in self.features}

    @property
    def leakage_flags(self) -> list[dict[str, Any]]:
        flags = self.leakage.get("leakage_flags") or self.metrics.get("leakage_flags") or []
        return list(flags)

    @property
    def kept_columns(self) -> list[str]:
        return list(self.metrics.get("kept_columns") or self.leakage.get("kept_columns") or [])

    def replace(self, **changes: Any) -> ModelCard:
        """A copy with ``changes`` (e.g. ``version``, ``alias`` after promotion)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``model.json``)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        return {**self.extra, **out}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        """Read a card's JSON form; unknown keys go to ``extra``, a wrong type is a CardError."""
        if not isinstance(data, dict):
            raise CardError(f"model card: expected a JSON object, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known and v is not None}
        extra = {k: v for k, v in data.items() if k not in known}
        for name in ("metrics", "data_fingerprint", "leakage"):
            if not isinstance(values.get(name, {}), dict):
                raise CardError(f"model card: {name!r} must be an object")
        for name in ("features", "feature_names", "importances", "checks"):
            if not isinstance(values.get(name, []), list):
                raise CardError(f"model card: {name!r} must be a list")
        for name in ("version", "alias", "run_id", "trained_at", "model_name"):
            if name in values:
                values[name] = str(values[name])
        if "horizon_days" in values:
            try:
                values["horizon_days"] = int(values["horizon_days"])
            except (TypeError, ValueError):
                raise CardError("model card: 'horizon_days' must be a whole number") from None
        return cls(**values, extra=extra)

    def flat_mapping(self) -> Mapping:
        """The flat export's column mapping as an object (flat shape only)."""
        from features.roles import Mapping

        if self.mapping is None:
            raise CardError("model card: this model was not trained on a flat export")
        return Mapping.from_dict(self.mapping)

    def request_signature(self) -> tuple[Any, ...]:
        """What the service's request schema depends on: the shape and, for flat models, the
        columns' roles and the id column."""
        if not self.is_flat:
            return ("event",)
        mapping = self.flat_mapping()
        return ("flat", tuple(mapping.roles.items()), mapping.id_column)


def describe_signature(signature: tuple[Any, ...]) -> str:
    """A request schema in words: "event shape" or "flat export with columns ..."."""
    if signature[0] == "event":
        return "event shape"
    return f"flat export with columns {', '.join(c for c, _ in signature[1])}"

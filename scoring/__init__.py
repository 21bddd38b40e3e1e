"""The saved model: bundle format and local store, the typed model card, the scorers (event shape
and flat export, with the compiled fast path), the metrics of scores, and the reading side of the
MLflow registry. Training writes through it; the service, the report and the CLI read through it.
"""

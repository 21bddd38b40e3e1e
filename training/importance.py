"""Global feature importances: permutation importance on held-out data, in business words.

Permutation importance works for any model (logistic or trees, calibrated or not) and is measured
on the features a marketer knows (before encoding), so "Demo requests, last 30 days" is one row,
not a dozen one-hot columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance

from features.build import feature_catalog


def global_importances(model, x: pd.DataFrame, y: np.ndarray, seed: int,
                       max_rows: int = 2000, repeats: int = 3,
                       catalog: pd.DataFrame | None = None, n_jobs: int = 1) -> pd.DataFrame:
    """Importance of each feature (rise in log loss when it is shuffled), most important first.

    Returns name, label, family, importance, std and direction: ``up`` when higher values go with
    higher predictions, ``down`` when lower, ``mixed`` for categories or no clear relation.
    ``catalog`` (name, label, family) defaults to the event-shape ``feature_catalog()``.
    """
    rng = np.random.default_rng(seed)
    rows = rng.choice(len(x), size=min(max_rows, len(x)), replace=False)
    xs, ys = x.iloc[rows], y[rows]
    result = permutation_importance(model, xs, ys, scoring="neg_log_loss", n_repeats=repeats,
                                    random_state=seed, n_jobs=n_jobs)
    predictions = model.predict_proba(xs)[:, 1]
    directions = []
    for name in x.columns:
        values = xs[name]
        if values.dtype.kind != "f" or values.nunique() < 2:
            directions.append("mixed")
            continue
        corr = pd.Series(values.to_numpy()).corr(pd.Series(predictions), method="spearman")
        directions.append("up" if corr > 0.05 else "down" if corr < -0.05 else "mixed")
    catalog = (feature_catalog() if catalog is None else catalog).set_index("name")
    frame = pd.DataFrame({
        "name": list(x.columns),
        "importance": result.importances_mean,
        "std": result.importances_std,
        "direction": directions,
    })
    frame["label"] = frame["name"].map(catalog["label"]).fillna(frame["name"])
    frame["family"] = frame["name"].map(catalog["family"]).fillna("other")
    return (frame.sort_values("importance", ascending=False, kind="stable")
            .reset_index(drop=True)[["name", "label", "family", "importance", "std", "direction"]])

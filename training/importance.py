"""Global feature importances: permutation importance on held-out data, in business words.

Permutation importance works for any model (logistic or trees, calibrated or not) and is measured
on the features a marketer knows (before encoding), so "Demo requests, last 30 days" is one row,
not a dozen one-hot columns.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import log_loss
from sklearn.utils import check_random_state

from features.build import feature_catalog


def compiled_permutation_scores(model: Any, x: pd.DataFrame, y: np.ndarray, seed: int,
                                repeats: int) -> np.ndarray | None:
    """(n_features, repeats) rise in log loss when each feature of ``x`` is shuffled: what
    scikit-learn's ``permutation_importance(model, x, y, scoring="neg_log_loss",
    n_repeats=repeats, random_state=seed)`` returns as ``importances``, the same shuffles, in a
    fraction of its time; None when ``scoring.compiled`` cannot take the model apart.

    The rows are encoded once (``scoring.compiled``); shuffling a feature shuffles its encoded
    columns. For trees only the trees that split on the feature are walked again
    (``scoring.forest``): every other tree keeps its leaf, so the scores are exact.
    """
    from scoring.compiled import CompiledModel

    try:
        compiled = CompiledModel.from_calibrated(model, x.iloc[:1])
    except Exception:  # not one calibrator on a frozen pipeline: scikit-learn's way
        return None
    z = compiled.encode_frame(x)
    forest = compiled.forest
    if forest is not None:
        leaf = forest.leaf_matrix(z)
        raw0 = forest.baseline + leaf.sum(axis=1)
        nodes = np.arange(len(forest.feature))
        node_tree = np.searchsorted(forest.roots, nodes, side="right") - 1
        internal = forest.left != nodes

    def proba(zp: np.ndarray, columns: np.ndarray) -> np.ndarray:
        if forest is None:
            return compiled.proba_from_encoded(zp)
        trees = np.unique(node_tree[internal & np.isin(forest.feature, columns)])
        if not len(trees):
            return compiled.proba_from_raw(raw0)
        n = len(zp)
        walks = forest.leaves(zp, np.repeat(np.arange(n), len(trees)), np.tile(trees, n))
        raw = raw0 - leaf[:, trees].sum(axis=1) + walks.reshape(n, len(trees)).sum(axis=1)
        return compiled.proba_from_raw(raw)

    baseline = log_loss(y, compiled.proba_from_encoded(z), labels=[0, 1])
    # scikit-learn's shuffles: one seed drawn from random_state, the same sequence per feature,
    # each repeat shuffling the index again and applying it to the already shuffled column
    feature_seed = check_random_state(seed).randint(np.iinfo(np.int32).max + 1)
    out = np.zeros((len(compiled.groups), repeats))
    for j, columns in enumerate(compiled.groups):
        state = check_random_state(feature_seed)
        order = np.arange(len(z))
        zp = z.copy()
        for r in range(repeats):
            state.shuffle(order)
            zp[:, columns] = zp[order][:, columns]
            out[j, r] = log_loss(y, proba(zp, columns), labels=[0, 1]) - baseline
    return out


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
    xs, ys = x.iloc[rows], np.asarray(y)[rows]
    fast = compiled_permutation_scores(model, xs, ys, seed, repeats)
    if fast is not None:
        mean, std = fast.mean(axis=1), fast.std(axis=1)
    else:  # a model ``scoring.compiled`` cannot take apart
        result = permutation_importance(model, xs, ys, scoring="neg_log_loss",
                                        n_repeats=repeats, random_state=seed, n_jobs=n_jobs)
        mean, std = result.importances_mean, result.importances_std
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
        "importance": mean,
        "std": std,
        "direction": directions,
    })
    frame["label"] = frame["name"].map(catalog["label"]).fillna(frame["name"])
    frame["family"] = frame["name"].map(catalog["family"]).fillna("other")
    return (frame.sort_values("importance", ascending=False, kind="stable")
            .reset_index(drop=True)[["name", "label", "family", "importance", "std", "direction"]])

"""The marketers' report: one self-contained HTML page about a model and the leads it learnt from.

What drives conversion (importances in business words, by family, with direction), conversion
rates by source, industry, company size band and MQL month against the 13% benchmark, how far to
trust the score (reliability per score band in plain sentences, lift against the points score),
the BANT picture, the columns the leakage check left out, and the model's facts. It opens with a
"what this means" box (who to call first, which segments convert, what to fix), computed from
the data (``report.insights``); the score tiers follow the drivers; technical metrics sit in a
collapsed block at the end. Charts are HTML/CSS bars (``report.bars``) and inline SVG
(``report.svg``) that stay readable on a 390 px phone; tables scroll sideways there. The CSS is
inline, so the file opens offline and can be mailed; a print stylesheet makes it printable.

``build_report(inputs)`` is pure (``ReportInputs`` -> HTML text) and the same for both data
shapes; the sections' values are computed in ``report.sections`` and written by the Jinja2
templates of ``report/templates``. This module makes the inputs of the event shape:
``inputs_from_run`` from a training run (calibration and lift on the out-of-time test set),
``inputs_from_export`` from any CRM export scored by the champion (calibration on every labelled
lead of that export). Either way the segments and BANT flags are read from the export's leads
table (``lead_segments``), never from the model's inputs. ``report.flat`` does the same for flat
exports. Training writes the report into the champion bundle and logs it to MLflow.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from features import columns
from features.bant import FLAGS, bant_flags
from features.firmographics import firmographic_columns
from features.rules import Rules
from features.source import source_columns
from report import sections
from report.html import render
from report.tables import ReportInputs, card_importances, cohort_coverage
from scoring.card import ModelCard

logger = logging.getLogger(__name__)


VERSION_META = "leadconv-model-version"
SEGMENT_COLUMNS = ("source", "industry", "company_size_band")  # + mql_month, from mql_at


# (id, title, context maker, technical): technical sections are collapsed, at the end.
SECTIONS = (("drivers", "What drives conversion", sections.drivers, False),
            ("tiers", "Who to call: the score tiers", sections.tiers, False),
            ("conversion", "Conversion rate by segment", sections.conversion, False),
            ("trust", "How far to trust the score", sections.trust, False),
            ("bant", "The BANT picture", sections.bant, False),
            ("leakage", "Columns left out: the leakage check", sections.leakage, False),
            ("facts", "Model facts and test metrics (technical)", sections.facts, True))


def build_report(inputs: ReportInputs) -> str:
    """The whole report as one HTML document (charts embedded, no external resource).

    Args:
        inputs: the leads, importances, card and scope of the report (either data shape).

    Returns:
        The page (``report/templates/page.html.j2``): the "what this means" box
        (``report.insights``) and the key numbers first, then each section, its own template
        fed by the function of ``report.sections`` of the same name; the technical one (model
        facts and test metrics) collapsed at the end. The leakage section is shown for flat
        exports and whenever the leakage check flagged a column.
    """
    start = time.perf_counter()
    card = inputs.card
    shown = [(sid, title, make, technical) for sid, title, make, technical in SECTIONS
             if sid != "leakage" or inputs.shape == "flat" or card.leakage_flags]
    parts = [{"id": sid, "title": title, "technical": technical,
              "html": render(f"{sid}.html.j2", **make(inputs))}
             for sid, title, make, technical in shown]
    page = str(render("page.html.j2", card=card, version_meta=VERSION_META, sections=parts,
                      kpis=sections.kpis(inputs), summary=sections.summary(inputs),
                      data=inputs.scope.get("data", ""),
                      trained_on=str(card.trained_at or "?")[:10],
                      conversion=inputs.scope.get("conversion"),
                      horizon_days=card.horizon_days or 90))
    logger.info("report for model v%s built in %.2fs (%d bytes)", card.version,
                time.perf_counter() - start, len(page))
    return page


def lead_segments(leads: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The segments of each lead (``SEGMENT_COLUMNS``), read from the export's leads table.

    The values are those of the features package (``source`` as given, ``industry``, the
    company size band from ``company_size``), computed from the leads table itself and never
    taken from the model's inputs: a column the leakage check dropped from the model is still
    a segment of the report.

    Args:
        leads: the leads table of the contract, indexed by lead id (``lead_id`` column kept).
        rules: the rules of the run (the firmographic family reads its ideal customer profile).

    Returns:
        One row per lead, indexed like ``leads``, with the columns ``SEGMENT_COLUMNS``.
    """
    cols, n = columns.from_frame(leads), len(leads)
    values = {**source_columns(cols, n), **firmographic_columns(cols, n, rules.icp)}
    names = list(SEGMENT_COLUMNS)
    return columns.to_frame({k: values[k] for k in names}, leads.index, names, names)


def _lead_frame(leads: pd.DataFrame, rules: Rules, label: pd.Series, points: pd.Series,
                probability: pd.Series, test_ids: pd.Index) -> pd.DataFrame:
    """The report's leads frame (``ReportInputs.leads``) of the labelled leads ``label.index``:
    segments, MQL time and BANT flags from the leads table, then label, points, probability."""
    ids = label.index
    frame = lead_segments(leads, rules).reindex(ids)
    frame["mql_at"] = leads["mql_at"].reindex(ids)
    frame["label"] = label.astype(float)
    frame["points_score"] = points.reindex(ids).astype(float)
    frame["probability"] = probability.reindex(ids).astype(float)
    frame["is_test"] = ids.isin(test_ids)
    flags = bant_flags(leads, rules)
    for flag in FLAGS:
        frame[f"bant_{flag}"] = flags[f"bant_{flag}"].reindex(ids)
    return frame


def _indexed(leads: pd.DataFrame) -> pd.DataFrame:
    """The leads table indexed by lead id (the ``lead_id`` column kept)."""
    return leads.set_index(pd.Index(leads["lead_id"], name="lead_id"))


def inputs_from_run(crm: Any, prepared: Any, rules: Rules, p_test: np.ndarray,
                    importances: pd.DataFrame, card: ModelCard,
                    parts: pd.DataFrame | None = None) -> ReportInputs:
    """Report inputs of a training run: every labelled lead, scores on the out-of-time test set.

    Segments and BANT flags are read from ``crm.leads``, not from ``prepared.x`` (the model's
    inputs, which lack the columns the leakage check dropped).

    Args:
        crm: the validated export (``features.contract.CrmData``) the run used.
        prepared: ``training.train.Prepared``: ``y`` (labels of the labelled leads),
            ``points`` (points score), ``labels`` (``n_censored``) and ``split`` (``test``,
            ``boundaries``) are read.
        rules: the rules the run used (BANT flags, ideal customer profile).
        p_test: the calibrated model's probabilities for ``prepared.split.test``, in that order.
        importances: the run's global importances.
        card: the run's model card.
        parts: the fit and engagement probabilities of the test leads (``Scorer.parts``),
            indexed by lead id; None: the report has no fit x engagement table.

    Returns:
        The inputs of ``build_report``.
    """
    test = prepared.split.test
    frame = _lead_frame(_indexed(crm.leads), rules, prepared.y, prepared.points,
                        pd.Series(p_test, index=test), test)
    scope = {"data": f"Leads of the training export ({crm.source_dir}), MQL dates "
                     f"{crm.leads['mql_at'].min().date()} to {crm.leads['mql_at'].max().date()}.",
             "evaluated_on": f"the out-of-time test set (the newest labelled leads, MQLs "
                             f"{prepared.split.boundaries.get('test', '')})",
             "n_censored": prepared.labels.n_censored}
    return ReportInputs(frame, importances, card, scope, tiers=rules.tiers, grades=rules.grades,
                        values=prepared.x.reindex(frame.index),
                        cohorts=cohorts_of(prepared.labels), parts=parts)


def cohorts_of(labels: Any) -> pd.DataFrame:
    """``cohort_coverage`` of every lead of a ``features.labels.Labels`` (labelled or not)."""
    frame = labels.frame
    return cohort_coverage(frame["scored_at"],
                           frame["status"].isin(("converted", "not_converted")))


def inputs_from_export(data_dir: str | Path, models_dir: str | Path = "models", *,
                       as_of: str | None = None, rules_path: str | Path | None = None
                       ) -> ReportInputs:
    """Report inputs of a CRM export scored by the champion in ``models_dir``.

    Conversion rates come from the export's labelled leads (horizon of the champion's card);
    calibration and lift are measured on all of them, each scored at its MQL time.
    """
    from features.contract import load_crm
    from features.labels import make_labels
    from features.rules import load_rules
    from features.table import lead_table
    from scoring.event import Scorer

    rules = load_rules(rules_path)
    scorer = Scorer.from_bundle(Path(models_dir) / "champion", rules)
    crm = load_crm(data_dir, as_of=as_of)
    table = lead_table(crm.leads, crm.activities, None, rules=rules)
    labels = make_labels(table["scored_at"], crm.outcomes, crm.as_of,
                         scorer.card.horizon_days or 90)
    labelled = labels.labelled
    ids = labelled.index
    probability = pd.Series(scorer.probabilities(table.loc[ids]), index=ids)
    parts = scorer.parts(table.loc[ids])
    frame = _lead_frame(_indexed(crm.leads), rules, labelled["label"], table["points_score"],
                        probability, ids)
    importances = card_importances(scorer.card)
    scope = {"data": f"Leads of the export {data_dir} (as of {crm.as_of.date()}), scored by "
                     f"the champion v{scorer.version} at their MQL time.",
             "evaluated_on": "every labelled lead of this export",
             "n_censored": labels.n_censored}
    return ReportInputs(frame, importances, scorer.card, scope, tiers=rules.tiers,
                        grades=rules.grades, values=table.reindex(ids),
                        cohorts=cohorts_of(labels), parts=parts)


def report_for_run(crm: Any, prepared: Any, rules: Rules, p_test: np.ndarray,
                   importances: pd.DataFrame, card: ModelCard,
                   parts: pd.DataFrame | None = None) -> str:
    """``build_report(inputs_from_run(...))``: the report training logs and exports."""
    return build_report(inputs_from_run(crm, prepared, rules, p_test, importances, card,
                                        parts))


class ReportView:
    """Shows a report inside a notebook (an isolated iframe, so its CSS stays inside)."""

    def __init__(self, page: str, height: int = 900) -> None:
        self.page = page
        self.height = height

    @classmethod
    def of_champion(cls, models_dir: str | Path = "models") -> ReportView:
        """The report in the champion bundle of ``models_dir``."""
        from scoring.bundle import REPORT_FILE

        return cls((Path(models_dir) / "champion" / REPORT_FILE).read_text(encoding="utf-8"))

    def _repr_html_(self) -> str:
        return str(render("notebook.html.j2", page=self.page, height=self.height))

"""Fit and engagement on the demo: do the parts the model gives (``scoring.families``) follow the
story's true fit and engagement, and how do leads convert in each quadrant?

The demo generator knows each lead's true logit in parts (``demodata.truth.true_parts``): who the
lead is (fit) and what it did (engagement), plus their interaction. Every lead is scored at its
MQL moment by the champion; matured leads (horizon over by the export date) give the conversion.

    python benchmarks/bench_fit_engagement.py [--data demo/data] [--models-dir models]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout too


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path("demo/data"),
                        help="an event-shape demo folder (default: %(default)s)")
    parser.add_argument("--models-dir", type=Path, default=Path("models"),
                        help="local model store holding champion/ (default: %(default)s)")
    args = parser.parse_args()

    from demodata.truth import true_parts
    from features.build import scoring_moments
    from features.contract import load_crm
    from features.labels import make_labels
    from scoring.event import Scorer

    crm = load_crm(args.data)
    scorer = Scorer.from_bundle(args.models_dir / "champion")
    scores = scorer.score(crm.leads, crm.activities, None).set_index("lead_id")
    truth = true_parts(crm.leads, crm.activities).set_index(crm.leads["lead_id"]).add_prefix(
        "true_")
    labels = make_labels(scoring_moments(crm.leads, None), crm.outcomes, crm.as_of,
                         scorer.card.horizon_days or 90).frame["label"]
    frame = scores[["fit", "engagement", "score"]].astype(float).join(truth).join(labels)
    print(f"model v{scorer.version}, {len(frame):,} leads scored at MQL, "
          f"{int(frame['label'].notna().sum()):,} matured")
    print("\nSpearman correlation with the story's true parts (1 = same order):")
    print("                 true fit   true engagement")
    for ours in ("fit", "engagement", "score"):
        row = [frame[ours].corr(frame[f"true_{t}"], method="spearman")
               for t in ("fit", "engagement")]
        print(f"  our {ours:<11} {row[0]:8.3f}   {row[1]:15.3f}")
    cut = scorer.rules.grades.c * 100
    matured = frame[frame["label"].notna()]
    high_fit, high_eng = matured["fit"] >= cut, matured["engagement"] >= cut
    print(f"\nconversion per quadrant (high = part score >= {cut:.0f}, the grade C cut-off), "
          f"matured leads; overall {matured['label'].mean():.1%}:")
    for name, mask in (("high fit, high engagement", high_fit & high_eng),
                       ("high fit, low engagement ", high_fit & ~high_eng),
                       ("low fit, high engagement ", ~high_fit & high_eng),
                       ("low fit, low engagement  ", ~high_fit & ~high_eng)):
        part = matured[mask]
        print(f"  {name}  {len(part):6,} leads  converted {part['label'].mean():6.1%}  "
              f"predicted {part['score'].mean() / 100:6.1%}")


if __name__ == "__main__":
    main()

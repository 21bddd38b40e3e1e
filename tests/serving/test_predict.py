"""POST /v1/predict: what a CRM gets for one lead, a batch, odd input; same as batch scoring."""

from __future__ import annotations

import pandas as pd
import pytest

from cli.main import main as leadconv
from tests.serving.helpers import lead, predict

BANT = ("budget", "authority", "need", "timeline")


def test_predict_one_lead_returns_probability_tier_bant_points_and_version(client):
    r = predict(client, lead())
    assert r.status_code == 200, r.text
    body = r.json()
    version = client.get("/readyz").json()["model_version"]
    assert body["model_version"] == version
    [p] = body["predictions"]
    assert p["lead_id"] == "L1"
    assert 0 < p["probability"] < 1
    assert p["score"] == max(1, round(p["probability"] * 100))
    assert p["tier"] in ("hot", "warm", "cold")
    assert set(p["bant"]) == set(BANT)
    assert p["bant"]["authority"] == {"value": "true",
                                      "reason": "authority: title 'VP Marketing' is VP level"}
    assert p["bant"]["budget"]["value"] == "true"
    assert p["points_score"] > 0
    for key, sign in (("reasons_up", 1), ("reasons_down", -1)):
        reasons = p[key]
        assert len(reasons) <= 3
        assert all(set(x) == {"feature", "label", "value", "text", "contribution"}
                   for x in reasons)
        assert all(x["contribution"] * sign > 0 for x in reasons)
        assert [abs(x["contribution"]) for x in reasons] == sorted(
            (abs(x["contribution"]) for x in reasons), reverse=True)
    assert p["scored_at"] == "2026-09-10T10:00:00Z"


def test_predict_batch_answers_every_lead_in_request_order(client):
    ids = [f"B{i:03d}" for i in range(25)]
    leads = [lead(i, company_size=10 * n, activities=[]) for n, i in enumerate(ids)]
    r = predict(client, *leads)
    assert r.status_code == 200, r.text
    assert [p["lead_id"] for p in r.json()["predictions"]] == ids


def test_predict_tier_follows_the_rules_cut_offs(client):
    from features.rules import load_rules

    tiers = load_rules().tiers
    for p in predict(client, *[lead(f"T{i}", company_size=i * 100) for i in range(10)]
                     ).json()["predictions"]:
        expected = ("hot" if p["probability"] >= tiers.hot
                    else "warm" if p["probability"] >= tiers.warm else "cold")
        assert p["tier"] == expected


def _request_leads(demo_dir, ids: list[str]) -> list[dict[str, object]]:
    """Request bodies built from the raw export rows (as a CRM would send them), scored at MQL."""
    raw = pd.read_csv(demo_dir / "leads.csv", dtype="str", keep_default_na=False)
    acts = pd.read_csv(demo_dir / "activities.csv", dtype="str", keep_default_na=False)
    acts = acts[acts["lead_id"].isin(ids)]
    by_lead = {k: g for k, g in acts.groupby("lead_id")}
    numeric = ("company_size", "annual_revenue", "budget")
    out = []
    for row in raw[raw["lead_id"].isin(ids)].to_dict(orient="records"):
        item: dict[str, object] = {k: (float(v) if k in numeric else v)
                                   for k, v in row.items() if v != ""}
        item["scored_at"] = row["mql_at"]
        group = by_lead.get(row["lead_id"], acts.iloc[:0])
        item["activities"] = [
            {k: v for k, v in a.items() if k != "lead_id" and v != ""}
            for a in group.to_dict(orient="records")]
        out.append(item)
    return out


def test_predict_equals_leadconv_score_at_mql_on_the_same_leads(client, trained, demo_dir,
                                                                tmp_path):
    """No train/serve skew: the HTTP path and the batch CLI give the same probabilities."""
    out = tmp_path / "scores.csv"
    code = leadconv(["score", "--data", str(demo_dir), "--out", str(out), "--at", "mql",
                     "--models-dir", str(trained / "models")])
    assert code == 0
    batch = pd.read_csv(out, dtype={"lead_id": "str"}).set_index("lead_id")
    ids = batch.index[::15].tolist()  # 200 leads, every kind of row the demo writes
    r = predict(client, *_request_leads(demo_dir, ids))
    assert r.status_code == 200, r.text
    served = pd.DataFrame(r.json()["predictions"]).set_index("lead_id").loc[ids]
    expected = batch.loc[ids]
    assert served["probability"].to_numpy() == pytest.approx(
        expected["probability"].to_numpy(), abs=1e-12)
    assert (served["tier"] == expected["tier"]).all()
    assert (served["points_score"] == expected["points_score"]).all()
    for flag in BANT:
        values = served["bant"].map(lambda b, f=flag: b[f]["value"])
        assert (values == expected[f"bant_{flag}"]).all(), flag


def test_predict_equals_the_in_process_scorer_on_the_loaded_crm(client, demo_dir, demo_crm):
    loaded = client.app.state.holder.current
    ids = demo_crm.leads["lead_id"].iloc[1::37].tolist()
    leads = demo_crm.leads[demo_crm.leads["lead_id"].isin(ids)]
    acts = demo_crm.activities[demo_crm.activities["lead_id"].isin(ids)]
    expected = loaded.scorer.score(leads, acts, None).set_index("lead_id")["probability"]
    r = predict(client, *_request_leads(demo_dir, ids))
    assert r.status_code == 200, r.text
    got = pd.DataFrame(r.json()["predictions"]).set_index("lead_id")["probability"]
    assert got.loc[ids].to_numpy() == pytest.approx(expected.loc[ids].to_numpy(), abs=1e-12)


def test_unknown_source_industry_and_activity_type_are_scored_not_rejected(client):
    known = predict(client, lead()).json()["predictions"][0]
    r = predict(client, lead(source="TikTok Ads", industry="Space Mining", activities=[
        {"activity_type": "podcast_listen", "occurred_at": "2026-09-02T10:00:00Z"}]))
    assert r.status_code == 200, r.text
    p = r.json()["predictions"][0]
    assert 0 < p["probability"] < 1
    assert p["probability"] != known["probability"]


def test_lead_without_declared_fields_gets_unknown_bant_flags_with_reasons(client):
    bare = {"lead_id": "bare", "mql_at": "2026-09-01T10:00:00Z"}
    r = predict(client, bare)
    assert r.status_code == 200, r.text
    bant = r.json()["predictions"][0]["bant"]
    assert {flag: bant[flag]["value"] for flag in BANT} == dict.fromkeys(BANT, "unknown")
    assert bant["budget"]["reason"] == "budget: no budget declared"
    assert bant["authority"]["reason"] == "authority: no job title"
    assert bant["need"]["reason"] == "need: no pain point given"
    assert bant["timeline"]["reason"] == "timeline: no purchase timeframe given"


def test_activities_after_scored_at_do_not_change_the_score(client):
    later = {"activity_type": "demo_request", "occurred_at": "2026-09-20T10:00:00Z"}
    base = predict(client, lead()).json()["predictions"][0]["probability"]
    with_later = predict(client, lead(activities=[*lead()["activities"], later]))
    assert with_later.json()["predictions"][0]["probability"] == base
    scored_later = predict(client, lead(activities=[*lead()["activities"], later],
                                        scored_at="2026-09-21T10:00:00Z"))
    assert scored_later.json()["predictions"][0]["probability"] != base


def test_naive_and_offset_timestamps_are_read_as_utc(client):
    utc = predict(client, lead()).json()["predictions"][0]
    naive = predict(client, lead(mql_at="2026-09-01T10:00:00",
                                 scored_at="2026-09-10T12:00:00+02:00")).json()["predictions"][0]
    assert naive["scored_at"] == utc["scored_at"]
    assert naive["probability"] == utc["probability"]


def test_scored_at_defaults_to_now(client):
    p = predict(client, lead(scored_at=None)).json()["predictions"][0]
    age = pd.Timestamp.now(tz="UTC") - pd.Timestamp(p["scored_at"])
    assert pd.Timedelta(0) <= age < pd.Timedelta(minutes=1)


def test_text_is_normalised_like_the_contract(client):
    tidy = predict(client, lead()).json()["predictions"][0]
    messy = predict(client, lead(source="  Paid Search ", industry="SOFTWARE", country=" us",
                                 purchase_timeframe="0-3 MONTHS", activities=[
        {"activity_type": "Pricing Page View", "occurred_at": "2026-09-02T10:00:00Z"},
        {"activity_type": "demo-request", "occurred_at": "2026-09-05T10:00:00Z",
         "content_stage": "bottom"}])).json()["predictions"][0]
    assert messy["probability"] == tidy["probability"]
    assert messy["bant"] == tidy["bant"]


def test_fit_follows_who_the_lead_is_and_engagement_what_it_does(client):
    from features.rules import load_rules

    active = lead("active")
    idle = lead("idle", activities=[])
    student = lead("student", industry="education", company_size=3, job_title="Student",
                   budget=None, purchase_timeframe="12+ months")
    r = predict(client, active, idle, student)
    assert r.status_code == 200, r.text
    assert r.json()["schema_version"] == "2"
    a, i, s = r.json()["predictions"]
    assert a["fit"] == i["fit"] and a["engagement"] > i["engagement"]
    assert a["engagement"] == s["engagement"] and a["fit"] > s["fit"]
    grades = load_rules().grades
    for p in (a, i, s):
        assert p["grade"] == grades.grade([p["probability"]])[0]
        for part in ("fit", "engagement"):
            assert 1 <= p[part] <= 100
            assert p[f"{part}_grade"] == grades.grade([p[part] / 100])[0] or \
                abs(p[part] / 100 - grades.cut_offs()[p[f"{part}_grade"]]) < 0.005
    texts = [x["text"] for x in a["reasons_up"] + a["reasons_down"]]
    assert texts and all(t and "_" not in t for t in texts)

"""The registered model in Spark: ``mlflow.pyfunc.spark_udf(spark, uri)`` with its default
arguments, applied with no column names, scores raw leads; its result is a struct of the named
outputs, so P(yes) is ``prediction.probability`` (``scoring.pyfunc``)."""

from __future__ import annotations

import numpy as np

MODEL_URI = "models:/lead-conversion@champion"


def test_spark_udf_with_default_arguments_returns_p_yes_by_name(spark, trained, demo_crm):
    import mlflow
    from mlflow.models import get_model_info

    from scoring.event import Scorer
    from scoring.pyfunc import OUTPUT_COLUMNS, event_rows

    mlflow.set_tracking_uri(f"sqlite:///{trained / 'mlflow.db'}")
    mlflow.set_registry_uri(f"sqlite:///{trained / 'mlflow.db'}")  # an earlier test's stays set
    leads = demo_crm.leads.iloc[:60].reset_index(drop=True)
    activities = demo_crm.activities[demo_crm.activities["lead_id"].isin(set(leads["lead_id"]))]
    rows = event_rows(leads, activities, demo_crm.as_of)
    from pyspark.sql.types import StructField, StructType

    signature = get_model_info(MODEL_URI).signature.inputs.as_spark_schema()  # text, doubles
    schema = StructType([StructField(f.name, f.dataType, nullable=True) for f in signature])
    frame = spark.createDataFrame(rows, schema=schema).repartition(2)  # two batches

    udf = mlflow.pyfunc.spark_udf(spark, MODEL_URI)  # default arguments
    scored = frame.withColumn("prediction", udf())  # no column names: the signature's
    fields = scored.schema["prediction"].dataType.fieldNames()
    assert fields == list(OUTPUT_COLUMNS)
    got = (scored.select("lead_id", "prediction.probability", "prediction.score").toPandas()
           .set_index("lead_id").loc[list(leads["lead_id"])])

    expected = Scorer.from_bundle(trained / "models" / "champion").score(
        leads, activities, demo_crm.as_of).set_index("lead_id")
    np.testing.assert_allclose(got["probability"].to_numpy(),
                               expected["probability"].to_numpy(), rtol=0, atol=1e-9)
    assert list(got["score"]) == list(expected["score"])

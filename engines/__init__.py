"""Engines that run the product's own feature and scoring code on data too big for one process.

``engines.spark`` runs ``features.contract.validate_frames``, ``features.build.build_features``
and ``scoring.event.Scorer`` per bucket of leads on Apache Spark (``pip install
'leadconv[spark]'``). pyspark is imported only when a Spark engine runs: nothing else needs it.

* ``engines.spark_buckets``: what runs per bucket (pandas only, no pyspark): validation,
  scores, features, and the rows they become;
* ``engines.spark_read``: the event tables as Spark DataFrames (folders or tables by name),
  timestamps zone-free, each row numbered and bucketed by a hash of its ``lead_id``;
* ``engines.spark``: the driver side: session, ``as_of``, the passes, the output tables.
"""

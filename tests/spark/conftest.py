"""The Spark session of the test run: ONE per test process (``local[2]``, session time zone UTC,
few shuffle partitions, no UI), shared by every test file of ``tests/spark/``. Starting it takes
a minute or more on a small machine, so keep Spark tests in few files (``make test`` gives each
file to one worker: only workers that run a Spark file start a session)."""

from __future__ import annotations

import os
import sys

import pytest


@pytest.fixture(scope="session")
def spark(model_key_home, tmp_path_factory):
    """A ``local[2]`` SparkSession (UTC session zone, 4 shuffle partitions, UI off, tables in
    a temporary warehouse). Its Python workers inherit this process's environment, the
    session's model key included."""
    from pyspark.sql import SparkSession  # fails, never skips, without the extra (make test)

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers run this venv's Python

    session = (SparkSession.builder.master("local[2]").appName("leadconv-tests")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("warehouse")))
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()

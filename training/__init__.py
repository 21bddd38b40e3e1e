"""Labels, splits, model fitting, calibration, evaluation, MLflow tracking and the model store."""

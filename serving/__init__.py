"""FastAPI service: scoring, BANT flags, reasons, model metadata."""

"""Data contract, validation, point-in-time features, BANT rules, points score and demo data."""

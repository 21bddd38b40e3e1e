"""The demo CRM history generator (event shape and flat export), with each lead's true
probability: the tests' data and the quickstart's default; and a second, independent generator
of a vendor-style flat export (``demodata.vendor``) that guards against tuning to the first."""

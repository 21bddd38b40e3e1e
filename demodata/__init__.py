"""The demo CRM history generator (event shape and flat export), with each lead's true
probability: the tests' data and the quickstart's default."""

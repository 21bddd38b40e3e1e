"""The `leadconv` command: thin verbs over the library."""

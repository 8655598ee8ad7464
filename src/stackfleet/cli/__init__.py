"""The `stackfleet` command line."""

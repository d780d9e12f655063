"""Commands of a later issue (registered in ordercli.cli)."""

"""Use cases: one function each, keyword-only arguments, a Session in, one commit.

Services never print or prompt. They raise :mod:`ordercli.errors` exceptions
that the CLI turns into messages and exit codes.
"""

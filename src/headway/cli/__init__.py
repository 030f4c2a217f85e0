"""The ``headway`` command: run the server, load the demo, and work with OKRs, KPIs and tokens.

The typer app lives in :mod:`headway.cli.main`; Django is set up only when a command needs it,
so ``headway --help`` works without a database.
"""

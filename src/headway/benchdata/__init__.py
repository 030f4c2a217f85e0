"""A deterministic large organization for benchmarks: ``headway bench-data`` (issue 8).

:mod:`headway.benchdata.generate` plans the rows and their stored derived values with the pure
core; :mod:`headway.benchdata.load` writes them (COPY on PostgreSQL, executemany on SQLite);
:mod:`headway.benchdata.digest` fingerprints an organization's rows to check determinism.
Import the submodules after Django is set up.
"""

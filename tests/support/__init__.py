"""What the test suites share, so that no suite imports another suite's private helpers.

One module a concern: ``settings`` (settings for a sync against a sandbox), ``truth`` (rows
canonicalised per catalog type and compared with the sandbox's truth), ``tables`` (reading a
destination back: DuckDB, any dlt destination, PostgreSQL, Delta), ``runs`` (in-process syncs),
``cli`` (the ``visma-hrm`` command, in a subprocess or in-process), ``sandbox_api`` (the sandbox
over plain httpx), ``hr_tables`` (hand-made HR tables for rule tests), ``hr_reference`` (the
analytics definitions computed in plain Python) and ``postgres_server`` (a real PostgreSQL
server for the session, and a fresh schema per test).
"""

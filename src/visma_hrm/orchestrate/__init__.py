"""visma-hrm under an orchestrator: one tenant per partition (Dagster) or mapped task (Airflow).

``tenants`` and ``run`` know nothing of either orchestrator: which tenants are configured, and
one tenant's sync through ``visma_hrm_source`` in a working folder of its own, with where it
starts read from the destination. ``dagster_defs`` and ``airflow_dag`` wrap them; each imports
its orchestrator, so import only the one you installed (``visma-hrm[dagster]`` or
``visma-hrm[airflow]``). See ``docs/scale.md``.
"""

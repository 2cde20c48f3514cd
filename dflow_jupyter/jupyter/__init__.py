"""Jupyter integration: the ``%%dflow_op``/``%%dflow_workflow``/``%dflow`` magics and the CLI."""

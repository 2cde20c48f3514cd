"""dflow_jupyter: the dflow programming model, notebook-first.

dflow code ports by changing ``dflow`` to ``dflow_jupyter`` in its imports. The default backend
is the in-process debug engine, so workflows run with no cluster and no configuration.
Names are loaded on first use, which keeps ``import dflow_jupyter`` fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Imported eagerly (it is tiny) so that the name ``config`` is the settings dict, not the
# ``dflow_jupyter.config`` module, whichever is imported first (as in dflow).
from dflow_jupyter.config import config, s3_config, set_config, set_s3_config

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # composition
    "Workflow": "dflow_jupyter.model.workflow",
    "Step": "dflow_jupyter.model.step",
    "Steps": "dflow_jupyter.model.steps",
    "DAG": "dflow_jupyter.model.dag",
    "Task": "dflow_jupyter.model.dag",
    # templates and their signatures
    "OPTemplate": "dflow_jupyter.model.templates",
    "ShellOPTemplate": "dflow_jupyter.model.templates",
    "PythonScriptOPTemplate": "dflow_jupyter.model.templates",
    "Inputs": "dflow_jupyter.model.signature",
    "Outputs": "dflow_jupyter.model.signature",
    "InputParameter": "dflow_jupyter.model.declarations",
    "InputArtifact": "dflow_jupyter.model.declarations",
    "OutputParameter": "dflow_jupyter.model.declarations",
    "OutputArtifact": "dflow_jupyter.model.declarations",
    "ArgoVar": "dflow_jupyter.model.expressions",
    "IfExpression": "dflow_jupyter.model.expressions",
    "if_expression": "dflow_jupyter.model.expressions",
    # fan-out helpers
    "argo_range": "dflow_jupyter.model.argo_funcs",
    "argo_sequence": "dflow_jupyter.model.argo_funcs",
    "argo_len": "dflow_jupyter.model.argo_funcs",
    "argo_enumerate": "dflow_jupyter.model.argo_funcs",
    "argo_sum": "dflow_jupyter.model.argo_funcs",
    "argo_concat": "dflow_jupyter.model.argo_funcs",
    # artifacts and storage
    "upload_artifact": "dflow_jupyter.storage",
    "download_artifact": "dflow_jupyter.storage",
    "S3Artifact": "dflow_jupyter.storage",
    "LocalArtifact": "dflow_jupyter.storage",
    "StorageClient": "dflow_jupyter.storage",
    # settings
    # extension points
    "Executor": "dflow_jupyter.model.executor",
    "Context": "dflow_jupyter.model.executor",
    # queries and events
    "query_workflows": "dflow_jupyter.status.listing",
    "ArgoWorkflow": "dflow_jupyter.status.query",
    "ArgoStep": "dflow_jupyter.status.query",
    "events": "dflow_jupyter.status.events",
}

__all__ = [
    "DAG",
    "ArgoStep",
    "ArgoVar",
    "ArgoWorkflow",
    "Context",
    "Executor",
    "IfExpression",
    "InputArtifact",
    "InputParameter",
    "Inputs",
    "LocalArtifact",
    "OPTemplate",
    "OutputArtifact",
    "OutputParameter",
    "Outputs",
    "PythonScriptOPTemplate",
    "S3Artifact",
    "ShellOPTemplate",
    "Step",
    "Steps",
    "StorageClient",
    "Task",
    "Workflow",
    "argo_concat",
    "argo_enumerate",
    "argo_len",
    "argo_range",
    "argo_sequence",
    "argo_sum",
    "config",
    "download_artifact",
    "events",
    "if_expression",
    "query_workflows",
    "s3_config",
    "set_config",
    "set_s3_config",
    "upload_artifact",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dflow_jupyter' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dflow_jupyter``: register the magics (imported only now)."""
    from dflow_jupyter.jupyter.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from dflow_jupyter.jupyter.magics import unload_ipython_extension as unload

    unload(ipython)


if TYPE_CHECKING:  # pragma: no cover - names for type checkers and IDEs
    from dflow_jupyter.model.argo_funcs import (
        argo_concat,
        argo_enumerate,
        argo_len,
        argo_range,
        argo_sequence,
        argo_sum,
    )
    from dflow_jupyter.model.dag import DAG, Task
    from dflow_jupyter.model.declarations import (
        InputArtifact,
        InputParameter,
        OutputArtifact,
        OutputParameter,
    )
    from dflow_jupyter.model.executor import Context, Executor
    from dflow_jupyter.model.expressions import ArgoVar, IfExpression, if_expression
    from dflow_jupyter.model.signature import Inputs, Outputs
    from dflow_jupyter.model.step import Step
    from dflow_jupyter.model.steps import Steps
    from dflow_jupyter.model.templates import OPTemplate, PythonScriptOPTemplate, ShellOPTemplate
    from dflow_jupyter.model.workflow import Workflow
    from dflow_jupyter.status.events import events
    from dflow_jupyter.status.listing import query_workflows
    from dflow_jupyter.status.query import ArgoStep, ArgoWorkflow
    from dflow_jupyter.storage import (
        LocalArtifact,
        S3Artifact,
        StorageClient,
        download_artifact,
        upload_artifact,
    )

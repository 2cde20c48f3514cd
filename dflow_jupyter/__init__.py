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
from dflow_jupyter.config import (
    config as config,
    s3_config as s3_config,
    set_config as set_config,
    set_s3_config as set_s3_config,
)

__version__ = "0.1.0"

#: Every public name and the module that defines it: the one list ``__all__``, ``__dir__`` and the
#: lazy ``__getattr__`` are derived from (the ``TYPE_CHECKING`` imports below mirror it for static
#: tools; a test checks that they agree).
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
    # expressions and fan-out helpers
    "ArgoVar": "dflow_jupyter.model.expressions",
    "IfExpression": "dflow_jupyter.model.expressions",
    "if_expression": "dflow_jupyter.model.expressions",
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
    # settings (imported eagerly above)
    "config": "dflow_jupyter.config",
    "s3_config": "dflow_jupyter.config",
    "set_config": "dflow_jupyter.config",
    "set_s3_config": "dflow_jupyter.config",
    # extension points
    "Executor": "dflow_jupyter.model.executor",
    "Context": "dflow_jupyter.model.executor",
    "Resource": "dflow_jupyter.model.resource",
    "ContainerExecutor": "dflow_jupyter.plugins.container",
    "SlurmJob": "dflow_jupyter.plugins.slurm",
    "SlurmJobTemplate": "dflow_jupyter.plugins.slurm",
    # queries and events
    "query_workflows": "dflow_jupyter.backend.queries",
    "ArgoWorkflow": "dflow_jupyter.status.query",
    "ArgoStep": "dflow_jupyter.status.query",
    "events": "dflow_jupyter.status.events",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dflow_jupyter' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext dflow_jupyter``: register the magics (imported only now)."""
    from dflow_jupyter.jupyter.magics import load_ipython_extension as load

    load(ipython)


def unload_ipython_extension(ipython: Any) -> None:
    from dflow_jupyter.jupyter.magics import unload_ipython_extension as unload

    unload(ipython)


if TYPE_CHECKING:  # pragma: no cover - the names for type checkers and IDEs; ``X as X`` re-exports
    from dflow_jupyter.backend.queries import query_workflows as query_workflows
    from dflow_jupyter.model.argo_funcs import (
        argo_concat as argo_concat,
        argo_enumerate as argo_enumerate,
        argo_len as argo_len,
        argo_range as argo_range,
        argo_sequence as argo_sequence,
        argo_sum as argo_sum,
    )
    from dflow_jupyter.model.dag import DAG as DAG, Task as Task
    from dflow_jupyter.model.declarations import (
        InputArtifact as InputArtifact,
        InputParameter as InputParameter,
        OutputArtifact as OutputArtifact,
        OutputParameter as OutputParameter,
    )
    from dflow_jupyter.model.executor import Context as Context, Executor as Executor
    from dflow_jupyter.model.expressions import (
        ArgoVar as ArgoVar,
        IfExpression as IfExpression,
        if_expression as if_expression,
    )
    from dflow_jupyter.model.resource import Resource as Resource
    from dflow_jupyter.model.signature import Inputs as Inputs, Outputs as Outputs
    from dflow_jupyter.model.step import Step as Step
    from dflow_jupyter.model.steps import Steps as Steps
    from dflow_jupyter.model.templates import (
        OPTemplate as OPTemplate,
        PythonScriptOPTemplate as PythonScriptOPTemplate,
        ShellOPTemplate as ShellOPTemplate,
    )
    from dflow_jupyter.model.workflow import Workflow as Workflow
    from dflow_jupyter.plugins.container import ContainerExecutor as ContainerExecutor
    from dflow_jupyter.plugins.slurm import SlurmJob as SlurmJob, SlurmJobTemplate as SlurmJobTemplate
    from dflow_jupyter.status.events import events as events
    from dflow_jupyter.status.query import ArgoStep as ArgoStep, ArgoWorkflow as ArgoWorkflow
    from dflow_jupyter.storage import (
        LocalArtifact as LocalArtifact,
        S3Artifact as S3Artifact,
        StorageClient as StorageClient,
        download_artifact as download_artifact,
        upload_artifact as upload_artifact,
    )

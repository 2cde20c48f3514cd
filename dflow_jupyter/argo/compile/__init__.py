"""The Argo compiler: a ``Workflow`` as an Argo ``Workflow`` manifest, and manifests read back."""

from __future__ import annotations

from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.argo.compile.reader import ManifestWorkflow
from dflow_jupyter.argo.compile.workflow import compile_workflow

__all__ = ["CompileError", "ManifestWorkflow", "compile_workflow"]

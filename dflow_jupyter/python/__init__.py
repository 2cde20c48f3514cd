"""Python OPs: dflow's ``dflow.python`` names (``OP``, ``OPIO``, ``Artifact``, ``PythonOPTemplate``...)."""

from __future__ import annotations

from dflow_jupyter.python.errors import FatalError, TransientError
from dflow_jupyter.python.op import OP
from dflow_jupyter.python.opio import OPIO, Artifact, BigParameter, NestedDict, OPIOSign, Parameter
from dflow_jupyter.python.template import PythonOPTemplate, Slices, upload_packages

__all__ = [
    "OP",
    "OPIO",
    "Artifact",
    "BigParameter",
    "FatalError",
    "NestedDict",
    "OPIOSign",
    "Parameter",
    "PythonOPTemplate",
    "Slices",
    "TransientError",
    "upload_packages",
]

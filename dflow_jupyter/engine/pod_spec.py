"""The contract of a leaf step's job: what it is given (``PodSpec``) and gives back (``PodOutcome``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dflow_jupyter.status.model import Node
from dflow_jupyter.status.phase import Phase
from dflow_jupyter.status.wire import to_argo_string


@dataclass
class PodSpec:
    """Everything a leaf step needs, resolved: typed parameters and artifact objects."""

    template: Any
    node: Node
    step_dir: Path
    workflow: str
    parameters: dict[str, Any]
    artifacts: dict[str, Any]
    key: str | None = None
    timeout: float | None = None
    #: For sliced groups: one parameter/artifact override dict per slice (None: a single run).
    slices: list[dict[str, Any]] | None = None
    echo: bool = True
    store: Any = None
    progress: Any = None  # callable(current, total)


@dataclass
class PodOutcome:
    """What a leaf step's job gives back: its phase, exit code, message and stored outputs."""

    phase: Phase
    exit_code: int | None = None
    message: str | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)
    #: Per-slice outputs for sliced groups (stacked by the caller).
    slice_outputs: list[dict[str, Any]] | None = None
    exception: BaseException | None = None


def write_parameter_files(directory: Path, values: dict[str, Any]) -> None:
    """dflow's ``inputs|outputs/parameters/<name>`` files (written in the background)."""
    from dflow_jupyter.engine.writer import writer

    writer.write_many(directory, {name: to_argo_string(value) for name, value in values.items()})

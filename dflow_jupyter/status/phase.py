"""Phases and node types of the status model, spelled as Argo spells them."""

from __future__ import annotations

from typing import Literal, get_args

#: A node's phase (Argo's ``NodePhase``).
Phase = Literal["Pending", "Running", "Succeeded", "Skipped", "Failed", "Error", "Omitted"]
#: A workflow's phase (Argo's ``WorkflowPhase``; Argo leaves it empty before the controller starts).
WorkflowPhase = Literal["Pending", "Running", "Succeeded", "Failed", "Error"]
#: A node's type (Argo's ``NodeType``).
NodeType = Literal[
    "Pod",
    "Container",
    "Steps",
    "StepGroup",
    "DAG",
    "TaskGroup",
    "Retry",
    "Skipped",
    "Suspend",
    "HTTP",
    "Plugin",
]

NODE_PHASES: tuple[Phase, ...] = get_args(Phase)
WORKFLOW_PHASES: tuple[WorkflowPhase, ...] = get_args(WorkflowPhase)
NODE_TYPES: tuple[NodeType, ...] = get_args(NodeType)
FINISHED_PHASES: frozenset[str] = frozenset({"Succeeded", "Failed", "Error", "Skipped", "Omitted"})
#: Phases of a node or workflow that ended badly.
FAILED_PHASES: frozenset[str] = frozenset({"Failed", "Error"})
#: Phases in which a workflow still has an owner that will move it on.
ACTIVE_PHASES: frozenset[str] = frozenset({"Pending", "Running"})
#: Leaf node types, the ones that run something.
LEAF_TYPES: frozenset[str] = frozenset({"Pod", "Container"})

"""``Steps``: a template made of sequential groups of parallel steps (nestable, recursive)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from dflow_jupyter import _context
from dflow_jupyter.errors import DefinitionTypeError, WorkflowDefinitionError
from dflow_jupyter.model.signature import Inputs, Outputs
from dflow_jupyter.model.step import Step
from dflow_jupyter.model.templates import OPTemplate
from dflow_jupyter.status.phase import NodeType


class Steps(OPTemplate):
    """``[[s00, s01], [s10]]``: the outer list runs in order, each inner list in parallel."""

    kind: ClassVar[NodeType] = "Steps"

    def __init__(
        self,
        name: str | None = None,
        inputs: Inputs | None = None,
        outputs: Outputs | None = None,
        steps: Sequence[Step | Sequence[Step]] | None = None,
        memoize_key: str | None = None,
        annotations: Mapping[str, str] | None = None,
        parallelism: int | None = None,
    ) -> None:
        super().__init__(name, inputs, outputs, memoize_key, annotations=annotations)
        self.steps: list[list[Step]] = []
        self.parallelism = parallelism
        for item in steps or []:
            self.add(item)

    def add(self, step: Step | Sequence[Step]) -> None:
        """Append a step, or a list of steps that run in parallel."""
        items: list[object] = list(step) if isinstance(step, (list, tuple)) else [step]
        present = {id(s) for g in self.steps for s in g}
        group: list[Step] = []
        for item in items:
            if not isinstance(item, Step):
                raise DefinitionTypeError(
                    f"Steps {self.name!r}: add() takes Step objects or lists of them, "
                    f"got {type(item).__name__} ({item!r})"
                )
            if item.is_task:
                raise WorkflowDefinitionError(
                    f"Steps {self.name!r}: {item.name!r} is a Task; tasks belong in a DAG, use Step here"
                )
            if id(item) in present:
                item.check_not_added_twice(f"Steps {self.name!r}")
                continue
            if item.parallelism is not None:
                # dflow copies a step's parallelism to its enclosing template.
                self.parallelism = item.parallelism
            group.append(item)
        if group:
            self.steps.append(group)

    def all_steps(self) -> list[Step]:
        return [step for group in self.steps for step in group]

    def node_class(self) -> type[Step]:
        """What a function-OP call inside ``with`` these Steps creates."""
        return Step

    def __enter__(self) -> Steps:
        _context.push(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _context.pop(self)

"""``DAG`` and ``Task``: a template whose tasks run as soon as the tasks they read from are done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from dflow_jupyter import _context
from dflow_jupyter.errors import WorkflowDefinitionError
from dflow_jupyter.model.signature import Inputs, Outputs
from dflow_jupyter.model.step import Step
from dflow_jupyter.model.templates import OPTemplate
from dflow_jupyter.status.phase import NodeType


class Task(Step):
    """A DAG node; ``dependencies`` adds ordering beyond what the data references imply."""

    is_task = True

    def __init__(
        self,
        name: str,
        template: OPTemplate,
        dependencies: Sequence[Task | str] | None = None,
        **kwargs: Any,
    ) -> None:
        # Set first: joining an open ``with`` block happens inside Step.__init__.
        self.dependencies: list[Task | str] = list(dependencies or [])
        for dep in self.dependencies:
            if not isinstance(dep, (Task, str)):
                raise WorkflowDefinitionError(
                    f"task {name!r}: dependencies must be Task objects or task names, got {dep!r}"
                )
        super().__init__(name, template, **kwargs)


class DAG(OPTemplate):
    """A directed acyclic graph of tasks; dependencies are inferred from data references."""

    kind: ClassVar[NodeType] = "DAG"

    def __init__(
        self,
        name: str | None = None,
        inputs: Inputs | None = None,
        outputs: Outputs | None = None,
        tasks: Sequence[Task] | None = None,
        memoize_key: str | None = None,
        annotations: Mapping[str, str] | None = None,
        parallelism: int | None = None,
    ) -> None:
        super().__init__(name, inputs, outputs, memoize_key, annotations=annotations)
        self.tasks: list[Task] = []
        self.parallelism = parallelism
        #: ``(number of tasks, dependencies)`` as last computed by ``validate.dag_dependencies``.
        self._dependency_cache: tuple[int, dict[str, list[str]]] | None = None
        for task in tasks or []:
            self.add(task)

    def add(self, task: Task | Sequence[Task]) -> None:
        """Add a task (or a list of tasks)."""
        items: list[object] = list(task) if isinstance(task, (list, tuple)) else [task]
        for item in items:
            if not isinstance(item, Task):
                raise WorkflowDefinitionError(
                    f"DAG {self.name!r}: add() takes Task objects, got {type(item).__name__} "
                    f"({item!r}); use Task(...) instead of Step(...) inside a DAG"
                )
            if any(existing is item for existing in self.tasks):
                item.check_not_added_twice(f"DAG {self.name!r}")
                continue
            if any(existing.name == item.name for existing in self.tasks):
                raise WorkflowDefinitionError(f"DAG {self.name!r}: duplicate task name {item.name!r}")
            if item.parallelism is not None:
                self.parallelism = item.parallelism
            self.tasks.append(item)

    def all_steps(self) -> list[Task]:
        return list(self.tasks)

    def node_class(self) -> type[Task]:
        """What a function-OP call inside ``with`` this DAG creates."""
        return Task

    def __enter__(self) -> DAG:
        _context.push(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _context.pop(self)

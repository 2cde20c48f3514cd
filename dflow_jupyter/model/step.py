"""``Step``: one use of a template, with its inputs wired to values or to other steps' outputs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from dflow_jupyter import _context
from dflow_jupyter.errors import DefinitionTypeError, WorkflowDefinitionError
from dflow_jupyter.model.argo_funcs import ArgoSequence
from dflow_jupyter.model.declarations import _IOBase
from dflow_jupyter.model.executor import Executor
from dflow_jupyter.model.expressions import UNSET, ArgoVar
from dflow_jupyter.model.refs import is_dynamic, referenced_steps
from dflow_jupyter.model.step_io import BoundIO
from dflow_jupyter.model.templates import OPTemplate
from dflow_jupyter.names import check_key, check_step_name
from dflow_jupyter.typenames import type_name

#: Above this many bytes (as an Argo string) a literal parameter gets a warning: Argo keeps the
#: workflow object, parameters included, in etcd, whose objects are limited to about 1 MB.
BIG_PARAMETER_BYTES = 256 * 1024


class Step:
    """A step of a ``Steps`` template (or, as ``Task``, of a ``DAG``)."""

    #: A Task is a DAG node; it renders references as ``tasks.<name>`` instead of ``steps.<name>``.
    is_task: ClassVar[bool] = False

    def __init__(
        self,
        name: str,
        template: OPTemplate,
        parameters: Mapping[str, Any] | None = None,
        artifacts: Mapping[str, Any] | None = None,
        when: str | ArgoVar | bool | None = None,
        with_param: Any = None,
        continue_on_failed: bool = False,
        continue_on_error: bool = False,
        continue_on_num_success: int | None = None,
        continue_on_success_ratio: float | None = None,
        with_sequence: ArgoSequence | None = None,
        key: str | ArgoVar | None = None,
        executor: Executor | None = None,
        use_resource: Any = None,
        util_image: str | None = None,
        util_image_pull_policy: str | None = None,
        util_command: Any = None,
        parallelism: int | None = None,
        slices: Any = None,
        success_hook: Any = None,
        running_hook: Any = None,
        failure_hook: Any = None,
        **kwargs: Any,
    ) -> None:
        what = "task" if self.is_task else "step"
        self.name = check_step_name(name, f"{what} name")
        if not isinstance(template, OPTemplate):
            raise DefinitionTypeError(
                f"{what} {name!r}: template must be an OP template (PythonOPTemplate, "
                f"ShellOPTemplate, Steps, DAG...), got {type(template).__name__} ({template!r})"
            )
        if kwargs:
            raise DefinitionTypeError(f"{what} {name!r}: unexpected argument(s) {', '.join(sorted(kwargs))}")
        self.template = template
        self.inputs = BoundIO(self, "inputs")
        self.outputs = BoundIO(self, "outputs")
        self.parameters: dict[str, Any] = {}
        self.artifacts: dict[str, Any] = {}
        self.when = when
        self.with_param = self._fan_out_items(with_param)
        self.with_sequence = with_sequence
        self.continue_on_failed = continue_on_failed
        self.continue_on_error = continue_on_error
        self.continue_on_num_success = continue_on_num_success
        self.continue_on_success_ratio = continue_on_success_ratio
        self.key = key
        self.executor = executor
        self.use_resource = use_resource
        self.util_image = util_image
        self.util_image_pull_policy = util_image_pull_policy
        self.util_command = util_command
        self.parallelism = parallelism
        self.slices = slices if slices is not None else getattr(template, "slices", None)
        self.success_hook, self.running_hook, self.failure_hook = (
            success_hook,
            running_hook,
            failure_hook,
        )
        self._validate_options()
        self.set_parameters(parameters or {})
        self.set_artifacts(artifacts or {})
        self._check_required()
        # As in dflow, a step made inside ``with Workflow(...)`` (or Steps/DAG) joins it.
        container = _context.active()
        #: Joined the open ``with`` block when made: adding it there once more is not a mistake.
        self._joined_by_context = container is not None
        self._added_again = False
        if container is not None:
            container.add(self)

    def check_not_added_twice(self, container: str) -> None:
        """Refuse a second ``add`` of this step (a step runs once, where it is added).

        A step made inside a ``with`` block has joined it already; dflow code often adds it again,
        which is accepted once.
        """
        if self._joined_by_context and not self._added_again:
            self._added_again = True
            return
        raise WorkflowDefinitionError(
            f"{container}: {self.kind} {self.name!r} is added twice; a {self.kind} runs once, where "
            f"it is added: make another {'Task' if self.is_task else 'Step'}(...) to run it again"
        )

    # -- wiring -------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return "task" if self.is_task else "step"

    def _describe(self) -> str:
        return f"{self.kind} {self.name!r} (template {self.template.name!r})"

    def set_parameters(self, parameters: Mapping[str, Any]) -> None:
        declared = self.template.inputs.parameters
        for pname, value in parameters.items():
            if pname not in declared:
                raise WorkflowDefinitionError(
                    f"{self._describe()}: unknown input parameter {pname!r}; "
                    f"the template declares {_known(declared)}"
                    + _other_kind(pname, self.template.inputs.artifacts, "an input artifact", "artifacts")
                )
            if isinstance(value, _IOBase) and value._kind == "artifacts":
                raise WorkflowDefinitionError(
                    f"{self._describe()}: input parameter {pname!r} was given an artifact "
                    f"({value!r}); pass it in artifacts= instead"
                )
            self.parameters[pname] = value
        self._check_static_parameter_types(parameters)

    def set_artifacts(self, artifacts: Mapping[str, Any]) -> None:
        declared = self.template.inputs.artifacts
        for aname, value in artifacts.items():
            if aname not in declared:
                raise WorkflowDefinitionError(
                    f"{self._describe()}: unknown input artifact {aname!r}; "
                    f"the template declares {_known(declared)}"
                    + _other_kind(aname, self.template.inputs.parameters, "an input parameter", "parameters")
                )
            if isinstance(value, _IOBase) and value._kind == "parameters":
                raise WorkflowDefinitionError(
                    f"{self._describe()}: input artifact {aname!r} was given a parameter "
                    f"({value!r}); pass it in parameters= instead"
                )
            if isinstance(value, (str, bytes)) and "{{" not in str(value):
                raise WorkflowDefinitionError(
                    f"{self._describe()}: input artifact {aname!r} expects an artifact (from "
                    f"upload_artifact() or another step's outputs.artifacts), got the string "
                    f"{value!r}; upload the file first: upload_artifact({value!r})"
                )
            self.artifacts[aname] = value

    def _check_required(self) -> None:
        for pname, decl in self.template.inputs.parameters.items():
            if pname not in self.parameters and not decl.has_value:
                kind = "any" if decl.type in (None, UNSET) else type_name(decl.type)
                raise WorkflowDefinitionError(
                    f"{self._describe()}: missing input parameter {pname!r} "
                    f"(type {kind}, no default); pass parameters={{{pname!r}: ...}}"
                )
        for aname, art in self.template.inputs.artifacts.items():
            if aname not in self.artifacts and not art.optional and art.source is None:
                raise WorkflowDefinitionError(
                    f"{self._describe()}: missing input artifact {aname!r}; pass "
                    f"artifacts={{{aname!r}: ...}} or mark it optional on the template"
                )

    def _sliced_parameters(self) -> set[str]:
        return set(self.slices.input_parameter) if self.slices is not None else set()

    def _check_static_parameter_types(self, parameters: Mapping[str, Any]) -> None:
        """Literal values must fit the OP's declared types (after Argo's string round trip)."""
        from dflow_jupyter.status.wire import coerce_parameter

        sliced = self._sliced_parameters()
        for pname, value in parameters.items():
            decl = self.template.inputs.parameters[pname]
            if decl.type is None or is_dynamic(value):
                continue
            if pname in sliced:
                if not isinstance(value, (list, tuple)):
                    raise WorkflowDefinitionError(
                        f"{self._describe()}: sliced input parameter {pname!r} expects a list "
                        f"(one element per slice), got {type(value).__name__} ({value!r})"
                    )
                continue
            coerce_parameter(value, decl.type, where=f"{self._describe()}: input parameter {pname!r}")
            self._warn_if_big(pname, value)

    def _warn_if_big(self, pname: str, value: Any) -> None:
        """A literal parameter too big to travel inside a workflow object gets a word of advice."""
        sign = getattr(self.template, "input_sign", {}).get(pname)
        if type(sign).__name__ == "BigParameter" or isinstance(value, (int, float, bool)):
            return
        from dflow_jupyter.status.wire import to_argo_string

        size = len(to_argo_string(value))
        if size > BIG_PARAMETER_BYTES:
            import warnings

            warnings.warn(
                f"{self._describe()}: input parameter {pname!r} is {size / 1e6:.1f} MB as an Argo "
                "string; parameters travel inside the workflow object (Argo keeps it in etcd, "
                "about 1 MB in all): pass the data as an artifact (upload_artifact) or declare "
                "the input a BigParameter",
                UserWarning,
                stacklevel=4,
            )

    def _fan_out_items(self, with_param: Any) -> list[Any] | str | ArgoVar | None:
        """``with_param`` as dflow takes it: any iterable, a JSON-list string, or a reference.

        Iterables are materialised here, once, so a generator is not consumed twice; a string is
        an Argo reference when it contains ``{{`` and otherwise must be a JSON list.
        """
        if with_param is None or isinstance(with_param, ArgoVar):
            return with_param
        expected = (
            "with_param expects a list (or any iterable: tuple, range, generator), a JSON list "
            "string, a list parameter or an Argo expression such as argo_range(3)"
        )
        if isinstance(with_param, str):
            if "{{" in with_param:
                return with_param
            try:
                items = json.loads(with_param)
            except ValueError:
                raise WorkflowDefinitionError(
                    f"{self._describe()}: {expected}; got the string {with_param!r}, which is "
                    "neither a JSON list nor an Argo reference '{{...}}'"
                ) from None
            if not isinstance(items, list):
                raise WorkflowDefinitionError(
                    f"{self._describe()}: {expected}; got the string {with_param!r}, which is JSON "
                    f"for a {type(items).__name__}, not a list"
                )
            return items
        try:
            items_iter = iter(with_param)
        except TypeError:
            raise WorkflowDefinitionError(
                f"{self._describe()}: {expected}; got {type(with_param).__name__} ({with_param!r})"
            ) from None
        return list(items_iter)

    def _validate_options(self) -> None:
        ratio = self.continue_on_success_ratio
        if ratio is not None and (
            isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0 <= ratio <= 1
        ):
            raise WorkflowDefinitionError(
                f"{self._describe()}: continue_on_success_ratio must be a number in [0, 1], got {ratio!r}"
            )
        count = self.continue_on_num_success
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise WorkflowDefinitionError(
                f"{self._describe()}: continue_on_num_success must be a non-negative int, got {count!r}"
            )
        if self.with_param is not None and self.with_sequence is not None:
            raise WorkflowDefinitionError(f"{self._describe()}: give with_param or with_sequence, not both")
        if self.with_sequence is not None and not isinstance(self.with_sequence, ArgoSequence):
            raise WorkflowDefinitionError(
                f"{self._describe()}: with_sequence expects argo_sequence(...), got "
                f"{type(self.with_sequence).__name__} ({self.with_sequence!r})"
            )
        if isinstance(self.key, str) and "{{" not in self.key:
            check_key(self.key, self.name)
        elif self.key is not None and not isinstance(self.key, (str, ArgoVar)):
            raise WorkflowDefinitionError(f"{self._describe()}: key must be a string, got {self.key!r}")
        if self.parallelism is not None and (
            not isinstance(self.parallelism, int)
            or isinstance(self.parallelism, bool)
            or self.parallelism < 1
        ):
            raise WorkflowDefinitionError(
                f"{self._describe()}: parallelism must be a positive int, got {self.parallelism!r}"
            )
        if self.when is not None and not isinstance(self.when, (str, ArgoVar, bool)):
            raise WorkflowDefinitionError(
                f"{self._describe()}: when must be a string or an expression, got {self.when!r}"
            )
        # An Executor, or an object of the same shape (dflow code may bring its own render()).
        if self.executor is not None and not (
            isinstance(self.executor, Executor) or callable(getattr(self.executor, "render", None))
        ):
            raise DefinitionTypeError(
                f"{self._describe()}: executor must be an Executor (e.g. ContainerExecutor, "
                f"DispatcherExecutor), got {type(self.executor).__name__} ({self.executor!r})"
            )

    # -- dependencies --------------------------------------------------------------------------
    def references(self) -> list[Step]:
        """Every step/task this one reads from by data (parameters, artifacts, with_param)."""
        return [
            ref
            for value in (*self.parameters.values(), *self.artifacts.values(), self.with_param)
            for ref in referenced_steps(value)
        ]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, template={self.template.name!r})"


def _known(declared: Mapping[str, Any]) -> str:
    return ", ".join(repr(k) for k in declared) or "none"


def _other_kind(name: str, other: Mapping[str, Any], what: str, keyword: str) -> str:
    """The hint for a name given as the wrong kind of input (a parameter that is an artifact)."""
    return f"; {name!r} is {what}: pass it in {keyword}= instead" if name in other else ""

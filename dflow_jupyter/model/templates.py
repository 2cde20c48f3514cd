"""OP templates: the base class and the script templates (shell and raw Python)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, get_args

from dflow_jupyter.errors import DefinitionTypeError, WorkflowDefinitionError
from dflow_jupyter.model.signature import Inputs, Outputs
from dflow_jupyter.names import check_template_name, random_suffix
from dflow_jupyter.status.phase import NodeType, Phase

#: Argo's ``retryPolicy``.
RetryPolicy = Literal["Always", "OnFailure", "OnError", "OnTransientError"]
RETRY_POLICIES: tuple[RetryPolicy, ...] = get_args(RetryPolicy)
#: The failed phases each policy retries (a phase not listed here is never held against a retry).
_RETRIED: dict[RetryPolicy, frozenset[Phase]] = {
    "Always": frozenset({"Failed", "Error"}),
    "OnFailure": frozenset({"Failed"}),
    "OnError": frozenset({"Error"}),
    "OnTransientError": frozenset({"Failed", "Error"}),
}
_FAILED_PHASES: frozenset[Phase] = frozenset({"Failed", "Error"})


@dataclass(frozen=True)
class RetryStrategy:
    """When and how often a failed attempt of a leaf step is retried (Argo's ``retryStrategy``).

    ``exit_codes`` restricts retries to attempts that ended with one of these exit codes; dflow's
    ``retry_on_transient_error`` compiles to Argo's ``asInt(lastRetry.exitCode) == 1``, which is
    ``exit_codes=(1,)`` here. ``exclude_exit_codes`` is the ``!= 2`` of ``timeout_as_transient_error``.
    """

    limit: int
    policy: RetryPolicy = "OnFailure"
    exit_codes: tuple[int, ...] | None = None
    exclude_exit_codes: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.limit, int) or isinstance(self.limit, bool) or self.limit < 0:
            raise WorkflowDefinitionError(f"retry limit must be a non-negative int, got {self.limit!r}")
        if self.policy not in RETRY_POLICIES:
            raise WorkflowDefinitionError(
                f"retry policy must be one of {', '.join(RETRY_POLICIES)}, got {self.policy!r}"
            )

    @classmethod
    def from_argo(cls, spec: Mapping[str, Any] | RetryStrategy | None) -> RetryStrategy | None:
        """Accept an Argo-style ``{"limit": 3, "retryPolicy": "OnError"}`` dict."""
        if spec is None or isinstance(spec, RetryStrategy):
            return spec
        # __post_init__ checks the policy.
        limit = spec.get("limit", 0)
        if isinstance(limit, str) and limit.strip().isdigit():
            limit = int(limit)  # Argo's limit is an IntOrString
        return cls(limit=limit, policy=spec.get("retryPolicy", "OnFailure"))

    def allows(self, phase: Phase, exit_code: int | None) -> bool:
        """Whether an attempt that ended in ``phase`` with ``exit_code`` may be retried.

        Parameters
        ----------
        phase : str
            The attempt's ``Phase`` (a plain ``str`` because engines carry it untyped).
        exit_code : int or None
            The attempt's exit code, if it ran.
        """
        if phase in _FAILED_PHASES and phase not in _RETRIED[self.policy]:
            return False
        if self.exit_codes is not None and exit_code not in self.exit_codes:
            return False
        return not (self.exclude_exit_codes is not None and exit_code in self.exclude_exit_codes)

    def to_argo(self) -> dict[str, Any]:
        spec: dict[str, Any] = {"limit": self.limit, "retryPolicy": self.policy}
        if self.exit_codes is not None:
            spec["expression"] = " || ".join(
                f"asInt(lastRetry.exitCode) == {code}" for code in self.exit_codes
            )
        elif self.exclude_exit_codes is not None:
            spec["expression"] = " && ".join(
                f"asInt(lastRetry.exitCode) != {code}" for code in self.exclude_exit_codes
            )
        return spec


class OPTemplate:
    """Base of every template: a name and the ``inputs``/``outputs`` signature."""

    #: The Argo node type of a step that runs this template.
    kind: ClassVar[NodeType] = "Pod"

    def __init__(
        self,
        name: str | None = None,
        inputs: Inputs | None = None,
        outputs: Outputs | None = None,
        memoize_key: str | None = None,
        pvcs: Any = None,
        annotations: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.name = check_template_name(name) if name is not None else f"template-{random_suffix()}"
        self.inputs = inputs if inputs is not None else Inputs()
        self.outputs = outputs if outputs is not None else Outputs()
        self.inputs.set_template(self)
        self.outputs.set_template(self)
        self.memoize_key = memoize_key
        self.pvcs = pvcs or []
        self.annotations = dict(annotations or {})
        self.labels = dict(labels or {})

    def __setattr__(self, key: str, value: Any) -> None:
        # ``template.outputs = Outputs(...)`` (dflow's idiom) ties the new declarations to us.
        if key in ("inputs", "outputs") and isinstance(value, (Inputs, Outputs)):
            value.set_template(self)
        super().__setattr__(key, value)

    def copy(self) -> OPTemplate:
        clone = copy.copy(self)
        clone.name = f"{self.name[:51]}-{random_suffix()}"
        return clone

    def deepcopy(self) -> OPTemplate:
        clone = copy.deepcopy(self)
        clone.name = f"{self.name[:51]}-{random_suffix()}"
        return clone

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class ScriptOPTemplate(OPTemplate):
    """A script run by ``command`` in its own working directory (Argo's ``script`` template)."""

    default_command: tuple[str, ...] = ("sh",)

    def __init__(
        self,
        name: str | None = None,
        inputs: Inputs | None = None,
        outputs: Outputs | None = None,
        image: str | None = None,
        command: str | list[str] | None = None,
        script: str | None = None,
        volumes: Any = None,
        mounts: Any = None,
        init_progress: str = "0/1",
        timeout: int | float | str | None = None,
        retry_strategy: Mapping[str, Any] | RetryStrategy | None = None,
        memoize_key: str | None = None,
        pvcs: Any = None,
        image_pull_policy: str | None = None,
        annotations: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        node_selector: Mapping[str, str] | None = None,
        tolerations: Any = None,
        affinity: Any = None,
        requests: Mapping[str, str] | None = None,
        limits: Mapping[str, str] | None = None,
        envs: Mapping[str, Any] | None = None,
        init_containers: Any = None,
        sidecars: Any = None,
        script_rendered: bool = False,
    ) -> None:
        super().__init__(name, inputs, outputs, memoize_key, pvcs, annotations, labels)
        _check_text(self.name, "script", script)
        _check_text(self.name, "command", command)
        self.image = image
        self.command = [command] if isinstance(command, str) else list(command or self.default_command)
        self.script = script or ""
        self.volumes = volumes or []
        self.mounts = mounts or []
        self.init_progress = init_progress
        self.timeout = parse_timeout(timeout, f"template {self.name!r}")
        try:
            self.retry_strategy = RetryStrategy.from_argo(retry_strategy)
        except WorkflowDefinitionError as err:
            raise WorkflowDefinitionError(f"template {self.name!r}: retry_strategy: {err}") from None
        self.image_pull_policy = image_pull_policy
        self.node_selector = dict(node_selector or {})
        self.tolerations = tolerations or []
        self.affinity = affinity
        self.requests = dict(requests or {})
        self.limits = dict(limits or {})
        self.envs = dict(envs or {})
        self.init_containers = init_containers or []
        self.sidecars = sidecars or []
        self.script_rendered = script_rendered


class ShellOPTemplate(ScriptOPTemplate):
    """A shell script OP (default command ``sh``)."""

    default_command = ("sh",)


class PythonScriptOPTemplate(ScriptOPTemplate):
    """A raw Python script OP (default command ``python3``, run with this interpreter locally)."""

    default_command = ("python3",)


def _check_text(template: str, field: str, value: Any) -> None:
    """``script`` must be a string and ``command`` a string or a list of strings (or None)."""
    items = value if isinstance(value, (list, tuple)) and field == "command" else [value]
    for item in items:
        if item is not None and not isinstance(item, str):
            expected = "a string or a list of strings" if field == "command" else "a string"
            raise DefinitionTypeError(
                f"template {template!r}: {field} must be {expected}, got {type(item).__name__} ({item!r})"
            )


def parse_timeout(timeout: Any, owner: str) -> float | None:
    """Seconds from ``600``, ``600.0``, ``"600"``, ``"600s"``, ``"10m"`` or ``"1h"``."""
    if timeout is None:
        return None
    if isinstance(timeout, bool):
        raise WorkflowDefinitionError(f"{owner}: timeout must be a number of seconds, got {timeout!r}")
    if isinstance(timeout, (int, float)):
        seconds = float(timeout)
    else:
        text = str(timeout).strip()
        units = {"s": 1.0, "m": 60.0, "h": 3600.0}
        factor = units.get(text[-1:])
        try:
            seconds = float(text[:-1]) * factor if factor else float(text)
        except ValueError:
            raise WorkflowDefinitionError(
                f"{owner}: timeout must be seconds (e.g. 600 or '600s', '10m'), got {timeout!r}"
            ) from None
    if seconds <= 0:
        raise WorkflowDefinitionError(f"{owner}: timeout must be positive, got {timeout!r}")
    return seconds

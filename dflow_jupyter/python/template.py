"""``PythonOPTemplate`` (a Python OP made a template) and ``Slices`` (map an OP over list slices)."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from dflow_jupyter.errors import DefinitionTypeError, WorkflowDefinitionError
from dflow_jupyter.model.declarations import InputArtifact, InputParameter, OutputArtifact, OutputParameter
from dflow_jupyter.model.expressions import UNSET
from dflow_jupyter.model.templates import OPTemplate, RetryStrategy, parse_timeout
from dflow_jupyter.names import template_name_from

#: Local package directories shipped with every Python OP (dflow's ``upload_packages``). The debug
#: backend runs OPs with this interpreter, so it only records them; remote backends ship them.
upload_packages: list[str] = []


class Slices:
    """Slice list inputs across the items of a fan-out and stack the outputs back, in order.

    With ``with_param`` (or ``with_sequence``) each item ``i`` receives element ``i`` of every
    sliced input; with ``sub_path=True`` the fan-out length is the length of the sliced inputs.
    ``group_size`` runs several slices per step (``pool_size`` of them concurrently where the
    backend can), and outputs are stacked into lists (artifacts merged, in item order).
    """

    def __init__(
        self,
        slices: str | None = None,
        input_parameter: Sequence[str] | None = None,
        input_artifact: Sequence[str] | None = None,
        output_parameter: Sequence[str] | None = None,
        output_artifact: Sequence[str] | None = None,
        sub_path: bool = False,
        group_size: int | None = None,
        shuffle: bool = False,
        random_seed: int = 0,
        pool_size: int | None = None,
        pool_timeout: int | None = None,
        register_first_only: bool = False,
        create_dir: bool = False,
        raise_for_group: bool = False,
    ) -> None:
        self.input_parameter = list(input_parameter or [])
        self.input_artifact = list(input_artifact or [])
        self.output_parameter = list(output_parameter or [])
        self.output_artifact = list(output_artifact or [])
        self.sub_path = sub_path
        if slices is not None:
            self.slices = slices
        elif sub_path and group_size is None:
            self.slices = "{{item.order}}"
        else:
            self.slices = "{{item}}"
        if group_size is not None and (not isinstance(group_size, int) or group_size < 1):
            raise WorkflowDefinitionError(f"Slices: group_size must be a positive int, got {group_size!r}")
        if pool_size is not None and (not isinstance(pool_size, int) or pool_size == 0 or pool_size < -1):
            raise WorkflowDefinitionError(
                f"Slices: pool_size must be a positive int or -1, got {pool_size!r}"
            )
        self.group_size = group_size
        self.shuffle = shuffle
        self.random_seed = random_seed
        self.pool_size = pool_size
        self.pool_timeout = pool_timeout
        self.register_first_only = register_first_only
        self.create_dir = create_dir
        self.raise_for_group = raise_for_group

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{k}={v!r}" for k, v in vars(self).items() if v not in (None, False, [], "{{item}}")
        )
        return f"Slices({fields})"


def _has_default(sign: Any) -> bool:
    has = getattr(sign, "has_default", None)
    if callable(has):
        return bool(has())
    if isinstance(has, bool):
        return has
    return hasattr(sign, "default") and sign.default is not UNSET


class PythonOPTemplate(OPTemplate):
    """A Python OP (a class OP or an ``@OP.function``) as a template.

    The debug backend runs the OP's ``execute`` with this interpreter; ``image`` and the other
    container settings matter to the Argo and HPC backends only.
    """

    def __init__(
        self,
        op_class: Any,
        image: str | None = None,
        command: str | list[str] | None = None,
        annotations: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        node_selector: Mapping[str, str] | None = None,
        tolerations: Any = None,
        affinity: Any = None,
        output_artifact_save: Mapping[str, Any] | None = None,
        output_artifact_archive: Mapping[str, Any] | None = None,
        output_parameter_default: Mapping[str, Any] | None = None,
        input_artifact_prefix: Mapping[str, str] | None = None,
        input_artifact_slices: Mapping[str, str] | None = None,
        input_parameter_slices: Mapping[str, str] | None = None,
        output_artifact_slices: Mapping[str, str] | None = None,
        output_parameter_slices: Mapping[str, str] | None = None,
        output_artifact_global_name: Mapping[str, str] | None = None,
        output_parameter_global_name: Mapping[str, str] | None = None,
        slices: Slices | None = None,
        python_packages: Sequence[str] | None = None,
        timeout: int | float | str | None = None,
        retry_on_transient_error: int | None = None,
        retry_on_failure: int | None = None,
        retry_on_error: int | None = None,
        retry_on_failure_and_error: int | None = None,
        timeout_as_transient_error: bool = False,
        memoize_key: str | None = None,
        volumes: Any = None,
        mounts: Any = None,
        image_pull_policy: str | None = None,
        requests: Mapping[str, str] | None = None,
        limits: Mapping[str, str] | None = None,
        upload_dflow: bool = True,
        envs: Mapping[str, Any] | None = None,
        init_containers: Any = None,
        sidecars: Any = None,
        tmp_root: str = "/tmp",
        pre_script: str = "",
        post_script: str = "",
        success_tag: bool = False,
        create_slice_dir: bool = False,
        skip_slice_input: bool = False,
        name: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.op_class: Any
        if isinstance(op_class, type):
            self.op_class, self.op = op_class, None
        else:
            self.op_class, self.op = type(op_class), op_class
        if not hasattr(self.op_class, "get_input_sign") or not hasattr(self.op_class, "execute"):
            raise DefinitionTypeError(
                f"PythonOPTemplate expects an OP class (with get_input_sign, get_output_sign and "
                f"execute) or an @OP.function, got {type(op_class).__name__} ({op_class!r})"
            )
        super().__init__(
            name or template_name_from(self.op_class.__name__),
            memoize_key=memoize_key,
            annotations=annotations,
            labels=labels,
        )
        self.image = image
        self.command = [command] if isinstance(command, str) else list(command or ["python3"])
        self.node_selector = dict(node_selector or {})
        self.tolerations = tolerations or []
        self.affinity = affinity
        self.slices = slices
        self.python_packages = list(python_packages or [])
        self.timeout = parse_timeout(timeout, f"template {self.name!r}")
        self.timeout_as_transient_error = timeout_as_transient_error
        self.retry_strategy = _retry_strategy(
            f"template {self.name!r}",
            retry_on_transient_error,
            retry_on_failure,
            retry_on_error,
            retry_on_failure_and_error,
            timeout_as_transient_error,
        )
        self.retry_on_transient_error = retry_on_transient_error
        self.retry_on_failure = retry_on_failure
        self.retry_on_error = retry_on_error
        self.retry_on_failure_and_error = retry_on_failure_and_error
        self.volumes, self.mounts = volumes or [], mounts or []
        self.image_pull_policy = image_pull_policy
        self.requests, self.limits = dict(requests or {}), dict(limits or {})
        self.upload_dflow = upload_dflow
        self.envs = dict(envs or {})
        self.init_containers, self.sidecars = init_containers or [], sidecars or []
        self.tmp_root = tmp_root
        self.pre_script, self.post_script = pre_script, post_script
        self.success_tag = success_tag
        self.create_slice_dir = create_slice_dir
        self.skip_slice_input = skip_slice_input
        self.input_artifact_prefix = dict(input_artifact_prefix or {})
        self.input_artifact_slices = dict(input_artifact_slices or {})
        self.input_parameter_slices = dict(input_parameter_slices or {})
        self.output_artifact_slices = dict(output_artifact_slices or {})
        self.output_parameter_slices = dict(output_parameter_slices or {})
        self._declare_signature(
            output_artifact_save or {},
            output_artifact_archive or {},
            output_parameter_default or {},
            output_artifact_global_name or {},
            output_parameter_global_name or {},
        )
        if slices is not None:
            self._check_slices(slices)

    def _check_slices(self, slices: Slices) -> None:
        """Every name a ``Slices`` lists must be an input or output of the OP, of that kind."""
        for field, declared in (
            ("input_parameter", self.inputs.parameters),
            ("input_artifact", self.inputs.artifacts),
            ("output_parameter", self.outputs.parameters),
            ("output_artifact", self.outputs.artifacts),
        ):
            for name in getattr(slices, field):
                if name not in declared:
                    known = ", ".join(map(repr, declared)) or "none"
                    raise WorkflowDefinitionError(
                        f"template {self.name!r}: Slices {field} names {name!r}, which is not "
                        f"an {field.replace('_', ' ')} of the OP; it declares {known}"
                    )

    def get_op(self) -> Any:
        """A fresh OP instance to execute (function OPs reuse their instance)."""
        # A copy per run: early outputs and the progress hook must not leak between steps.
        return copy.copy(self.op) if self.op is not None else self.op_class()

    def _declare_signature(
        self,
        artifact_save: Mapping[str, Any],
        artifact_archive: Mapping[str, Any],
        parameter_default: Mapping[str, Any],
        artifact_global_name: Mapping[str, str],
        parameter_global_name: Mapping[str, str],
    ) -> None:
        from dflow_jupyter.python.errors import OPSignatureError
        from dflow_jupyter.python.opio import Artifact, Parameter

        op_name = self.op_class.__name__
        try:
            self.input_sign = self.op_class.get_input_sign()
            self.output_sign = self.op_class.get_output_sign()
        except OPSignatureError as err:
            if err.op_name is not None or repr(op_name) in err.message:
                raise
            # An OPIOSign built in a class OP's method does not know the OP it belongs to.
            raise OPSignatureError(f"OP {op_name!r}: {err.message}", op_name, err.field) from None
        root = self.tmp_root
        for name, sign in self.input_sign.items():
            if isinstance(sign, Artifact):
                self.inputs.artifacts[name] = InputArtifact(
                    path=f"{root}/inputs/artifacts/{name}",
                    optional=sign.optional,
                    type=sign.type,
                    archive=sign.archive,
                )
            elif isinstance(sign, Parameter) or (hasattr(sign, "type") and not isinstance(sign, type)):
                value = sign.default if _has_default(sign) else UNSET
                self.inputs.parameters[name] = InputParameter(type=sign.type, value=value)
            else:
                self.inputs.parameters[name] = InputParameter(type=sign)
        for name, sign in self.output_sign.items():
            if isinstance(sign, Artifact):
                self.outputs.artifacts[name] = OutputArtifact(
                    path=f"{root}/outputs/artifacts/{name}",
                    archive=artifact_archive.get(name, sign.archive),
                    save=artifact_save.get(name, sign.save),
                    global_name=artifact_global_name.get(name, sign.global_name),
                    type=sign.type,
                    optional=sign.optional,
                )
            else:
                is_param = isinstance(sign, Parameter) or (
                    hasattr(sign, "type") and not isinstance(sign, type)
                )
                kind = sign.type if is_param else sign
                default = parameter_default.get(name, UNSET)
                if default is UNSET and is_param and _has_default(sign):
                    default = sign.default
                global_name = parameter_global_name.get(name, getattr(sign, "global_name", None))
                self.outputs.parameters[name] = OutputParameter(
                    value_from_path=f"{root}/outputs/parameters/{name}",
                    type=kind,
                    default=default,
                    global_name=global_name,
                )


def _retry_strategy(
    owner: str,
    transient: int | None,
    failure: int | None,
    error: int | None,
    failure_and_error: int | None,
    timeout_as_transient: bool,
) -> RetryStrategy | None:
    # The same precedence as dflow: the first option given wins.
    options = (
        ("retry_on_transient_error", transient, "OnFailure"),
        ("retry_on_failure", failure, "OnFailure"),
        ("retry_on_error", error, "OnError"),
        ("retry_on_failure_and_error", failure_and_error, "Always"),
    )
    for field, limit, policy in options:
        if limit is None:
            continue
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 0:
            raise WorkflowDefinitionError(
                f"{owner}: {field} must be a non-negative int (the number of retries), got {limit!r}"
            )
        if field != "retry_on_transient_error":
            return RetryStrategy(limit, policy)  # type: ignore[arg-type]
        if timeout_as_transient:
            return RetryStrategy(limit, policy, exclude_exit_codes=(2,))  # type: ignore[arg-type]
        return RetryStrategy(limit, policy, exit_codes=(1,))  # type: ignore[arg-type]
    return None

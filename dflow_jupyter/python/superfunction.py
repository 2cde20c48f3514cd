"""``@OP.superfunction``: a function that composes OP calls becomes a reusable DAG template."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from dflow_jupyter import _context
from dflow_jupyter.model.dag import DAG, Task
from dflow_jupyter.model.declarations import InputArtifact, InputParameter, OutputArtifact, OutputParameter
from dflow_jupyter.names import random_suffix


class SuperFunctionDAG(DAG):
    """The DAG built from a superfunction; calling it inside a workflow adds it as a task."""

    task_kwargs: dict[str, Any] = {}
    _opio2ret: Callable[[dict[str, Any]], Any] = staticmethod(lambda x: x)  # type: ignore[assignment]

    def use(self, **task_kwargs: Any) -> SuperFunctionDAG:
        clone = copy.copy(self)
        clone.task_kwargs = task_kwargs
        return clone

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        names = list(self.inputs.parameters) + list(self.inputs.artifacts)
        for name, value in zip(names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{self.name}() got multiple values for argument {name!r}")
            kwargs[name] = value
        if _context.active() is None:
            raise RuntimeError(
                f"superfunction {self.name!r} builds a DAG: call it inside `with Workflow(...)` "
                "(or a DAG), where it becomes a task"
            )
        params = {k: v for k, v in kwargs.items() if k in self.inputs.parameters}
        arts = {k: v for k, v in kwargs.items() if k in self.inputs.artifacts}
        unknown = sorted(set(kwargs) - set(params) - set(arts))
        if unknown:
            raise TypeError(f"{self.name}() got unexpected argument(s) {', '.join(unknown)}")
        task = Task(
            f"{self.name}-{random_suffix()}",
            self,
            parameters=params,
            artifacts=arts,
            **self.task_kwargs,
        )
        return self._opio2ret({**task.outputs.parameters, **task.outputs.artifacts})


def superfunction(func: Callable[..., Any], **dag_kwargs: Any) -> SuperFunctionDAG:
    """Build the DAG of ``func``: its parameters become DAG inputs, its return value outputs."""
    from dflow_jupyter.python.opio import Artifact, Parameter
    from dflow_jupyter.python.signature import sign_from_function

    input_sign, output_sign, ret2opio, opio2ret = sign_from_function(func)
    name = func.__name__.lower().replace("_", "-")
    dag = SuperFunctionDAG(name=name, **dag_kwargs)
    dag._opio2ret = opio2ret  # type: ignore[method-assign]
    with dag:
        for key, sign in input_sign.items():
            if isinstance(sign, Artifact):
                dag.inputs.artifacts[key] = InputArtifact(type=sign.type, optional=sign.optional)
            elif hasattr(sign, "type") and not isinstance(sign, type):
                has_default = getattr(sign, "has_default", False)
                has_default = has_default() if callable(has_default) else has_default
                extra = {"value": sign.default} if has_default else {}
                dag.inputs.parameters[key] = InputParameter(type=sign.type, **extra)
            else:
                dag.inputs.parameters[key] = InputParameter(type=sign)
        produced = ret2opio(func(**dag.inputs.parameters, **dag.inputs.artifacts)) or {}
        for key, sign in output_sign.items():
            if isinstance(sign, Artifact):
                dag.outputs.artifacts[key] = OutputArtifact(type=sign.type, _from=produced.get(key))
            else:
                kind = sign.type if isinstance(sign, Parameter) else sign
                dag.outputs.parameters[key] = OutputParameter(
                    type=kind, value_from_parameter=produced.get(key)
                )
    return dag

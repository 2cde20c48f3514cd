"""``step.inputs`` / ``step.outputs``: a template's declarations reached through one step."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

from dflow_jupyter.errors import UnknownKeyError
from dflow_jupyter.model.declarations import _IOBase


class _BoundView(Mapping[str, _IOBase]):
    """The template's current declarations of one kind, each reached through ``step``.

    Looked up lazily because a recursive ``Steps`` template gets its outputs declared after the
    step that uses it has been created.

    Parameters
    ----------
    step : Step
        The step the declarations are reached through (typed Any: ``step`` imports this module).
    declarations : callable
        Returns the template's declarations of this kind as they are now.
    """

    def __init__(self, step: Any, declarations: Callable[[], Mapping[str, _IOBase]]) -> None:
        self._step = step
        self._declarations = declarations
        self._cache: dict[str, tuple[_IOBase, _IOBase]] = {}

    def __getitem__(self, name: str) -> Any:
        # Any, not _IOBase: callers pass these on as parameters or artifacts of either kind.
        current = self._declarations()
        if name not in current:
            owner = getattr(self._step, "name", "?")
            known = ", ".join(map(repr, current)) or "none"
            raise UnknownKeyError(
                f"step {owner!r} has no such {type(current).__name__} entry {name!r}; known: {known}"
            )
        decl = current[name]
        cached = self._cache.get(name)
        # The same bound object each time (so identity tests work), unless the template's
        # declaration was replaced since.
        if cached is None or cached[0] is not decl:
            cached = (decl, decl.bound(self._step))
            self._cache[name] = cached
        return cached[1]

    def __iter__(self) -> Iterator[str]:
        return iter(self._declarations())

    def __len__(self) -> int:
        return len(self._declarations())

    def __repr__(self) -> str:
        return repr({k: self[k] for k in self})


class BoundIO:
    """``step.inputs`` / ``step.outputs``: the template's declarations reached through one step.

    Parameters
    ----------
    step : Step
        The step.
    side : {"inputs", "outputs"}
        Which side of the template's signature.
    """

    def __init__(self, step: Any, side: Literal["inputs", "outputs"]) -> None:
        self.parameters = _BoundView(step, lambda: getattr(step.template, side).parameters)
        self.artifacts = _BoundView(step, lambda: getattr(step.template, side).artifacts)

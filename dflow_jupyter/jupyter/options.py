"""The options of ``%%dflow_op`` and how they map to ``PythonOPTemplate`` arguments."""

from __future__ import annotations

import keyword
from dataclasses import dataclass
from typing import Any

from dflow_jupyter.jupyter.errors import CommandError

__all__ = ["OpOptions", "check_identifier"]

_MAGIC = "%%dflow_op"


def check_identifier(value: str, option: str, purpose: str) -> str:
    """``value`` if it is a usable Python variable name, else a ``CommandError``."""
    if not value.isidentifier() or keyword.iskeyword(value):
        suggestion = "".join(c if c.isalnum() or c == "_" else "_" for c in value) or "name"
        if suggestion[0].isdigit() or keyword.iskeyword(suggestion):
            suggestion = "_" + suggestion
        raise CommandError(
            f"{option} must be a Python identifier ({purpose}), got {value!r}; try {option} {suggestion}"
        )
    return value


@dataclass
class OpOptions:
    """The options of ``%%dflow_op`` (see ``%%dflow_op?``)."""

    image: str | None = None
    name: str | None = None
    python_packages: list[str] | None = None
    retries: int | None = None
    timeout: str | float | None = None
    template: str | None = None

    def template_kwargs(self) -> dict[str, Any]:
        """``PythonOPTemplate`` keyword arguments (``--retries N`` is ``retry_on_transient_error``).

        ``--retries N`` retries a failed step up to N times when its OP raised
        ``TransientError`` or any other ordinary exception (exit code 1), never after a
        ``FatalError`` (exit code 2): dflow's ``retry_on_transient_error``.
        """
        from dflow_jupyter.model.templates import parse_timeout

        kwargs: dict[str, Any] = {}
        if self.image is not None:
            kwargs["image"] = self.image
        if self.python_packages:
            kwargs["python_packages"] = list(self.python_packages)
        if self.retries is not None:
            if self.retries < 0:
                raise CommandError(f"{_MAGIC}: --retries must be 0 or more, got {self.retries}")
            kwargs["retry_on_transient_error"] = self.retries
        if self.timeout is not None:
            try:
                kwargs["timeout"] = parse_timeout(self.timeout, f"{_MAGIC} --timeout")
            except ValueError as exc:
                raise CommandError(str(exc)) from None
        return kwargs

    def settings(self) -> dict[str, str]:
        """What the card shows besides the image."""
        shown: dict[str, str] = {}
        if self.python_packages:
            shown["packages"] = ", ".join(self.python_packages)
        if self.retries is not None:
            shown["retries"] = f"{self.retries} (on TransientError or any exception but FatalError)"
        if self.timeout is not None:
            shown["timeout"] = f"{self.template_kwargs()['timeout']:g} s"
        if self.template:
            shown["template"] = self.template
        return shown

"""Backends behind one interface: ``config["mode"]`` picks the one ``Workflow`` and the magics use.

Implementations are named by module path and imported on first use, so the front end and the
model never import a backend's internals (checked by the import contract in the test command).
"""

from __future__ import annotations

import importlib
import threading

from dflow_jupyter.backend.interface import Backend
from dflow_jupyter.errors import DflowJupyterError

__all__ = ["Backend", "BackendUnavailable", "backend_for", "known_modes"]

#: ``config["mode"]`` values and the class implementing each (dflow calls Argo's ``"default"``).
_IMPLEMENTATIONS = {
    "debug": "dflow_jupyter.backend.debug:DebugBackend",
    "default": "dflow_jupyter.argo.backend:ArgoBackend",
    "argo": "dflow_jupyter.argo.backend:ArgoBackend",
}
#: Modes whose backend this release does not have yet (and what to say about them).
_NOT_YET: dict[str, str] = {}

_instances: dict[str, Backend] = {}
_lock = threading.Lock()


class BackendUnavailable(DflowJupyterError, NotImplementedError):
    """The mode names a backend this installation cannot run workflows on."""


def known_modes() -> tuple[str, ...]:
    """The modes that select a backend in this release."""
    return tuple(_IMPLEMENTATIONS)


def _canonical(mode: str) -> str:
    return mode.strip().lower()


def backend_for(mode: str | None = None) -> Backend:
    """The backend of ``mode`` (default: ``config["mode"]``); one instance per process.

    Raises
    ------
    BackendUnavailable
        ``mode`` names no backend, or one that is not available in this release.
    """
    if mode is None:
        from dflow_jupyter.config import config

        mode = str(config["mode"])
    key = _canonical(mode)
    with _lock:
        found = _instances.get(key)
        if found is not None:
            return found
        target = _IMPLEMENTATIONS.get(key)
        if target is None:
            if key in _NOT_YET:
                raise BackendUnavailable(
                    f"mode {mode!r}: {_NOT_YET[key]} is not available yet in this release; workflows "
                    "run on the in-process debug backend: use mode 'debug'"
                )
            raise BackendUnavailable(
                f"unknown backend {mode!r} (config['mode']); choose one of: "
                + ", ".join(repr(m) for m in known_modes())
            )
        # "default" and "argo" name one backend: they share its instance (and its pollers).
        for other, other_target in _IMPLEMENTATIONS.items():
            if other_target == target and other in _instances:
                _instances[key] = _instances[other]
                return _instances[key]
        module_name, _, class_name = target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            raise BackendUnavailable(
                f"mode {mode!r} needs {exc.name!r}, which is not installed: pip install 'dflow-jupyter[argo]'"
            ) from exc
        instance: Backend = getattr(module, class_name)()
        _instances[key] = instance
        return instance

"""dpdispatcher, imported only when a step first uses it, with its logging kept out of the notebook."""

from __future__ import annotations

import logging
import threading
from types import ModuleType

_lock = threading.Lock()
_module: ModuleType | None = None


class DpdispatcherMissingError(ImportError):
    """dpdispatcher is not installed but a step uses ``DispatcherExecutor``."""


def load_dpdispatcher() -> ModuleType:
    """The ``dpdispatcher`` module (imported once, thread-safely).

    On import dpdispatcher logs to ``dpdispatcher.log`` in the current directory and to stdout:
    the import runs with INFO records disabled (so that file is never created), then its file
    and stdout handlers are removed. ``config["dispatcher_debug"] = True`` keeps them on
    stderr instead.

    Raises
    ------
    DpdispatcherMissingError
        When dpdispatcher is not installed, saying how to install it.
    """
    global _module
    with _lock:
        if _module is not None:
            return _module
        previous = logging.root.manager.disable
        logging.disable(logging.INFO)
        try:
            import dpdispatcher
        except ImportError as exc:
            raise DpdispatcherMissingError(
                "DispatcherExecutor runs steps through dpdispatcher, which is not installed: "
                "pip install 'dflow-jupyter[hpc]' (or pip install dpdispatcher)"
            ) from exc
        finally:
            logging.disable(previous)
        _quiet(logging.getLogger("dpdispatcher"))
        _module = dpdispatcher
        return dpdispatcher


def _quiet(logger: logging.Logger) -> None:
    from dflow_jupyter.config import config

    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    if config.get("dispatcher_debug"):
        logger.addHandler(logging.StreamHandler())
    else:
        # Failures reach the step's message and log; dpdispatcher's own chatter would only
        # interleave with the notebook's output.
        logger.addHandler(logging.NullHandler())


def known_batch_types() -> list[str]:
    """The batch types dpdispatcher knows (``Slurm``, ``PBS``, ``LSF``, ``Shell``, ...)."""
    dp = load_dpdispatcher()
    # Each type is registered under its name and a lower-case alias: list the names.
    return sorted(name for name in dp.Machine.subclasses_dict if name[0].isupper())

"""``CommandError``: bad input to a magic or a subcommand, reported as one line (no traceback)."""

from __future__ import annotations

from dflow_jupyter.errors import DflowJupyterError


class CommandError(DflowJupyterError, ValueError):
    """The user's input to a magic or a ``python -m dflow_jupyter`` subcommand cannot be used.

    The message says what is wrong and what to change; the magics show it as an IPython
    ``UsageError`` and the terminal prints it to stderr, so neither shows a traceback.
    """

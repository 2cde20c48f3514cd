"""``Executor`` and ``Context``: extension points that rewrite templates before they run."""

from __future__ import annotations

import abc

from dflow_jupyter.model.templates import OPTemplate


class Executor(abc.ABC):
    """Rewrites a step's template to run elsewhere (a container, a remote host, a scheduler)."""

    @abc.abstractmethod
    def render(self, template: OPTemplate) -> OPTemplate:
        """Return the template to run instead of ``template``."""


class Context(abc.ABC):
    """Like an ``Executor``, but given to a ``Workflow`` and applied to every step."""

    @abc.abstractmethod
    def render(self, template: OPTemplate) -> OPTemplate:
        """Return the template to run instead of ``template``."""

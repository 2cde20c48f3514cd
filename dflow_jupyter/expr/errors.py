"""The one error type of the expression engine, with the source text and a caret under the fault."""

from __future__ import annotations

from dflow_jupyter.errors import DflowJupyterError

# Long or multi-line sources make a caret drawing unreadable; quote them instead.
_MAX_CARET_SOURCE = 160


class ExpressionError(DflowJupyterError, ValueError):
    """An Argo template, ``{{=...}}`` expression or ``when`` condition cannot be parsed or run.

    Parameters
    ----------
    message
        What went wrong: what was expected and what was found.
    source
        The expression (or template) text the error is about.
    position
        0-based character offset of the fault in ``source``, if known.
    hint
        How to fix it, appended on its own line.

    Attributes
    ----------
    message, source, position, hint
        The constructor arguments, kept for callers that re-word the error.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        position: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.position = position
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        text = self.message
        if self.source is not None:
            where = f" at position {self.position + 1}" if self.position is not None else ""
            text += f"{where} in {self.source!r}"
            if (
                self.position is not None
                and len(self.source) <= _MAX_CARET_SOURCE
                and "\n" not in self.source
            ):
                text += f"\n  | {self.source}\n  | {' ' * self.position}^"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def with_source(self, source: str, offset: int = 0) -> ExpressionError:
        """Return a copy located in an enclosing text (e.g. the template around an expression).

        Parameters
        ----------
        source
            The enclosing text.
        offset
            Where this error's own source starts inside ``source``.
        """
        position = None if self.position is None else self.position + offset
        return type(self)(self.message, source=source, position=position, hint=self.hint)

    def with_context(self, note: str) -> ExpressionError:
        """Return a copy whose message ends with ``note`` (e.g. the template it came from)."""
        return type(self)(
            f"{self.message} ({note})", source=self.source, position=self.position, hint=self.hint
        )


class UnknownReferenceError(ExpressionError):
    """A ``{{ref}}`` or an expression names something the scope does not have."""

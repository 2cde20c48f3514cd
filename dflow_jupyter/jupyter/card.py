"""``OPCard``: the compact summary a ``%%dflow_op`` cell shows (name, inputs, outputs, image)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["OPCard", "Port", "ports_of"]


@dataclass(frozen=True)
class Port:
    """One input or output of an OP as the card shows it: ``name: type`` plus a note."""

    name: str
    type: str
    note: str = ""

    def text(self) -> str:
        return f"{self.name}: {self.type}{self.note}"


def ports_of(sign: Mapping[str, Any]) -> list[Port]:
    """The ports of an ``OPIOSign``: artifacts as ``Artifact(T)``, defaults as ``= value``."""
    from dflow_jupyter.python.errors import short_repr
    from dflow_jupyter.python.opio import Artifact
    from dflow_jupyter.python.typecheck import describe_entry

    ports = []
    for name, entry in sign.items():
        kind, type_text = describe_entry(entry)
        note = ""
        if kind == "artifact":
            optional = ", optional" if isinstance(entry, Artifact) and entry.optional else ""
            type_text = f"Artifact({type_text}{optional})"
        elif "default" in getattr(entry, "__dict__", {}):
            note = f" = {short_repr(entry.__dict__['default'])}"
        ports.append(Port(name, type_text, note))
    return ports


@dataclass(frozen=True)
class OPCard:
    """A displayable summary of an OP: text for terminals, HTML for notebooks."""

    name: str
    kind: str
    inputs: Sequence[Port]
    outputs: Sequence[Port]
    image: str | None = None
    #: Further settings worth showing, e.g. ``{"retries": "2", "template": "energy_t"}``.
    settings: Mapping[str, str] = field(default_factory=dict)
    #: Names the cell uses that will be missing where the OP runs elsewhere.
    unresolved: Sequence[str] = ()

    @classmethod
    def of(
        cls,
        op: Any,
        *,
        image: str | None = None,
        settings: Mapping[str, str] | None = None,
        unresolved: Sequence[str] = (),
    ) -> OPCard:
        """The card of an OP class or function-OP instance."""
        op_class: Any = op if isinstance(op, type) else type(op)
        kind = "function OP" if hasattr(op_class, "_spec") else "class OP"
        return cls(
            name=op_class.__name__,
            kind=kind,
            inputs=ports_of(op_class.get_input_sign()),
            outputs=ports_of(op_class.get_output_sign()),
            image=image,
            settings=dict(settings or {}),
            unresolved=tuple(unresolved),
        )

    def _image_text(self) -> str:
        return self.image or "not set (the backend's default)"

    def text(self) -> str:
        lines = [f"{self.kind} {self.name}", f"  image    {self._image_text()}"]
        for label, ports in (("inputs", self.inputs), ("outputs", self.outputs)):
            texts = [p.text() for p in ports] or ["(none)"]
            lines.append(f"  {label:<8} {texts[0]}")
            lines.extend(f"  {'':<8} {t}" for t in texts[1:])
        for key, value in self.settings.items():
            lines.append(f"  {key:<8} {value}")
        if self.unresolved:
            lines.append(f"  warning  not shipped: {', '.join(self.unresolved)}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        esc = html.escape
        rows = [f"<tr><th>image</th><td>{esc(self._image_text())}</td></tr>"]
        for label, ports in (("inputs", self.inputs), ("outputs", self.outputs)):
            cells = (
                "<br>".join(f"<code>{esc(p.name)}</code>: {esc(p.type)}{esc(p.note)}" for p in ports)
                or "(none)"
            )
            rows.append(f"<tr><th>{label}</th><td>{cells}</td></tr>")
        for key, value in self.settings.items():
            rows.append(f"<tr><th>{esc(key)}</th><td>{esc(value)}</td></tr>")
        if self.unresolved:
            names = ", ".join(f"<code>{esc(n)}</code>" for n in self.unresolved)
            rows.append(f'<tr><th>warning</th><td style="color:#b45309">not shipped: {names}</td></tr>')
        return (
            '<table class="dflow-op-card" style="border-collapse:collapse;text-align:left">'
            f'<caption style="text-align:left;font-weight:bold">{esc(self.kind)} '
            f"<code>{esc(self.name)}</code></caption>" + "".join(rows) + "</table>"
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def __repr__(self) -> str:
        return self.text()

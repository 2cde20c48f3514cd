"""What Argo binds to ``item`` for one element of ``withItems``/``withParam``.

Argo never hands a template the parsed item: ``{{item}}`` is text, and for a JSON object each
field is also text (``{{item.image}}``, and ``item.image`` in ``{{=...}}``).  A number keeps the
JSON spelling it had in the list (``3.0`` stays ``3.0``), a nested value stays compact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.expr.golang import go_json_dumps


class ArgoItem(dict[str, str]):
    """A JSON-object item as Argo sees it: field name to field text, plus the whole as JSON.

    Rendering ``{{item}}`` uses :attr:`text`; ``{{item.key}}`` and expressions use the fields.
    """

    text: str

    def __init__(self, fields: Mapping[str, str], text: str) -> None:
        super().__init__(fields)
        self.text = text


def _compact(value: Any) -> str:
    """Compact JSON as Go's ``json.Compact`` (with HTML escaping) leaves a raw list element."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _field_text(value: Any) -> str:
    """``fmt.Sprintf("%v", item)``: strings lose their quotes, the rest stays JSON."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)[1:-1]
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def item_scope_value(item: Any) -> str | ArgoItem:
    """The value to put under ``"item"`` in a scope, for one element of a fan-out list.

    Parameters
    ----------
    item
        One element of the ``with_param`` / ``with_items`` list, as parsed from JSON.

    Returns
    -------
    str or ArgoItem
        A string for scalars and lists (``3`` -> ``"3"``, ``True`` -> ``"true"``,
        ``[1, 2]`` -> ``"[1,2]"``); an :class:`ArgoItem` for a JSON object.
    """
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        fields = {str(k): _field_text(v) for k, v in item.items()}
        body = ",".join(f"{go_json_dumps(str(k))}:{_compact(v)}" for k, v in sorted(item.items()))
        return ArgoItem(fields, "{" + body + "}")
    return _field_text(item) if not isinstance(item, (list, tuple)) else _compact(list(item))

"""Helpers of the secrets sweep: distinctive credentials, and a search for them anywhere.

A secret counts as leaked when its bytes appear, or their base64 (a header or a config dump
may encode them), in a file, a message, a widget state or an output. Each search is counted, so
``docs/reliability.md`` can say how much was swept.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Credentials nothing else in the tests spells: the Argo token and wrong ones for the 401 and
#: the refused S3 requests (moto makes the right S3 keys, added by the test).
ARGO_TOKEN = "dflowSweepArgoToken7c1e9a40"
WRONG_TOKEN = "dflowSweepWrongToken55d2b8"
WRONG_SECRET = "dflowSweepWrongS3Secret/a91b"
WRONG_ACCESS = "DFLOWSWEEPWRONGACCESS3F0C"


def _variants(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw)]


@dataclass
class Sweep:
    """The secrets to look for, and what was looked at (files, bytes, texts by kind)."""

    secrets: list[str]
    files: int = 0
    bytes: int = 0
    texts: dict[str, int] = field(default_factory=dict)
    leaks: list[str] = field(default_factory=list)

    def _find(self, data: bytes, where: str) -> None:
        for secret in self.secrets:
            if any(v in data for v in _variants(secret)):
                self.leaks.append(f"{secret[:12]}... in {where}")

    def text(self, kind: str, value: Any, where: str = "") -> None:
        """Look for the secrets in a string, an exception or anything JSON-able (by ``kind``)."""
        if isinstance(value, BaseException):
            import traceback

            value = "".join(traceback.format_exception(type(value), value, value.__traceback__))
            value += repr(value) + str(value.__dict__ if hasattr(value, "__dict__") else "")
        elif not isinstance(value, (str, bytes)):
            value = json.dumps(value, default=repr)
        data = value if isinstance(value, bytes) else value.encode("utf-8", errors="replace")
        self.texts[kind] = self.texts.get(kind, 0) + 1
        self.bytes += len(data)
        self._find(data, f"{kind} {where}".strip())

    def tree(self, root: Path) -> None:
        """Every file under ``root``, binary-safe, links not followed."""
        for directory, _, names in os.walk(root):
            for name in names:
                path = Path(directory) / name
                if path.is_symlink():
                    continue
                data = path.read_bytes()
                self.files += 1
                self.bytes += len(data)
                self._find(data, f"file {path.relative_to(root)}")

    def assert_clean(self) -> None:
        assert not self.leaks, "secrets leaked:\n" + "\n".join(self.leaks)

    def figures(self) -> dict[str, Any]:
        return {"files": self.files, "bytes": self.bytes, "texts": dict(self.texts), "leaks": len(self.leaks)}


def exceptions_of(exc: BaseException) -> Iterable[BaseException]:
    """``exc`` and the exceptions chained to it (cause and context)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen

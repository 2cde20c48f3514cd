"""``%dflow config KEY=VALUE ...`` and ``%dflow mode debug|argo``: settings typed from text."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from dflow_jupyter.jupyter.errors import CommandError

__all__ = ["config_command", "mode_command"]


def _terminal_refusal(prog: str, what: str, variables: str) -> CommandError:
    # A setting made by a terminal command would end with that command's process.
    return CommandError(
        f"{prog} {what}: a setting made here would end with this command; "
        f"set environment variables instead: {variables}"
    )


def _check_mode(mode: str, prog: str) -> None:
    from dflow_jupyter.jupyter.workflow_cell import check_backend

    check_backend(mode, f"{prog} mode {mode}")


#: Settings whose values are credentials: shown as set or unset, never in clear.
_SECRET_WORDS = ("token", "secret", "password", "credential")


def shown_value(key: str, value: object) -> str:
    """The value of a setting as printed: a credential only says whether it is set.

    So do the credential headers of ``http_headers`` (``Authorization``, ``Cookie``...).
    """
    from dflow_jupyter.argo.settings import sensitive_header, without_password

    if value is not None and any(word in key.lower() for word in _SECRET_WORDS):
        return "'***' (set; not shown)"
    if isinstance(value, str) and "@" in value:
        return repr(without_password(value))
    if key == "http_headers" and isinstance(value, dict):
        return repr({k: "***" if v and sensitive_header(str(k)) else v for k, v in value.items()})
    return repr(value)


def config_command(assignments: Sequence[str], prog: str, notebook: bool) -> list[str]:
    """``config [KEY=VALUE ...]``: set keys, or list them all; returns the lines to print.

    Values are converted as the key's ``DFLOW_*`` environment variable would be
    (``debug_pool_workers=4`` is an int, ``debug_failfast=true`` a bool). In a terminal
    (``notebook=False``) assignments are refused with the equivalent environment variables.
    """
    from dflow_jupyter.config import config, config_keys, convert_config_value

    if not assignments:
        return [f"{key} = {shown_value(key, config[key])}" for key in sorted(config)]
    if not notebook:
        pairs = (a.partition("=") for a in assignments)
        raise _terminal_refusal(prog, "config", " ".join(f"DFLOW_{k.upper()}={v}" for k, _, v in pairs))
    updates: dict[str, Any] = {}
    for text in assignments:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise CommandError(
                f"{prog} config: {text!r} is not KEY=VALUE; write e.g. {prog} config debug_workdir=runs"
            )
        if key not in config_keys():
            close = difflib.get_close_matches(key, config_keys(), n=1)
            known = ", ".join(config_keys())
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {known}"
            raise CommandError(f"{prog} config: unknown key {key!r}; {hint}")
        try:
            updates[key] = convert_config_value(key, raw)
        except (TypeError, ValueError) as exc:
            raise CommandError(f"{prog} config: {key}={raw!r}: {exc}") from None
        if key == "mode":
            _check_mode(str(updates[key]), prog)
    config.update(updates)
    return [f"{key} = {shown_value(key, value)}" for key, value in updates.items()]


def mode_command(mode: str | None, prog: str, notebook: bool) -> list[str]:
    """``mode [debug|argo]``: show or set ``config["mode"]``; returns the lines to print."""
    from dflow_jupyter.config import config

    if mode is not None:
        _check_mode(mode, prog)
        if not notebook:
            raise _terminal_refusal(prog, "mode", f"DFLOW_MODE={mode}")
        config["mode"] = mode.lower()
    return [f"mode = {config['mode']!r}"]

"""Name rules for workflows, templates, steps, parameters and keys (dflow's table, Argo's limits)."""

from __future__ import annotations

import re
import secrets

from dflow_jupyter.errors import InvalidNameError

_RFC1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_STEP_NAME = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")
_IO_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")

WORKFLOW_NAME_RULE = (
    "a lowercase RFC 1123 subdomain: lower case alphanumeric characters, '-' or '.', starting and "
    "ending with an alphanumeric character, at most 57 characters"
)
STEP_NAME_RULE = (
    "alphanumeric characters or '-', starting with an alphanumeric character, at most 128 characters"
)
IO_NAME_RULE = "alphanumeric characters, '_' or '-'"
KEY_RULE = (
    "a lowercase RFC 1123 subdomain: lower case alphanumeric characters, '-' or '.', starting and "
    "ending with an alphanumeric character, at most 253 characters"
)


def _fail(what: str, name: object, rule: str, hint: str = "") -> InvalidNameError:
    message = f"invalid {what} {name!r}: it must be {rule}"
    return InvalidNameError(message + (f"; {hint}" if hint else ""))


def _suggest_lower(name: str) -> str:
    return re.sub(r"[^a-z0-9.-]+", "-", name.lower()).strip("-.")


def check_workflow_name(name: object, what: str = "workflow name") -> str:
    """Return ``name`` if it is a valid workflow or OP-template name, else raise."""
    if not isinstance(name, str) or not name:
        raise _fail(what, name, WORKFLOW_NAME_RULE)
    if len(name) > 57 or not _RFC1123_SUBDOMAIN.fullmatch(name):
        raise _fail(what, name, WORKFLOW_NAME_RULE, f"for example {_suggest_lower(name)[:57]!r}")
    return name


def check_workflow_id(workflow_id: object) -> str:
    """Return ``workflow_id`` if it is a valid workflow id (Argo's ``metadata.name``), else raise.

    Ids name record directories and Argo objects, so nothing but the name rule may pass
    (``../x`` would reach outside the work directory).
    """
    if (
        not isinstance(workflow_id, str)
        or len(workflow_id) > 63
        or not _RFC1123_SUBDOMAIN.fullmatch(workflow_id)
    ):
        raise _fail("workflow id", workflow_id, WORKFLOW_NAME_RULE.replace("57", "63"))
    return workflow_id


def check_template_name(name: object) -> str:
    """Argo's rule for template names (as for steps: ``Hello`` is fine, ``a_b`` is not)."""
    return check_step_name(name, "OP template name")


def check_step_name(name: object, what: str = "step name") -> str:
    """Return ``name`` if it is a valid step or task name, else raise."""
    if not isinstance(name, str) or len(name) > 128 or not _STEP_NAME.fullmatch(name):
        hint = ""
        if isinstance(name, str) and name:
            hint = f"for example {re.sub(r'[^a-zA-Z0-9-]+', '-', name).strip('-')[:128]!r}"
        raise _fail(what, name, STEP_NAME_RULE, hint)
    return name


def check_io_name(name: object, what: str = "parameter name") -> str:
    """Return ``name`` if it is a valid parameter or artifact name, else raise."""
    if not isinstance(name, str) or not _IO_NAME.fullmatch(name):
        raise _fail(what, name, IO_NAME_RULE)
    return name


def check_key(key: object, step: str | None = None) -> str:
    """Return ``key`` if it is a valid (rendered) step key, else raise."""
    what = f"key of step {step!r}" if step else "step key"
    if not isinstance(key, str) or len(key) > 253 or not _RFC1123_SUBDOMAIN.fullmatch(key):
        hint = f"for example {_suggest_lower(str(key))!r}" if isinstance(key, str) and key else ""
        raise _fail(what, key, KEY_RULE, hint)
    return key


def template_name_from(name: str) -> str:
    """A valid template name from a class or function name (``SimpleExample`` -> ``simple-example``)."""
    dashed = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name)
    cleaned = _suggest_lower(dashed)[:57].strip("-.")
    return cleaned or "op"


def random_suffix(length: int = 5) -> str:
    """A lowercase alphanumeric suffix like dflow's ``randstr``, valid in every kind of name."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(length))

"""Executors and contexts: extension points whose ``render`` returns the template to run instead."""

from __future__ import annotations

import pytest

from dflow_jupyter.model.executor import Context, Executor
from dflow_jupyter.model.templates import OPTemplate, ShellOPTemplate


class Wrap(Executor):
    """Runs a shell template under ``time``, as a remote executor would rewrite its command."""

    def render(self, template: OPTemplate) -> OPTemplate:
        assert isinstance(template, ShellOPTemplate)
        clone = template.copy()
        assert isinstance(clone, ShellOPTemplate)
        clone.command = ["time", *template.command]
        return clone


class Label(Context):
    def render(self, template: OPTemplate) -> OPTemplate:
        template.labels["rendered-by"] = "label"
        return template


def test_executor_render_returns_the_template_to_run() -> None:
    original = ShellOPTemplate("echo", script="echo hi")
    rendered = Wrap().render(original)
    assert rendered is not original and rendered.name.startswith("echo-")
    assert isinstance(rendered, ShellOPTemplate) and rendered.command == ["time", "sh"]
    assert original.command == ["sh"] and rendered.script == "echo hi"


def test_context_render() -> None:
    template = ShellOPTemplate("echo")
    assert Label().render(template).labels == {"rendered-by": "label"}


def test_render_is_abstract() -> None:
    with pytest.raises(TypeError, match="abstract"):
        Executor()  # type: ignore[abstract]
    with pytest.raises(TypeError, match="abstract"):
        Context()  # type: ignore[abstract]

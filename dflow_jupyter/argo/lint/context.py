"""The state of one semantic lint: options, global variables, templates seen, where problems go.

Argo's validator (``workflow/validate/validate.go``) stops at the first error. This port records
every problem and goes on wherever the rest can still be checked; each problem carries Argo's
message (with the chain of ``templates.X.steps[i].s`` prefixes Argo adds on the way up) and the
path of the nearest place in the linted document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dflow_jupyter.argo.lint.names import Placeholders
from dflow_jupyter.argo.lint.problems import Path, Problem

__all__ = ["Base", "Options", "Site", "TemplateNotFound", "ValidationContext"]


@dataclass(frozen=True)
class Options:
    """Argo's ``validate.Opts``.

    Attributes
    ----------
    lint : bool
        Linting (``argo lint``): workflow arguments may lack values.
    submit : bool
        Submitting from a WorkflowTemplate: its arguments need values.
    """

    lint: bool = False
    submit: bool = False
    ignore_entrypoint: bool = False
    template_validation: bool = False


class TemplateNotFound(LookupError):
    """A template name or reference that resolves to nothing (Argo's ``CodeNotFound``)."""


@dataclass(frozen=True)
class Base:
    """Where templates are looked up: the linted workflow or a referenced WorkflowTemplate.

    Attributes
    ----------
    kind : str
        ``Workflow``, ``WorkflowTemplate`` or ``ClusterWorkflowTemplate``.
    name : str
        The resource name (part of the key of validated templates).
    spec : Mapping
        Its ``spec``.
    path : tuple or None
        Where its ``spec`` is in the linted document; None for another document.
    """

    kind: str
    name: str
    spec: Mapping[str, Any]
    path: Path | None

    @property
    def scope(self) -> str:
        resource = {"Workflow": "local", "WorkflowTemplate": "namespaced"}.get(self.kind, "cluster")
        return f"{resource}/{self.name}"

    def template(self, name: str) -> tuple[int, dict[str, Any]] | None:
        for index, template in enumerate(self.spec.get("templates") or []):
            if isinstance(template, dict) and template.get("name") == name:
                return index, template
        return None

    def template_path(self, index: int) -> Path | None:
        return None if self.path is None else (*self.path, "templates", index)


@dataclass(frozen=True)
class Site:
    """Where a check runs: the Argo message prefix chain and the location in the linted document.

    Attributes
    ----------
    prefix : tuple of str
        Argo's wrapping on the way up (``templates.main.steps[1].call``), outermost first.
    anchor : tuple
        The nearest location in the linted document.
    local : bool
        Whether the template being checked is itself in the linted document, so that its
        sub-paths may be appended to ``anchor``.
    """

    prefix: tuple[str, ...] = ()
    anchor: Path = ()
    local: bool = True

    def wrap(self, text: str) -> Site:
        return Site((*self.prefix, text), self.anchor, self.local)

    def at(self, *parts: str | int) -> Site:
        """The site of a sub-part of the current template (kept at the anchor if not local)."""
        return Site(self.prefix, (*self.anchor, *parts) if self.local else self.anchor, self.local)

    def enter(self, path: Path | None) -> Site:
        """The site of another template: its own path if local, else the holder's."""
        if path is None:
            return Site(self.prefix, self.anchor, False)
        return Site(self.prefix, path, True)


@dataclass
class ValidationContext:
    """State shared by every check of one document.

    ``validate_holder`` is ``templates.validate_template_holder``, set by the entry point so that
    the Steps and DAG checks can recurse without importing the module that imports them.
    """

    options: Options
    workflow: Mapping[str, Any]
    templates_by_ref: Mapping[tuple[bool, str], Mapping[str, Any]]
    global_params: dict[str, Any] = field(default_factory=dict)
    results: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)
    placeholders: Placeholders = field(default_factory=Placeholders)
    validate_holder: Callable[..., Any] | None = None
    _seen: set[tuple[Path, str]] = field(default_factory=set)

    def error(self, site: Site, message: str, *parts: str | int) -> None:
        """Record ``message`` (Argo's text) at ``site``, wrapped in the site's prefix chain.

        A problem met again on another way to the same template (Argo checks some parts of a
        template at every use) is recorded once, with the chain of the first way.
        """
        where = site.at(*parts).anchor if parts else site.anchor
        if (where, message) in self._seen:
            return
        self._seen.add((where, message))
        self.problems.append(Problem(where, " ".join((*site.prefix, message))))

    def referenced(self, cluster: bool, name: str) -> Base:
        """The WorkflowTemplate (or ClusterWorkflowTemplate) ``name`` as a template base."""
        found = self.templates_by_ref.get((cluster, name))
        if found is None:
            raise TemplateNotFound(f"workflow template {name} not found")
        kind = "ClusterWorkflowTemplate" if cluster else "WorkflowTemplate"
        return Base(kind, name, found.get("spec") or {}, None)

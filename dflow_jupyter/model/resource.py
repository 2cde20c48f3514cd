"""dflow's ``Resource`` and the template it becomes: a step that creates a Kubernetes object and waits.

Argo runs such a step as a ``resource`` template: it applies ``manifest`` with ``action``
(``create``, ``apply``...) and follows the object until ``success_condition`` or
``failure_condition`` (label-selector-like expressions over its fields) holds. dflow's
``SlurmJob`` (a wlm-operator ``SlurmJob`` object) is one. The debug backend has no cluster to
create objects in, so such steps run on Argo only.
"""

from __future__ import annotations

import abc
import copy
import inspect
from typing import Any, ClassVar

from dflow_jupyter.model.signature import Inputs, Outputs
from dflow_jupyter.model.templates import OPTemplate

__all__ = ["Resource", "ResourceOPTemplate", "resource_template"]


class Resource(abc.ABC):
    """A Kubernetes object a step creates instead of running a pod (dflow's ``Resource``).

    Attributes
    ----------
    action : str, optional
        What Argo does with the manifest: ``create``, ``apply``, ``patch``, ``replace``, ``delete``.
    success_condition, failure_condition : str, optional
        When the step has succeeded or failed, e.g. ``"status.status == Succeeded"``.
    """

    action: str | None = None
    success_condition: str | None = None
    failure_condition: str | None = None

    @abc.abstractmethod
    def get_manifest(self, template: Any) -> str | dict[str, Any]:
        """The object to create for ``template`` (YAML text, or a dict), Argo tags allowed."""


class ResourceOPTemplate(OPTemplate):
    """A template that applies a Kubernetes manifest and waits on it (Argo's ``resource`` template).

    Parameters
    ----------
    name, inputs, outputs
        As every template's.
    manifest : str or dict
        The object (YAML text or a dict).
    action : str
        ``create`` (default), ``apply``, ``patch``, ``replace`` or ``delete``.
    success_condition, failure_condition : str, optional
        Argo's conditions on the object's fields.
    set_owner_reference : bool
        Delete the object with the workflow.
    """

    #: Why the debug backend cannot run it (it has no cluster to create the object in).
    argo_only: ClassVar[str] = (
        "a resource template creates a Kubernetes object, which only the Argo backend can do"
    )

    def __init__(
        self,
        name: str | None = None,
        inputs: Inputs | None = None,
        outputs: Outputs | None = None,
        manifest: str | dict[str, Any] = "",
        action: str = "create",
        success_condition: str | None = None,
        failure_condition: str | None = None,
        set_owner_reference: bool = False,
    ) -> None:
        super().__init__(name, inputs, outputs)
        self.manifest = manifest
        self.action = action
        self.success_condition = success_condition
        self.failure_condition = failure_condition
        self.set_owner_reference = set_owner_reference

    def to_argo_resource(self) -> dict[str, Any]:
        """The template's ``resource`` field."""
        manifest = self.manifest
        if not isinstance(manifest, str):
            import yaml

            manifest = yaml.safe_dump(manifest, sort_keys=False)
        body: dict[str, Any] = {"action": self.action, "manifest": manifest}
        if self.set_owner_reference:
            body["setOwnerReference"] = True
        if self.success_condition:
            body["successCondition"] = self.success_condition
        if self.failure_condition:
            body["failureCondition"] = self.failure_condition
        return body


def resource_template(resource: Resource, template: Any) -> ResourceOPTemplate:
    """``template`` as a step with ``use_resource=resource`` runs it: its signature, the object.

    dflow's ``Step`` calls ``get_manifest(command, script)`` while its ``SlurmJob`` takes the
    template: both forms are accepted.
    """
    parameters = list(inspect.signature(resource.get_manifest).parameters)
    if len(parameters) >= 2:
        manifest = resource.get_manifest(template.command, template.script)  # type: ignore[call-arg]
    else:
        manifest = resource.get_manifest(template)
    return ResourceOPTemplate(
        name=template.name,
        # Copies: the declarations belong to one template each.
        inputs=copy.deepcopy(template.inputs),
        outputs=copy.deepcopy(template.outputs),
        manifest=manifest,
        action=resource.action or "create",
        success_condition=resource.success_condition,
        failure_condition=resource.failure_condition,
    )

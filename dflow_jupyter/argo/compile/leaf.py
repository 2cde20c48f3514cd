"""Leaf templates: shell and Python scripts, and Python OPs (a script that runs the OP in its pod)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.argo.compile.pod import container_fields, pod_fields
from dflow_jupyter.argo.compile.signature import build_inputs, build_outputs
from dflow_jupyter.argo.compile.source import op_code, python_literal
from dflow_jupyter.config import config
from dflow_jupyter.model.resource import ResourceOPTemplate
from dflow_jupyter.model.templates import PythonScriptOPTemplate, ScriptOPTemplate

__all__ = ["GROUP_KEY", "PACKAGE_ARTIFACT", "LeafOptions", "build_leaf"]

PACKAGE_ARTIFACT = "dflow_jupyter_package"
SUCCESS_TAG = "dflow_success_tag"
ARTIFACT_KEY = "dflow_artifact_key"
GROUP_KEY = "dflow_group_key"
# Parameters a step adds to its template (not the OP's own inputs).
_ADDED = ("dflow_key", "dflow_slice", ARTIFACT_KEY, GROUP_KEY)


@dataclass(frozen=True)
class LeafOptions:
    """What a step adds to the template it runs (dflow changes the template per step the same way).

    Attributes
    ----------
    keyed : bool
        The step has a ``key``: the template takes ``dflow_key``.
    slices : Slices or None
        The step's slices: the template takes ``dflow_slice`` (and ``dflow_artifact_key`` for
        stacked output artifacts).
    success_tag : bool
        ``continue_on_num_success``/``success_ratio``: the template reports success in
        ``dflow_success_tag``.
    """

    keyed: bool = False
    slices: Any = None
    success_tag: bool = False


def _add_parameter(section: dict[str, Any], entry: dict[str, Any]) -> None:
    params = section.setdefault("parameters", [])
    if all(p["name"] != entry["name"] for p in params):
        params.append(entry)


def _signature(template: Any, options: LeafOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    inputs, outputs = build_inputs(template, leaf=True), build_outputs(template, leaf=True)
    if options.keyed:
        _add_parameter(inputs, {"name": "dflow_key", "value": ""})
    slices = options.slices
    if slices is not None:
        _add_parameter(inputs, {"name": "dflow_slice"})
        if slices.output_artifact:
            _add_parameter(inputs, {"name": ARTIFACT_KEY})
            if options.keyed:
                # dflow's group key: recorded in every item's inputs, so reusing an item can
                # reuse the key its stacked outputs were written under (argo.memoize).
                _add_parameter(inputs, {"name": GROUP_KEY, "value": ""})
        for art in outputs.get("artifacts", []):
            if art["name"] in slices.output_artifact:
                # Every item writes into one key, so the items' files and catalogs add up to
                # the stacked artifact (dflow's merge).
                art["s3"] = {"key": "{{inputs.parameters.%s}}/%s" % (ARTIFACT_KEY, art["name"])}
                art["archive"] = {"none": {}}
    if options.success_tag:
        tag = f"{getattr(template, 'tmp_root', '/tmp')}/outputs/success_tag"
        _add_parameter(outputs, {"name": SUCCESS_TAG, "valueFrom": {"path": tag, "default": "0"}})
    return inputs, outputs


def _script_source(template: ScriptOPTemplate, options: LeafOptions) -> str:
    source = template.script
    if options.success_tag:
        # Appended, as dflow does: reached only when the script itself ran to its end.
        if isinstance(template, PythonScriptOPTemplate):
            source += (
                "\nimport os as _os\n_os.makedirs('/tmp/outputs', exist_ok=True)\n"
                "with open('/tmp/outputs/success_tag', 'w') as _f:\n    _f.write('1')\n"
            )
        else:
            source += "\nmkdir -p /tmp/outputs && echo 1 > /tmp/outputs/success_tag\n"
    return source


def _python_env(template: Any, inputs: dict[str, Any], options: LeafOptions) -> list[dict[str, Any]]:
    names = [p["name"] for p in inputs.get("parameters", []) if p["name"] not in _ADDED]
    env = [{"name": f"DFLOW_INPUT_{n}", "value": "{{inputs.parameters.%s}}" % n} for n in names]
    if options.keyed:
        env.append({"name": "DFLOW_KEY", "value": "{{inputs.parameters.dflow_key}}"})
    if options.slices is not None:
        env.append({"name": "DFLOW_SLICE", "value": "{{inputs.parameters.dflow_slice}}"})
    env.append({"name": "DFLOW_WORKFLOW_NAME", "value": "{{workflow.name}}"})
    return env


def _runner_spec(template: Any, options: LeafOptions, code: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"attribute": code.attribute, "tmp_root": template.tmp_root}
    if code.function:
        spec["function"] = True
    slices = options.slices
    if slices is not None:
        spec["slices"] = {
            "parameters": list(slices.input_parameter),
            "artifacts": list(slices.input_artifact),
            "group_size": slices.group_size,
            "shuffle": slices.shuffle,
            "seed": slices.random_seed,
            "create_dir": slices.create_dir,
        }
    if options.success_tag:
        spec["success_tag"] = True
    return spec


def _python_source(template: Any, options: LeafOptions) -> str:
    code = op_code(template)
    lines = [f"# Runs OP {template.op_class.__name__} (generated by dflow_jupyter)."]
    if config.get("argo_package") == "artifact":
        lines += [
            "import sys",
            f"sys.path.insert(0, {template.tmp_root + '/inputs/artifacts/' + PACKAGE_ARTIFACT!r})",
        ]
    if template.pre_script:
        lines.append(template.pre_script.rstrip("\n"))
    lines.append("from dflow_jupyter.argo.compile.entry import run")
    spec = repr(_runner_spec(template, options, code))
    if code.kind == "pickle":
        lines.append(f"run({spec}, pickled={code.payload!r})")
    else:
        lines.append(f"run({spec}, source={python_literal(code.payload)})")
    if template.post_script:
        lines.append(template.post_script.rstrip("\n"))
    return "\n".join(lines) + "\n"


def _refuse_local_packages(template: Any) -> None:
    from dflow_jupyter.python.template import upload_packages

    packages = [*template.python_packages, *upload_packages]
    if packages:
        raise CompileError(
            f"template {template.name!r}: local packages ({', '.join(map(str, packages))}) cannot "
            "reach the pods yet (python_packages / upload_packages); install them in the image"
        )


def _resource_leaf(template: ResourceOPTemplate, name: str, options: LeafOptions) -> dict[str, Any]:
    if options.slices is not None or options.success_tag:
        raise CompileError(
            f"template {template.name!r}: a resource template (use_resource, SlurmJob) runs no "
            "script, so Slices and continue_on_num_success/ratio cannot apply to it"
        )
    inputs, outputs = _signature(template, options)
    result: dict[str, Any] = {"name": name}
    if inputs:
        result["inputs"] = inputs
    if outputs:
        result["outputs"] = outputs
    result["resource"] = template.to_argo_resource()
    return result


def build_leaf(
    template: Any, name: str, options: LeafOptions, default_image: str | None = None
) -> dict[str, Any]:
    """The Argo template of a leaf OP template, as one step (``options``) uses it.

    ``default_image`` stands in for a template without an image (a step submitted as an HPC
    job needs none unless a container runs it there).

    Raises
    ------
    CompileError
        A template kind Argo cannot run here, an OP without source, a missing image.
    """
    if isinstance(template, ResourceOPTemplate):
        return _resource_leaf(template, name, options)
    is_python = hasattr(template, "op_class")
    if not is_python and not isinstance(template, ScriptOPTemplate):
        raise CompileError(
            f"template {template.name!r}: {type(template).__name__} cannot be compiled to Argo; "
            "use a PythonOPTemplate, ShellOPTemplate or PythonScriptOPTemplate"
        )
    if options.slices is not None and not is_python:
        raise CompileError(f"template {template.name!r}: Slices need a Python OP (PythonOPTemplate)")
    if is_python:
        _refuse_local_packages(template)
    inputs, outputs = _signature(template, options)
    result: dict[str, Any] = {"name": name}
    if is_python and config.get("argo_package") == "artifact":
        art: dict[str, Any] = {
            "name": PACKAGE_ARTIFACT,
            "path": f"{template.tmp_root}/inputs/artifacts/{PACKAGE_ARTIFACT}",
            "s3": {"key": str(config.get("argo_package_key"))},
        }
        inputs.setdefault("artifacts", []).append(art)
    if inputs:
        result["inputs"] = inputs
    if outputs:
        result["outputs"] = outputs
    if is_python:
        script = container_fields(template, _python_env(template, inputs, options), default_image)
        script["source"] = _python_source(template, options)
        progress = "0/1"
    else:
        script = container_fields(template, None, default_image)
        script["source"] = _script_source(template, options)
        progress = template.init_progress
    result["script"] = script
    pod = pod_fields(template, progress)
    # Metadata first, as Argo's examples write it; the other pod settings after the script.
    return {
        "name": name,
        **({"metadata": pod.pop("metadata")} if "metadata" in pod else {}),
        **{k: v for k, v in result.items() if k != "name"},
        **pod,
    }

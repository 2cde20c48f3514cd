"""dflow's helper steps, run in ``util_image``: stacked-artifact keys and success-count checks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dflow_jupyter.config import config

__all__ = ["check_template", "init_artifact_template"]


def _script(image: str | None, pull_policy: str | None, source: str) -> dict[str, Any]:
    script: dict[str, Any] = {"image": image or str(config["util_image"]), "command": ["python3"]}
    policy = pull_policy or config.get("util_image_pull_policy")
    if policy:
        script["imagePullPolicy"] = policy
    script["source"] = source
    return script


def init_artifact_template(
    name: str,
    artifacts: Sequence[str],
    image: str | None,
    pull_policy: str | None,
    *,
    memoize_prefix: str | None = None,
) -> dict[str, Any]:
    """A step that reserves one key per stacked output artifact, with an empty catalog in it.

    The items of the sliced step then write into that key (``dflow_artifact_key``), and readers
    of the stacked artifact read it from this step's outputs: Argo itself cannot gather the
    artifacts of a fan-out. With ``memoize_prefix`` (a workflow submitted with ``reuse_step``)
    the step takes the fan-out's ``dflow_group_key`` and is memoized as dflow does, so a run
    reusing some items hands out the key those items wrote into and the others add to it.
    """
    key = "{{workflow.name}}/{{pod.name}}"
    lines = ["import json, os"]
    for art in artifacts:
        root = f"/tmp/outputs/artifacts/{art}/.dflow"
        lines.append(f"os.makedirs({root!r}, exist_ok=True)")
        lines.append(f"with open({root + '/init'!r}, 'w') as f:\n    json.dump({{'path_list': []}}, f)")
    memoized: dict[str, Any] = {}
    if memoize_prefix:
        cache_key = "%s-{{inputs.parameters.dflow_group_key}}-init-artifact" % memoize_prefix
        cache: dict[str, Any] = {"name": f"dflow-{cache_key}"}
        if str(config.get("argo_version") or "4").lstrip("v").startswith("3"):
            cache["key"] = cache_key
        memoized = {
            "inputs": {"parameters": [{"name": "dflow_group_key"}]},
            "memoize": {"key": cache_key, "maxAge": "", "cache": {"configMap": cache}},
        }
    return {
        "name": name,
        **memoized,
        "outputs": {
            "parameters": [{"name": "dflow_artifact_key", "value": key}],
            "artifacts": [
                {
                    "name": art,
                    "path": f"/tmp/outputs/artifacts/{art}",
                    "s3": {"key": f"{key}/{art}"},
                    "archive": {"none": {}},
                }
                for art in artifacts
            ],
        },
        "script": _script(image, pull_policy, "\n".join(lines) + "\n"),
    }


def check_template(name: str, ratio: bool, image: str | None, pull_policy: str | None) -> dict[str, Any]:
    """A step that fails unless enough items of a fan-out succeeded (a count, or a ratio of all)."""
    params = ["success", "threshold", *(["total"] if ratio else [])]
    threshold = "{{inputs.parameters.threshold}}"
    source = "\n".join(
        [
            "import json",
            "try:",
            "    succeeded = sum(int(t) for t in json.loads('''{{inputs.parameters.success}}'''))",
            "except ValueError:",
            "    succeeded = 0",
            f"required = {threshold} * {{{{inputs.parameters.total}}}}"
            if ratio
            else f"required = {threshold}",
            "print(f'{succeeded} items succeeded; {required} required')",
            "raise SystemExit(0 if succeeded >= required else 1)",
        ]
    )
    return {
        "name": name,
        "inputs": {"parameters": [{"name": p} for p in params]},
        "script": _script(image, pull_policy, source + "\n"),
    }

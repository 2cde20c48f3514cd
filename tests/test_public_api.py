"""dflow's public names, importable from the same places; config keys and DFLOW_* variables."""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import dflow_jupyter
import dflow_jupyter.python

TOP_LEVEL = [
    "Workflow",
    "Step",
    "Steps",
    "DAG",
    "Task",
    "ShellOPTemplate",
    "PythonScriptOPTemplate",
    "Inputs",
    "Outputs",
    "InputParameter",
    "InputArtifact",
    "OutputParameter",
    "OutputArtifact",
    "upload_artifact",
    "download_artifact",
    "argo_range",
    "argo_sequence",
    "argo_len",
    "argo_enumerate",
    "if_expression",
    "config",
    "s3_config",
    "set_config",
    "set_s3_config",
    "Executor",
    "Context",
    "StorageClient",
    "query_workflows",
    "S3Artifact",
    "LocalArtifact",
]
PYTHON = [
    "OP",
    "OPIO",
    "OPIOSign",
    "Artifact",
    "Parameter",
    "BigParameter",
    "NestedDict",
    "TransientError",
    "FatalError",
    "PythonOPTemplate",
    "Slices",
    "upload_packages",
]


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_top_level_names(name: str) -> None:
    assert name in dflow_jupyter.__all__
    assert getattr(dflow_jupyter, name) is not None


@pytest.mark.parametrize("name", PYTHON)
def test_python_names(name: str) -> None:
    assert name in dflow_jupyter.python.__all__
    assert getattr(dflow_jupyter.python, name) is not None


@pytest.mark.parametrize("module", [dflow_jupyter, dflow_jupyter.python], ids=lambda m: m.__name__)
def test_every_exported_name_resolves(module: types.ModuleType) -> None:
    assert len(set(module.__all__)) == len(module.__all__)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
        assert name in dir(module)


def test_top_level_exports_come_from_one_mapping() -> None:
    exports = dflow_jupyter._EXPORTS
    assert dflow_jupyter.__all__ == sorted(exports)
    for name, module in exports.items():
        assert getattr(dflow_jupyter, name) is getattr(importlib.import_module(module), name)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        dflow_jupyter.Nope  # noqa: B018


def test_static_imports_mirror_the_mapping() -> None:
    """The ``TYPE_CHECKING`` block (and the eager config import) name the same modules."""
    tree = ast.parse(Path(dflow_jupyter.__file__).read_text())
    imported: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dflow_jupyter"):
            for alias in node.names:
                if alias.asname == alias.name:  # ``X as X``: an explicit re-export
                    imported[alias.name] = str(node.module)
    assert imported == dflow_jupyter._EXPORTS


def test_python_namespace_is_its_all() -> None:
    public = {
        name
        for name, value in vars(dflow_jupyter.python).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    }
    assert public == set(dflow_jupyter.python.__all__)


def test_config_is_the_settings_dict() -> None:
    from dflow_jupyter import config, s3_config, set_config, set_s3_config

    assert isinstance(config, dict) and config["mode"] == "debug"
    set_config(debug_workdir="elsewhere")
    assert config["debug_workdir"] == "elsewhere"
    set_s3_config(bucket_name="b")
    assert s3_config["bucket_name"] == "b"
    with pytest.raises(KeyError, match="debug_workdri"):
        set_config(debug_workdri="typo")


def test_environment_variables_set_config(tmp_path: Path) -> None:
    code = (
        "import json\n"
        "from dflow_jupyter import config, s3_config\n"
        "print(json.dumps([config['mode'], config['debug_workdir'], config['debug_failfast'],"
        " config['debug_pool_workers'], s3_config['endpoint'], config['archive_mode']]))\n"
    )
    env = {
        **os.environ,
        "DFLOW_MODE": "debug",
        "DFLOW_DEBUG_WORKDIR": str(tmp_path),
        "DFLOW_DEBUG_FAILFAST": "true",
        "DFLOW_DEBUG_POOL_WORKERS": "3",
        "DFLOW_S3_ENDPOINT": "127.0.0.1:9999",
        "DFLOW_ARCHIVE_MODE": "None",
        "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1]),
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == ["debug", str(tmp_path), True, 3, "127.0.0.1:9999", None]


def test_import_is_light() -> None:
    code = (
        "import sys, dflow_jupyter; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('pandas', 'kubernetes', 'minio', 'dpdispatcher', 'numpy', 'anywidget', 'ipywidgets', 'typeguard')))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_query_workflows_lists_recorded_runs() -> None:
    from dflow_jupyter import Step, Workflow, query_workflows
    from dflow_jupyter.python import OP, PythonOPTemplate

    @OP.function
    def one() -> {"x": int}:  # type: ignore[valid-type]
        return {"x": 1}

    wf = Workflow("listed", labels={"project": "demo"})
    wf.add(Step("one", PythonOPTemplate(one)))
    wf.submit()
    found = query_workflows(labels={"project": "demo"})
    assert [w.id for w in found] == [wf.id]
    assert query_workflows(labels={"project": "other"}) == []

"""No secret in a notebook's outputs: a real kernel runs the magics with credentials configured.

``nbclient`` runs a notebook in a real IPython kernel whose environment holds the Argo token (also
as an ``Authorization`` header of ``http_headers``) and S3 keys (a refused secret key): ``%dflow
config``, a workflow whose failing steps use the S3 client and the Argo client, ``%dflow steps``
and ``logs``, the widget, and an Argo run refused with a 401. The saved notebook (outputs and
the widget state it stores) and the run records are then searched for the secrets.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import nbformat
import pytest
from argo_runtime.fake_argo import FakeArgoServer
from nbclient import NotebookClient
from secret_sweep import ARGO_TOKEN, WRONG_SECRET, WRONG_TOKEN, Sweep, moto_server

REPO_ROOT = Path(__file__).resolve().parents[2]

CELLS = [
    "%load_ext dflow_jupyter",
    "%dflow config",
    "%%dflow_op\ndef touch_s3(text: str) -> str:\n    from dflow_jupyter.storage.s3 import MinioClient\n\n"
    '    client = MinioClient(region="us-east-1")\n    print("client:", client)\n'
    '    return str(len(client.list("")))',
    "%%dflow_op\ndef touch_argo(name: str) -> int:\n    import os\n\n"
    "    from dflow_jupyter.argo.client import ArgoClient\n"
    "    from dflow_jupyter.argo.settings import ArgoSettings\n\n"
    '    settings = ArgoSettings.from_config(token=os.environ["SWEEP_WRONG_TOKEN"])\n'
    '    print("settings:", settings)\n'
    "    with ArgoClient(settings) as client:\n"
    '        return len(client.list({"name": name}))',
    '%%dflow_workflow sweep --allow-failure\na = touch_s3(text="x")\nb = touch_argo(name="y")',
    "%dflow steps sweep",
    "%dflow logs sweep touch-s3",
    "%dflow logs sweep touch-argo",
    "sweep",
    "sweep.widget()",
    "%dflow list",
    # The Argo backend (the FAKE Argo Server plays a run), with the right token, then a wrong one.
    'from dflow_jupyter import config\nconfig["argo_default_image"] = "python:3.11"',
    '%%dflow_workflow fine --backend argo\ntouch_s3(text="w")',
    "%dflow mode argo",
    "%dflow steps fine",
    'print("fine:", fine.query_status())\nfine',
    'import os\nconfig["token"] = os.environ["SWEEP_WRONG_TOKEN"]\nconfig["http_headers"] = {}',
    '%%dflow_workflow refused --backend argo\ntouch_s3(text="z")',
    "%dflow list",
    "%dflow config",
]


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    with moto_server() as keys:
        yield keys


def test_a_notebook_shows_no_secret(s3: dict[str, str], tmp_path: Path, figures: Callable[..., None]) -> None:
    import boto3

    bucket = f"sweep-{uuid.uuid4().hex[:10]}"
    boto3.client(
        "s3",
        endpoint_url=f"http://{s3['endpoint']}",
        region_name="us-east-1",
        aws_access_key_id=s3["access_key"],
        aws_secret_access_key=s3["secret_key"],
    ).create_bucket(Bucket=bucket)
    with FakeArgoServer(token=ARGO_TOKEN, frame_interval=0.02) as argo:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DFLOW_")}
        env.update(
            PYTHONPATH=str(REPO_ROOT),
            DFLOW_DEBUG_WORKDIR=str(tmp_path / "runs"),
            DFLOW_HOST=argo.url,
            DFLOW_TOKEN=ARGO_TOKEN,
            DFLOW_HTTP_HEADERS=f"Authorization: Bearer {ARGO_TOKEN}",
            DFLOW_ARGO_RETRIES="0",
            DFLOW_S3_ENDPOINT=s3["endpoint"],
            DFLOW_S3_ACCESS_KEY=s3["access_key"],
            DFLOW_S3_SECRET_KEY=WRONG_SECRET,
            DFLOW_S3_BUCKET_NAME=bucket,
            SWEEP_WRONG_TOKEN=WRONG_TOKEN,
        )
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
        client = NotebookClient(
            nb,
            timeout=300,
            kernel_name="python3",
            allow_errors=True,
            store_widget_state=True,
            resources={"metadata": {"path": str(tmp_path)}},
        )
        client.execute(env=env)
    saved = nbformat.writes(nb)
    (tmp_path / "sweep.ipynb").write_text(saved)  # to look at when the test fails
    outputs = [output for cell in nb.cells for output in cell.outputs]
    text = "\n".join(nbformat.writes(nbformat.from_dict({"o": o})) for o in outputs)
    # The notebook did what it was meant to: the clients were refused, the widget shown.
    assert "refused the credentials" in text and "401" in text
    assert "fine: Succeeded" in text and "hello2b" in text  # the steps the FAKE Argo Server plays
    assert text.count("WorkflowWidget(") >= 5
    assert "application/vnd.jupyter.widget-view+json" in text
    assert "token = '***' (set; not shown)" in text and "'Authorization': '***'" in text
    sweep = Sweep([ARGO_TOKEN, WRONG_TOKEN, WRONG_SECRET, s3["secret_key"]])
    sweep.text("saved notebook", saved)
    for output in outputs:
        sweep.text("notebook output", dict(output))
    sweep.tree(tmp_path / "runs")
    figures(cells=len(nb.cells), outputs=len(outputs), **sweep.figures())
    sweep.assert_clean()

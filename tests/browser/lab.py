"""A throwaway JupyterLab server: 127.0.0.1, a free port, a token, temporary root and settings."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

#: The repository root: kernels import dflow_jupyter from this source tree.
REPO_ROOT = Path(__file__).resolve().parents[2]

# JupyterLab 4 windows long notebooks (cells off screen leave the DOM); the tests read every
# cell, so the notebook draws them all.
_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    # No "Would you like to get notified about news?" toast covering the page.
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
_PAGE_CONFIG = {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}


def free_port() -> int:
    """A TCP port nobody listens on at the moment, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Lab:
    """A running server; ``root`` is the directory it serves notebooks from."""

    process: subprocess.Popen[bytes]
    port: int
    token: str
    root: Path
    log: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def notebook_url(self, name: str) -> str:
        """The URL that opens notebook ``name`` (relative to ``root``) in JupyterLab."""
        # A workspace of its own, reset: JupyterLab would otherwise reopen the notebooks of the
        # pages before (and start their kernels again).
        workspace = Path(name).stem.replace(".", "-")
        return f"{self.base_url}lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"

    def api(self, path: str) -> object:
        """GET ``/api/<path>`` as JSON (the REST API, for checks such as the running kernels)."""
        request = urllib.request.Request(
            f"{self.base_url}api/{path}", headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server (it shuts its kernels down), then anything left in its process group."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            # A second SIGINT skips the server's "Shut down this Jupyter server (y/[n])?" prompt.
            time.sleep(0.3)
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        try:  # kernels started by the server share its process group (start_new_session below)
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait(timeout=5)


def _die_with_parent() -> None:
    """Run in the server's process before it starts: SIGTERM to it when the test process dies.

    A test run killed from outside (a timeout) runs no fixture teardown; with this its server
    still stops, and stops its kernels (Linux ``PR_SET_PDEATHSIG``; elsewhere nothing).
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _write_config(base: Path) -> dict[str, str]:
    """Settings, page config, runtime and workspace dirs under ``base``; their environment."""
    settings = base / "settings"
    for name, values in _SETTINGS.items():
        plugin, file = name.rsplit("/", 1)
        (settings / plugin).mkdir(parents=True, exist_ok=True)
        (settings / plugin / file).write_text(json.dumps(values))
    config = base / "config"
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    (config / "labconfig" / "page_config.json").write_text(json.dumps(_PAGE_CONFIG))
    return {
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
    }


def lab_env(base: Path) -> dict[str, str]:
    """The server's (and so its kernels') environment: this source tree first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DFLOW_", "JUPYTER"))}
    env.update(_write_config(base))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def start_lab(base: Path, *, timeout: float = 90.0) -> Lab:
    """Start ``jupyter lab`` serving ``base / "root"``; return once its REST API answers."""
    root = base / "root"
    root.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    log = base / "jupyterlab.log"
    argv = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        f"--port={port}", "--ServerApp.port_retries=0", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        # window.jupyterapp: the tests run JupyterLab commands (run all, save) instead of clicking.
        "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv,
            cwd=root,
            env=lab_env(base),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    lab = Lab(process, port, token, root, log)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited with {process.returncode}:\n{lab.log_tail()}")
        try:
            lab.api("status")
            return lab
        except (urllib.error.URLError, ConnectionError, OSError):
            if time.monotonic() > deadline:
                lab.stop()
                raise TimeoutError(
                    f"jupyter lab did not answer in {timeout:.0f} s:\n{lab.log_tail()}"
                ) from None
            time.sleep(0.2)

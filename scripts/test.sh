#!/usr/bin/env bash
# Install everything the tests need (idempotently) into .venv, then run the whole suite.
source "$(dirname "$0")/_venv.sh"
# Debian packages the tests use, each installed only when its command is missing.
apt_updated=""
need_apt() {  # need_apt COMMAND PACKAGE...
  command -v "$1" >/dev/null 2>&1 && return 0
  shift
  echo "setup: installing $* with apt" >&2
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
need_apt npm nodejs npm
python -m pip install -q --disable-pip-version-check -e ".[test]"
# The HPC tests (tests/plugins) submit jobs to a one-node Slurm cluster: started here and stopped
# (by the pids it recorded) when this script exits, even after failing tests.
need_apt slurmctld slurm-wlm munge
need_apt munged munge
trap 'bash scripts/slurm.sh stop' EXIT
slurm_env="$(bash scripts/slurm.sh start)"
eval "$slurm_env"  # export SLURM_CONF=... for sbatch, squeue and the other client commands
# The widget lays graphs out with Graphviz's dot (its layout test fails in CI without it).
need_apt dot graphviz
# Widget updates must reach the front end on ipykernel 6 as well as 7: a second environment
# with ipykernel 6 runs the real-kernel widget tests (tests/jupyter/test_kernel_widget.py).
if [ ! -x .venv-ipykernel6/bin/python ]; then
  "$(command -v python3)" -m venv .venv-ipykernel6
fi
.venv-ipykernel6/bin/python -m pip install -q --disable-pip-version-check "ipykernel>=6.29,<7" -e ".[widget,argo]"
export DFLOW_TEST_IPYKERNEL6_PYTHON="$PWD/.venv-ipykernel6/bin/python"
echo "== browser set-up (Chromium, JupyterLab, Playwright, a second kernel with ipykernel 6)"
bash scripts/browser-setup.sh
echo "== lint and format"
ruff check dflow_jupyter tests bench
ruff format --check dflow_jupyter tests bench
echo "== types"
mypy dflow_jupyter
echo "== layering (import contracts in pyproject.toml)"
lint-imports --no-cache
echo "== widget JS (unit tests; the committed bundle is fresh)"; (cd js && { [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error; } && npm test --silent)
echo "== tests"
python -m pytest -q -p no:cacheprovider "$@"
echo "== notebooks (nbval)"
python -m pytest -q -p no:cacheprovider --nbval notebooks/



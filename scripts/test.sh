#!/usr/bin/env bash
# Install everything the tests need (idempotently) into .venv, then run the whole suite.
source "$(dirname "$0")/_venv.sh"
python -m pip install -q --disable-pip-version-check -e ".[test]"
# The HPC tests (tests/plugins) submit jobs to a one-node Slurm cluster: installed with apt if
# missing, started here, and stopped (by the pids it recorded) when this script exits, even
# after failing tests.
if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
  echo "setup: installing slurm-wlm and munge with apt" >&2
  apt-get update -qq && apt-get install -y -qq slurm-wlm munge >/dev/null
fi
trap 'bash scripts/slurm.sh stop' EXIT
slurm_env="$(bash scripts/slurm.sh start)"
eval "$slurm_env"  # export SLURM_CONF=... for sbatch, squeue and the other client commands
echo "== lint"
ruff check dflow_jupyter tests bench
echo "== types"
mypy dflow_jupyter
echo "== layering (import contracts in pyproject.toml)"
lint-imports --no-cache
echo "== tests"
python -m pytest -q -p no:cacheprovider "$@"
echo "== notebooks (nbval)"
python -m pytest -q -p no:cacheprovider --nbval notebooks/



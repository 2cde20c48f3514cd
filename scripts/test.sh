#!/usr/bin/env bash
# Install everything the tests need (idempotently) into .venv, then run the whole suite.
source "$(dirname "$0")/_venv.sh"
python -m pip install -q --disable-pip-version-check -e ".[test]"
echo "== browser set-up (Chromium, JupyterLab, Playwright, a second kernel with ipykernel 6)"
bash scripts/browser-setup.sh
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



#!/usr/bin/env bash
# Install dflow_jupyter into .venv and run the demo workflow on the in-process debug backend.
source "$(dirname "$0")/_venv.sh"
python -m pip install -q --disable-pip-version-check -e .
exec python -m dflow_jupyter demo "$@"

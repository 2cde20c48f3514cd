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



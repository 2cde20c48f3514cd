#!/usr/bin/env bash
# Rebuild the widget's browser bundle (dflow_jupyter/widget/static/widget.{js,css}) from js/src,
# with the exact package versions of js/package-lock.json. Only developers of the widget need
# this (and Node.js); the bundle is committed and the Python package ships it.
#   bash scripts/build-js.sh          rebuild
#   bash scripts/build-js.sh --check  fail if the committed bundle is stale
set -euo pipefail
cd "$(dirname "$0")/../js"
if ! command -v npm >/dev/null 2>&1; then
  echo "build-js: npm (Node.js 18 or newer) is needed to rebuild the widget bundle" >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
node build.mjs "$@"

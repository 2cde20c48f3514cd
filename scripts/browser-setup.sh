#!/usr/bin/env bash
# Install what the browser tests need, idempotently: Chromium (apt), JupyterLab, Playwright and
# ipykernel 7 in the project's venv, and a second kernel environment with ipykernel 6, registered
# in the project's venv as the kernelspec `python3-ipykernel6`, so the widget is tested on both.
# Playwright drives the system Chromium: never `playwright install` (it downloads browsers).
source "$(dirname "$0")/_venv.sh"

KERNEL6_VENV="${DFLOW_JUPYTER_KERNEL6_VENV:-.venv-ipykernel6}"
KERNEL6_NAME="python3-ipykernel6"

# Chromium for the browser, Graphviz for the widget's layout and its static SVG snapshot.
APT_PACKAGES=()
[ -x /usr/bin/chromium ] || APT_PACKAGES+=(chromium)
command -v dot >/dev/null 2>&1 || APT_PACKAGES+=(graphviz)
if [ "${#APT_PACKAGES[@]}" -gt 0 ]; then
  echo "browser-setup: installing ${APT_PACKAGES[*]} with apt" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq && sudo apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
  else
    echo "browser-setup: ${APT_PACKAGES[*]} missing; install these Debian packages as root" >&2
    exit 1
  fi
fi

python -m pip install -q --disable-pip-version-check \
  "playwright>=1.40" "jupyterlab>=4.2" "anywidget>=0.9" "ipywidgets>=8.1" "ipykernel>=7" \
  "graphviz>=0.20" pandas nbconvert nbformat nbclient jupyter_client

# The ipykernel 6 environment: the same anywidget and ipywidgets as the server's, so the
# front end and both kernels speak one widget protocol; the argo extra for the widget following
# an Argo run (tests/browser/test_argo_widget_in_lab.py).
ANYWIDGET_VERSION="$(python -c 'import anywidget; print(anywidget.__version__)')"
IPYWIDGETS_VERSION="$(python -c 'import ipywidgets; print(ipywidgets.__version__)')"
if [ ! -x "$KERNEL6_VENV/bin/python" ]; then
  "$PYTHON" -m venv "$KERNEL6_VENV"
fi
"$KERNEL6_VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
"$KERNEL6_VENV/bin/python" -m pip install -q --disable-pip-version-check \
  "ipykernel>=6.29,<7" "anywidget==$ANYWIDGET_VERSION" "ipywidgets==$IPYWIDGETS_VERSION" \
  "graphviz>=0.20" pandas -e ".[widget,argo]"
"$KERNEL6_VENV/bin/python" -m ipykernel install --prefix "$VIRTUAL_ENV" \
  --name "$KERNEL6_NAME" --display-name "Python 3 (ipykernel 6)" >/dev/null 2>&1

echo "browser-setup: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}')," \
  "jupyterlab $(python -c 'import jupyterlab; print(jupyterlab.__version__)')," \
  "kernels: python3 (ipykernel $(python -c 'import ipykernel; print(ipykernel.__version__)'))," \
  "$KERNEL6_NAME (ipykernel $("$KERNEL6_VENV/bin/python" -c 'import ipykernel; print(ipykernel.__version__)'))"

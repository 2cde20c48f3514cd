"""Real-browser tests: a JupyterLab server on 127.0.0.1 driven by Chromium through Playwright.

Set up with ``scripts/browser-setup.sh`` (Chromium, Graphviz, JupyterLab, Playwright, and the
``python3-ipykernel6`` kernelspec beside ipykernel 7); run with ``pytest tests/browser``.
Screenshots land in ``tests/browser/artifacts/`` (ignored by git). ``bench/widget.py`` reuses
the server and page drivers of this package.
"""

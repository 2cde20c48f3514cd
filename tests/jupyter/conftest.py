"""A real IPython shell with the extension loaded, reset for every test, displays captured."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.displaypub import CapturingDisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from IPython.testing import globalipapp

from dflow_jupyter.jupyter.magics import cell_log


@pytest.fixture
def ip(isolated_workdir: Path) -> Iterator[InteractiveShell]:
    globalipapp.start_ipython()  # once per process; rebinds globalipapp.get_ipython
    shell = globalipapp.get_ipython()
    shell.reset(new_session=True)  # empty namespace and input history (In)
    shell.display_pub = CapturingDisplayPublisher()
    # A terminal shell formats text only; compute every format, as a notebook kernel does.
    saved_types = shell.display_formatter.active_types
    shell.display_formatter.active_types = list(shell.display_formatter.format_types)
    if "dflow_jupyter" not in shell.extension_manager.loaded:
        shell.run_line_magic("load_ext", "dflow_jupyter")
    cell_log(shell).cells.clear()  # the extension's own record of the cells run
    yield shell
    shell.display_formatter.active_types = saved_types
    shell.reset(new_session=True)

"""``%%dflow_op``: every option, the card, source capture and the shipped source, name warnings."""

from __future__ import annotations

import subprocess
import warnings
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from jupyter_helpers import PYTHON, run, subprocess_env

from dflow_jupyter.jupyter.cellop import UnresolvedNamesWarning
from dflow_jupyter.jupyter.source import cell_source, shippable_source
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.python.errors import OPIOTypeError

ENERGY = (
    "def energy(lattice: float, scale: float = 1.0) -> float:\n"
    "    return round(scale * math.cos(lattice), 6)\n"
)


def _run_fresh(source: str, tail: str, tmp_path: Path) -> str:
    """Run ``source`` + ``tail`` as a script in a fresh interpreter; return its stdout."""
    script = tmp_path / "shipped.py"
    script.write_text(source + "\n" + tail + "\n")
    done = subprocess.run(
        [PYTHON, str(script)],
        cwd=tmp_path,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_function_cell_becomes_a_checked_function_op(ip: InteractiveShell) -> None:
    run(ip, "import math")
    cell = ENERGY
    result = run(ip, "%%dflow_op\n" + cell)
    energy = ip.user_ns["energy"]
    assert isinstance(energy, OP)
    assert type(energy).__dflow_source__ == cell
    # Outside a workflow the OP runs right here, with its type checks.
    assert run(ip, "energy(0.0, scale=2.0)").result == 2.0
    error = ip.run_cell("energy('three')").error_in_exec
    assert isinstance(error, OPIOTypeError) and "lattice" in str(error)
    card = result.result
    assert card.text().splitlines() == [
        "function OP energy",
        "  image    not set (the backend's default)",
        "  inputs   lattice: float",
        "           scale: float = 1.0",
        "  outputs  dflow_output: float",
    ]
    html = card._repr_html_()
    assert "<code>lattice</code>: float" in html and "function OP" in html


def test_container_options_reach_calls_and_the_template(ip: InteractiveShell) -> None:
    run(ip, "import math")
    result = run(
        ip,
        "%%dflow_op --image python:3.11 --python-packages pkg_a pkg_b --retries 2 "
        "--timeout 10m --template energy_t\n" + ENERGY,
    )
    energy = ip.user_ns["energy"]
    # Calls inside a workflow build their template from these.
    assert energy.template_kwargs == {
        "image": "python:3.11",
        "python_packages": ["pkg_a", "pkg_b"],
        "retry_on_transient_error": 2,
        "timeout": 600.0,
    }
    template = ip.user_ns["energy_t"]
    assert isinstance(template, PythonOPTemplate)
    assert template.op is energy
    assert template.image == "python:3.11"
    assert template.python_packages == ["pkg_a", "pkg_b"]
    assert template.retry_on_transient_error == 2
    assert template.retry_strategy is not None and template.retry_strategy.limit == 2
    assert template.timeout == 600.0
    text = result.result.text()
    assert "image    python:3.11" in text
    assert "retries  2" in text and "timeout  600 s" in text and "template energy_t" in text
    assert "packages pkg_a, pkg_b" in text


def test_name_option_renames_a_function_op(ip: InteractiveShell) -> None:
    run(ip, "import math")
    run(ip, "%%dflow_op --name compute_energy --template t\n" + ENERGY)
    op = ip.user_ns["compute_energy"]
    assert type(op).__name__ == "compute_energy"
    assert ip.user_ns["t"].name == "compute-energy"
    assert not isinstance(ip.user_ns["energy"], OP)  # the cell's own function stays plain
    assert run(ip, "compute_energy(0.0)").result == 1.0


def test_class_op_cell(ip: InteractiveShell, tmp_path: Path) -> None:
    run(ip, "from dflow_jupyter.python import OP, OPIO, OPIOSign")
    cell = (
        "class Double(OP):\n"
        "    @classmethod\n"
        "    def get_input_sign(cls):\n"
        "        return OPIOSign({'x': int})\n"
        "    @classmethod\n"
        "    def get_output_sign(cls):\n"
        "        return OPIOSign({'y': int})\n"
        "    @OP.exec_sign_check\n"
        "    def execute(self, op_in):\n"
        "        return OPIO({'y': 2 * op_in['x']})\n"
    )
    card = run(ip, "%%dflow_op --image img:1\n" + cell).result
    double = ip.user_ns["Double"]
    assert isinstance(double, type) and issubclass(double, OP)
    assert double.__dflow_source__ == cell
    assert card.text().splitlines()[:4] == [
        "class OP Double",
        "  image    img:1",
        "  inputs   x: int",
        "  outputs  y: int",
    ]
    source = shippable_source(double)
    assert source.startswith("# Imports from earlier notebook cells")
    assert "from dflow_jupyter.python import OP, OPIO, OPIOSign" not in source  # one per name
    for name in ("OP", "OPIO", "OPIOSign"):
        assert f"from dflow_jupyter.python import {name}\n" in source
    out = _run_fresh(source, "print(Double().execute({'x': 21})['y'])", tmp_path)
    assert out.strip() == "42"


def test_class_op_renamed_is_a_subclass(ip: InteractiveShell, tmp_path: Path) -> None:
    run(ip, "from dflow_jupyter.python import OP, OPIO, OPIOSign")
    run(
        ip,
        "%%dflow_op --name Twice\n"
        "class Double(OP):\n"
        "    @classmethod\n"
        "    def get_input_sign(cls):\n"
        "        return OPIOSign({'x': int})\n"
        "    @classmethod\n"
        "    def get_output_sign(cls):\n"
        "        return OPIOSign({'y': int})\n"
        "    def execute(self, op_in):\n"
        "        return OPIO({'y': 2 * op_in['x']})\n",
    )
    twice = ip.user_ns["Twice"]
    assert twice.__name__ == "Twice" and issubclass(twice, ip.user_ns["Double"])
    assert cell_source(ip.user_ns["Double"]) is None  # only the OP carries the cell
    out = _run_fresh(shippable_source(twice), "print(Twice.__name__, Twice().execute({'x': 4}))", tmp_path)
    assert out.strip() == "Twice {'y': 8}"


def test_decorated_function_keeps_its_template_kwargs(ip: InteractiveShell, tmp_path: Path) -> None:
    run(ip, "from dflow_jupyter.python import OP")
    run(
        ip,
        "%%dflow_op --retries 1\n@OP.function(image='base:1')\ndef inc(x: int) -> int:\n    return x + 1\n",
    )
    inc = ip.user_ns["inc"]
    assert inc.template_kwargs == {"image": "base:1", "retry_on_transient_error": 1}
    assert _run_fresh(shippable_source(inc), "print(inc(1))", tmp_path).strip() == "2"


def test_shipped_source_runs_without_the_notebook(ip: InteractiveShell, tmp_path: Path) -> None:
    run(
        ip,
        "import math\nimport json\nfrom pathlib import Path\nfrom dflow_jupyter.python import Artifact",
    )
    run(ip, "SCALE = 3.0")  # a notebook variable: not shipped (and warned about, see below)
    cell = (
        "def report(lattice: float) -> {'value': float, 'file': Artifact(Path)}:\n"
        "    value = round(math.cos(lattice), 6)\n"
        "    Path('out.txt').write_text(str(value))\n"
        "    return {'value': value, 'file': Path('out.txt')}\n"
    )
    run(ip, "%%dflow_op --name make_report\n" + cell)
    op = ip.user_ns["make_report"]
    source = shippable_source(op)
    assert source == (
        "# Imports from earlier notebook cells, for names the cell uses.\n"
        "import math\nfrom pathlib import Path\nfrom dflow_jupyter.python import Artifact\n\n"
        "# The %%dflow_op cell.\n" + cell.rstrip("\n") + "\n\n"
        "# Made an OP by %%dflow_op.\n"
        "from dflow_jupyter.python import OP as _dflow_OP\n"
        "_dflow_func = report\n"
        "_dflow_func.__name__ = _dflow_func.__qualname__ = 'make_report'\n"
        "make_report = _dflow_OP.function(_dflow_func)\n"
    )
    tail = (
        "import sys\n"
        "assert 'IPython' not in sys.modules\n"
        "print(type(make_report).__name__, make_report(0.0)['value'], open('out.txt').read())"
    )
    assert _run_fresh(source, tail, tmp_path).split() == ["make_report", "1.0", "1.0"]


def test_imports_inside_earlier_op_cells_are_found(ip: InteractiveShell) -> None:
    run(ip, "%%dflow_op\nimport math\ndef root(x: float) -> float:\n    return math.sqrt(x)\n")
    run(ip, "%%dflow_op\ndef cosine(x: float) -> float:\n    return math.cos(x)\n")
    assert cell_source(ip.user_ns["cosine"]).imports == ("import math",)  # type: ignore[union-attr]


def test_imports_of_cells_run_without_history_are_found(ip: InteractiveShell) -> None:
    # Some front ends (nbval, for one) run cells with store_history=False: In stays empty.
    assert not ip.run_cell("import math", store_history=False).error_in_exec
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnresolvedNamesWarning)
        assert not ip.run_cell("%%dflow_op\n" + ENERGY, store_history=False).error_in_exec
    assert cell_source(ip.user_ns["energy"]).imports == ("import math",)  # type: ignore[union-attr]
    assert ip.history_manager.input_hist_parsed == [""]  # type: ignore[union-attr]


def test_unresolved_names_are_warned_about_by_name(ip: InteractiveShell) -> None:
    run(ip, "import math\nSCALE = 2.0")
    cell = "def scaled(x: float) -> float:\n    return helper(x) * SCALE + math.pi\n"
    with pytest.warns(UnresolvedNamesWarning) as caught:
        card = run(ip, "%%dflow_op\n" + cell).result
    [warning] = caught
    message = str(warning.message)
    assert "'SCALE' is defined in the notebook but not by this cell or an import" in message
    assert "'helper' is not defined at all" in message
    assert "math" not in message
    assert warning.lineno == 2  # the first use, in the cell
    assert "warning  not shipped: SCALE, helper" in card.text()
    # Shown again when the cell runs again (not once per location).
    with pytest.warns(UnresolvedNamesWarning):
        run(ip, "%%dflow_op\n" + cell)


def test_no_warning_when_every_name_is_provided(ip: InteractiveShell) -> None:
    run(ip, "import math")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnresolvedNamesWarning)
        run(ip, "%%dflow_op\n" + ENERGY)
        run(
            ip,
            "%%dflow_op\nimport os\ndef _helper(x: float) -> float:\n    return x\n"
            "def g(x: float) -> str:\n    return os.sep + str(_helper(x))\n",
        )


def test_rerunning_the_cell_replaces_the_op(ip: InteractiveShell) -> None:
    run(ip, "import math")
    run(ip, "%%dflow_op\n" + ENERGY)
    first = ip.user_ns["energy"]
    run(ip, "%%dflow_op\n" + ENERGY.replace("round(", "-round("))
    assert ip.user_ns["energy"] is not first
    assert run(ip, "energy(0.0)").result == -1.0

"""What a Python OP ships: its cell, its module's source (a script up to the OP), or an opt-in pickle."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from dflow_jupyter.argo.compile import CompileError
from dflow_jupyter.argo.compile.entry import load_op
from dflow_jupyter.argo.compile.source import op_code, python_literal
from dflow_jupyter.config import config
from dflow_jupyter.python import OP, OPIO, OPIOSign, PythonOPTemplate

from .ops import Plus, square

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        "a '''quoted''' text",
        "ends with a quote'",
        "back\\slash \\n",
        "{{inputs.parameters.x}} {{{x}}}",
        "é\t\n",
    ],
)
def test_python_literal_round_trips_and_hides_argo_tags(text: str) -> None:
    literal = python_literal(text)
    assert ast.literal_eval(literal) == text
    assert "{{" not in literal


def test_a_module_op_ships_its_module_source() -> None:
    code = op_code(PythonOPTemplate(Plus))
    assert (code.kind, code.attribute, code.function) == ("source", "Plus", False)
    assert "class Plus(OP):" in code.payload and "def square" in code.payload
    op = load_op({"attribute": "Plus"}, source=code.payload)
    assert dict(op.execute(OPIO({"x": 1}))) == {"y": 2}
    function = op_code(PythonOPTemplate(square))
    assert (function.attribute, function.function) == ("square", True)
    assert dict(
        load_op({"attribute": "square", "function": True}, source=function.payload).execute(OPIO({"x": 3}))
    ) == {"y": 9}


def test_a_cell_op_ships_its_cell() -> None:
    from dflow_jupyter.jupyter.source import CellSource

    cell = "class Cell(OP):\n    pass\n"

    class Cell(OP):
        __dflow_cell__ = CellSource(
            cell=cell,
            imports=("from dflow_jupyter.python import OP",),
            defined="Cell",
            name="Cell",
            kind="class",
        )

        @classmethod
        def get_input_sign(cls):
            return OPIOSign({})

        @classmethod
        def get_output_sign(cls):
            return OPIOSign({})

        def execute(self, op_in):
            return OPIO({})

    code = op_code(PythonOPTemplate(Cell))
    assert (
        code.attribute == "Cell"
        and cell.strip() in code.payload
        and "from dflow_jupyter.python import OP" in code.payload
    )


def test_a_script_ships_its_lines_up_to_the_op(tmp_path: Path) -> None:
    script = tmp_path / "job.py"
    script.write_text(
        textwrap.dedent(
            """
            from dflow_jupyter.python import OP, OPIO, OPIOSign, PythonOPTemplate
            from dflow_jupyter.argo.compile.source import op_code

            class Job(OP):
                @classmethod
                def get_input_sign(cls):
                    return OPIOSign({})

                @classmethod
                def get_output_sign(cls):
                    return OPIOSign({})

                def execute(self, op_in):
                    return OPIO({})

            print("AFTER-THE-OP")
            print(op_code(PythonOPTemplate(Job)).payload)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env={"PYTHONPATH": str(REPO)}
    )
    shipped = done.stdout.split("AFTER-THE-OP\n", 1)[1]
    assert done.returncode == 0, done.stderr
    assert "class Job(OP):" in shipped and "print(" not in shipped  # the script's tail stays home


def _sourceless() -> type:
    module = types.ModuleType("made_in_a_repl")
    exec(
        "from dflow_jupyter.python import OP, OPIO, OPIOSign\n"
        "class Ghost(OP):\n"
        "    @classmethod\n    def get_input_sign(cls):\n        return OPIOSign({'x': int})\n"
        "    @classmethod\n    def get_output_sign(cls):\n        return OPIOSign({'y': int})\n"
        "    def execute(self, op_in):\n        return OPIO({'y': op_in['x'] * 2})\n",
        module.__dict__,
    )
    sys.modules[module.__name__] = module
    return module.Ghost  # type: ignore[no-any-return]


def test_an_op_without_source_is_an_error_naming_it_unless_pickling_is_asked_for() -> None:
    ghost = _sourceless()
    template = PythonOPTemplate(ghost)
    with pytest.raises(CompileError, match=r"OP 'Ghost' has no source.*argo_pickle_ops"):
        op_code(template)
    template.argo_pickle_op = True  # type: ignore[attr-defined]
    code = op_code(template)
    assert code.kind == "pickle"
    assert dict(load_op({}, pickled=code.payload).execute(OPIO({"x": 4}))) == {"y": 8}
    config["argo_pickle_ops"] = True
    assert op_code(PythonOPTemplate(ghost)).kind == "pickle"

"""Free names of a cell and the imports of earlier cells that provide them."""

from __future__ import annotations

import pytest

from dflow_jupyter.jupyter.freenames import describe_names, free_names, history_imports, resolve


def test_free_names_follow_python_scoping() -> None:
    cell = (
        "import os\n"
        "LIMIT = 3\n"
        "@decorate\n"
        "def f(a: Path, b: int = DEFAULT) -> {'o': Artifact(Path)}:\n"
        "    import json\n"
        "    local = np.zeros(a)\n"
        "    squares = [k * scale for k in range(LIMIT)]\n"
        "    g = lambda q: q + other\n"
        "    def inner():\n"
        "        return local + json.dumps(outer)\n"
        "    global COUNTER\n"
        "    COUNTER = 1\n"
        "    return os.path.join(str(local), str(COUNTER))\n"
    )
    found = free_names(cell)
    assert set(found) == {
        "decorate",
        "Path",
        "DEFAULT",
        "Artifact",
        "np",
        "scale",
        "other",
        "outer",
    }
    # Each with the line of its first use, in that order.
    assert found["decorate"] == 3
    assert found["np"] == 6
    assert next(iter(found)) == "decorate"


def test_free_names_of_class_bodies_and_builtins() -> None:
    cell = (
        "class K(OP):\n"
        "    table = helper(1)\n"
        "    def execute(self, op_in: OPIO) -> OPIO:\n"
        "        print(len(op_in), __name__)\n"
        "        return OPIO(op_in)\n"
    )
    assert set(free_names(cell)) == {"OP", "helper", "OPIO"}


def test_free_names_reject_invalid_python() -> None:
    with pytest.raises(SyntaxError):
        free_names("def f(:\n")


def test_history_imports_later_import_wins_and_order_is_kept() -> None:
    history = [
        "",
        "import numpy as np\nfrom pathlib import Path",
        "if True:\n    import math\ndef f():\n    import hidden\n",
        "from os import path as np",
        "this is not python",
    ]
    named, stars = history_imports(history)
    assert named["np"].statement == "from os import path as np"
    assert named["Path"].statement == "from pathlib import Path"
    assert named["math"].statement == "import math"
    assert "hidden" not in named  # imported inside a function: local to it
    assert stars == []


def test_history_imports_read_python_cell_magic_bodies() -> None:
    history = [
        "get_ipython().run_cell_magic('dflow_op', '', 'import math\\ndef f(x: float) -> float:\\n"
        "    return math.sqrt(x)\\n')",
        "get_ipython().run_cell_magic('bash', '', 'import notpython\\n')",
    ]
    named, _ = history_imports(history)
    assert named["math"].statement == "import math"
    assert "notpython" not in named


def test_resolve_ships_needed_imports_in_notebook_order() -> None:
    history = ["import os", "from pathlib import Path\nimport json", "import math"]
    resolution = resolve({"math": 1, "Path": 2, "missing": 3}, history)
    assert resolution.imports == ("from pathlib import Path", "import math")
    assert resolution.unresolved == {"missing": 3}


def test_resolve_star_imports_by_what_the_module_exports() -> None:
    resolution = resolve({"sqrt": 1, "nothing_like_this": 2}, ["from math import *"])
    assert resolution.imports == ("from math import *",)
    assert list(resolution.unresolved) == ["nothing_like_this"]


def test_dotted_imports_bind_their_first_name() -> None:
    resolution = resolve({"os": 1}, ["import os.path"])
    assert resolution.imports == ("import os.path",)


def test_describe_names() -> None:
    assert describe_names(["a"]) == "'a'"
    assert describe_names(["a", "b", "c"]) == "'a', 'b' and 'c'"

"""Every definition of the corpus (``invalid_corpus.py``) is refused before anything runs.

For each case: the error is the project's (``DflowJupyterError``), its message names the OP,
step or template, the field, what was expected and what was got (the case's ``expect`` words),
no OP ran and no run directory was created in ``debug_workdir``.
"""

from __future__ import annotations

import collections
import warnings
from collections.abc import Callable
from pathlib import Path

import invalid_corpus
import pytest
from invalid_corpus import CASES, Case

from dflow_jupyter import Step
from dflow_jupyter.config import config
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.python import OP, BigParameter, PythonOPTemplate


def test_the_corpus_is_large_and_covers_every_category(figures: Callable[..., None]) -> None:
    per_category = collections.Counter(c.category for c in CASES)
    assert len(CASES) >= 100
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(case.expect for case in CASES)
    figures(cases=len(CASES), **{k.replace(" ", "_"): v for k, v in sorted(per_category.items())})


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refused_before_anything_runs(case: Case) -> None:
    invalid_corpus.ran.clear()
    workdir = Path(config["debug_workdir"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a case must fail by an error, not pass with a warning
        with pytest.raises(DflowJupyterError) as err:
            case.build()
    text = str(err.value)
    missing = [word for word in case.expect if word not in text]
    assert not missing, f"{type(err.value).__name__}: {text!r} does not say {missing}"
    assert "Traceback" not in text
    assert invalid_corpus.ran == []
    assert not workdir.exists() or list(workdir.iterdir()) == []


@OP.function
def takes_text(text: str) -> {"n": int}:  # type: ignore[valid-type]
    invalid_corpus.ran.append("takes_text")
    return {"n": len(text)}


@OP.function
def takes_big(text: BigParameter(str)) -> {"n": int}:  # type: ignore[valid-type]
    return {"n": len(text)}


def test_a_huge_literal_parameter_gets_a_suggestion_not_an_error() -> None:
    invalid_corpus.ran.clear()
    huge = "x" * 2_000_000
    with pytest.warns(UserWarning) as record:
        Step("s", PythonOPTemplate(takes_text), parameters={"text": huge})
    [warning] = [str(w.message) for w in record]
    for word in ("step 's'", "'text'", "2.0 MB", "upload_artifact", "BigParameter"):
        assert word in warning
    assert invalid_corpus.ran == []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Step("s", PythonOPTemplate(takes_big), parameters={"text": huge})
        Step("s", PythonOPTemplate(takes_text), parameters={"text": "x" * 1000})
    assert not Path(config["debug_workdir"]).exists() or not any(Path(config["debug_workdir"]).iterdir())

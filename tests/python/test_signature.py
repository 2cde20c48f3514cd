"""Tests of sign_from_function: signs from annotations, and the return converters."""
# ruff: noqa: UP045 - dflow code spells types with typing

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Optional, Tuple, TypedDict

import pytest

from dflow_jupyter.python.errors import OPIOTypeError, OPSignatureError
from dflow_jupyter.python.opio import Artifact, BigParameter, OPIOSign, Parameter
from dflow_jupyter.python.signature import sign_from_function, sign_from_return_type

SHARED_ARTIFACT = Artifact(Path)


class Out(TypedDict):
    total: int
    report: Artifact(Path)  # type: ignore[valid-type]


class Pair(NamedTuple):
    left: int
    right: str


class TestInputs:
    def test_types_defaults_and_sign_objects(self) -> None:
        def f(
            a: int,
            b: List[float],
            c: Artifact(Path),  # type: ignore[valid-type]
            d: str = "x",
            e: Parameter(int) = 3,  # type: ignore[valid-type]
            g: BigParameter(dict) = None,  # type: ignore[valid-type]
            h: Artifact(List[Path]) = None,  # type: ignore[valid-type]
            *,
            k: Optional[int] = None,
        ) -> None:
            pass

        inputs, outputs, _, _ = sign_from_function(f)
        assert inputs == OPIOSign(
            a=int,
            b=List[float],
            c=Artifact(Path),
            d=Parameter(str, default="x"),
            e=Parameter(int, default=3),
            g=BigParameter(dict, default=None),
            h=Artifact(List[Path], optional=True),
            k=Parameter(Optional[int], default=None),
        )
        assert outputs == OPIOSign()

    def test_annotation_objects_are_not_mutated(self) -> None:
        def f(a: SHARED_ARTIFACT = None) -> None:  # type: ignore[valid-type]
            pass

        inputs, _, _, _ = sign_from_function(f)
        assert inputs["a"].optional and not SHARED_ARTIFACT.optional

    def test_missing_annotation(self) -> None:
        def add(a: int, b) -> int:
            return a + b

        with pytest.raises(OPSignatureError) as info:
            sign_from_function(add)
        assert str(info.value) == (
            "OP function 'add': parameter 'b' has no type annotation; annotate it, e.g. 'b: int'"
        )
        assert (info.value.op_name, info.value.field) == ("add", "b")

    def test_missing_annotation_with_a_default_suggests_its_type(self) -> None:
        def f(x=1.5) -> None:
            pass

        with pytest.raises(OPSignatureError, match=r"annotate it, e\.g\. 'x: float = 1\.5'"):
            sign_from_function(f)

    def test_unsupported_annotation(self) -> None:
        def f(x: 3) -> None:  # type: ignore[valid-type]
            pass

        with pytest.raises(OPSignatureError, match="parameter 'x' has an unsupported annotation 3"):
            sign_from_function(f)

    def test_artifact_default_must_be_none(self) -> None:
        def f(x: Artifact(Path) = Path("a")) -> None:  # type: ignore[valid-type]
            pass

        with pytest.raises(OPSignatureError, match="an artifact can only default to None"):
            sign_from_function(f)

    @pytest.mark.parametrize("form", ["*args: int", "**kw: int", "a: int, /"])
    def test_variadic_and_positional_only_parameters(self, form: str) -> None:
        namespace: dict[str, Any] = {}
        exec(f"def f({form}) -> None: pass", namespace)
        with pytest.raises(OPSignatureError, match="is not supported; every input of an OP"):
            sign_from_function(namespace["f"])

    def test_unresolvable_string_annotation(self) -> None:
        class Local:
            pass

        def f(x: Local) -> None:
            pass

        with pytest.raises(OPSignatureError) as info:
            sign_from_function(f)
        assert "cannot evaluate the annotation of parameter 'x' ('Local')" in str(info.value)
        assert "define them at module level" in str(info.value)

    def test_closure_variables_resolve(self) -> None:
        local_type = Dict[str, int]

        def f(x: local_type) -> None:
            print(local_type)

        assert sign_from_function(f)[0]["x"] == Dict[str, int]

    def test_non_string_annotations(self) -> None:
        namespace: dict[str, Any] = {"Artifact": Artifact, "Path": Path}
        exec("def f(a: int, b: Artifact(Path) = None) -> {'c': int}: pass", namespace)
        inputs, outputs, _, _ = sign_from_function(namespace["f"])
        assert inputs == OPIOSign(a=int, b=Artifact(Path, optional=True))
        assert outputs == OPIOSign(c=int)


class TestOutputs:
    def test_dict(self) -> None:
        sign, ret2opio, opio2ret = sign_from_return_type("f", {"msg": str, "bar": Artifact(Path)})
        assert sign == OPIOSign(msg=str, bar=Artifact(Path))
        assert ret2opio({"msg": "m", "bar": "b"}) == {"msg": "m", "bar": "b"}
        assert opio2ret({"msg": 1}) == {"msg": 1}
        with pytest.raises(OPIOTypeError) as info:
            ret2opio(3)
        assert str(info.value) == (
            "OP function 'f' is annotated to return a dict of outputs but returned int (3); "
            "return a dict like {'msg': ..., 'bar': ...}"
        )

    def test_typed_dict(self) -> None:
        sign, ret2opio, opio2ret = sign_from_return_type("f", Out)
        assert sign == OPIOSign(total=int, report=Artifact(Path))
        assert opio2ret(ret2opio({"total": 1, "report": "r"})) == {"total": 1, "report": "r"}

    def test_named_tuple(self) -> None:
        sign, ret2opio, opio2ret = sign_from_return_type("f", Pair)
        assert sign == OPIOSign(left=int, right=str)
        assert ret2opio(Pair(1, "a")) == {"left": 1, "right": "a"}
        assert ret2opio((1, "a")) == {"left": 1, "right": "a"}
        back = opio2ret({"left": 1, "right": "a"})
        assert back == (1, "a") and isinstance(back, Pair)
        with pytest.raises(OPIOTypeError, match="return a tuple of 2 values"):
            ret2opio((1, 2, 3))

    @pytest.mark.parametrize("tp", [Tuple[int, str], tuple[int, str]])
    def test_tuple(self, tp: Any) -> None:
        sign, ret2opio, opio2ret = sign_from_return_type("f", tp)
        assert sign == OPIOSign(dflow_output_0=int, dflow_output_1=str)
        assert ret2opio((1, "a")) == {"dflow_output_0": 1, "dflow_output_1": "a"}
        assert opio2ret({"dflow_output_1": "a", "dflow_output_0": 1}) == (1, "a")
        with pytest.raises(OPIOTypeError, match="to return a tuple but returned int"):
            ret2opio(1)

    def test_variable_length_tuple_is_one_output(self) -> None:
        sign, ret2opio, opio2ret = sign_from_return_type("f", Tuple[int, ...])
        assert sign == OPIOSign(dflow_output=Tuple[int, ...])
        assert opio2ret(ret2opio((1, 2))) == (1, 2)

    @pytest.mark.parametrize("tp", [int, List[int], Artifact(Path), Parameter(int)])
    def test_single_value(self, tp: Any) -> None:
        sign, ret2opio, opio2ret = sign_from_return_type("f", tp)
        assert list(sign) == ["dflow_output"]
        assert ret2opio(5) == {"dflow_output": 5} and opio2ret({"dflow_output": 5}) == 5

    def test_none_and_missing(self) -> None:
        def explicit() -> None:
            pass

        def implicit():
            return 1

        for func in (explicit, implicit):
            _, sign, ret2opio, opio2ret = sign_from_function(func)
            assert sign == OPIOSign() and ret2opio(None) == {} and opio2ret({}) is None
        _, _, ret2opio, _ = sign_from_function(implicit)
        with pytest.warns(UserWarning, match="has no return annotation, so it declares no"):
            assert ret2opio(1) == {}

    def test_unsupported_outputs(self) -> None:
        with pytest.raises(OPSignatureError, match="output 'dflow_output' has an unsupported"):
            sign_from_return_type("f", 3)
        with pytest.raises(OPSignatureError, match="output 'x' has an unsupported annotation"):
            sign_from_return_type("f", {"x": "int"})
        with pytest.raises(OPSignatureError, match="output names must be str"):
            sign_from_return_type("f", {1: int})

    def test_unresolvable_return_annotation(self) -> None:
        def f() -> Missing:  # type: ignore[name-defined]
            pass

        with pytest.raises(OPSignatureError, match="annotation of the return value"):
            sign_from_function(f)

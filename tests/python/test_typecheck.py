"""Tests of check_opio / check_keys / fill_defaults: dflow's rules and our messages."""
# ruff: noqa: UP007, UP045 - dflow code spells types with typing

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, ClassVar, Dict, List, Literal, Optional, Set, TypedDict, Union

import pytest
from typeguard import CollectionCheckStrategy, TypeCheckError, check_type

from dflow_jupyter.python.errors import OPIOError, OPIOKeyError, OPIOTypeError
from dflow_jupyter.python.opio import (
    OPIO,
    Artifact,
    BigParameter,
    NestedDict,
    OPIOSign,
    Parameter,
)
from dflow_jupyter.python.typecheck import check_keys, check_opio, check_value, fill_defaults

ALL_ITEMS = CollectionCheckStrategy.ALL_ITEMS


class Point(TypedDict):
    x: int
    y: float


def check(sign: dict[str, Any], values: Any, direction: Any = "input") -> None:
    check_opio(OPIOSign(sign), values, op_name="SimpleExample", direction=direction)


def type_error(sign: dict[str, Any], values: Any, direction: Any = "input") -> OPIOTypeError:
    with pytest.raises(OPIOTypeError) as info:
        check(sign, values, direction)
    return info.value


class TestParameters:
    def test_conforming_values_pass(self) -> None:
        check(
            {"a": int, "b": str, "c": Parameter(float), "d": BigParameter(List[int]), "e": Any},
            OPIO(a=1, b="x", c=2.5, d=[1, 2], e=object()),
        )

    def test_wrong_plain_type_message_and_attributes(self) -> None:
        err = type_error({"msg": str}, {"msg": 42})
        assert str(err) == "OP 'SimpleExample': input parameter 'msg' expected str, got int (42)"
        assert (err.op_name, err.field, err.direction, err.kind) == (
            "SimpleExample",
            "msg",
            "input",
            "parameter",
        )
        assert err.expected == "str" and err.got == 42
        assert isinstance(err, TypeError) and isinstance(err, OPIOError)

    def test_numeric_widening_like_typeguard(self) -> None:
        check(
            {"f": float, "c": complex, "b": bytes, "i": int},
            {"f": 1, "c": 2.0, "b": bytearray(b"x"), "i": True},
        )
        assert type_error({"i": int}, {"i": 1.5}).got == 1.5

    def test_none_is_accepted_for_everything_as_in_dflow(self) -> None:
        check({"a": int, "b": Artifact(Path), "c": List[int]}, {"a": None, "b": None, "c": None})

    @pytest.mark.parametrize(
        ("tp", "good", "bad", "detail"),
        [
            (
                List[int],
                [1, 2],
                [1, "a"],
                "expected List[int], got list ([1, 'a']): item 1 is not an instance of int",
            ),
            (
                Dict[str, float],
                {"a": 1.0, "b": 2},
                {"a": "x"},
                "value of key 'a' is not an instance of float",
            ),
            (Optional[int], 3, "3", "expected Optional[int], got str ('3')"),
            (Union[int, str], "x", 1.5, "expected Union[int, str], got float (1.5)"),
            (int | str, 1, [], "expected int | str, got list ([])"),
            (Literal["a", "b"], "a", "c", "expected Literal['a', 'b'], got str ('c')"),
            (
                Point,
                {"x": 1, "y": 2.0},
                {"x": 1},
                "expected Point, got dict ({'x': 1}): dict is missing required key(s): \"y\"",
            ),
            (
                Dict[str, List[int]],
                {"a": [1]},
                {"a": [1, "z"]},
                "item 1 of value of key 'a' is not an instance of int",
            ),
            (list, [], (), "expected list, got tuple (())"),
        ],
    )
    def test_generics_are_checked_deeply(self, tp: Any, good: Any, bad: Any, detail: str) -> None:
        check({"p": tp}, {"p": good})
        message = str(type_error({"p": tp}, {"p": bad}))
        assert message.startswith("OP 'SimpleExample': input parameter 'p' expected")
        assert detail in message

    def test_every_item_is_checked_not_just_the_first(self) -> None:
        assert "item 3" in str(type_error({"p": List[int]}, {"p": [1, 2, 3, "x"]}))

    def test_output_direction_in_message(self) -> None:
        err = type_error({"msg": str}, {"msg": 1}, "output")
        assert str(err) == "OP 'SimpleExample': output parameter 'msg' expected str, got int (1)"
        assert err.direction == "output"

    def test_function_return_value_is_named(self) -> None:
        err = type_error({"dflow_output": int}, {"dflow_output": "x"}, "output")
        assert "output parameter 'dflow_output' (the return value) expected int" in str(err)
        err = type_error({"dflow_output_1": int}, {"dflow_output_1": "x"}, "output")
        assert "'dflow_output_1' (return value [1])" in str(err)

    def test_long_values_are_shortened(self) -> None:
        message = str(type_error({"p": int}, {"p": "x" * 500}))
        assert len(message) < 200 and "..." in message


class TestArtifacts:
    def test_path_and_str_artifacts_accept_either(self) -> None:
        check({"a": Artifact(Path), "b": Artifact(str)}, {"a": "a.txt", "b": Path("b.txt")})

    def test_path_artifact_rejects_non_paths(self) -> None:
        err = type_error({"foo": Artifact(Path)}, {"foo": 3})
        assert str(err) == "OP 'SimpleExample': input artifact 'foo' expected Path, got int (3)"
        assert err.kind == "artifact"

    def test_collections_of_paths(self) -> None:
        check(
            {"l": Artifact(List[Path]), "s": Artifact(Set[str]), "d": Artifact(Dict[str, Path])},
            {"l": [Path("a"), None], "s": {"a", None}, "d": {"k": Path("x"), "n": None}},
        )

    def test_str_items_in_a_path_list_are_rejected_with_a_hint(self) -> None:
        message = str(type_error({"l": Artifact(List[Path])}, {"l": ["a.txt"]}))
        assert message.startswith(
            "OP 'SimpleExample': input artifact 'l' expected List[Path], got list (['a.txt'])"
        )
        assert message.endswith("; wrap the paths with pathlib.Path(...)")

    def test_nested_dict(self) -> None:
        art = Artifact(NestedDict[Path])
        check({"n": art}, {"n": {"a": {"b": Path("x"), "c": [Path("y"), "z"]}, "d": None}})
        assert "has a leaf that is not a path (str or Path)" in str(
            type_error({"n": art}, {"n": {"a": {"b": 3}}})
        )
        assert "expected NestedDict[Path], got list" in str(type_error({"n": art}, {"n": []}))


class TestKeys:
    def test_unknown_input_suggests_the_closest_name(self) -> None:
        with pytest.raises(OPIOKeyError) as info:
            check({"msg": str, "foo": Artifact(Path)}, {"mgs": "x", "foo": "f"})
        assert str(info.value) == (
            "OP 'SimpleExample': unknown input 'mgs' (did you mean 'msg'?). Declared inputs: "
            "msg (parameter: str), foo (artifact: Path)"
        )
        assert info.value.field == "mgs" and info.value.expected == ("msg", "foo")

    def test_undeclared_output(self) -> None:
        with pytest.raises(OPIOKeyError, match=r"execute\(\) returned output 'zzz', which the"):
            check({"msg": str}, {"msg": "x", "zzz": 1}, "output")

    def test_missing_input_parameter(self) -> None:
        with pytest.raises(OPIOKeyError) as info:
            check({"msg": str}, {})
        assert str(info.value) == (
            "OP 'SimpleExample': missing input parameter 'msg' (str); pass a value, or declare "
            "a default, e.g. Parameter(str, default=...)"
        )
        assert info.value.direction == "input" and info.value.kind == "parameter"

    def test_missing_artifact_and_several_names(self) -> None:
        with pytest.raises(OPIOKeyError) as info:
            check({"a": Artifact(Path), "b": Artifact(List[str])}, {})
        assert "missing input artifacts 'a' (Path), 'b' (List[str])" in str(info.value)
        assert "Artifact(Path, optional=True)" in str(info.value)
        assert info.value.fields == ("a", "b") and info.value.field == "a"

    def test_missing_output(self) -> None:
        with pytest.raises(OPIOKeyError, match=r"output artifact 'bar' \(Path\) missing from"):
            check({"bar": Artifact(Path)}, {}, "output")

    def test_optional_and_defaulted_names_may_be_missing(self) -> None:
        check(
            {
                "a": Artifact(Path, optional=True),
                "b": Parameter(int, default=1),
                "c": BigParameter(int, default=2),
            },
            {},
        )

    def test_key_error_is_readable_and_also_a_runtime_error(self) -> None:
        with pytest.raises(KeyError) as info:
            check({"msg": str}, {})
        assert str(info.value).startswith("OP 'SimpleExample': missing")  # not repr-quoted
        assert isinstance(info.value, RuntimeError)  # dflow raises RuntimeError here

    def test_check_keys_without_require_all(self) -> None:
        sign = OPIOSign(a=int, b=int)
        check_keys(sign, {"a": 1}, op_name="X", direction="output", require_all=False)
        with pytest.raises(OPIOKeyError):
            check_keys(sign, {"c": 1}, op_name="X", direction="output", require_all=False)

    def test_not_a_mapping(self) -> None:
        err = type_error({"a": int}, None, "output")
        assert str(err) == (
            "OP 'SimpleExample': execute() must return an OPIO (a mapping of output name to "
            "value), got NoneType (None)"
        )


class TestFillDefaults:
    def test_fills_parameters_and_optional_artifacts(self) -> None:
        sign = OPIOSign(
            a=Parameter(List[int], default=[1]),
            b=BigParameter(int, default=2),
            c=Artifact(Path, optional=True),
            d=Artifact(Path),
            e=int,
        )
        filled = fill_defaults(sign, {"e": 5})
        assert filled == {"e": 5, "a": [1], "b": 2, "c": None}
        filled["a"].append(2)  # a deep copy: the declared default is untouched
        assert sign["a"].default == [1]

    def test_given_values_win(self) -> None:
        assert fill_defaults(OPIOSign(a=Parameter(int, default=1)), OPIO(a=7)) == {"a": 7}

    def test_defaulted_values_are_flagged_in_messages(self) -> None:
        sign = OPIOSign(n=Parameter(int, default="oops"))
        with pytest.raises(OPIOTypeError, match=r"\(this is the default declared in the sign\)"):
            check_opio(sign, fill_defaults(sign, {}), op_name="X", direction="input", defaulted={"n"})


class TestFastPathsAgreeWithTypeguard:
    TYPES: ClassVar[list[Any]] = [
        List[int],
        List[List[float]],
        Dict[str, List[float]],
        Dict[int, str],
        Optional[List[str]],
        Set[int],
        Union[int, List[str]],
        List[Optional[int]],
        list[int | str],
        bytes,
    ]
    VALUES: ClassVar[list[Any]] = [
        [1, 2],
        [1, "a"],
        [[1.0, 2], [3]],
        [[1.0, "x"]],
        {"a": [1.0]},
        {"a": ["x"]},
        {1: "a"},
        {"a": "a"},
        ["s"],
        {1, 2},
        {1, "a"},
        frozenset({1}),
        3,
        [None, 1],
        (1, 2),
        b"x",
        memoryview(b"x"),
        True,
    ]

    def test_same_verdicts(self) -> None:
        for tp in self.TYPES:
            for value in self.VALUES:
                try:
                    check_type(value, tp, collection_check_strategy=CollectionCheckStrategy.ALL_ITEMS)
                    expected = True
                except TypeCheckError:
                    expected = False
                assert (check_value(tp, value) is None) == expected, (tp, value)

    def test_nested_details(self) -> None:
        assert check_value(List[List[int]], [[1], [2, "x"]]) == ("item 1 of item 1 is not an instance of int")
        assert check_value(Dict[int, str], {"k": "v"}) == "key 'k' is not an instance of int"
        assert check_value(Set[int], {"a"}) == "element 'a' is not an instance of int"
        assert check_value(List[Union[int, str]], [1.5]) == ("item 0 does not match Union[int, str]")

    def test_collection_artifacts(self) -> None:
        message = str(type_error({"d": Artifact(Dict[str, Path])}, {"d": {1: Path("x")}}))
        assert message.endswith(": key 1 is not an instance of str")
        message = str(type_error({"s": Artifact(Set[str])}, {"s": ["a"]}))
        assert message == "OP 'SimpleExample': input artifact 's' expected Set[str], got list (['a'])"


def test_errors_survive_pickling() -> None:
    err = type_error({"msg": str}, {"msg": 42})
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.field == "msg" and again.got == 42
    with pytest.raises(OPIOKeyError) as info:
        check({"msg": str}, {})
    again_key = pickle.loads(pickle.dumps(info.value))
    assert str(again_key) == str(info.value) and again_key.fields == ("msg",)


def test_check_value() -> None:
    assert check_value(int, 1) is None and check_value(int, None) is None
    assert check_value(int, "x") == ""
    assert check_value(List[int], [1, "x"]) == "item 1 is not an instance of int"

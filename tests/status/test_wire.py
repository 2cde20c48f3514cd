"""The Argo wire codec: values as Argo strings, type descriptions, recorded inputs and outputs."""
# ruff: noqa: UP045 - dflow code spells types with typing

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from dflow_jupyter.status.wire import (
    ParameterTypeError,
    coerce_parameter,
    declared_type_name,
    decode_outputs,
    decode_parameter,
    encode_artifacts,
    encode_parameters,
    from_argo_string,
    to_argo_string,
    type_description,
)
from dflow_jupyter.storage import S3Artifact


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("abc", "abc"),
        (3, "3"),
        (2.5, "2.5"),
        (True, "true"),
        (None, "null"),
        ([1, 2], "[1, 2]"),
        ({"a": 1}, '{"a": 1}'),
    ],
)
def test_values_travel_as_dflow_writes_them(value: Any, text: str) -> None:
    assert to_argo_string(value) == text
    if not isinstance(value, str):
        assert from_argo_string(text) == value


def test_objects_json_cannot_hold_round_trip_through_jsonpickle() -> None:
    text = to_argo_string(Path("a/b"))
    assert isinstance(from_argo_string(text), Path)


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (None, "str"),
        (int, "int"),
        (List[int], "List[int]"),
        (Dict[str, Any], "Dict[str, Any]"),
        (Optional[int], "Optional[int]"),
        (Path, "pathlib.Path"),
    ],
)
def test_type_descriptions(kind: Any, name: str) -> None:
    assert declared_type_name({"description": type_description(kind)}) == name


def test_decode_by_declared_type() -> None:
    assert decode_parameter({"value": "3", "description": type_description(str)}) == "3"
    assert decode_parameter({"value": "3", "description": type_description(int)}) == 3
    assert decode_parameter({"value": '{"a": [1]}', "description": type_description(dict)}) == {"a": [1]}
    assert decode_parameter({"value": "not json", "description": type_description(int)}) == "not json"
    assert decode_parameter({"value": "3"}) == "3"  # no description: a string, as Argo has it


def test_coerce_follows_argo_and_names_the_field() -> None:
    assert coerce_parameter(5, str, where="x") == "5"
    assert coerce_parameter("[1, 2]", List[int], where="x") == [1, 2]
    assert coerce_parameter(1, float, where="x") == 1
    with pytest.raises(ParameterTypeError, match=r"step 's': input 'n' expected int, got str \('abc'\)"):
        coerce_parameter("abc", int, where="step 's': input 'n'")
    with pytest.raises(ParameterTypeError, match=r"expected List\[int\], got list"):
        coerce_parameter(["a"], List[int], where="x")


def test_encoded_entries_read_back() -> None:
    params = encode_parameters({"n": 3, "d": {"k": 1}, "s": "x"}, None)
    assert params[0] == {"name": "n", "value": "3", "description": '{"type": "int"}'}
    arts = encode_artifacts(
        {"one": S3Artifact(key="k1"), "many": [S3Artifact(key="a"), S3Artifact(key="b")], "none": None}
    )
    decoded_params, decoded_arts = decode_outputs({"parameters": params, "artifacts": arts})
    assert decoded_params == {"n": 3, "d": {"k": 1}, "s": "x"}
    assert decoded_arts["one"].key == "k1"
    assert [a.key for a in decoded_arts["many"]] == ["a", "b"]
    assert "none" not in decoded_arts

"""Tests of OPIO, OPIOSign, Artifact, Parameter, BigParameter and NestedDict."""
# ruff: noqa: UP013, UP014, UP045 - dflow code spells types with typing

from __future__ import annotations

import copy
import pickle
from pathlib import Path
from typing import Dict, List, NamedTuple, Optional, Set, TypedDict

import pytest

from dflow_jupyter.config import config
from dflow_jupyter.python.errors import OPSignatureError
from dflow_jupyter.python.opio import (
    ARTIFACT_ALLOWED_TYPES,
    OPIO,
    Artifact,
    BigParameter,
    NestedDict,
    NestedDictPath,
    NestedDictStr,
    OPIOSign,
    Parameter,
    is_type_like,
)

ALLOWED = [
    str,
    Path,
    List[str],
    List[Path],
    Set[str],
    Set[Path],
    Dict[str, str],
    Dict[str, Path],
    NestedDict[str],
    NestedDict[Path],
]


class TestOPIOAndSign:
    def test_behaves_like_a_dict(self) -> None:
        opio = OPIO({"a": 1}, b=2)
        assert opio == {"a": 1, "b": 2}
        assert opio == OPIO(a=1, b=2)
        assert opio != {"a": 1}
        assert repr(opio) == "{'a': 1, 'b': 2}"
        assert list(opio) == ["a", "b"] and len(opio) == 2 and "a" in opio
        assert opio.get("zz", 5) == 5
        opio["c"] = 3
        del opio["a"]
        assert dict(opio.items()) == {"b": 2, "c": 3}
        assert list(opio.keys()) == ["b", "c"] and list(opio.values()) == [2, 3]

    def test_copy_is_independent_and_same_class(self) -> None:
        opio = OPIO(a=[1])
        dup = opio.copy()
        dup["b"] = 2
        assert type(dup) is OPIO and "b" not in opio and dup["a"] is opio["a"]
        assert copy.deepcopy(opio) == opio
        assert pickle.loads(pickle.dumps(opio)) == opio
        sign = OPIOSign(x=int)
        assert type(sign.copy()) is OPIOSign and sign.copy() == sign

    def test_sign_accepts_types_and_sign_objects(self) -> None:
        sign = OPIOSign(
            {
                "a": int,
                "b": List[int],
                "c": Optional[str],
                "d": int | None,
                "e": Artifact(Path),
                "f": Parameter(float, default=1.0),
                "g": BigParameter(dict),
            }
        )
        assert list(sign) == ["a", "b", "c", "d", "e", "f", "g"]

    def test_sign_rejects_a_non_type_entry(self) -> None:
        with pytest.raises(OPSignatureError) as info:
            OPIOSign({"x": 3})
        assert str(info.value) == (
            "OPIOSign: entry 'x' must be a type (e.g. int, List[str]), Artifact(...), "
            "Parameter(...) or BigParameter(...), got int (3)"
        )
        assert info.value.field == "x"

    def test_sign_rejects_a_quoted_type_with_a_hint(self) -> None:
        with pytest.raises(OPSignatureError, match="did you mean int, without quotes"):
            OPIOSign({"x": "int"})

    def test_sign_rejects_non_str_names(self) -> None:
        with pytest.raises(OPSignatureError, match="names must be str, got 1"):
            OPIOSign({1: int})


class TestArtifact:
    @pytest.mark.parametrize("tp", ALLOWED)
    def test_every_allowed_type(self, tp: object) -> None:
        art = Artifact(tp)
        assert art.type is tp or art.type == tp
        assert art.optional is False and art.sub_path is True and art.save is None

    def test_allowed_list_matches_dflow(self) -> None:
        assert list(ARTIFACT_ALLOWED_TYPES) == ALLOWED

    def test_rejects_other_types_listing_the_allowed_ones(self) -> None:
        with pytest.raises(OPSignatureError) as info:
            Artifact(int)
        message = str(info.value)
        assert message.startswith("Artifact(int): int is not an allowed artifact type. Allowed")
        for name in ("str", "Path", "List[Path]", "Dict[str, Path]", "NestedDict[Path]"):
            assert name in message

    def test_builtin_generic_gets_a_hint(self) -> None:
        with pytest.raises(OPSignatureError, match=r"typing generics, e\.g\. List\[\.\.\.\]"):
            Artifact(list[Path])

    def test_optional_type_gets_a_hint(self) -> None:
        with pytest.raises(OPSignatureError, match=r"Artifact\(<type>, optional=True\)"):
            Artifact(Optional[Path])

    def test_type_is_validated_on_assignment(self) -> None:
        art = Artifact(Path)
        art.type = List[Path]
        with pytest.raises(OPSignatureError):
            art.type = int

    def test_archive_default_comes_from_config(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(config, "archive_mode", None)
        assert Artifact(Path).archive is None
        assert Artifact(Path, archive="tar").archive == "tar"

    def test_fields_repr_and_equality(self) -> None:
        art = Artifact(List[Path], archive=None, optional=True, global_name="g", sub_path=False)
        assert (art.archive, art.optional, art.global_name, art.sub_path) == (
            None,
            True,
            "g",
            False,
        )
        assert repr(art) == "Artifact(type=List[Path], optional=True, sub_path=False)"
        assert Artifact(Path) == Artifact(Path) and Artifact(Path) != Artifact(str)
        assert not art.has_default

    def test_usable_in_typed_dict_and_named_tuple(self) -> None:
        # typing only accepts callables as field types; dflow code relies on this.
        td = TypedDict("td", {"x": Artifact(Path)})  # type: ignore[misc]
        nt = NamedTuple("nt", [("x", Artifact(Path))])  # type: ignore[misc]
        assert isinstance(td.__annotations__["x"], Artifact)
        assert isinstance(nt.__annotations__["x"], Artifact)
        with pytest.raises(TypeError, match="signature marker"):
            Artifact(Path)()


class TestNestedDict:
    def test_forms_are_cached_classes(self) -> None:
        assert NestedDict[Path] is NestedDictPath and NestedDict[str] is NestedDictStr
        assert NestedDictPath.leaf is Path and NestedDictStr.leaf is str

    def test_other_leaves_are_rejected(self) -> None:
        with pytest.raises(TypeError, match=r"NestedDict\[int\] is not supported"):
            NestedDict[int]


class TestParameter:
    def test_without_default(self) -> None:
        p = Parameter(int)
        assert p.type is int and p.global_name is None
        assert not p.has_default and not hasattr(p, "default")
        with pytest.raises(AttributeError, match=r"has no default; test \.has_default"):
            p.default  # noqa: B018
        assert repr(p) == "Parameter(type=int)"

    def test_with_default_even_none(self) -> None:
        p = Parameter(Optional[int], global_name="g", default=None)
        assert p.has_default and p.default is None and p.global_name == "g"
        assert repr(p) == "Parameter(type=Optional[int], default=None)"
        assert Parameter(int, default=1) == Parameter(int, default=1)
        assert Parameter(int, default=1) != Parameter(int)

    def test_rejects_non_types_and_unknown_keywords(self) -> None:
        with pytest.raises(OPSignatureError, match=r"Parameter\(type=3\): the type must be"):
            Parameter(3)
        with pytest.raises(TypeError, match="unexpected keyword argument"):
            Parameter(int, defualt=1)

    def test_big_parameter(self) -> None:
        p = BigParameter(Dict[str, int], default={})
        assert p.has_default and p.default == {}
        assert repr(p) == "BigParameter(type=Dict[str, int], default={})"
        assert not BigParameter(int).has_default
        with pytest.raises(TypeError, match="accepted: type, default"):
            BigParameter(int, global_name="x")

    def test_copy_keeps_default(self) -> None:
        p = copy.copy(Parameter(int, default=3))
        assert p.default == 3 and copy.deepcopy(p) == p


def test_is_type_like() -> None:
    from typing import Any, Literal, TypeVar, Union

    for tp in (
        int,
        List[int],
        list[int],
        Optional[int],
        int | None,
        Any,
        Literal[1],
        None,
        TypeVar("T"),
        Union,
    ):
        assert is_type_like(tp), tp
    for not_tp in ("int", 3, Artifact(Path), [int]):
        assert not is_type_like(not_tp), not_tp

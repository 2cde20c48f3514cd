"""Tests of OP: class OPs, @OP.exec_sign_check, progress, set_output and function OPs."""

from __future__ import annotations

import copy
import inspect
import shutil
import types
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Set, TypedDict

import cloudpickle
import pytest

from dflow_jupyter import _context
from dflow_jupyter.python import op as op_module
from dflow_jupyter.python.errors import OPIOKeyError, OPIOTypeError, OPSignatureError
from dflow_jupyter.python.op import OP
from dflow_jupyter.python.opio import (
    OPIO,
    Artifact,
    BigParameter,
    NestedDict,
    OPIOSign,
    Parameter,
)


class SimpleExample(OP):
    """The readme's class OP."""

    def __init__(self) -> None:
        pass

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"msg": str, "foo": Artifact(Path)})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"msg": str, "bar": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        shutil.copy(op_in["foo"], "bar.txt")
        return OPIO({"msg": op_in["msg"], "bar": Path("bar.txt")})


@OP.function
def simple_example(
    msg: str,
    foo: Artifact(Path),  # type: ignore[valid-type]
) -> {"msg": str, "bar": Artifact(Path)}:  # type: ignore[misc, valid-type]
    """The readme's function OP."""
    shutil.copy(foo, "bar.txt")
    return {"msg": msg, "bar": Path("bar.txt")}


@OP.function
def add(a: int, b: int = 2) -> int:
    return a + b


class Stats(TypedDict):
    total: int
    mean: float


class MinMax(NamedTuple):
    low: int
    high: int


@OP.function
def stats(xs: List[int]) -> Stats:
    return {"total": sum(xs), "mean": sum(xs) / len(xs)}


@OP.function
def min_max(xs: List[int]) -> MinMax:
    return MinMax(min(xs), max(xs))


@OP.function(image="python:3.11")
def split(text: str, sep: str = " ") -> tuple[str, str]:
    head, _, tail = text.partition(sep)
    return head, tail


@OP.function
def side_effect(n: int) -> None:
    pass


@OP.function
def wrong_return(a: int) -> int:
    return str(a)  # type: ignore[return-value]


@OP.function
def all_artifacts(
    s: Artifact(str),  # type: ignore[valid-type]
    p: Artifact(Path),  # type: ignore[valid-type]
    ls: Artifact(List[str]),  # type: ignore[valid-type]
    lp: Artifact(List[Path]),  # type: ignore[valid-type]
    ss: Artifact(Set[str]),  # type: ignore[valid-type]
    sp: Artifact(Set[Path]),  # type: ignore[valid-type]
    ds: Artifact(Dict[str, str]),  # type: ignore[valid-type]
    dp: Artifact(Dict[str, Path]),  # type: ignore[valid-type]
    ns: Artifact(NestedDict[str]),  # type: ignore[valid-type]
    np: Artifact(NestedDict[Path]),  # type: ignore[valid-type]
    opt: Artifact(Path) = None,  # type: ignore[valid-type]
) -> {"count": int, "out": Artifact(List[Path])}:  # type: ignore[misc, valid-type]
    paths = [p, *lp, *sp, *dp.values()]
    return {"count": 10 - (opt is None), "out": paths}


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "foo.txt").write_text("hello")
    return tmp_path


class TestClassOP:
    def test_readme_example_runs(self, in_tmp: Path) -> None:
        out = SimpleExample().execute(OPIO(msg="HelloWorld!", foo=Path("foo.txt")))
        assert out == {"msg": "HelloWorld!", "bar": Path("bar.txt")} and type(out) is OPIO
        assert (in_tmp / "bar.txt").read_text() == "hello"

    def test_signs_are_abstract(self) -> None:
        class Incomplete(OP):
            def execute(self, op_in: OPIO) -> OPIO:
                return op_in

        with pytest.raises(TypeError, match="abstract"):
            Incomplete()  # type: ignore[abstract]

    def test_wrong_input_type(self, in_tmp: Path) -> None:
        with pytest.raises(OPIOTypeError) as info:
            SimpleExample().execute(OPIO(msg=42, foo=Path("foo.txt")))
        assert str(info.value) == "OP 'SimpleExample': input parameter 'msg' expected str, got int (42)"
        assert not (in_tmp / "bar.txt").exists()  # checked before execute ran

    def test_missing_and_unknown_inputs(self, in_tmp: Path) -> None:
        with pytest.raises(OPIOKeyError, match="missing input artifact 'foo'"):
            SimpleExample().execute(OPIO(msg="m"))
        with pytest.raises(OPIOKeyError, match=r"unknown input 'mgs' \(did you mean 'msg'\?\)"):
            SimpleExample().execute(OPIO(mgs="m", foo=Path("foo.txt")))

    def test_output_errors(self, in_tmp: Path) -> None:
        def op_returning(value: Any) -> OP:
            class Bad(SimpleExample):
                @OP.exec_sign_check
                def execute(self, op_in: OPIO) -> OPIO:
                    return value

            return Bad()

        inputs = OPIO(msg="m", foo=Path("foo.txt"))
        with pytest.raises(OPIOTypeError, match="output parameter 'msg' expected str, got int"):
            op_returning(OPIO(msg=1, bar=Path("b"))).execute(inputs)
        with pytest.raises(OPIOKeyError, match=r"output artifact 'bar' \(Path\) missing from"):
            op_returning(OPIO(msg="m")).execute(inputs)
        with pytest.raises(OPIOKeyError, match=r"returned output 'baz' \(did you mean 'bar'"):
            op_returning(OPIO(msg="m", bar=Path("b"), baz=1)).execute(inputs)
        with pytest.raises(OPIOTypeError, match=r"execute\(\) must return an OPIO"):
            op_returning(None).execute(inputs)

    def test_defaults_are_filled_for_inputs_and_outputs(self) -> None:
        class Defaults(OP):
            @classmethod
            def get_input_sign(cls) -> OPIOSign:
                return OPIOSign(n=Parameter(int, default=3), art=Artifact(Path, optional=True))

            @classmethod
            def get_output_sign(cls) -> OPIOSign:
                return OPIOSign(n=int, extra=Parameter(str, default="d"))

            @OP.exec_sign_check
            def execute(self, op_in: OPIO) -> OPIO:
                assert op_in == {"n": 3, "art": None}
                return OPIO(n=op_in["n"])

        assert Defaults().execute(OPIO()) == {"n": 3, "extra": "d"}

    def test_unchecked_execute_is_not_checked(self) -> None:
        class Unchecked(SimpleExample):
            def execute(self, op_in: OPIO) -> OPIO:
                return OPIO(anything=1)

        assert Unchecked().execute(OPIO(msg=1)) == {"anything": 1}
        assert not hasattr(Unchecked.execute, "__dflow_sign_checked__")
        assert SimpleExample.execute.__dflow_sign_checked__ is True  # type: ignore[attr-defined]
        assert SimpleExample.execute.__name__ == "execute"

    def test_class_attributes_default_like_dflow(self) -> None:
        op = SimpleExample()
        assert (op.progress_total, op.progress_current, op.key, op.workflow_name) == (
            1,
            0,
            None,
            None,
        )
        assert (op.slices, op.tmp_root, op.create_slice_dir, op.pool_size) == (
            {},
            "/tmp",
            False,
            None,
        )
        assert op.__dflow_source__ is None and op._early_outputs == {}


class TestProgress:
    def test_hook_receives_current_and_total(self) -> None:
        calls: list[tuple[int, int]] = []
        op = SimpleExample()
        op._progress_hook = lambda current, total: calls.append((current, total))
        op.progress_total = 10
        op.progress_current = 4
        op.other = 1
        assert calls == [(0, 10), (4, 10)]

    def test_no_hook_and_failing_hook_are_harmless(self) -> None:
        op = SimpleExample()
        op.progress_current = 1  # no hook set: nothing happens

        def broken(current: int, total: int) -> None:
            raise RuntimeError("boom")

        op._progress_hook = broken
        op.progress_current = 2
        assert op.progress_current == 2
        op._progress_hook = None
        op.progress_total = 5


class TestSetOutput:
    def test_records_per_instance(self) -> None:
        first, second = SimpleExample(), SimpleExample()
        first.set_output("msg", "early")
        assert first._early_outputs == {"msg": "early"} and second._early_outputs == {}

    def test_kept_when_execute_raises(self) -> None:
        class Crashing(SimpleExample):
            def execute(self, op_in: OPIO) -> OPIO:
                self.set_output("bar", Path("partial.txt"))
                raise RuntimeError("crash after the early output")

        op = Crashing()
        with pytest.raises(RuntimeError):
            op.execute(OPIO())
        assert op._early_outputs == {"bar": Path("partial.txt")}

    def test_copies_do_not_share_early_outputs_or_hooks(self) -> None:
        op = SimpleExample()
        op._progress_hook = print
        op.key = "step-1"
        op.set_output("msg", "early")
        dup = copy.copy(op)
        assert dup._early_outputs == {} and dup._progress_hook is None and dup.key == "step-1"
        assert copy.copy(add)._early_outputs is not add._early_outputs

    def test_validates_name_and_type(self) -> None:
        op = SimpleExample()
        with pytest.raises(OPIOKeyError, match=r"returned output 'mgs' \(did you mean 'msg'"):
            op.set_output("mgs", "x")
        with pytest.raises(OPIOTypeError, match="output parameter 'msg' expected str, got int"):
            op.set_output("msg", 1)
        assert op._early_outputs == {}


class TestFunctionOPOutsideContext:
    def test_readme_example_runs(self, in_tmp: Path) -> None:
        assert simple_example(msg="m", foo=Path("foo.txt")) == {"msg": "m", "bar": Path("bar.txt")}
        assert (in_tmp / "bar.txt").read_text() == "hello"
        out = simple_example.execute(OPIO(msg="m", foo=Path("foo.txt")))
        assert type(out) is OPIO

    def test_is_an_instance_of_a_generated_op_class(self) -> None:
        assert type(add).__name__ == "add" and add.__name__ == "add"
        assert add.func(1, 2) == 3 and type(add).func(1, 2) == 3
        assert add.task_kwargs == {} and add.template_kwargs == {}
        assert split.template_kwargs == {"image": "python:3.11"}
        assert add.get_input_sign() == OPIOSign(a=int, b=Parameter(int, default=2))
        assert add.get_output_sign() == OPIOSign(dflow_output=int)
        assert type(add).execute.__dflow_sign_checked__ is True and add.__dflow_source__ is None
        assert type(add).__module__ == __name__
        assert simple_example.__doc__ == "The readme's function OP."
        assert isinstance(add, OP)  # last: it narrows the type of ``add`` for mypy

    def test_signs_are_copies(self) -> None:
        sign = simple_example.get_input_sign()
        sign["foo"].optional = True
        del sign["msg"]
        assert simple_example.get_input_sign() == OPIOSign(msg=str, foo=Artifact(Path))

    def test_returns_follow_the_annotation(self) -> None:
        assert add(1) == 3 and add(1, 5) == 6 and add(a=1, b=1) == 2
        result = stats([1, 2, 3])
        assert result == {"total": 6, "mean": 2.0} and type(result) is dict
        assert min_max(xs=[3, 1, 2]) == MinMax(1, 3)
        assert split("a b c") == ("a", "b c")
        assert side_effect(1) is None

    def test_every_artifact_type(self) -> None:
        out = all_artifacts(
            s="s",
            p=Path("p"),
            ls=["a"],
            lp=[Path("l")],
            ss={"x"},
            sp={Path("sp")},
            ds={"k": "v"},
            dp={"k": Path("dp")},
            ns={"a": {"b": "c"}},
            np={"a": [Path("n")]},
        )
        assert out == {"count": 9, "out": [Path("p"), Path("l"), Path("sp"), Path("dp")]}

    def test_argument_binding_errors_are_like_python(self) -> None:
        with pytest.raises(TypeError, match=r"^add\(\) got multiple values for argument 'a'$"):
            add(1, a=2)
        with pytest.raises(TypeError, match=r"^add\(\) takes 2 positional arguments but 3 were"):
            add(1, 2, 3)

    def test_bad_inputs_and_outputs(self) -> None:
        with pytest.raises(OPIOTypeError, match="OP 'add': input parameter 'a' expected int, got str"):
            add("1")
        with pytest.raises(OPIOKeyError, match=r"OP 'add': missing input parameter 'a' \(int\)"):
            add(b=1)
        with pytest.raises(OPIOKeyError, match="OP 'add': unknown input 'c'"):
            add(1, c=1)
        with pytest.raises(OPIOTypeError) as info:
            wrong_return(1)
        assert str(info.value) == (
            "OP 'wrong_return': output parameter 'dflow_output' (the return value) expected int, "
            "got str ('1')"
        )
        with pytest.raises(OPIOTypeError, match="OP 'stats': input parameter 'xs' expected"):
            stats([1, "2"])

    def test_bad_annotation_fails_at_decoration(self) -> None:
        with pytest.raises(OPSignatureError, match="parameter 'b' has no type annotation"):

            @OP.function
            def bad(a: int, b) -> int:
                return a

    def test_use_copies_with_task_kwargs(self) -> None:
        tuned = add.use(continue_on_failed=True)
        assert tuned.task_kwargs == {"continue_on_failed": True} and add.task_kwargs == {}
        assert type(tuned) is type(add) and tuned(1) == 3

    def test_introspection(self) -> None:
        assert str(inspect.signature(add)) == "(a: int, b: int = 2) -> int"
        assert repr(add) == "<function OP add(a: int, b: int = 2) -> int>"
        assert repr(simple_example) == (
            "<function OP simple_example(msg: str, foo: Artifact(Path)) -> "
            "{'msg': str, 'bar': Artifact(Path)}>"
        )

    def test_copy_and_cloudpickle(self) -> None:
        assert copy.deepcopy(add)(1) == 3 and copy.copy(add)(1) == 3
        clone = cloudpickle.loads(cloudpickle.dumps(add))
        assert clone(1, 1) == 2 and clone.__name__ == "add"

    def test_function_of_an_op_subclass(self) -> None:
        class MyOP(OP):
            pass

        @MyOP.function
        def double(x: int) -> int:
            return 2 * x

        assert double(2) == 4
        assert isinstance(double, MyOP)

    def test_big_parameter_and_parameter_annotations(self) -> None:
        @OP.function
        def f(
            cfg: BigParameter(dict) = None,  # type: ignore[valid-type]
            n: Parameter(int, global_name="n") = 1,  # type: ignore[valid-type]
        ) -> int:
            return n + len(cfg or {})

        assert f() == 1 and f(cfg={"a": 1}, n=2) == 3

    def test_superfunction_needs_a_named_function(self) -> None:
        # A lambda has no usable template name; superfunctions are tested end to end in tests/engine.
        with pytest.raises(ValueError, match="OP template name"):
            OP.superfunction(lambda: None)


class _Ref:
    def __init__(self, node: str, name: str) -> None:
        self.node, self.name = node, name

    def __repr__(self) -> str:
        return f"ref({self.node}.{self.name})"


class _Node:
    def __init__(self, name: str, template: Any) -> None:
        op = template.op
        self.outputs = types.SimpleNamespace(
            parameters={
                k: _Ref(name, k) for k, v in op.get_output_sign().items() if not isinstance(v, Artifact)
            },
            artifacts={k: _Ref(name, k) for k, v in op.get_output_sign().items() if isinstance(v, Artifact)},
        )


class _FakeContainer:
    """A ``with`` block: ``node_class()`` is what a call inside it constructs."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def add(self, step: Any) -> None:
        pass

    def node_class(self) -> Any:
        def make(name: str, template: Any, parameters: Any, artifacts: Any, **task_kwargs: Any) -> _Node:
            self.calls.append(
                dict(
                    name=name,
                    template=template,
                    parameters=dict(parameters),
                    artifacts=dict(artifacts),
                    task_kwargs=dict(task_kwargs),
                )
            )
            return _Node(name, template)

        return make


class _FakeTemplate:
    def __init__(self, op: Any, **kwargs: Any) -> None:
        self.op, self.kwargs = op, kwargs


@pytest.fixture
def container(monkeypatch: pytest.MonkeyPatch) -> Any:
    # Records what a call would build, without the model's validation of the fake nodes.
    monkeypatch.setattr(op_module, "PythonOPTemplate", _FakeTemplate)
    box = _FakeContainer()
    _context.push(box)
    yield box
    _context.pop(box)


class TestFunctionOPInsideContext:
    def test_call_becomes_a_task(self, container: _FakeContainer) -> None:
        out = simple_example("hi", foo="art-ref")
        (call,) = container.calls
        assert call["name"].startswith("simple-example-") and len(call["name"]) == 20
        assert call["parameters"] == {"msg": "hi"} and call["artifacts"] == {"foo": "art-ref"}
        assert call["template"].op is simple_example and call["task_kwargs"] == {}
        assert set(out) == {"msg", "bar"} and out["bar"].node == call["name"]

    def test_return_shapes_and_kwargs(self, container: _FakeContainer) -> None:
        total = add(1)
        assert isinstance(total, _Ref) and total.name == "dflow_output"
        head, tail = split.use(when="x")("a b")
        assert (head.name, tail.name) == ("dflow_output_0", "dflow_output_1")
        assert container.calls[1]["template"].kwargs == {"image": "python:3.11"}
        assert container.calls[1]["task_kwargs"] == {"when": "x"}
        pair = min_max(xs=total)
        assert pair.high.name == "high"
        assert isinstance(pair, MinMax)
        assert container.calls[2]["parameters"] == {"xs": total}
        assert side_effect(1) is None

    def test_keys_are_still_checked(self, container: _FakeContainer) -> None:
        with pytest.raises(OPIOKeyError, match="unknown input 'mgs'"):
            simple_example(mgs="x", foo="f")
        with pytest.raises(OPIOKeyError, match="missing input artifact 'foo'"):
            simple_example(msg="x")
        assert container.calls == []

    def test_call_inside_a_real_dag(self) -> None:
        from dflow_jupyter import DAG, Task
        from dflow_jupyter.python import PythonOPTemplate

        with DAG() as dag:
            total = add(1, b=5)
        (task,) = dag.tasks
        assert isinstance(task, Task) and task.name.startswith("add-")
        assert isinstance(task.template, PythonOPTemplate) and task.template.op is add
        assert task.parameters == {"a": 1, "b": 5}
        assert total is task.outputs.parameters["dflow_output"]
        assert _context.active() is None


def test_function_op_with_builtin_generic_annotations() -> None:
    # list[str] is a types.GenericAlias: its signature entry must be shared, not copied like a
    # marker (copying it raised "object.__new__(types.GenericAlias) is not safe").
    from dflow_jupyter import Step, Workflow
    from dflow_jupyter.python import PythonOPTemplate

    @OP.function
    def count(names: list[str], table: dict[str, int]) -> {"n": int}:  # type: ignore[valid-type]
        return {"n": len(names) + sum(table.values())}

    assert count.get_input_sign()["names"] == list[str]
    wf = Workflow("generic-alias")
    wf.add(Step("count", PythonOPTemplate(count), parameters={"names": ["a", "b"], "table": {"k": 3}}))
    wf.submit()
    [node] = wf.query_step(name="count")
    assert node.phase == "Succeeded" and node.outputs.parameters["n"].value == 5

"""Fan-outs: with_param, with_sequence and Slices, with Argo's node shapes and stacked outputs."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest

from dflow_jupyter import (
    DAG,
    Step,
    Task,
    Workflow,
    argo_enumerate,
    argo_len,
    argo_range,
    argo_sequence,
    download_artifact,
    upload_artifact,
)
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate, Slices


@OP.function
def square(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x * x}


@OP.function
def make_list(n: int) -> {"items": List[int]}:  # type: ignore[valid-type]
    return {"items": list(range(n))}


@OP.function
def total(values: List[int]) -> {"sum": int}:  # type: ignore[valid-type]
    return {"sum": sum(values)}


@OP.function
def describe(name: str, size: int) -> {"text": str}:  # type: ignore[valid-type]
    return {"text": f"{name}:{size}"}


def test_with_param_literal_list_in_steps() -> None:
    step = Step("square", PythonOPTemplate(square), parameters={"x": "{{item}}"}, with_param=[1, 2, 3])
    wf = Workflow("literal")
    wf.add(step)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    status = wf.query().status
    group = next(n for n in status.nodes.values() if n.type == "StepGroup")
    items = [status.nodes[c] for c in group.children]
    # As on Argo: the expanded steps sit directly in the step group, named (index:item).
    assert [n.displayName for n in items] == ["square(0:1)", "square(1:2)", "square(2:3)"]
    assert all(n.type == "Pod" and n.name == f"{wf.id}[0].{n.displayName}" for n in items)
    assert sorted(s.outputs.parameters["y"].value for s in wf.query_step(name="square")) == [
        1,
        4,
        9,
    ]


def test_with_param_from_output_and_aggregated_outputs() -> None:
    make = Step("make", PythonOPTemplate(make_list), parameters={"n": 4})
    sq = Step(
        "sq",
        PythonOPTemplate(square),
        parameters={"x": "{{item}}"},
        with_param=make.outputs.parameters["items"],
    )
    # Argo aggregates the outputs of a fan-out into a JSON list, in item order.
    add = Step("add", PythonOPTemplate(total), parameters={"values": sq.outputs.parameters["y"]})
    wf = Workflow("from-output")
    wf.add(make)
    wf.add(sq)
    wf.add(add)
    wf.submit()
    assert wf.query_step(name="add")[0].outputs.parameters["sum"].value == 0 + 1 + 4 + 9


def test_dag_fanout_is_a_taskgroup_with_argo_range() -> None:
    fan = Task("fan", PythonOPTemplate(square), parameters={"x": "{{item}}"}, with_param=argo_range(3))
    dag = DAG("dagfan")
    dag.add(fan)
    wf = Workflow("dagfan", dag=dag)
    wf.submit()
    status = wf.query().status
    group = next(n for n in status.nodes.values() if n.displayName == "fan")
    assert group.type == "TaskGroup" and group.phase == "Succeeded"
    assert [status.nodes[c].displayName for c in group.children] == [
        "fan(0:0)",
        "fan(1:1)",
        "fan(2:2)",
    ]
    assert status.nodes[wf.id].children == [group.id]


def test_argo_range_with_parameter_and_sequence_with_format() -> None:
    make = Step("make", PythonOPTemplate(make_list), parameters={"n": 3})
    seq = Step(
        "seq",
        PythonOPTemplate(describe),
        parameters={"name": "{{item}}", "size": 1},
        with_sequence=argo_sequence(
            count=argo_len(make.outputs.parameters["items"]), start=1, format="id-%02d"
        ),
    )
    rng = Step(
        "rng",
        PythonOPTemplate(square),
        parameters={"x": "{{item}}"},
        with_param=argo_range(argo_len(make.outputs.parameters["items"])),
    )
    wf = Workflow("sequence")
    wf.add(make)
    wf.add([seq, rng])
    wf.submit()
    assert wf.query_status() == "Succeeded"
    texts = [s.outputs.parameters["text"].value for s in wf.query_step(name="seq")]
    assert sorted(texts) == ["id-01:1", "id-02:1", "id-03:1"]
    assert len(wf.query_step(name="rng")) == 3


def test_argo_enumerate_items_with_keys() -> None:
    step = Step(
        "enum",
        PythonOPTemplate(describe),
        parameters={"name": "{{item.value}}", "size": "{{item.order}}"},
        with_param=argo_enumerate(["a", "b"]),
    )
    wf = Workflow("enumerate")
    wf.add(step)
    wf.submit()
    assert wf.query_status() == "Succeeded", [s.message for s in wf.query_step()]
    assert sorted(s.outputs.parameters["text"].value for s in wf.query_step(name="enum")) == [
        "a:0",
        "b:1",
    ]


def test_dict_items() -> None:
    step = Step(
        "dict",
        PythonOPTemplate(describe),
        parameters={"name": "{{item.name}}", "size": "{{item.size}}"},
        with_param=[{"name": "x", "size": 1}, {"name": "y", "size": 2}],
    )
    wf = Workflow("dict-items")
    wf.add(step)
    wf.submit()
    names = sorted(s.displayName for s in wf.query_step(name="dict"))
    assert names == ["dict(0:name:x,size:1)", "dict(1:name:y,size:2)"]


def test_slices_stack_parameters_in_order() -> None:
    template = PythonOPTemplate(square, slices=Slices(input_parameter=["x"], output_parameter=["y"]))
    step = Step("sliced", template, parameters={"x": [3, 1, 2]}, with_param=argo_range(3))
    collect = Step("collect", PythonOPTemplate(total), parameters={"values": step.outputs.parameters["y"]})
    wf = Workflow("slices")
    wf.add(step)
    wf.add(collect)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    [node] = [n for n in wf.query().status.nodes.values() if n.displayName == "sliced(0:0)"]
    assert node.type == "Pod"
    assert wf.query_step(name="collect")[0].outputs.parameters["sum"].value == 14


@OP.function
def write_file(name: str) -> {"out": Artifact(Path)}:  # type: ignore[valid-type]
    path = Path(f"{name}.txt")
    path.write_text(name)
    return {"out": path}


@OP.function
def read_all(files: Artifact(List[Path])) -> {"joined": str}:  # type: ignore[valid-type]
    return {"joined": ",".join(Path(f).read_text() for f in files)}


@pytest.mark.parametrize("create_dir", [False, True])
def test_slices_stack_artifacts(create_dir: bool) -> None:
    template = PythonOPTemplate(
        write_file,
        slices=Slices(input_parameter=["name"], output_artifact=["out"], create_dir=create_dir),
    )
    step = Step("write", template, parameters={"name": ["c", "a", "b"]}, with_param=argo_range(3))
    read = Step("read", PythonOPTemplate(read_all), artifacts={"files": step.outputs.artifacts["out"]})
    wf = Workflow("stack-art")
    wf.add(step)
    wf.add(read)
    wf.submit()
    assert wf.query_status() == "Succeeded", [s.message for s in wf.query_step()]
    assert wf.query_step(name="read")[0].outputs.parameters["joined"].value == "c,a,b"


def test_slices_sub_path_over_input_artifacts(tmp_path: Path) -> None:
    for name in "xyz":
        Path(f"{name}.txt").write_text(name * 2)
    art = upload_artifact([Path("x.txt"), Path("y.txt"), Path("z.txt")])

    @OP.function
    def size(f: Artifact(Path), tag: str) -> {"n": int}:  # type: ignore[valid-type]
        return {"n": len(Path(f).read_text()) + len(tag)}

    template = PythonOPTemplate(
        size,
        slices=Slices(sub_path=True, input_artifact=["f"], input_parameter=["tag"], output_parameter=["n"]),
    )
    step = Step("size", template, artifacts={"f": art}, parameters={"tag": ["", "a", "bb"]})
    wf = Workflow("subpath")
    wf.add(step)
    wf.submit()
    assert wf.query_status() == "Succeeded", [s.message for s in wf.query_step()]
    assert len(wf.query_step(name="size", type="Pod")) == 3
    assert download_artifact(art, path=str(tmp_path / "d"))


def test_slices_group_size_runs_several_slices_per_pod() -> None:
    template = PythonOPTemplate(
        square, slices=Slices(input_parameter=["x"], output_parameter=["y"], group_size=2)
    )
    step = Step("grouped", template, parameters={"x": [1, 2, 3, 4, 5]}, with_param=argo_range(5))
    collect = Step("collect", PythonOPTemplate(total), parameters={"values": step.outputs.parameters["y"]})
    wf = Workflow("group-size")
    wf.add(step)
    wf.add(collect)
    wf.submit()
    assert wf.query_status() == "Succeeded", [s.message for s in wf.query_step()]
    assert len(wf.query_step(name="grouped", type="Pod")) == 3
    assert wf.query_step(name="collect")[0].outputs.parameters["sum"].value == 55


def test_slices_shuffle_keeps_output_order_by_slice() -> None:
    template = PythonOPTemplate(
        square,
        slices=Slices(
            input_parameter=["x"], output_parameter=["y"], shuffle=True, random_seed=7, group_size=2
        ),
    )
    step = Step("shuffled", template, parameters={"x": [1, 2, 3, 4]}, with_param=argo_range(4))
    wf = Workflow("shuffle")
    wf.add(step)
    wf.submit()
    assert wf.query_status() == "Succeeded"


def test_thousand_item_fanout_with_slices_stacks_in_order() -> None:
    n = 1000
    template = PythonOPTemplate(square, slices=Slices(input_parameter=["x"], output_parameter=["y"]))
    step = Step("big", template, parameters={"x": list(range(n))}, with_param=argo_range(n))
    collect = Step("collect", PythonOPTemplate(total), parameters={"values": step.outputs.parameters["y"]})
    wf = Workflow("thousand")
    wf.add(step)
    wf.add(collect)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="collect")[0].outputs.parameters["sum"].value == sum(i * i for i in range(n))
    group = next(n_ for n_ in wf.query().status.nodes.values() if n_.type == "StepGroup")
    assert len(group.children) == n


def test_item_list_that_is_not_a_list() -> None:
    @OP.function
    def not_a_list() -> {"items": str}:  # type: ignore[valid-type]
        return {"items": "oops"}

    make = Step("make", PythonOPTemplate(not_a_list))
    fan = Step(
        "fan",
        PythonOPTemplate(square),
        parameters={"x": "{{item}}"},
        with_param=make.outputs.parameters["items"],
    )
    wf = Workflow("not-a-list")
    wf.add(make)
    wf.add(fan)
    wf.submit()
    assert wf.query_status() in ("Failed", "Error")
    [node] = wf.query_step(name="fan")
    assert node.phase == "Error" and "'fan'" in node.message and "must be a list" in node.message
    with pytest.raises(Exception, match="with_param expects a list"):
        Step("bad", PythonOPTemplate(square), parameters={"x": 1}, with_param=5)


def test_slices_over_unequal_lengths() -> None:
    @OP.function
    def pair(a: int, b: int) -> {"c": int}:  # type: ignore[valid-type]
        return {"c": a + b}

    template = PythonOPTemplate(
        pair, slices=Slices(sub_path=True, input_parameter=["a", "b"], output_parameter=["c"])
    )
    wf = Workflow("unequal")
    wf.add(Step("pair", template, parameters={"a": [1, 2, 3], "b": [1, 2]}))
    wf.submit()
    [node] = wf.query_step(name="pair")
    assert node.phase == "Error"
    assert "unequal length" in node.message and "a has 3" in node.message and "b has 2" in node.message


def test_argo_sum_and_concat_over_stacked_outputs() -> None:
    from dflow_jupyter import argo_concat, argo_sum

    @OP.function
    def pair(x: int) -> {"pair": List[int]}:  # type: ignore[valid-type]
        return {"pair": [x, x]}

    @OP.function
    def show(total: float, flat: List[int]) -> {"text": str}:  # type: ignore[valid-type]
        return {"text": f"{total:g}:{flat}"}

    sq = Step("sq", PythonOPTemplate(square), parameters={"x": "{{item}}"}, with_param=[1, 2, 3])
    pairs = Step("pairs", PythonOPTemplate(pair), parameters={"x": "{{item}}"}, with_param=[1, 2])
    out = Step(
        "out",
        PythonOPTemplate(show),
        parameters={
            "total": argo_sum(sq.outputs.parameters["y"]),
            "flat": argo_concat(pairs.outputs.parameters["pair"]),
        },
    )
    wf = Workflow("sum-concat")
    wf.add([sq, pairs])
    wf.add(out)
    wf.submit()
    assert wf.query_step(name="out")[0].outputs.parameters["text"].value == "14:[1, 1, 2, 2]"


def test_argo_sum_over_sliced_outputs_and_concat_over_list_outputs() -> None:
    from dflow_jupyter import argo_concat, argo_sum

    @OP.function
    def pair(x: int) -> {"pair": List[int]}:  # type: ignore[valid-type]
        return {"pair": [x, x]}

    @OP.function
    def show(total: float, flat: List[int]) -> {"text": str}:  # type: ignore[valid-type]
        return {"text": f"{total:g}:{flat}"}

    # Slices stack the values themselves (dflow's merge), so they sum as numbers; list outputs
    # aggregate to a list of lists (Argo's aggregatedJSONValueList), so they flatten.
    sliced = PythonOPTemplate(square, slices=Slices(input_parameter=["x"], output_parameter=["y"]))
    sq = Step("sq", sliced, parameters={"x": [1, 2, 3]}, with_param=argo_range(3))
    pairs = Step("pairs", PythonOPTemplate(pair), parameters={"x": "{{item}}"}, with_param=[1, 2])
    out = Step(
        "out",
        PythonOPTemplate(show),
        parameters={
            "total": argo_sum(sq.outputs.parameters["y"]),
            "flat": argo_concat(pairs.outputs.parameters["pair"]),
        },
    )
    wf = Workflow("sum-concat-sliced")
    wf.add([sq, pairs])
    wf.add(out)
    wf.submit()
    assert wf.query_step(name="out")[0].outputs.parameters["text"].value == "14:[1, 1, 2, 2]"

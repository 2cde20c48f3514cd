"""A fan-out's aggregated output parameters follow Argo's ``aggregatedJSONValueList``."""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

from dflow_jupyter import (
    DAG,
    InputParameter,
    OutputParameter,
    ShellOPTemplate,
    Step,
    Task,
    Workflow,
    argo_sequence,
)
from dflow_jupyter.engine.aggregate import aggregated_json_value_list
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.status.wire import ParameterTypeError, coerce_parameter


@OP.function
def square(x: int) -> {"y": int}:  # type: ignore[valid-type]
    if x < 0:
        raise ValueError("negative")
    return {"y": x * x}


@OP.function
def label(x: str) -> {"text": str}:  # type: ignore[valid-type]
    return {"text": f"<{x}>"}


@OP.function
def record(x: int) -> {"rec": dict}:  # type: ignore[valid-type]
    return {"rec": {"b": x, "a": "s"}}


@OP.function
def pair(x: int) -> {"pair": List[int]}:  # type: ignore[valid-type]
    return {"pair": [x, x * 10]}


@OP.function
def raw(values: str) -> {"out": str}:  # type: ignore[valid-type]
    return {"out": values}


@OP.function
def strings(values: List[str]) -> {"out": str}:  # type: ignore[valid-type]
    return {"out": json.dumps(values)}


@OP.function
def ints(values: List[int]) -> {"out": str}:  # type: ignore[valid-type]
    return {"out": json.dumps(values)}


@OP.function
def records(values: List[Dict[str, Any]]) -> {"out": str}:  # type: ignore[valid-type]
    return {"out": json.dumps(values)}


@OP.function
def pairs(values: List[List[int]]) -> {"out": str}:  # type: ignore[valid-type]
    return {"out": json.dumps(values)}


def consumers(source: Any, *ops: Any) -> list[Step]:
    return [Step(op.__name__, PythonOPTemplate(op), parameters={"values": source}) for op in ops]


def run_steps(name: str, *groups: Any) -> Workflow:
    wf = Workflow(name)
    for group in groups:
        wf.add(group)
    wf.submit()
    assert wf.query_status() == "Succeeded", [(s.displayName, s.message) for s in wf.query_step()]
    return wf


def out(wf: Workflow, step: str) -> Any:
    [node] = wf.query_step(name=step)
    return node.outputs.parameters["out"].value


def test_int_outputs_aggregate_to_a_list_of_strings() -> None:
    sq = Step("sq", PythonOPTemplate(square), parameters={"x": "{{item}}"}, with_param=[2, 0, 5])
    wf = run_steps("agg-int", sq, consumers(sq.outputs.parameters["y"], raw, strings, ints))
    # Argo: the items' output strings, as a Go-encoded JSON list.
    assert out(wf, "raw") == '["4","0","25"]'
    # dflow decodes that for a List[str] input...
    assert json.loads(out(wf, "strings")) == ["4", "0", "25"]
    # ...and the debug engine decodes the elements for a List[int] one (dflow would refuse them).
    assert json.loads(out(wf, "ints")) == [4, 0, 25]


def test_dag_task_outputs_and_templated_references() -> None:
    sq = Task("sq", PythonOPTemplate(square), parameters={"x": "{{item}}"}, with_sequence=argo_sequence(3))
    by_ref = Task("ints", PythonOPTemplate(ints), parameters={"values": sq.outputs.parameters["y"]})
    by_text = Task(
        "raw",
        PythonOPTemplate(raw),
        parameters={"values": "{{tasks.sq.outputs.parameters.y}}"},
        dependencies=[sq],
    )
    dag = DAG("agg-dag")
    dag.add([sq, by_ref, by_text])
    wf = Workflow("agg-dag", dag=dag)
    wf.submit()
    assert wf.query_status() == "Succeeded", [(s.displayName, s.message) for s in wf.query_step()]
    assert out(wf, "raw") == '["0","1","4"]'
    assert json.loads(out(wf, "ints")) == [0, 1, 4]
    group = next(n for n in wf.query().status.nodes.values() if n.type == "TaskGroup")
    [entry] = group.outputs["parameters"]
    assert entry["value"] == '["0","1","4"]'


def test_str_outputs_are_go_json_escaped() -> None:
    lab = Step("lab", PythonOPTemplate(label), parameters={"x": "{{item}}"}, with_param=["a&b", "3", "é"])
    wf = run_steps("agg-str", lab, consumers(lab.outputs.parameters["text"], raw, strings))
    # Go's json.Marshal escapes <, > and & and writes other characters as they are.
    assert out(wf, "raw") == '["\\u003ca\\u0026b\\u003e","\\u003c3\\u003e","\\u003cé\\u003e"]'
    assert json.loads(out(wf, "strings")) == ["<a&b>", "<3>", "<é>"]


def test_dict_outputs_are_embedded_as_json() -> None:
    rec = Step("rec", PythonOPTemplate(record), parameters={"x": "{{item}}"}, with_param=[1, 2])
    wf = run_steps("agg-dict", rec, consumers(rec.outputs.parameters["rec"], raw, records))
    # Decoded and re-encoded as Go does: compact, keys sorted.
    assert out(wf, "raw") == '[{"a":"s","b":1},{"a":"s","b":2}]'
    assert json.loads(out(wf, "records")) == [{"a": "s", "b": 1}, {"a": "s", "b": 2}]


def test_list_outputs_are_embedded_as_json() -> None:
    pr = Step("pr", PythonOPTemplate(pair), parameters={"x": "{{item}}"}, with_param=[1, 2])
    wf = run_steps("agg-list", pr, consumers(pr.outputs.parameters["pair"], raw, pairs))
    assert out(wf, "raw") == "[[1,10],[2,20]]"
    assert json.loads(out(wf, "pairs")) == [[1, 10], [2, 20]]


def test_empty_fanout_aggregates_to_an_empty_list() -> None:
    # Argo leaves the reference unresolved here; the debug engine gives the empty list.
    sq = Step("sq", PythonOPTemplate(square), parameters={"x": "{{item}}"}, with_param=[])
    wf = run_steps("agg-empty", sq, consumers(sq.outputs.parameters["y"], raw, ints))
    assert out(wf, "raw") == "[]"
    assert json.loads(out(wf, "ints")) == []
    [skipped] = wf.query_step(name="sq")
    assert skipped.phase == "Skipped"


def test_empty_dag_fanout_aggregates_to_an_empty_list() -> None:
    sq = Task("sq", PythonOPTemplate(square), parameters={"x": "{{item}}"}, with_param=[])
    use = Task("raw", PythonOPTemplate(raw), parameters={"values": sq.outputs.parameters["y"]})
    dag = DAG("agg-empty-dag")
    dag.add([sq, use])
    wf = Workflow("agg-empty-dag", dag=dag)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert out(wf, "raw") == "[]"


def test_only_succeeded_items_are_aggregated() -> None:
    sq = Step(
        "sq",
        PythonOPTemplate(square),
        parameters={"x": "{{item}}"},
        with_param=[1, -1, 3],
        continue_on_num_success=2,
    )
    wf = run_steps("agg-failed", sq, consumers(sq.outputs.parameters["y"], raw))
    assert out(wf, "raw") == '["1","9"]'


def sleepy_template() -> ShellOPTemplate:
    t = ShellOPTemplate(
        name="sleepy",
        image="alpine",
        script="sleep {{inputs.parameters.delay}}\n"
        "echo {{inputs.parameters.x}} > /tmp/x.txt\n"
        "date +%s.%N > /tmp/done.txt\n",
    )
    t.inputs.parameters = {"x": InputParameter(), "delay": InputParameter()}
    t.outputs.parameters = {
        "x": OutputParameter(value_from_path="/tmp/x.txt"),
        "done": OutputParameter(value_from_path="/tmp/done.txt"),
    }
    return t


def test_item_order_holds_when_items_finish_out_of_order() -> None:
    items = [{"x": "a", "delay": 0.8}, {"x": "b", "delay": 0.4}, {"x": "c", "delay": 0}]
    fan = Step(
        "fan", sleepy_template(), parameters={"x": "{{item.x}}", "delay": "{{item.delay}}"}, with_param=items
    )
    wf = run_steps("agg-order", fan, consumers(fan.outputs.parameters["x"], raw))
    # The scripts run in parallel and finish c, b, a; the aggregate keeps the items' order.
    assert out(wf, "raw") == '["a","b","c"]'
    done = {
        s.outputs.parameters["x"].value: float(s.outputs.parameters["done"].value)
        for s in wf.query_step(name="fan", type="Pod")
    }
    assert done["a"] > done["b"] > done["c"]


# -- the encoding itself -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        # Argo's own table (TestAggregatedJsonValueList in workflow/controller).
        (["1"], '["1"]'),
        (["1", "2"], '["1","2"]'),
        (["foo"], '["foo"]'),
        (["foo", "bar"], '["foo","bar"]'),
        (['["1"]', "2"], '["[\\"1\\"]","2"]'),
        (['{"foo":"1"}', "2"], '["{\\"foo\\":\\"1\\"}","2"]'),
        (['["1"]', '["2"]'], '[["1"],["2"]]'),
        ([' ["1"]', '["2"] '], '[["1"],["2"]]'),
        (['\n["1"]  \n', '\t["2"]\t'], '[["1"],["2"]]'),
        (['{"number":"1"}', '{"number":"2"}'], '[{"number":"1"},{"number":"2"}]'),
        (['[{"foo":"apple", "bar":"pear"}]'], '[[{"bar":"pear","foo":"apple"}]]'),
        # Decoded numbers are float64 to Go.
        (['{"x": 1.0}', '{"x": 2.50}'], '[{"x":1},{"x":2.5}]'),
        (["[1e-7, 0.00001, 1e20, 1e21, -0.0]"], "[[1e-7,0.00001,100000000000000000000,1e+21,-0]]"),
        (["[12345678901234567890]"], "[[12345678901234567000]]"),
        # What Go cannot decode stays a string.
        (["[NaN]", "[1]"], '["[NaN]","[1]"]'),
        (["[1e400]"], '["[1e400]"]'),
        (["true", "null"], '["true","null"]'),
        (["a<b>&c", "\u2028"], '["a\\u003cb\\u003e\\u0026c","\\u2028"]'),
    ],
)
def test_aggregated_json_value_list(texts: list[str], expected: str) -> None:
    assert aggregated_json_value_list(texts) == expected


def test_op_inputs_decode_string_elements_only_when_needed() -> None:
    assert coerce_parameter('["4","0"]', List[str], where="x") == ["4", "0"]
    assert coerce_parameter('["4","0"]', List[int], where="x") == [4, 0]
    assert coerce_parameter(["2.5", "1"], List[float], where="x") == [2.5, 1]
    assert coerce_parameter('["4","0"]', list, where="x") == ["4", "0"]
    assert coerce_parameter('["4","0"]', str, where="x") == '["4","0"]'
    with pytest.raises(ParameterTypeError):
        coerce_parameter('["4","x"]', List[int], where="x")
    with pytest.raises(ParameterTypeError):
        coerce_parameter("[1, 2]", List[str], where="x")

"""A corpus of invalid definitions and values, each of which must be refused before anything runs.

Every case is a function that builds (and, where the fault is only visible then, submits) a
workflow; ``test_invalid_corpus.py`` runs each one and checks the error: the project's type, a
message naming the OP/step/template, the field, what was expected and what was got, and that
nothing ran and nothing was written. ``expect`` lists the words the message must contain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dflow_jupyter import (
    DAG,
    Executor,
    InputParameter,
    Inputs,
    Outputs,
    ShellOPTemplate,
    Step,
    Steps,
    Task,
    Workflow,
    argo_range,
    argo_sequence,
    set_config,
    set_s3_config,
)
from dflow_jupyter.python import (
    OP,
    OPIO,
    Artifact,
    OPIOSign,
    PythonOPTemplate,
    Slices,
)

#: Names of the OPs that ran; the corpus test asserts it stays empty.
ran: list[str] = []


@dataclass(frozen=True)
class Case:
    """One invalid definition: its id, its category, how to build it, what the error must say."""

    id: str
    category: str
    build: Callable[[], Any]
    expect: tuple[str, ...]


CASES: list[Case] = []


def case(
    category: str, *expect: str, id: str | None = None
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def register(build: Callable[[], Any]) -> Callable[[], Any]:
        CASES.append(Case(id or build.__name__.strip("_"), category, build, expect))
        return build

    return register


def cases(category: str, id: str, build: Callable[[Any], Any], table: list[tuple[Any, ...]]) -> None:
    """Register one case per row: ``build(value)`` must fail; the rest of the row is ``expect``."""
    for n, (value, *expect) in enumerate(table):
        CASES.append(Case(f"{id}-{n}", category, lambda v=value: build(v), tuple(expect)))


# -- the OPs the cases use ------------------------------------------------------------------


@OP.function
def add(a: int, b: int) -> {"sum": int}:  # type: ignore[valid-type]
    ran.append("add")
    return {"sum": a + b}


@OP.function
def scale(x: float, flag: bool, names: list[str], table: dict[str, int]) -> {"y": float}:  # type: ignore[valid-type]
    ran.append("scale")
    return {"y": x}


@OP.function
def read(f: Artifact(Path)) -> {"n": int}:  # type: ignore[valid-type]
    ran.append("read")
    return {"n": 0}


@OP.function
def listing() -> {"items": list[int]}:  # type: ignore[valid-type]
    ran.append("listing")
    return {"items": [1, 2]}


def add_step(name: str = "s", **kw: Any) -> Step:
    params = kw.pop("parameters", {"a": 1, "b": 2})
    return Step(name, PythonOPTemplate(add), parameters=params, **kw)


def add_task(name: str = "t", **kw: Any) -> Task:
    params = kw.pop("parameters", {"a": 1, "b": 2})
    return Task(name, PythonOPTemplate(add), parameters=params, **kw)


def submit(*steps: Any, name: str = "corpus") -> None:
    wf = Workflow(name)
    for s in steps:
        wf.add(s)
    wf.submit()


def submit_dag(*tasks: Task, name: str = "corpus") -> None:
    dag = DAG("corpus-dag")
    dag.add(list(tasks))
    Workflow(name, dag=dag).submit()


def shell(**kw: Any) -> ShellOPTemplate:
    return ShellOPTemplate(name="sh", image="alpine", script="echo hi", **kw)


# -- OP signatures: literal values against declared types ------------------------------------

cases(
    "literal types",
    "literal",
    lambda v: Step("s", PythonOPTemplate(add), parameters={"a": v, "b": 1}),
    [
        ("abc", "'s'", "'a'", "int", "'abc'"),
        (None, "'s'", "'a'", "int", "None"),
        (1.5, "'s'", "'a'", "int", "1.5"),
        ([1], "'s'", "'a'", "int", "[1]"),
        ({"x": 1}, "'s'", "'a'", "int", "'x'"),
        ("1.0", "'s'", "'a'", "int", "float (1.0)"),
        ("", "'s'", "'a'", "int", "''"),
    ],
)
cases(
    "literal types",
    "literal-nested",
    lambda kv: Step(
        "s",
        PythonOPTemplate(scale),
        parameters={"x": 1.0, "flag": True, "names": ["a"], "table": {"k": 1}, **kv},
    ),
    [
        ({"x": "fast"}, "'s'", "'x'", "float", "'fast'"),
        ({"x": None}, "'s'", "'x'", "float", "None"),
        ({"flag": "yes"}, "'s'", "'flag'", "bool", "'yes'"),
        ({"flag": 2}, "'s'", "'flag'", "bool", "2"),
        ({"names": "a"}, "'s'", "'names'", "list", "'a'"),
        ({"names": [1, 2]}, "'s'", "'names'", "str", "1"),
        ({"names": None}, "'s'", "'names'", "list", "None"),
        ({"table": [1]}, "'s'", "'table'", "dict", "[1]"),
        ({"table": {"k": "v"}}, "'s'", "'table'", "int", "'v'"),
        ({"table": {1: 1}}, "'s'", "'table'", "str", "1"),
    ],
)

# -- OP signatures: inputs that are missing, unknown, or of the wrong kind -------------------


@case("OP inputs", "'s'", "missing input parameter 'b'")
def missing_parameter() -> None:
    Step("s", PythonOPTemplate(add), parameters={"a": 1})


@case("OP inputs", "'s'", "'c'", "'a', 'b'")
def unknown_parameter() -> None:
    Step("s", PythonOPTemplate(add), parameters={"a": 1, "b": 2, "c": 3})


@case("OP inputs", "'s'", "'f'", "missing input artifact")
def missing_artifact() -> None:
    Step("s", PythonOPTemplate(read))


@case("OP inputs", "'s'", "'f'", "upload_artifact")
def string_for_artifact() -> None:
    Step("s", PythonOPTemplate(read), artifacts={"f": "data.txt"})


@case("OP inputs", "'s'", "'g'", "'f'")
def unknown_artifact() -> None:
    Step("s", PythonOPTemplate(read), artifacts={"g": "data.txt"})


@case("OP inputs", "'s'", "'f'", "artifact")
def artifact_given_as_parameter() -> None:
    Step("s", PythonOPTemplate(read), parameters={"f": "data.txt"})


@case("OP inputs", "'s'", "'a'", "parameter")
def parameter_given_as_artifact() -> None:
    Step("s", PythonOPTemplate(add), parameters={"b": 1}, artifacts={"a": 1})


@case("OP inputs", "'s'", "'nope'", "'sum'")
def unknown_output_read() -> None:
    add_step().outputs.parameters["nope"]


# -- OP signatures: the declarations themselves ----------------------------------------------


class _SignOP(OP):
    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"x": cls.sign_type})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        ran.append(type(self).__name__)
        return OPIO({"y": 1})

    sign_type: Any = int


def _op_with_sign(sign: Any) -> Any:
    return type("BadSignOP", (_SignOP,), {"sign_type": sign})


cases(
    "OP signatures",
    "sign",
    lambda sign: PythonOPTemplate(_op_with_sign(sign)),
    [
        ("int", "BadSignOP", "'x'", "type", "'int'"),
        (3, "BadSignOP", "'x'", "type", "3"),
    ],
)


@case("OP signatures", "Artifact(int)", "allowed artifact type", "Path")
def artifact_of_non_path_type() -> None:
    Artifact("int")  # type: ignore[arg-type]


@case("OP signatures", "PythonOPTemplate", "OP class", "str ('add')")
def template_of_a_non_op() -> None:
    PythonOPTemplate("add")  # type: ignore[arg-type]


# -- templates ---------------------------------------------------------------------------------

cases(
    "templates",
    "template-timeout",
    lambda v: PythonOPTemplate(add, timeout=v),
    [
        (-1, "'add'", "timeout", "positive", "-1"),
        (0, "'add'", "timeout", "positive", "0"),
        ("ten minutes", "'add'", "timeout", "seconds", "'ten minutes'"),
        (True, "'add'", "timeout", "seconds", "True"),
        ("-5s", "'add'", "timeout", "positive", "'-5s'"),
    ],
)
cases(
    "templates",
    "shell-timeout",
    lambda v: shell(timeout=v),
    [(-3, "'sh'", "timeout", "positive", "-3"), ("3x", "'sh'", "timeout", "seconds", "'3x'")],
)
cases(
    "templates",
    "retries",
    lambda kv: PythonOPTemplate(add, **kv),
    [
        ({"retry_on_failure": -1}, "'add'", "retry_on_failure", "non-negative int", "-1"),
        ({"retry_on_error": "3"}, "'add'", "retry_on_error", "non-negative int", "'3'"),
        ({"retry_on_failure_and_error": True}, "'add'", "retry_on_failure_and_error", "int", "True"),
        ({"retry_on_failure": 1.5}, "'add'", "retry_on_failure", "non-negative int", "1.5"),
    ],
)
cases(
    "templates",
    "shell-retries",
    lambda v: shell(retry_strategy=v),
    [
        ({"limit": -2}, "'sh'", "retry_strategy", "non-negative int", "-2"),
        ({"limit": "x"}, "'sh'", "retry_strategy", "non-negative int", "'x'"),
        ({"limit": 1, "retryPolicy": "Sometimes"}, "'sh'", "retry policy", "OnFailure", "'Sometimes'"),
    ],
)
cases(
    "templates",
    "transient-retries",
    lambda v: PythonOPTemplate(add, retry_on_transient_error=v),
    [
        (-1, "'add'", "retry_on_transient_error", "non-negative int", "-1"),
        ("2", "'add'", "retry_on_transient_error", "non-negative int", "'2'"),
    ],
)
cases(
    "templates",
    "template-name",
    lambda v: PythonOPTemplate(add, name=v),
    [
        ("my_op", "OP template name", "'my_op'", "alphanumeric"),
        ("op\n", "OP template name", "'op\\n'", "alphanumeric"),
    ],
)
cases(
    "templates",
    "shell-name",
    lambda v: ShellOPTemplate(name=v, image="alpine", script="echo"),
    [("a.b", "OP template name", "'a.b'", "alphanumeric"), ("x" * 129, "OP template name", "128")],
)


@case("templates", "output parameter 'x'", "OutputParameter(...)", "int (3)")
def shell_inputs_not_declarations() -> None:
    shell(outputs=Outputs(parameters={"x": 3}))


@case("templates", "'bad name'", "parameter name", "alphanumeric")
def shell_input_name_with_space() -> None:
    shell(inputs=Inputs(parameters={"bad name": InputParameter()}))


@case("templates", "'sh'", "script", "str", "int")
def shell_script_not_text() -> None:
    ShellOPTemplate(name="sh", image="alpine", script=42)  # type: ignore[arg-type]


@case("templates", "'sh'", "command", "str", "int")
def shell_command_not_text() -> None:
    ShellOPTemplate(name="sh", image="alpine", script="echo", command=[1, 2])  # type: ignore[list-item]


@case("templates", "'s'", "template", "OP template", "str")
def step_of_a_string() -> None:
    Step("s", "add")  # type: ignore[arg-type]


@case("templates", "'s'", "unexpected", "colour")
def step_unknown_argument() -> None:
    Step("s", PythonOPTemplate(add), parameters={"a": 1, "b": 2}, colour="red")


# -- Steps, DAG and Task wiring ------------------------------------------------------------


@case("wiring", "'corpus-dag'", "dependency cycle", "a -> b -> a")
def dag_cycle() -> None:
    a = add_task("a")
    b = add_task("b", parameters={"a": a.outputs.parameters["sum"], "b": 1})
    a.dependencies.append(b)
    submit_dag(a, b)


@case("wiring", "'corpus-dag'", "dependency cycle", "a -> a")
def dag_self_dependency() -> None:
    a = add_task("a")
    a.dependencies.append(a)
    submit_dag(a)


@case("wiring", "'user'", "'stray'", "not part of")
def reference_outside_the_workflow() -> None:
    stray = add_step("stray")
    submit(add_step("user", parameters={"a": stray.outputs.parameters["sum"], "b": 1}))


@case("wiring", "'b'", "'a'", "same or a later group")
def reference_to_parallel_sibling() -> None:
    a = add_step("a")
    submit([a, add_step("b", parameters={"a": a.outputs.parameters["sum"], "b": 1})])


@case("wiring", "'a'", "'b'", "same or a later group")
def reference_to_later_step() -> None:
    b = add_step("b")
    a = add_step("a", parameters={"a": b.outputs.parameters["sum"], "b": 1})
    submit(a, b)


@case("wiring", "'t'", "'stray'", "not a task of")
def dag_dependency_outside_the_dag() -> None:
    stray = add_task("stray")
    submit_dag(add_task("t", dependencies=[stray]))


@case("wiring", "'t'", "'stray'", "not part of")
def dag_reference_outside_the_dag() -> None:
    stray = add_task("stray")
    submit_dag(add_task("t", parameters={"a": stray.outputs.parameters["sum"], "b": 1}))


@case("wiring", "'s'", "twice")
def same_step_added_twice() -> None:
    s = add_step("s")
    submit(s, s)


@case("wiring", "duplicate step name 's'")
def same_step_twice_in_one_group() -> None:
    s = add_step("s")
    submit([s, s])


@case("wiring", "duplicate", "'s'")
def two_steps_of_one_name() -> None:
    submit(add_step("s"), add_step("s"))


@case("wiring", "duplicate", "'t'")
def two_tasks_of_one_name() -> None:
    submit_dag(add_task("t"), add_task("t"))


@case("wiring", "'t'", "Task", "use Step")
def task_in_steps() -> None:
    Steps("group").add(add_task("t"))


@case("wiring", "'s'", "use Task")
def step_in_dag() -> None:
    DAG("d").add(add_step("s"))  # type: ignore[arg-type]


@case("wiring", "'group'", "Step", "str ('s')")
def string_in_steps() -> None:
    Steps("group").add("s")  # type: ignore[arg-type]


@case("wiring", "'corpus'", "no steps")
def empty_workflow() -> None:
    Workflow("corpus").submit()


@case("wiring", "'corpus'", "steps or dag")
def steps_and_dag() -> None:
    Workflow("corpus", steps=Steps("a"), dag=DAG("b"))


# -- names and keys -------------------------------------------------------------------------

cases(
    "names",
    "workflow-name",
    Workflow,
    [
        ("Hello", "workflow name", "'Hello'", "lower case", "'hello'"),
        ("wf\n", "workflow name", "'wf\\n'", "lower case"),
        ("wf ", "workflow name", "'wf '", "lower case"),
        ("under_score", "workflow name", "'under_score'", "lower case"),
        ("x" * 58, "workflow name", "57 characters"),
        ("-lead", "workflow name", "'-lead'", "starting and ending"),
        ("trail.", "workflow name", "'trail.'", "starting and ending"),
        ("", "workflow name", "''", "lower case"),
    ],
)
cases(
    "names",
    "step-name",
    lambda v: add_step(v),
    [
        ("a_b", "step name", "'a_b'", "alphanumeric characters or '-'", "'a-b'"),
        ("step\n", "step name", "'step\\n'", "alphanumeric"),
        ("\tstep", "step name", "'\\tstep'", "alphanumeric"),
        ("dot.ted", "step name", "'dot.ted'", "alphanumeric"),
        ("x" * 129, "step name", "128 characters"),
        ("-lead", "step name", "'-lead'", "starting with an alphanumeric"),
        ("ünï", "step name", "'ünï'", "alphanumeric"),
        (3, "step name", "3", "alphanumeric"),
    ],
)
cases(
    "names",
    "task-name",
    lambda v: add_task(v),
    [("a b", "task name", "'a b'", "alphanumeric"), ("t\n", "task name", "'t\\n'", "alphanumeric")],
)
cases(
    "names",
    "key",
    lambda v: add_step("s", key=v),
    [
        ("Upper", "key of step 's'", "'Upper'", "lower case", "'upper'"),
        ("key\n", "key of step 's'", "'key\\n'", "lower case"),
        ("a_b", "key of step 's'", "'a_b'", "lower case", "'a-b'"),
        ("k" * 254, "key of step 's'", "253 characters"),
        ("-k", "key of step 's'", "'-k'", "starting and ending"),
        ("", "key of step 's'", "''", "lower case"),
    ],
)


cases(
    "names",
    "io-name",
    lambda v: Inputs(parameters={v: InputParameter()}),
    [
        ("a b", "parameter name", "'a b'", "alphanumeric characters, '_' or '-'"),
        ("a.b", "parameter name", "'a.b'", "alphanumeric"),
        ("x\n", "parameter name", "'x\\n'", "alphanumeric"),
        ("", "parameter name", "''", "alphanumeric"),
    ],
)
cases(
    "names",
    "workflow-id",
    lambda v: Workflow(id=v).query_status(),
    [
        ("../../x", "workflow id", "'../../x'", "lower case"),
        ("/etc", "workflow id", "'/etc'", "lower case"),
        ("wf-abc\n", "workflow id", "'wf-abc\\n'", "lower case"),
        ("WF-ABC", "workflow id", "'WF-ABC'", "lower case"),
        ("x" * 64, "workflow id", "63 characters"),
    ],
)


# -- with_param, with_sequence and Slices ------------------------------------------------------

cases(
    "fan-out",
    "with-param",
    lambda v: add_step("s", parameters={"a": "{{item}}", "b": 1}, with_param=v),
    [
        ("1,2,3", "'s'", "with_param", "JSON list", "'1,2,3'"),
        ('{"a": 1}', "'s'", "with_param", "JSON list", '{"a": 1}'),
        (5, "'s'", "with_param", "list", "5"),
        (3.5, "'s'", "with_param", "list", "3.5"),
        ("[1, 2", "'s'", "with_param", "JSON list", "'[1, 2'"),
    ],
)


@case("fan-out", "argo_sequence", "count or end")
def sequence_count_and_end() -> None:
    argo_sequence(count=3, end=5)


@case("fan-out", "'s'", "with_sequence", "with_param")
def with_param_and_with_sequence() -> None:
    add_step("s", parameters={"a": "{{item}}", "b": 1}, with_param=[1], with_sequence=argo_sequence(2))


@case("fan-out", "'s'", "with_sequence", "argo_sequence", "list ([1, 2])")
def with_sequence_of_a_list() -> None:
    add_step("s", parameters={"a": "{{item}}", "b": 1}, with_sequence=[1, 2])


@case("fan-out", "argo_range", "ints", "str ('three')")
def range_of_text() -> None:
    argo_range("three")


@case("fan-out", "argo_range", "1-3 arguments", "4")
def range_of_four_arguments() -> None:
    argo_range(1, 2, 3, 4)


cases(
    "fan-out",
    "slices",
    lambda kv: Slices(input_parameter=["a"], **kv),
    [
        ({"group_size": 0}, "Slices", "group_size", "positive int", "0"),
        ({"group_size": "2"}, "Slices", "group_size", "positive int", "'2'"),
        ({"pool_size": 0}, "Slices", "pool_size", "positive int or -1", "0"),
        ({"pool_size": -2}, "Slices", "pool_size", "positive int or -1", "-2"),
    ],
)


@case("fan-out", "'s'", "sliced input parameter 'a'", "list", "int (1)")
def sliced_parameter_not_a_list() -> None:
    t = PythonOPTemplate(add, slices=Slices(input_parameter=["a"]))
    Step("s", t, parameters={"a": 1, "b": 2}, with_param=argo_range(2))


@case("fan-out", "'add'", "Slices input_parameter", "'c'", "'a', 'b'")
def slices_of_an_unknown_input() -> None:
    t = PythonOPTemplate(add, slices=Slices(input_parameter=["c"]))
    Step("s", t, parameters={"a": 1, "b": 2}, with_param=argo_range(1))


# -- when and expressions -------------------------------------------------------------------

cases(
    "expressions",
    "when",
    lambda v: submit(add_step("s", when=v)),
    [
        ("1 ==", "'s'", "when", "'1 =='"),
        ("(1 == 1", "'s'", "when", "'(1 == 1'"),
        ("1 === 1", "'s'", "when", "'1 === 1'"),
        ("'abc", "'s'", "when", "Unclosed string literal", "'abc"),
        ("{{steps.x.outputs.parameters.y}} == 1", "'s'", "steps.x", "not a step of template 'corpus'"),
        ("{{inputs.parameters.a", "'s'", "when", "{{"),
        ("1 > > 2", "'s'", "when", "'1 > > 2'"),
    ],
)
cases(
    "expressions",
    "exprlang",
    lambda v: submit(add_step("s", parameters={"a": v, "b": 1})),
    [
        ("{{=1 +}}", "'s'", "'a'", "1 +"),
        ("{{=asInt(}}", "'s'", "'a'", "asInt("),
        ("{{=nosuch(1)}}", "'s'", "'a'", "nosuch"),
        ("{{=sprig.nosuch('x')}}", "'s'", "'a'", "nosuch"),
        ("{{=1 ? 2}}", "'s'", "'a'", "1 ? 2"),
        ('{{="abc}}', "'s'", "'a'", "abc"),
    ],
)


# -- parallelism, continue_on, executors ------------------------------------------------------

cases(
    "step options",
    "options",
    lambda kv: submit(add_step("s", **kv)),
    [
        ({"continue_on_success_ratio": 1.5}, "'s'", "continue_on_success_ratio", "[0, 1]", "1.5"),
        ({"continue_on_success_ratio": "half"}, "'s'", "continue_on_success_ratio", "[0, 1]", "'half'"),
        ({"continue_on_num_success": -1}, "'s'", "continue_on_num_success", "non-negative int", "-1"),
        ({"parallelism": 0}, "'s'", "parallelism", "positive int", "0"),
        ({"parallelism": "2"}, "'s'", "parallelism", "positive int", "'2'"),
        ({"when": 3}, "'s'", "when", "string", "3"),
    ],
)


class _NoTemplate(Executor):
    def render(self, template: Any) -> Any:
        return None


@case("step options", "'s'", "executor", "Executor", "str")
def executor_of_a_string() -> None:
    submit(add_step("s", executor="slurm"))


@case("step options", "'corpus'", "parallelism", "positive int", "-1")
def workflow_parallelism() -> None:
    wf = Workflow("corpus", parallelism=-1)
    wf.add(add_step("s"))
    wf.submit()


# -- artifacts ------------------------------------------------------------------------------


@case("artifacts", "nope.txt")
def upload_missing_file() -> None:
    from dflow_jupyter import upload_artifact

    upload_artifact("nope.txt")


def _uploaded() -> Any:
    from dflow_jupyter import upload_artifact

    Path("data.txt").write_text("x")
    return upload_artifact("data.txt")


cases(
    "artifacts",
    "sub-path",
    lambda v: _uploaded().sub_path(v),
    [
        ("../x", "sub_path()", "sub-path '../x'", "relative path inside it"),
        ("/etc/passwd", "sub_path()", "sub-path '/etc/passwd'", "relative path inside it"),
        ("a/../../b", "sub_path()", "sub-path 'a/../../b'", "relative path inside it"),
        ("", "sub_path()", "sub-path ''", "relative path inside it"),
    ],
)


# -- settings -------------------------------------------------------------------------------


@case("config", "set_config", "'modee'", "known keys")
def unknown_config_key() -> None:
    set_config(modee="debug")


@case("config", "set_s3_config", "'endpointt'", "known keys")
def unknown_s3_config_key() -> None:
    set_s3_config(endpointt="x")


@case("config", "mode", "'debugg'", "debug")
def unknown_mode() -> None:
    set_config(mode="debugg")
    submit(add_step("s"))


@case("config", "debug_isolation", "'threads'", "inprocess")
def unknown_isolation() -> None:
    set_config(debug_isolation="threads")
    submit(add_step("s"))

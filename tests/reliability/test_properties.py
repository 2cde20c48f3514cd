"""Property-based tests of the expression languages and of name validation (hypothesis).

* Arbitrary text and soups of real tokens, given to every entry point of ``dflow_jupyter.expr``
  (expr-lang, govaluate ``when``, Argo template tags, sprig, jsonpath), either evaluate or raise
  ``ExpressionError``: never an ``IndexError``, ``RecursionError``... leaking out, and sizes are
  bounded so that nothing can hang.
* Well-formed arithmetic, comparison and boolean trees evaluate as Python evaluates the same
  tree (an oracle), in expr-lang and in govaluate; string literals round-trip with escapes.
* Names: what ``dflow_jupyter.names`` accepts is exactly what Argo's documented rules accept (an
  oracle written here from those rules, character by character, not from the module's
  regular expressions); every refusal quotes the name and states the rule.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from reliability_flows import LONG

from dflow_jupyter import names
from dflow_jupyter.errors import InvalidNameError
from dflow_jupyter.expr import (
    ExpressionError,
    check_expression,
    check_template,
    check_when,
    evaluate_expression,
    evaluate_when,
    render_template,
)
from dflow_jupyter.expr.sprig.registry import SPRIG

EXAMPLES = 2000 if LONG else 150
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_tally: dict[str, int] = {}


def _count(name: str) -> None:
    _tally[name] = _tally.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> Any:
    yield
    # The figures of the reliability conftest (a function-scoped fixture cannot be used here).
    for plugin in request.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", "").endswith("reliability/conftest.py"):
            plugin._figures.append({"test": "test_properties", **dict(sorted(_tally.items()))})


SCOPE: dict[str, Any] = {
    "inputs": {"parameters": {"x": "3", "s": 'héllo "w" \\ {{x}}', "list": "[1, 2, 3]"}},
    "steps": {"a": {"outputs": {"parameters": {"y": '{"k": [1, 2]}'}, "result": "heads"}}},
    "workflow": {"name": "wf-abc", "status": "Succeeded"},
}


def _only_expression_errors(run: Callable[[], Any]) -> None:
    try:
        run()
    except ExpressionError:
        pass


# -- 1. nothing but ExpressionError, whatever the text ------------------------------------------

TOKENS = [
    *"()[]{}.,:?!+-*/%^<>=&|~'\"`$#@\\ ",
    "{{", "}}", "{{=", "==", "!=", "<=", ">=", "&&", "||", "**", "..", "?.", "??", "=~", "!~",
    "in", "not", "and", "or", "matches", "contains", "startsWith", "nil", "true", "false",
    "0", "1", "-1", "1.5", "1e308", "0x", "99999999999999999999", "'a'", '"b"', "'\\u12'",
    "inputs", "inputs.parameters.x", "steps.a.outputs.result", "item", "workflow.name",
    "asInt", "asFloat", "toJson", "jsonpath", "sprig.", "sprig.trim", "sprig.until", "len",
    "map", "filter", "all", "#", "let", ";", "|", "$", "[:", ":]", "\n", "\t", "é",
]  # fmt: skip
soups = st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
texts = st.one_of(st.text(max_size=60), soups)


@SETTINGS
@given(texts)
def test_expr_lang_raises_only_expression_errors(text: str) -> None:
    _count("expr-lang texts")
    _only_expression_errors(lambda: evaluate_expression(text, SCOPE))
    _only_expression_errors(lambda: check_expression(text))


@SETTINGS
@given(texts)
def test_govaluate_when_raises_only_expression_errors(text: str) -> None:
    _count("when texts")
    _only_expression_errors(lambda: evaluate_when(text, SCOPE))
    _only_expression_errors(lambda: check_when(text))


@SETTINGS
@given(texts)
def test_templates_raise_only_expression_errors(text: str) -> None:
    _count("template texts")
    _only_expression_errors(lambda: render_template(text, SCOPE))
    _only_expression_errors(lambda: check_template(text))
    _only_expression_errors(lambda: render_template("{{=" + text + "}}", SCOPE))


nesting = st.integers(min_value=1, max_value=3000)


@SETTINGS
@given(nesting, st.sampled_from(["(", "[", "-", "!", "not ", "{{=(", "{"]))
def test_deep_nesting_is_an_expression_error_not_a_recursion_error(depth: int, opener: str) -> None:
    _count("deep nestings")
    closer = {"(": ")", "[": "]", "{{=(": ")", "{": "}"}.get(opener, "")
    text = opener * depth + "1" + closer * depth
    _only_expression_errors(lambda: evaluate_expression(text, SCOPE))
    _only_expression_errors(lambda: evaluate_when(text, SCOPE))
    _only_expression_errors(lambda: render_template(text, SCOPE))


SPRIG_NAMES = sorted(SPRIG)
go_values = st.one_of(
    st.sampled_from([0, 1, -1, 2, -324, 400, 2**63 - 1, -(2**63), 2**64, 1e308, -1e-320, 0.5]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, width=64),
    st.text(max_size=12),
    st.booleans(),
    st.just(None),
    st.lists(st.integers(min_value=-3, max_value=3), max_size=3),
)


def _literal(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "1.0"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, str) else str(value)


@settings(SETTINGS, max_examples=EXAMPLES * 3)
@given(st.sampled_from(SPRIG_NAMES), st.lists(go_values, max_size=4))
def test_sprig_functions_raise_only_expression_errors(name: str, args: list[Any]) -> None:
    _count("sprig calls")
    text = f"sprig.{name}({', '.join(_literal(a) for a in args)})"
    _only_expression_errors(lambda: evaluate_expression(text, SCOPE))


json_docs = st.recursive(
    st.one_of(st.integers(), st.text(max_size=5), st.booleans(), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)
path_parts = st.sampled_from(
    ["$", ".", "..", "[", "]", "*", "0", "-1", ":", "'k'", '"k"', "k", ",", "?(", ")", "@", "[0]", "['k']"]
)


@SETTINGS
@given(json_docs, st.lists(path_parts, max_size=8).map("".join))
def test_jsonpath_raises_only_expression_errors(doc: Any, path: str) -> None:
    _count("jsonpath calls")
    text = f"jsonpath({json.dumps(json.dumps(doc))}, {json.dumps(path)})"
    _only_expression_errors(lambda: evaluate_expression(text, SCOPE))


# -- 2. an oracle: the same tree evaluated by Python ---------------------------------------------

ints = st.integers(min_value=-9, max_value=9)


def _arith(depth: int) -> st.SearchStrategy[tuple[str, str, int]]:
    """(expr-lang text, govaluate text, value) of an int expression, fully parenthesised."""
    leaf = ints.map(lambda n: (f"({n})", f"({n})", n))
    if depth == 0:
        return leaf

    def combine(a: tuple[str, str, int], op: str, b: tuple[str, str, int]) -> tuple[str, str, int]:
        value = {"+": a[2] + b[2], "-": a[2] - b[2], "*": a[2] * b[2]}[op]
        return (f"({a[0]} {op} {b[0]})", f"({a[1]} {op} {b[1]})", value)

    sub = _arith(depth - 1)
    negated = sub.map(lambda a: (f"(-{a[0]})", f"(-{a[1]})", -a[2]))
    return st.one_of(leaf, negated, st.builds(combine, sub, st.sampled_from("+-*"), sub))


COMPARE: dict[str, Callable[[int, int], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def _boolean(depth: int) -> st.SearchStrategy[tuple[str, str, bool]]:
    arith = _arith(2)
    compared = st.builds(
        lambda a, op, b: (f"({a[0]} {op} {b[0]})", f"({a[1]} {op} {b[1]})", COMPARE[op](a[2], b[2])),
        arith,
        st.sampled_from(sorted(COMPARE)),
        arith,
    )
    leaf = st.one_of(compared, st.booleans().map(lambda v: (str(v).lower(), str(v).lower(), v)))
    if depth == 0:
        return leaf
    sub = _boolean(depth - 1)
    return st.one_of(
        leaf,
        sub.map(lambda a: (f"(!{a[0]})", f"(!{a[1]})", not a[2])),
        st.builds(lambda a, b: (f"({a[0]} && {b[0]})", f"({a[1]} && {b[1]})", a[2] and b[2]), sub, sub),
        st.builds(lambda a, b: (f"({a[0]} || {b[0]})", f"({a[1]} || {b[1]})", a[2] or b[2]), sub, sub),
        st.builds(lambda a, b: (f"({a[0]} and {b[0]})", f"({a[1]} && {b[1]})", a[2] and b[2]), sub, sub),
    )


@SETTINGS
@given(_arith(3))
def test_arithmetic_evaluates_as_python_does(tree: tuple[str, str, int]) -> None:
    _count("arithmetic trees")
    expr_text, when_text, value = tree
    assert evaluate_expression(expr_text, {}) == value
    assert evaluate_when(f"{when_text} == {value}", {}) is True
    assert evaluate_when(f"{when_text} != {value}", {}) is False


@SETTINGS
@given(_boolean(3))
def test_boolean_trees_evaluate_as_python_does(tree: tuple[str, str, bool]) -> None:
    _count("boolean trees")
    expr_text, when_text, value = tree
    assert evaluate_expression(expr_text, {}) is value
    assert evaluate_when(when_text, {}) is value


# -- 3. string literals round-trip ---------------------------------------------------------------

plain_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


def _go_quoted(text: str) -> str:
    """A Go double-quoted literal of ``text`` (escapes for quotes, backslashes and controls)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


@SETTINGS
@given(plain_text)
def test_expr_lang_string_literals_round_trip(text: str) -> None:
    _count("string literals")
    assert evaluate_expression(_go_quoted(text), {}) == text
    assert evaluate_expression(f"{_go_quoted(text)} == {_go_quoted(text)}", {}) is True


@SETTINGS
@given(plain_text)
def test_rendered_parameters_keep_their_text(text: str) -> None:
    _count("rendered parameters")
    scope = {"inputs": {"parameters": {"p": text}}}
    assert render_template("{{inputs.parameters.p}}", scope) == text
    assert render_template("<{{inputs.parameters.p}}>", scope) == f"<{text}>"
    assert render_template("{{=inputs.parameters.p}}", scope) == text


@SETTINGS
@given(st.text(alphabet=string.ascii_letters + string.digits + " -_.", max_size=30))
def test_when_string_literals_compare_as_strings(text: str) -> None:
    _count("when literals")
    assert evaluate_when(f"'{text}' == '{text}'", {}) is True
    assert evaluate_when(f"'{text}' != '{text}x'", {}) is True


# -- 4. names against Argo's documented rules ----------------------------------------------------

LOWER_ALNUM = set(string.ascii_lowercase + string.digits)
ALNUM = set(string.ascii_letters + string.digits)


def _dns_label(label: str) -> bool:
    # RFC 1123 label: lower case alphanumerics and '-', starting and ending with an alphanumeric.
    return (
        bool(label)
        and label[0] in LOWER_ALNUM
        and label[-1] in LOWER_ALNUM
        and set(label) <= LOWER_ALNUM | {"-"}
    )


def _dns_subdomain(name: str, limit: int) -> bool:
    # Kubernetes' DNS-1123 subdomain: labels joined by '.'; Argo's limits are shorter than 253.
    return 0 < len(name) <= limit and all(_dns_label(part) for part in name.split("."))


def argo_workflow_name(name: str) -> bool:
    # metadata.name, at most 63 characters (a label value); dflow's generateName adds 6 more.
    return _dns_subdomain(name, 57)


def argo_workflow_id(name: str) -> bool:
    return _dns_subdomain(name, 63)


def argo_step_name(name: str) -> bool:
    # Argo: "name must consist of alpha-numeric characters or '-', and must start with an
    # alpha-numeric character", at most 128 characters.
    return 0 < len(name) <= 128 and name[0] in ALNUM and set(name) <= ALNUM | {"-"}


def argo_io_name(name: str) -> bool:
    # Parameter and artifact names: alpha-numeric characters, '_' or '-'.
    return len(name) > 0 and set(name) <= ALNUM | {"_", "-"}


def argo_key(name: str) -> bool:
    return _dns_subdomain(name, 253)


RULES: list[tuple[str, Callable[[Any], str], Callable[[str], bool], str]] = [
    ("workflow name", names.check_workflow_name, argo_workflow_name, names.WORKFLOW_NAME_RULE),
    ("workflow id", names.check_workflow_id, argo_workflow_id, names.WORKFLOW_NAME_RULE.replace("57", "63")),
    ("step name", names.check_step_name, argo_step_name, names.STEP_NAME_RULE),
    ("template name", names.check_template_name, argo_step_name, names.STEP_NAME_RULE),
    ("parameter name", names.check_io_name, argo_io_name, names.IO_NAME_RULE),
    ("step key", names.check_key, argo_key, names.KEY_RULE),
]

name_chars = st.sampled_from([*"abcz09-.", *"AZ_", " ", "\n", "\t", "/", "é", ":", "\r", "\x00"])
candidate_names = st.one_of(
    st.lists(name_chars, max_size=12).map("".join),
    st.from_regex(r"[a-z0-9]([-a-z0-9]{0,70}[a-z0-9])?(\.[a-z0-9]{1,8}){0,3}", fullmatch=True),
    st.from_regex(r"[a-zA-Z0-9][-a-zA-Z0-9]{0,140}", fullmatch=True),
    st.from_regex(r"[a-z0-9][a-z0-9-]{0,300}[a-z0-9]", fullmatch=True),
    st.text(max_size=20),
)
suffixes = st.sampled_from(["", "\n", " ", "\t", "\r\n", "\x00"])


@pytest.mark.parametrize(("kind", "check", "oracle", "rule"), RULES, ids=[r[0] for r in RULES])
@SETTINGS
@given(name=candidate_names, suffix=suffixes)
def test_names_follow_argo_rules(
    kind: str, check: Callable[[Any], str], oracle: Callable[[str], bool], rule: str, name: str, suffix: str
) -> None:
    _count("names")
    candidate = name + suffix
    if oracle(candidate):
        assert check(candidate) == candidate
        _count("names accepted")
        return
    with pytest.raises(InvalidNameError) as err:
        check(candidate)
    _count("names refused")
    text = str(err.value)
    assert repr(candidate) in text
    assert rule in text
    if suffix:
        assert not oracle(candidate)  # trailing whitespace or a newline is never accepted


@pytest.mark.parametrize(("kind", "check", "oracle", "rule"), RULES, ids=[r[0] for r in RULES])
def test_non_strings_are_refused_with_the_rule(
    kind: str, check: Callable[[Any], str], oracle: Callable[[str], bool], rule: str
) -> None:
    for value in (None, 3, b"abc", ["a"]):
        with pytest.raises(InvalidNameError, match="it must be"):
            check(value)

"""Argo's expression env: ``asInt``, ``asFloat``, ``jsonpath``, ``toJson`` and ``sprig.*``."""

from __future__ import annotations

import math
from typing import Any

import pytest

from dflow_jupyter.expr import ExpressionError, evaluate_expression

DOC = '{"a": {"b": [10, 20, 30]}, "name": "x", "items": [{"k": 1}, {"k": 2}], "length": 7}'
SCOPE = {"inputs": {"parameters": {"doc": DOC, "n": "4", "f": "2.5", "list": "[1, 2, 3]"}}}


def ev(expr: str) -> Any:
    return evaluate_expression(expr, SCOPE)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("asInt('42')", 42),
        ("asInt('-7')", -7),
        ("asInt(3.9)", 3),
        ("asInt(inputs.parameters.n) + 1", 5),
        ("asFloat('2.5')", 2.5),
        ("asFloat('1e3')", 1000.0),
        ("asFloat(inputs.parameters.n)", 4.0),
        ("asFloat(2)", 2.0),
        ("toJson([1, 'a', nil, true])", '[1,"a",null,true]'),
        ("toJson({b: 1, a: 2.5})", '{"a":2.5,"b":1}'),
        ("toJson('a<b')", '"a\\u003cb"'),
        ("toJson(3.0)", "3"),
        ("toJson(1e21)", "1e+21"),
        ("toJson(0.0000001)", "1e-7"),
    ],
)
def test_conversions(expr: str, expected: Any) -> None:
    result = ev(expr)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("asInt('3.5')", r"asInt\(\): invalid operation: int\(3.5\)"),
        ("asInt(' 3')", r"invalid operation: int\( 3\)"),
        ("asFloat('abc')", r"asFloat\(\): invalid operation: float\(abc\)"),
        ("asFloat('1_000')", r"invalid operation: float\(1_000\)"),
        ("asFloat(nil)", r"invalid operation: float\(<nil>\)"),
        ("asInt(1, 2)", "invalid number of arguments: expected 1, got 2"),
    ],
)
def test_conversion_errors(expr: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        ev(expr)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "$",
            {
                "a": {"b": [10.0, 20.0, 30.0]},
                "name": "x",
                "items": [{"k": 1.0}, {"k": 2.0}],
                "length": 7.0,
            },
        ),
        ("$.name", "x"),
        ("$['name']", "x"),
        ('$["a"]["b"][1]', 20.0),
        ("$.a.b[-1]", 30.0),
        ("$.a.b[*]", [10.0, 20.0, 30.0]),
        ("$.a.b[0,2]", [10.0, 30.0]),
        ("$.a.b[1:]", [20.0, 30.0]),
        ("$.a.b[::2]", [10.0, 30.0]),
        ("$.items[*].k", [1.0, 2.0]),
        ("$..k", [1.0, 2.0]),
        ("$.a.b.length", 3),
        ("$.length", 7.0),
        ("$.a.*", [[10.0, 20.0, 30.0]]),
    ],
)
def test_jsonpath(path: str, expected: Any) -> None:
    quoted = f'"{path}"' if "'" in path else f"'{path}'"
    assert ev(f"jsonpath(inputs.parameters.doc, {quoted})") == expected


def test_jsonpath_dollar_then_index_like_dflow() -> None:
    # dflow's ArgoVar.__getitem__ in Argo mode: jsonpath(expr, '$')['k'] / [i]
    assert ev("jsonpath(inputs.parameters.doc, '$')['name']") == "x"
    assert ev("jsonpath(inputs.parameters.doc, '$')['a']['b'][2]") == 30.0
    assert ev("jsonpath(inputs.parameters.list, '$')[0]") == 1.0
    assert ev("jsonpath(inputs.parameters.doc, '$')['missing']") is None  # Go map: nil


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("jsonpath(inputs.parameters.doc, '$.nope')", "key 'nope' not found"),
        ("jsonpath(inputs.parameters.doc, '$.a.b[9]')", "out of range"),
        ("jsonpath(inputs.parameters.doc, '$.items[?(@.k > 1)]')", "not supported"),
        ("jsonpath(inputs.parameters.doc, 'a')", "must start with '\\$'"),
        ("jsonpath('{bad', '$')", "not valid JSON"),
        ("jsonpath([1], '$')", "takes two strings, got"),
    ],
)
def test_jsonpath_errors(expr: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        ev(expr)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("sprig.untilStep(0, 4, 1)", [0, 1, 2, 3]),
        ("sprig.untilStep(1, 10, 3)", [1, 4, 7]),
        ("sprig.untilStep(5, 0, -2)", [5, 3, 1]),
        ("sprig.untilStep(0, 4, 0)", []),
        ("sprig.until(3)", [0, 1, 2]),
        ("sprig.until(-2)", [0, -1]),
        ("sprig.seq(3)", "1 2 3"),
        ("sprig.seq(2, 4)", "2 3 4"),
        ("sprig.seq(0, 2, 6)", "0 2 4 6"),
        ("sprig.atoi('12')", 12),
        ("sprig.atoi('x')", 0),
        ("sprig.atoi(inputs.parameters.n)", 4),
        ("sprig.int('7')", 7),
        ("sprig.int('3.0')", 3),
        ("sprig.int('3.5')", 0),
        ("sprig.int('0x10')", 16),
        ("sprig.int('010')", 8),
        ("sprig.int(9 / 2)", 4),
        ("sprig.int(true)", 1),
        ("sprig.int64('5')", 5),
        ("sprig.float64('2.5')", 2.5),
        ("sprig.float64('x')", 0.0),
        ("sprig.add(1, '2', 3.7)", 6),
        ("sprig.add1(1)", 2),
        ("sprig.sub(5, 2)", 3),
        ("sprig.mul(2, 3, 4)", 24),
        ("sprig.div(7, 2)", 3),
        ("sprig.div(-7, 2)", -3),
        ("sprig.mod(-7, 2)", -1),
        ("sprig.max(1, 9, 3)", 9),
        ("sprig.min(4, 2)", 2),
        ("sprig.maxf(1, 2.5)", 2.5),
        ("sprig.addf(0.1, 0.2)", 0.3),
        ("sprig.divf(1, 4)", 0.25),
        ("sprig.floor(2.7)", 2.0),
        ("sprig.ceil(2.1)", 3.0),
        ("sprig.round(2.345, 2)", 2.35),
        ("sprig.fromJson(inputs.parameters.list)", [1.0, 2.0, 3.0]),
        ("sprig.fromJson('not json')", None),
        ("sprig.toJson([1, 2])", "[1,2]"),
        ("sprig.toRawJson(['<'])", '["<"]'),
        ("sprig.toPrettyJson([1])", "[\n  1\n]"),
        ("sprig.list(1, 'a')", [1, "a"]),
        ("sprig.dict('a', 1, 'b')", {"a": 1, "b": ""}),
        ("sprig.get({a: 1}, 'a')", 1),
        ("sprig.hasKey({a: 1}, 'b')", False),
        ("sprig.keys({a: 1}, {b: 2})", ["a", "b"]),
        ("sprig.first([1, 2])", 1),
        ("sprig.last([1, 2])", 2),
        ("sprig.rest([1, 2])", [2]),
        ("sprig.initial([1, 2])", [1]),
        ("sprig.append([1], 2)", [1, 2]),
        ("sprig.prepend([1], 0)", [0, 1]),
        ("sprig.concat([1], [2])", [1, 2]),
        ("sprig.uniq([1, 1, 2])", [1, 2]),
        ("sprig.without([1, 2, 3], 2)", [1, 3]),
        ("sprig.has(2, [1, 2])", True),
        ("sprig.reverse([1, 2])", [2, 1]),
        ("sprig.slice([1, 2, 3], 1)", [2, 3]),
        ("sprig.chunk(2, [1, 2, 3])", [[1, 2], [3]]),
        ("sprig.compact([0, 1, '', 'a'])", [1, "a"]),
        ("sprig.default('d', '')", "d"),
        ("sprig.default('d', 'v')", "v"),
        ("sprig.default('d')", "d"),
        ("sprig.empty('')", True),
        ("sprig.empty(0)", True),
        ("sprig.empty([1])", False),
        ("sprig.coalesce('', nil, 'x')", "x"),
        ("sprig.ternary('y', 'n', true)", "y"),
        ("sprig.trim('  x ')", "x"),
        ("sprig.upper('a')", "A"),
        ("sprig.lower('A')", "a"),
        ("sprig.title('hello world')", "Hello World"),
        ("sprig.quote('a', 1)", '"a" "1"'),
        ("sprig.squote('a')", "'a'"),
        ("sprig.cat('a', 1, nil)", "a 1"),
        ("sprig.contains('b', 'abc')", True),
        ("sprig.hasPrefix('a', 'abc')", True),
        ("sprig.hasSuffix('c', 'abc')", True),
        ("sprig.trimPrefix('v', 'v1')", "1"),
        ("sprig.trimSuffix('.txt', 'a.txt')", "a"),
        ("sprig.trimAll('$', '$a$')", "a"),
        ("sprig.replace('a', 'b', 'aaa')", "bbb"),
        ("sprig.split(',', 'a,b')", {"_0": "a", "_1": "b"}),
        ("sprig.splitList(',', 'a,b')", ["a", "b"]),
        ("sprig.join('-', [1, 'a'])", "1-a"),
        ("sprig.substr(1, 3, 'abcd')", "bc"),
        ("sprig.trunc(2, 'abcd')", "ab"),
        ("sprig.repeat(2, 'ab')", "abab"),
        ("sprig.nospace('a b c')", "abc"),
        ("sprig.indent(2, 'a\\nb')", "  a\n  b"),
        ("sprig.toString(1.5)", "1.5"),
        ("sprig.toStrings([1, 'a'])", ["1", "a"]),
        ("sprig.sortAlpha(['b', 'a'])", ["a", "b"]),
        ("sprig.b64enc('hi')", "aGk="),
        ("sprig.b64dec('aGk=')", "hi"),
        ("sprig.sha256sum('')", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("sprig.regexMatch('^a.c$', 'abc')", True),
        ("sprig.regexFind('[0-9]+', 'ab12c3')", "12"),
        ("sprig.regexFindAll('[0-9]', 'a1b2c3', 2)", ["1", "2"]),
        ("sprig.regexReplaceAll('a(x*)b', '-ab-axxb-', '${1}W')", "-W-xxW-"),
        ("sprig.regexSplit(',', 'a,b,c', -1)", ["a", "b", "c"]),
        ("sprig.base('/a/b.txt')", "b.txt"),
        ("sprig.dir('/a/b.txt')", "/a"),
        ("sprig.ext('b.tar.gz')", ".gz"),
        ("sprig.clean('a//b/../c')", "a/c"),
        ("sprig.typeOf(1.5)", "float64"),
        ("sprig.kindOf([1])", "slice"),
        ("sprig.kindIs('map', {a: 1})", True),
        ("sprig.deepEqual([1], [1])", True),
        ("sprig.dig('a', 'b', 'd', {a: {b: 1}})", 1),
        ("sprig.merge({a: 1}, {a: 2, b: 3})", {"a": 1, "b": 3}),
        ("sprig.mergeOverwrite({a: 1}, {a: 2})", {"a": 2}),
        ("sprig.pick({a: 1, b: 2}, 'a')", {"a": 1}),
        ("sprig.omit({a: 1, b: 2}, 'a')", {"b": 2}),
    ],
)
def test_sprig(expr: str, expected: Any) -> None:
    result = ev(expr)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("sprig.untilStep(0, 2.5, 1)", "reflect: Call using float64 as type int"),
        ("sprig.untilStep(0, '3', 1)", "reflect: Call using string as type int"),
        ("sprig.untilStep(0, 3)", "invalid number of arguments: expected 3, got 2"),
        ("sprig.atoi(3)", "reflect: Call using int as type string"),
        ("sprig.div(1, 0)", "integer divide by zero"),
        ("sprig.first('abc')", "Cannot find first on type string"),
        ("sprig.randAlpha(3)", "sprig.randAlpha is not supported"),
        ("sprig.fail('boom')", "boom"),
    ],
)
def test_sprig_errors(expr: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        ev(expr)


def test_sprig_env_and_expandenv_are_absent_as_in_argo() -> None:
    for name in ("env", "expandenv"):
        with pytest.raises(ExpressionError, match=f"unknown function 'sprig.{name}'"):
            ev(f"sprig.{name}('HOME')")


def test_sprig_round_follows_go_floats_at_the_extremes() -> None:
    # Found by tests/reliability/test_properties.py: 10**-324 is 0 in float64, and Go divides
    # 0 by 0 into NaN where Python raised ZeroDivisionError; 10**400 is +Inf (Python raised
    # OverflowError), and Inf / Inf or 0 * Inf is NaN as well.
    for expr in (
        "sprig.round(0, -324)",
        "sprig.round(5, -324)",
        "sprig.round(1.5, 400)",
        "sprig.round(0, 400)",
    ):
        assert math.isnan(evaluate_expression(expr, {})), expr
    assert evaluate_expression("sprig.round(123.456, -1)", {}) == 120.0
    assert evaluate_expression("sprig.round(2.345, 2)", {}) == 2.35

"""expr-lang (``{{=...}}``) semantics: literals, every operator, precedence, types, built-ins."""

from __future__ import annotations

import math
from typing import Any

import pytest

from dflow_jupyter.expr import (
    ExpressionError,
    UnknownReferenceError,
    check_expression,
    evaluate_expression,
)
from dflow_jupyter.expr.exprlang import compile_expression

SCOPE: dict[str, Any] = {
    "inputs": {"parameters": {"x": "3", "name": "wf", "flag": "true", "list": "[1, 2, 3]"}},
    "steps": {"a": {"outputs": {"parameters": {"y": "[1, 2]"}, "result": "heads"}}},
    "nums": [3, 1, 2],
    "words": ["b", "a"],
    "users": [{"name": "ann", "age": 30}, {"name": "bob", "age": 17}],
    "empty": [],
    "nothing": None,
}


def ev(expr: str, scope: dict[str, Any] | None = None) -> Any:
    return evaluate_expression(expr, SCOPE if scope is None else scope)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("nil", None),
        ("true", True),
        ("false", False),
        ("42", 42),
        ("0x2A", 42),
        ("0o52", 42),
        ("0b101010", 42),
        ("1_000", 1000),
        ("0.5", 0.5),
        (".5", 0.5),
        ("1e3", 1000.0),
        ("'single'", "single"),
        ('"double"', "double"),
        ("`raw \\n`", "raw \\n"),
        (r"'tab\there'", "tab\there"),
        (r"'\u00e9\x41\101'", "\u00e9AA"),
        (r"'it\'s'", "it's"),
        ("[1, 'a', true, nil]", [1, "a", True, None]),
        ("[1, 2,]", [1, 2]),
        ("{a: 1, 'b': 2, 3: 'c', ('d' + 'e'): 4}", {"a": 1, "b": 2, "3": "c", "de": 4}),
        ("1 // a comment", 1),
        ("/* block */ 2", 2),
    ],
)
def test_literals(expr: str, expected: Any) -> None:
    assert ev(expr) == expected
    assert type(ev(expr)) is type(expected)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("1 + 2", 3),
        ("1 + 2.5", 3.5),
        ("'a' + 'b'", "ab"),
        ("5 - 7", -2),
        ("3 * 4", 12),
        ("3 * 1.5", 4.5),
        ("7 / 2", 3.5),
        ("6 / 3", 2.0),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("2 ** 10", 1024.0),
        ("2 ^ 3", 8.0),
        ("-3", -3),
        ("+3", 3),
        ("1 == 1.0", True),
        ("'a' == 'a'", True),
        ("1 != 2", True),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ("'a' < 'b'", True),
        ("'abc' > 'abd'", False),
        ("true && false", False),
        ("true and true", True),
        ("false || true", True),
        ("false or false", False),
        ("!true", False),
        ("not false", True),
        ("2 in [1, 2]", True),
        ("'k' in {k: 1}", True),
        ("3 not in [1, 2]", True),
        ("'abc' contains 'b'", True),
        ("'abc' not contains 'z'", True),
        ("'abc' startsWith 'ab'", True),
        ("'abc' endsWith 'bc'", True),
        ("'abc' matches '^a.c$'", True),
        ("'abc' not matches 'z'", True),
        ("1..3", [1, 2, 3]),
        ("nil ?? 'd'", "d"),
        ("'v' ?? 'd'", "v"),
        ("true ? 'y' : 'n'", "y"),
        ("false ? 'y' : 'n'", "n"),
        ("true ?: false", True),
        ("if 1 > 2 { 'a' } else { 'b' }", "b"),
        ("let x = 2; x * x", 4),
        ("1; 2", 2),
        ("'abc' | upper()", "ABC"),
        ("'a,b' | split(',') | join('-')", "a-b"),
    ],
)
def test_operators(expr: str, expected: Any) -> None:
    result = ev(expr)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("2 * 3 % 4", 2),
        ("-2 ** 2", -4.0),  # unary minus binds looser than **
        ("2 ** 3 ** 2", 512.0),  # ** is right-associative
        ("!true == false", True),  # ! binds tighter than ==
        ("true || false && false", True),  # && binds tighter than ||
        ("(true || false) && false", False),
        ("1 < 2 == true", True),
        ("1 + 1 == 2 && 'a' + 'b' == 'ab'", True),
        ("1 < 2 < 3", True),  # comparison chaining
        ("3 > 2 > 1", True),
        ("1 < 3 < 2", False),
        ("true ? 1 : 2 + 10", 1),  # ternary is the loosest
        ("false ? 1 : true ? 2 : 3", 2),  # nested ternary on the right
        ("1 + 2 in [3]", True),
        ("(nil ?? 1) + 1", 2),
        ("not (1 in [2])", True),
        ("'a' not in ['b'] && true", True),
        ("-(1 + 2)", -3),
    ],
)
def test_precedence(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_division_by_zero_follows_go_floats() -> None:
    assert ev("1 / 0") == math.inf
    assert ev("-1 / 0") == -math.inf
    assert math.isnan(ev("0 / 0"))
    with pytest.raises(ExpressionError, match="integer divide by zero"):
        ev("1 % 0")


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("'3' == 3", r"invalid operation: == \(mismatched types string and int\)"),
        ("'a' < 1", r"mismatched types string and int"),
        ("1 + 'a'", r"mismatched types int and string"),
        ("1.5 % 2", r"mismatched types float64 and int"),
        ("true && 1", r"mismatched types bool and int"),
        ("!'x'", r"invalid operation: ! \(mismatched type string\)"),
        ("-'x'", r"invalid operation: - \(mismatched type string\)"),
        ("'x' ? 1 : 2", "non-bool condition"),
    ],
)
def test_static_type_errors(expr: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        ev(expr)


def test_runtime_types_follow_go() -> None:
    # A scope value is interface{} to expr: == with a mismatched type is simply false...
    assert ev("inputs.parameters.x == 3") is False
    assert ev("inputs.parameters.x == '3'") is True
    # ...but ordering a string against a number is an error, hence dflow's asFloat(...).
    with pytest.raises(ExpressionError, match=r"invalid operation: string < int"):
        ev("inputs.parameters.x < 4")
    with pytest.raises(ExpressionError, match=r"invalid operation: string \+ int"):
        ev("inputs.parameters.x + 1")
    with pytest.raises(ExpressionError, match="needs a bool"):
        ev("inputs.parameters.flag && true")
    assert ev("[1, 2] == [1.0, 2]") is True
    assert ev("{a: 1} == {a: 1}") is True


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("inputs.parameters.x", "3"),
        ("inputs['parameters']['x']", "3"),
        ("inputs.parameters['x']", "3"),
        ("steps['a'].outputs.result", "heads"),
        ("nums[0]", 3),
        ("nums[-1]", 2),
        ("nums[1:]", [1, 2]),
        ("nums[:2]", [3, 1]),
        ("nums[-2:]", [1, 2]),
        ("nums[5:9]", []),
        ("'hello'[1:3]", "el"),
        ("users[0].name", "ann"),
        ("users[1]['age']", 17),
        ("nothing?.x", None),
        ("nothing?.x.y", None),
        ("nothing?.['x']", None),
        ("missing?.deep", None),
        ("inputs.parameters.nope ?? 'fallback'", "fallback"),
        ("{a: 1}.b", None),
        ("$env.inputs.parameters.x", "3"),
    ],
)
def test_member_access(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_unknown_reference_names_the_reference() -> None:
    with pytest.raises(UnknownReferenceError) as info:
        ev("steps.a.outputs.parameters.z == '1'")
    message = str(info.value)
    assert "unknown reference 'steps.a.outputs.parameters.z'" in message
    assert "'steps.a.outputs.parameters' has no 'z' (it has: y)" in message
    with pytest.raises(
        UnknownReferenceError,
        match=r"unknown reference 'tasks\.t\.outputs\.result': the scope has no 'tasks'",
    ):
        ev("tasks['t'].outputs.result")
    with pytest.raises(ExpressionError, match="index out of range: 5"):
        ev("nums[5]")
    with pytest.raises(ExpressionError, match="is nil"):
        ev("nothing.x")
    with pytest.raises(ExpressionError, match=r"jsonpath\(x, '\$'\)\['key'\]"):
        ev("inputs.parameters.list.first")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("len('héllo')", 5),
        ("len(nums)", 3),
        ("len({a: 1})", 1),
        ("type(1)", "int"),
        ("type(1.5)", "float"),
        ("type('s')", "string"),
        ("type(nil)", "nil"),
        ("type(nums)", "array"),
        ("abs(-2)", 2),
        ("ceil(1.2)", 2.0),
        ("floor(1.8)", 1.0),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("int('42')", 42),
        ("int(3.9)", 3),
        ("float('2.5')", 2.5),
        ("float(2)", 2.0),
        ("string(3)", "3"),
        ("string(2.5)", "2.5"),
        ("string(1000000.0)", "1e+06"),
        ("string(true)", "true"),
        ("string(nil)", "<nil>"),
        ("string([1, 'a'])", "[1 a]"),
        ("string({b: 1, a: 2})", "map[a:2 b:1]"),
        ("trim('  x ')", "x"),
        ("trim('__x__', '_')", "x"),
        ("trimPrefix('abc', 'a')", "bc"),
        ("trimSuffix('abc', 'c')", "ab"),
        ("upper('a')", "A"),
        ("lower('A')", "a"),
        ("split('a,b,c', ',')", ["a", "b", "c"]),
        ("split('a,b,c', ',', 2)", ["a", "b,c"]),
        ("splitAfter('a,b', ',')", ["a,", "b"]),
        ("replace('aaa', 'a', 'b')", "bbb"),
        ("repeat('ab', 2)", "abab"),
        ("join(['a', 'b'], '-')", "a-b"),
        ("join(['a', 'b'])", "ab"),
        ("indexOf('abc', 'c')", 2),
        ("lastIndexOf('abca', 'a')", 3),
        ("hasPrefix('abc', 'a')", True),
        ("hasSuffix('abc', 'c')", True),
        ("max(1, 5, 3)", 5),
        ("min([4, 2.5])", 2.5),
        ("mean([1, 2, 3])", 2.0),
        ("median([3, 1, 2, 4])", 2.5),
        ("toJSON({b: [1], a: 'x'})", '{\n  "a": "x",\n  "b": [\n    1\n  ]\n}'),
        ("fromJSON('{\"a\": [1, 2]}')", {"a": [1.0, 2.0]}),
        ("toBase64('hi')", "aGk="),
        ("fromBase64('aGk=')", "hi"),
        ("first(nums)", 3),
        ("last(nums)", 2),
        ("first(empty)", None),
        ("get(nums, 10)", None),
        ("get({a: 1}, 'a')", 1),
        ("take(nums, 2)", [3, 1]),
        ("keys({a: 1})", ["a"]),
        ("values({a: 1})", [1]),
        ("toPairs({a: 1})", [["a", 1]]),
        ("fromPairs([['a', 1]])", {"a": 1}),
        ("reverse(nums)", [2, 1, 3]),
        ("uniq([1, 1.0, 2])", [1, 2]),
        ("concat([1], [2, 3])", [1, 2, 3]),
        ("flatten([1, [2, [3]]])", [1, 2, 3]),
        ("sort(nums)", [1, 2, 3]),
        ("sort(words, 'desc')", ["b", "a"]),
        ("bitand(12, 10)", 8),
        ("bitor(12, 10)", 14),
        ("bitxor(12, 10)", 6),
        ("bitnot(5)", -6),
        ("bitshl(1, 3)", 8),
        ("bitshr(8, 2)", 2),
    ],
)
def test_builtins(expr: str, expected: Any) -> None:
    result = ev(expr)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("map(nums, # * 2)", [6, 2, 4]),
        ("map(nums, {# + #index})", [3, 2, 4]),
        ("filter(nums, # > 1)", [3, 2]),
        ("map(filter(users, .age > 18), .name)", ["ann"]),
        ("all(nums, # > 0)", True),
        ("all(empty, false)", True),
        ("any(nums, # > 2)", True),
        ("none(nums, # > 5)", True),
        ("one(nums, # == 1)", True),
        ("count(users, .age >= 18)", 1),
        ("count([true, false, true])", 2),
        ("sum(nums)", 6),
        ("sum([1, 2.5])", 3.5),
        ("sum(users, .age)", 47),
        ("find(nums, # < 3)", 1),
        ("findIndex(nums, # == 2)", 2),
        ("findLast(nums, # > 1)", 2),
        ("findLastIndex(nums, # > 5)", -1),
        ("find(nums, # > 5)", None),
        ("groupBy(nums, # % 2)", {1: [3, 1], 0: [2]}),
        ("sortBy(users, .age)", [{"name": "bob", "age": 17}, {"name": "ann", "age": 30}]),
        ("map(sortBy(users, .name, 'desc'), .name)", ["bob", "ann"]),
        ("reduce(nums, #acc + #)", 6),
        ("reduce(nums, #acc + #, 10)", 16),
        ("map([[1, 2], [3]], sum(#))", [3, 3]),
        ("map(nums, {let d = # * 2; d + 1})", [7, 3, 5]),
        ("map(sprig.untilStep(0, 3, 1), { {'i': #} })", [{"i": 0}, {"i": 1}, {"i": 2}]),
    ],
)
def test_predicates(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("1 +", "unexpected end of expression"),
        ("(1 + 2", 'expected "\\)"'),
        ("1 2", "expected an operator or the end of the expression but found Number"),
        ("'abc", "literal not terminated"),
        ("'\\q'", "invalid char escape"),
        ("1 ~ 2", "unrecognized character"),
        ("12abc", "bad number syntax"),
        ("a.", "expected a name after '.'"),
        ("{1 + 2: 3}", 'expected ":" but found Operator\\("\\+"\\)'),
        ("{[1]: 2}", "a map key"),
        ("not 1 in [2]", r"invalid operation: not \(mismatched type int\)"),
        ("1 ?? 2 + 3 ?? 4", "cannot be mixed"),
        ("", "empty expression"),
        ("map([1], )", "expected a value but found Bracket"),
    ],
)
def test_syntax_errors(expr: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message) as info:
        ev(expr)
    assert info.value.source == expr


def test_syntax_error_message_shows_position_and_caret() -> None:
    with pytest.raises(ExpressionError) as info:
        ev("asFloat(x) <")
    text = str(info.value)
    assert "at position 13 in 'asFloat(x) <'" in text
    assert text.endswith("  | asFloat(x) <\n  |             ^")


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("foo(1)", "(?s)unknown function 'foo'.*asInt, asFloat, jsonpath, toJson"),
        ("sprig.nope(1)", "(?s)unknown function 'sprig.nope'.*sprig functions: .*untilStep"),
        ("now()", r"now\(\) is not supported"),
        ("sprig.now()", "sprig.now is not supported"),
        ("#", "expected a value"),
    ],
)
def test_unsupported_functions_are_named(expr: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        ev(expr)


def test_runtime_errors_carry_the_position() -> None:
    with pytest.raises(ExpressionError) as info:
        ev("1 + asInt('x')")
    assert "asInt(): invalid operation: int(x)" in str(info.value)
    assert info.value.position == 4


@pytest.mark.parametrize("expr", ["len()", "split('a')", "max()", "replace('a', 'b')", "upper('a', 'b')"])
def test_builtin_arity_is_checked_before_running(expr: str) -> None:
    with pytest.raises(ExpressionError, match=r"invalid number of arguments for \w+\(\)"):
        check_expression(expr)


def test_deep_nesting_is_an_expression_error() -> None:
    assert ev("(" * 40 + "1" + ")" * 40) == 1
    with pytest.raises(ExpressionError, match="nests too deeply"):
        ev("(" * 5000 + "1" + ")" * 5000)


def test_compiled_expressions_are_cached() -> None:
    source = "asFloat(inputs.parameters.x) * 2"
    assert compile_expression(source) is compile_expression(source)
    assert ev(source) == 6.0

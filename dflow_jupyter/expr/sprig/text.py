"""sprig's string, encoding, regex and path functions (``sprig.trim``, ``sprig.regexFind``...).

Note sprig's argument order: the subject comes last (``sprig.contains('b', 'abc')``,
``sprig.trimPrefix('v', 'v1')``, ``sprig.join(',', list)``) so it pipes well in Go templates.
"""

from __future__ import annotations

import base64
import binascii
import re
import zlib
from collections.abc import Callable

from dflow_jupyter.expr.golang import MAX_STRING, GoPanic, bounded_repeat, compile_regex
from dflow_jupyter.expr.sprig.core import ANY, INT, STR, GoFunc, go_func, strslice, strval

_GO_GROUP = re.compile(r"\$(\{(\w+)\}|(\w+))")


def _indent(count: int, text: str, what: str) -> str:
    """Every line of ``text`` indented by ``count`` spaces, bounded like ``repeat``."""
    lines = text.count("\n") + 1
    if count > 0 and count * lines > MAX_STRING:
        # Checked before building anything: sprig.indent(2**63 - 1, "x") would exhaust memory.
        bounded_repeat(" ", count * lines, what)
    pad = bounded_repeat(" ", count, what)
    return pad + text.replace("\n", "\n" + pad)


def _substr(start: int, end: int, text: str) -> str:
    if start < 0:
        return text[:end]
    if end < 0 or end > len(text):
        return text[start:]
    return text[start:end]


def _trunc(count: int, text: str) -> str:
    if count >= 0 and len(text) > count:
        return text[:count]
    if count < 0 and len(text) > -count:
        return text[len(text) + count :]
    return text


def _go_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    for char, code in (("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t")):
        escaped = escaped.replace(char, code)
    return f'"{escaped}"'


def _split_map(sep: str, text: str, limit: int = -1) -> dict[str, str]:
    parts = text.split(sep, limit - 1) if limit > 0 else text.split(sep)
    return {f"_{i}": part for i, part in enumerate(parts)}


def _title(text: str) -> str:
    return re.sub(r"(^|[^\w'])(\w)", lambda m: m.group(1) + m.group(2).upper(), text)


def _b64dec(text: str) -> str:
    try:
        return base64.b64decode(text, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        return str(exc)


def _b32dec(text: str) -> str:
    try:
        return base64.b32decode(text).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        return str(exc)


def _go_replacement(template: str) -> Callable[[re.Match[str]], str]:
    """Go's ``Regexp.ReplaceAllString`` expands ``$1``/``${name}``; unknown groups are empty."""

    def expand(match: re.Match[str]) -> str:
        def group(ref: re.Match[str]) -> str:
            name = ref.group(2) or ref.group(3)
            key: int | str = int(name) if name.isdigit() else name
            try:
                return match.group(key) or ""
            except IndexError:
                return ""

        return _GO_GROUP.sub(group, template.replace("$$", "\x00")).replace("\x00", "$")

    return expand


def _regex_split(pattern: str, text: str, limit: int) -> list[str]:
    if limit == 0:
        return []
    parts = compile_regex(pattern).split(text, maxsplit=max(limit - 1, 0))
    return parts


def _path_base(path: str) -> str:
    stripped = path.rstrip("/")
    if not path:
        return "."
    if not stripped:
        return "/"
    return stripped.rsplit("/", 1)[-1]


def _path_clean(path: str) -> str:
    import posixpath  # only needed here; keeps package import light

    cleaned = posixpath.normpath(path) if path else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def _path_dir(path: str) -> str:
    head = path[: path.rfind("/") + 1]
    return _path_clean(head) if head else "."


def _path_ext(path: str) -> str:
    name = path[path.rfind("/") + 1 :]
    dot = name.rfind(".")
    return name[dot:] if dot >= 0 else ""


def _digest(algorithm: str) -> Callable[[str], str]:
    def run(text: str) -> str:
        import hashlib  # deferred: hashlib costs milliseconds at import and is rarely used

        return hashlib.new(algorithm, text.encode()).hexdigest()

    return run


def _fail(message: str) -> str:
    raise GoPanic(message)


TEXT: dict[str, GoFunc] = {
    "trim": go_func(STR)(str.strip),
    "upper": go_func(STR)(str.upper),
    "lower": go_func(STR)(str.lower),
    "title": go_func(STR)(_title),
    "untitle": go_func(STR)(lambda s: re.sub(r"(^|\s)(\w)", lambda m: m.group(1) + m.group(2).lower(), s)),
    "substr": go_func(INT, INT, STR)(_substr),
    "trunc": go_func(INT, STR)(_trunc),
    "repeat": go_func(INT, STR)(lambda n, s: bounded_repeat(s, n)),
    "trimAll": go_func(STR, STR)(lambda cut, s: s.strip(cut)),
    "trimall": go_func(STR, STR)(lambda cut, s: s.strip(cut)),
    "trimPrefix": go_func(STR, STR)(lambda p, s: s.removeprefix(p)),
    "trimSuffix": go_func(STR, STR)(lambda p, s: s.removesuffix(p)),
    "nospace": go_func(STR)(lambda s: "".join(s.split())),
    "contains": go_func(STR, STR)(lambda sub, s: sub in s),
    "hasPrefix": go_func(STR, STR)(lambda p, s: s.startswith(p)),
    "hasSuffix": go_func(STR, STR)(lambda p, s: s.endswith(p)),
    "quote": go_func(variadic=ANY)(lambda *v: " ".join(_go_quote(strval(x)) for x in v if x is not None)),
    "squote": go_func(variadic=ANY)(lambda *v: " ".join(f"'{strval(x)}'" for x in v if x is not None)),
    "cat": go_func(variadic=ANY)(lambda *v: " ".join(strval(x) for x in v if x is not None)),
    "replace": go_func(STR, STR, STR)(lambda old, new, s: s.replace(old, new)),
    "split": go_func(STR, STR)(_split_map),
    "splitn": go_func(STR, INT, STR)(lambda sep, n, s: _split_map(sep, s, n)),
    "splitList": go_func(STR, STR)(lambda sep, s: s.split(sep) if sep else list(s)),
    "join": go_func(STR, ANY)(lambda sep, v: sep.join(strslice(v))),
    "sortAlpha": go_func(ANY)(lambda v: sorted(strslice(v))),
    "indent": go_func(INT, STR)(lambda n, s: _indent(n, s, "indent")),
    "nindent": go_func(INT, STR)(lambda n, s: "\n" + _indent(n, s, "nindent")),
    "plural": go_func(STR, STR, INT)(lambda one, many, n: one if n == 1 else many),
    "initials": go_func(STR)(lambda s: "".join(w[0] for w in s.split())),
    "b64enc": go_func(STR)(lambda s: base64.b64encode(s.encode()).decode()),
    "b64dec": go_func(STR)(_b64dec),
    "b32enc": go_func(STR)(lambda s: base64.b32encode(s.encode()).decode()),
    "b32dec": go_func(STR)(_b32dec),
    "sha1sum": go_func(STR)(_digest("sha1")),
    "sha256sum": go_func(STR)(_digest("sha256")),
    "sha512sum": go_func(STR)(_digest("sha512")),
    "adler32sum": go_func(STR)(lambda s: str(zlib.adler32(s.encode()))),
    "regexMatch": go_func(STR, STR)(lambda p, s: compile_regex(p).search(s) is not None),
    "mustRegexMatch": go_func(STR, STR)(lambda p, s: compile_regex(p).search(s) is not None),
    "regexFind": go_func(STR, STR)(lambda p, s: m.group() if (m := compile_regex(p).search(s)) else ""),
    "regexFindAll": go_func(STR, STR, INT)(
        lambda p, s, n: [m.group() for m in compile_regex(p).finditer(s)][: n if n >= 0 else None]
    ),
    "regexReplaceAll": go_func(STR, STR, STR)(lambda p, s, r: compile_regex(p).sub(_go_replacement(r), s)),
    "regexReplaceAllLiteral": go_func(STR, STR, STR)(lambda p, s, r: compile_regex(p).sub(lambda _: r, s)),
    "regexSplit": go_func(STR, STR, INT)(_regex_split),
    "regexQuoteMeta": go_func(STR)(re.escape),
    "base": go_func(STR)(_path_base),
    "dir": go_func(STR)(_path_dir),
    "clean": go_func(STR)(_path_clean),
    "ext": go_func(STR)(_path_ext),
    "isAbs": go_func(STR)(lambda p: p.startswith("/")),
    "fail": go_func(STR)(_fail),
    "hello": go_func()(lambda: "Hello!"),
}

"""What the lint reports: problems located by their path in the manifest, and the report."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["LintError", "LintReport", "Path", "Problem", "format_path", "sorted_problems"]

#: A location in a document: mapping keys and list indices, outermost first.
Path = tuple[str | int, ...]
#: Which layer found the problem: the JSON schema or the semantic checks (Argo's validate.go).
Source = Literal["schema", "semantic"]


def format_path(path: Path) -> str:
    """``("spec", "templates", 2, "steps", 0, 1)`` -> ``spec.templates[2].steps[0][1]``.

    Keys that are not plain identifiers (``workflows.argoproj.io/progress``) are quoted, so the
    path reads back unambiguously.
    """
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif part.replace("_", "a").replace("-", "a").isalnum():
            out.append(f".{part}" if out else part)
        else:
            out.append(f"[{part!r}]")
    return "".join(out) or "<root>"


@dataclass(frozen=True)
class Problem:
    """One problem of a manifest.

    Attributes
    ----------
    path : tuple
        Where it is, as keys and indices from the document's root.
    message : str
        What is wrong. Semantic problems use Argo's own wording (the text ``argo lint`` prints),
        so a message can be searched for in Argo's documentation and issues.
    source : {"schema", "semantic"}
        The layer that found it.
    rule : str
        For schema problems, the JSON-schema keyword that failed (``type``, ``required``...);
        ``shape`` for a type error about structure (a mapping where a list belongs).
    """

    path: Path
    message: str
    source: Source = "semantic"
    rule: str = ""

    @property
    def where(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class LintError(ValueError):
    """A manifest has problems; ``report`` lists every one of them."""

    def __init__(self, report: LintReport) -> None:
        self.report = report
        super().__init__(str(report))


@dataclass
class LintReport:
    """Every problem found in one manifest (empty when it is valid).

    Attributes
    ----------
    problems : list of Problem
        In document order within each layer: schema problems first, then semantic ones.
    version : str
        The Argo version whose schema was used.
    """

    problems: list[Problem] = field(default_factory=list)
    version: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    def __bool__(self) -> bool:
        # ``if report:`` reads as "if there is something to report".
        return bool(self.problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def messages(self) -> list[str]:
        return [p.message for p in self.problems]

    def extend(self, problems: Iterable[Problem]) -> None:
        seen = {(p.path, p.message) for p in self.problems}
        for problem in problems:
            if (problem.path, problem.message) not in seen:
                seen.add((problem.path, problem.message))
                self.problems.append(problem)

    def raise_for_problems(self) -> None:
        """Raise ``LintError`` listing every problem, if there is any."""
        if self.problems:
            raise LintError(self)

    def __str__(self) -> str:
        if not self.problems:
            return f"valid (Argo {self.version})" if self.version else "valid"
        return "\n".join(str(p) for p in self.problems)


def sorted_problems(problems: Sequence[Problem]) -> list[Problem]:
    """Problems in document order (paths compared part by part, indices as numbers)."""

    def key(problem: Problem) -> tuple[tuple[int, str | int], ...]:
        return tuple((0, p) if isinstance(p, int) else (1, p) for p in problem.path)

    return sorted(problems, key=key)

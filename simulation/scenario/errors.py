"""Input errors: one family, each error carrying every problem found, each problem naming where it is.

`InputError` is what the CLI turns into exit code 2 and one readable line per problem; anything else
is a bug (exit 1). Scenario and sweep files raise `ScenarioError`; analysis raises its own subclass
for a folder that holds no results (`analysis.load.ResultsError`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: where it is (a file, a flag, a folder), the key, what would be right."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"


class InputError(Exception):
    """Invalid input: carries every problem found, each naming the file (or flag) and the key."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ScenarioError(InputError):
    """A scenario file, a sweep file, an override or a command-line value that is not valid."""


def closest(name: str, known: Iterable[Any], what: str) -> str:
    """'unknown key 'x'; did you mean 'y'?' (or the allowed names, when none is close)."""
    names = [str(k) for k in known if k is not None]
    hint = difflib.get_close_matches(name, names, n=1)
    more = f"did you mean '{hint[0]}'?" if hint else "allowed: " + ", ".join(names)
    return f"unknown {what} '{name}'; {more}"


def pydantic_message(err: dict[str, Any]) -> str:
    """What pydantic found wrong with a value, in words (a missing key, or the value and the rule)."""
    if err["type"] == "missing":
        return "missing; this key is required"
    found = err.get("input")
    shown = "" if isinstance(found, dict | list) else f" (found {found!r})"
    return f"{err['msg'].removeprefix('Value error, ')}{shown}"

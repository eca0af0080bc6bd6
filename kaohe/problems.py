"""Input problems and the exception tree.

Every problem found in a year's inputs is a :class:`Problem` record; validation collects
them all and raises one :class:`InvalidInputError` carrying the list (SPEC §2, §4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ERROR = "错误"
WARNING = "警告"


@dataclass(frozen=True)
class Problem:
    """One problem in one cell (or file) of the inputs, told in Chinese."""

    file: str
    row: int | None
    column: str | None
    value: Any
    message: str
    level: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.level == ERROR

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" 列「{self.column}」"
        return f"{where}: {self.message}"


@dataclass
class ProblemLog:
    """Collects problems while the inputs are read and checked."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, file, row, column, value, message) -> None:
        self.problems.append(Problem(file, _row(row), column, _plain(value), message, ERROR))

    def warning(self, file, row, column, value, message) -> None:
        self.problems.append(Problem(file, _row(row), column, _plain(value), message, WARNING))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidInputError(self.problems)


def _row(row):
    return None if row is None or pd.isna(row) else int(row)


def _plain(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


class KaoheError(Exception):
    """Base of every error kaohe raises on purpose."""


class InvalidInputError(KaoheError):
    """The year's inputs have errors; ``problems`` lists all of them (and the warnings)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__(f"输入数据有 {len(errors)} 个错误")


class SchemeError(InvalidInputError):
    """The year's scheme.yaml is malformed or inconsistent."""


class UsageError(KaoheError):
    """The command was called wrongly (a bad year, a missing folder)."""


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table with Chinese headers, errors first, in reading order."""
    table = pd.DataFrame(
        [
            {
                "级别": p.level,
                "文件": p.file,
                "行": "" if p.row is None else p.row,
                "列": p.column or "",
                "值": "" if p.value is None else str(p.value),
                "问题": p.message,
            }
            for p in problems
        ],
        columns=["级别", "文件", "行", "列", "值", "问题"],
    )
    order = table["级别"].map({ERROR: 0, WARNING: 1})
    return table.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o")

"""What the checks of a year's tables share: the problem log, the year's unit names, reporting
and number parsing.

A :class:`Context` is made per year by :func:`kaohe.inputs.year.read_year` and handed to each
check of :mod:`kaohe.inputs.checks`. It logs each problem with its cell — capped by code and
column (``MAX_REPORTS``), the rest counted — and resolves unit names as the units file spells
them. Checks are vectorised over columns: distinct texts are parsed once.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import ERROR, Code, Level, ProblemLog
from ..scheme import Scheme
from ..vocabulary import COLUMN_NAMES
from .files import RawTable, find_table, fold, fold_series, is_number, read_table, sha256

MAX_REPORTS = 30  # per file, column and kind of problem; the rest are counted in one line
NOT_DATA = re.compile(  # headers of columns that hold no scores: numbering, totals, notes, survey metadata
    r"^(序号|编号|no\.?|id|合计|总计|小计|总分|平均|平均分|均分|备注|说明|排名|名次|提交答卷时间|提交时间|答题时间|所用时间|"
    r"来源|来源详情|来自ip|ip|ip地址|sum|total|average|mean|note|notes|remark)$|^(合计|总计|小计|平均|备注)")
HEADER_NAMES = ("unit", "reviewer")  # a row holding one of these is the header, even below a title
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!", "#GETTING_DATA")
DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?"  # the only comma a number may hold


class Context:
    """The state the checks of one year share (see the module docstring)."""

    def __init__(self, year_dir: Path, scheme: Scheme):
        self.dir = year_dir
        self.scheme = scheme
        self.log = ProblemLog()
        self.files: dict[str, str] = {"scheme.yaml": sha256(year_dir / "scheme.yaml")}
        self.known: dict[str, str] = {}  # folded name → the name in the units file
        self.position: dict[str, int] = {}  # the name in the units file → its row in the units table
        self.names = np.array([None], dtype=object)  # the name of each unit in the units table, then None (for −1)
        self.unit_at: dict[str, int] = {}  # a name as written → its row in the units table (−1: none)
        self.folds: dict[str, str] = {}  # a name as written → folded
        self.counts: dict[tuple, int] = {}
        self.sample = False  # whether a file says it is synthetic sample data (示例数据)

    def report(self, table: RawTable, mask, column, code: Code, *, level: Level = ERROR, shown=None, **fields):
        """Log the problem ``code`` for each row in ``mask``, citing the cell of ``column`` (its
        value from ``shown``, if given). A field may be a function of the value.

        ``mask`` is a boolean Series or array, or the index labels of the rows. Only the first
        ``MAX_REPORTS`` rows of each code and column are logged; the rest are counted (:meth:`flush_counts`).
        """
        if isinstance(mask, np.ndarray) and mask.dtype == bool:
            mask = pd.Series(mask, index=table.index, copy=False)
        if mask is None:
            index = table.index
        elif isinstance(mask, pd.Series) and (mask.dtype == bool or mask.dtype == "boolean"):
            index = mask.index[mask.to_numpy(dtype=bool, na_value=False)]
        else:
            index = pd.Index(mask)
        if index.empty:
            return
        key = (table.name, table.header(column), code, level)
        count = self.counts.get(key, 0)
        self.counts[key] = count + len(index)
        shown = shown if shown is not None else column
        codes, texts = table.codes(shown) if shown in table.columns else (None, None)
        for position in index[: max(0, MAX_REPORTS - count)]:  # the index is the position in the table
            value = None if texts is None else texts[codes[position]]
            filled = {k: f(value) if callable(f) else f for k, f in fields.items()}
            self.log.add(code, table.name, table.rows[position], table.header(column), value, level=level, **filled)

    def report_records(self, records: pd.DataFrame, code: Code, *, level: Level = ERROR):
        """Log problems gathered across files: ``records`` has ``file, row, column, value`` and
        the other fields of the code's template; capped per file, column and code like :meth:`report`."""
        if records.empty:
            return
        for (name, column), group in records.groupby(["file", "column"], sort=False, dropna=False):
            key = (name, column, code, level)
            count = self.counts.get(key, 0)
            self.counts[key] = count + len(group)
            for record in group.head(max(0, MAX_REPORTS - count)).to_dict("records"):
                self.log.add(code, record.pop("file"), record.pop("row"), record.pop("column"), record.pop("value"),
                             level=level, **record)

    def flush_counts(self):
        for (name, column, _, level), count in self.counts.items():
            if count > MAX_REPORTS:
                self.log.add(Code.MORE_OF_KIND, name, None, column, level=level, count=count - MAX_REPORTS)

    def read(self, stem: str, required=True) -> RawTable | None:
        path = find_table(self.dir, stem, self.log, required=required)
        return self.read_path(path) if path is not None else None

    def read_path(self, path: Path) -> RawTable | None:
        name = path.relative_to(self.dir).as_posix()
        table = read_table(path, name, self.log, HEADER_NAMES)
        if table is not None:
            self.files[name] = table.sha256
            self.sample |= table.sample
        return table

    def not_data(self, table: RawTable, column: str, what: str, score: str) -> bool:
        """Whether ``column`` is a 序号, 合计, 平均分, 备注… column rather than data; it is then
        skipped with a warning (never scored)."""
        if not NOT_DATA.search(fold(table.header(column))):
            return False
        self.log.warning(Code.COLUMN_NOT_DATA, table.name, None, table.header(column),
                         header=table.header(column), what=what, score=score)
        return True

    def require(self, table: RawTable, columns) -> bool:
        missing = [c for c in columns if c not in table.columns]
        for c in missing:
            self.log.error(Code.COLUMN_MISSING, table.name, None, c, name=c, chinese=COLUMN_NAMES.get(c, c))
        return not missing

    def unit_names(self, table: RawTable, column: str = "unit") -> pd.Series:
        """The column's units as canonical names; unknown or blank ones are errors (NaN)."""
        self.unit_rows(table, column)
        return table.map_texts(column, self.canonical_names)

    def unit_rows(self, table: RawTable, column: str = "unit") -> np.ndarray:
        """The column's units as their rows in the units table; blank or unknown ones are errors (−1)."""
        at = table.map_texts(column, self.unit_positions).to_numpy()
        blank = table.blank(column)
        self.report(table, blank, column, Code.UNIT_BLANK)
        self.report(table, (at < 0) & ~blank, column, Code.UNKNOWN_UNIT, hint=self.unit_hint)
        return at

    def units_named(self, table: RawTable, column: str, rows) -> set[str]:
        """The units (canonical names) that the cells of ``column`` in ``rows`` name."""
        codes, texts = table.codes(column)
        named = np.flatnonzero(np.bincount(codes[rows], minlength=len(texts)))
        return set(self.canonical_names(texts[named])) - {None}

    def canonical_names(self, texts) -> np.ndarray:
        """The units-file name that each of ``texts`` folds to (``None`` if unknown)."""
        return self.names[self.unit_positions(texts)]

    def unit_positions(self, texts) -> np.ndarray:
        """The row in the units table of the unit each of ``texts`` names (−1 if none), remembered:
        the same names recur in many files."""
        at = self.unit_at
        for text in [t for t in texts if t not in at]:
            at[text] = self.position.get(self.known.get(fold(text)), -1)
        return np.fromiter(map(at.__getitem__, texts), np.int64, len(texts))

    def folded(self, texts) -> list[str]:
        """:func:`fold` of each of ``texts``, remembered: the same names recur in many files."""
        folds = self.folds
        for text in [t for t in texts if t not in folds]:
            folds[text] = fold(text)
        return list(map(folds.__getitem__, texts))

    def unit_hint(self, name) -> str:
        """「，是否为「…」？」 naming the listed unit closest to an unknown ``name``, or nothing."""
        suggestion = closest(fold(name), list(self.known))
        return f"，是否为「{self.known[suggestion]}」？" if suggestion else ""

    def duplicates(self, table: RawTable, keys: pd.Series, column: str, what: str) -> pd.Series:
        """Flag every repeat of a key after its first row, naming that first row."""
        dup = keys.duplicated(keep="first") & keys.notna()
        if dup.any():
            rows = pd.Series(table.rows, index=table.index)
            first = rows.groupby(keys).transform("first")
            self.report_records(
                pd.DataFrame({"file": table.name, "row": rows, "column": table.header(column),
                              "value": table.column(column), "first": first.astype("Int64"), "what": what})[dup],
                Code.REPEATED,
            )
        return dup

    def missing_units(self, units: pd.DataFrame, present, table: RawTable, code: Code, *, level: Level = ERROR):
        """Report every unit of the units file absent from ``present`` (one problem per unit)."""
        absent = units.loc[~units["unit"].isin(present), "unit"]
        self.report_records(
            pd.DataFrame({"file": table.name, "row": None, "column": table.header("unit"), "value": absent}),
            code, level=level,
        )

    def numbers(self, table: RawTable, column: str, *, low=None, high=None, integer=False,
                required=False, what="数值") -> pd.Series:
        """Parse a text column into floats; non-numbers and out-of-range values are errors."""
        number, percent = column_numbers(table, column)
        blank = table.blank(column)
        if required:
            self.report(table, blank, column, Code.VALUE_MISSING, what=what)
        bad = number.isna() & ~blank
        self.not_numbers(table, bad, column)
        if low is not None:
            self.report(table, number < low, column, Code.BELOW_MIN, what=what, low=_num(low))
        if high is not None:
            self.report(table, number > high, column, Code.ABOVE_MAX, what=what, high=_num(high))
        if integer:
            self.report(table, number.notna() & (number != np.floor(number)), column, Code.NOT_INTEGER, what=what)
        return number.where(~bad)

    def not_numbers(self, table: RawTable, bad: pd.Series, column: str):
        """Report the cells of ``bad`` that are not numbers, each with why (:func:`_not_a_number`)."""
        if not bad.any():
            return
        codes, texts = table.codes(column)
        why = {k: _not_a_number(texts[k]) for k in pd.unique(codes[bad.to_numpy()])}  # in the order of the rows
        for code in dict.fromkeys(c for c, _ in why.values()):
            these = [k for k, (c, _) in why.items() if c is code]
            decimal = {texts[k]: why[k][1] for k in these}
            self.report(table, bad & np.isin(codes, these), column, code, decimal=decimal.get)


def parse_numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers typed as text: full-width digits, thousands separators and ``85%`` accepted.

    Returns the values (NaN where blank or not a finite number) and a flag for percentages.
    Each distinct text is parsed once.
    """
    codes, uniques = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
    return _numbers(codes, uniques, text.index)


def column_numbers(table: RawTable, column: str) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_numbers` of a column of ``table``."""
    codes, texts = table.codes(column)
    return _numbers(codes, texts, table.index)


def _numbers(codes: np.ndarray, uniques, index: pd.Index) -> tuple[pd.Series, pd.Series]:
    number, percent = _parse_distinct(uniques)
    return pd.Series(number[codes], index=index, copy=False), pd.Series(percent[codes], index=index, copy=False)


def _parse_distinct(uniques) -> tuple[np.ndarray, np.ndarray]:
    """Numbers and percentage flags of distinct texts, with NaN and False after the last (code −1: blank)."""
    distinct = np.array(["" if u is None or u is pd.NA or u != u else str(u) for u in uniques], dtype=object)
    number = pd.to_numeric(distinct, errors="coerce").astype(float)  # on the array: no Series to build
    percent = np.zeros(len(distinct), bool)
    todo = np.isnan(number) & (distinct != "")
    if todo.any():  # full-width digits, 85%, 1,200: folded and parsed again
        folded = fold_series(pd.Series(distinct[todo]))
        grouped = folded.str.fullmatch(THOUSANDS)  # 1,234 or 12,345.5: thousands separators
        folded = folded.mask(grouped, folded.str.replace(",", "", regex=False))  # any other comma stays: not a number
        is_percent = folded.str.endswith("%").to_numpy(bool)
        base = pd.to_numeric(folded.str.removesuffix("%"), errors="coerce").to_numpy(float)
        number[todo] = np.where(is_percent, base / 100, base)
        percent[todo] = is_percent
    number[~np.isfinite(number)] = np.nan
    return np.append(number, np.nan), np.append(percent, False)


def closest(name: str, candidates: list[str]) -> str | None:
    """The known (folded) name most like ``name``: a containing name first, else difflib's."""
    if not name:
        return None
    containing = [c for c in candidates if name in c or c in name]
    if containing:
        return min(containing, key=lambda c: abs(len(c) - len(name)))
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    return match[0] if match else None


def _not_a_number(value) -> tuple[Code, str | None]:
    """Why a cell is not a number: the problem code, and for a decimal comma the number meant."""
    folded = fold(value) if isinstance(value, str) else ""
    if "," in folded and not re.fullmatch(THOUSANDS, folded):
        decimal = folded.replace(",", ".") if folded.count(",") == 1 else None
        return Code.COMMA_NOT_THOUSANDS, decimal if decimal and is_number(decimal) else "0.5"
    if isinstance(value, str) and DATE_LIKE.match(value):
        return Code.DATE_NOT_NUMBER, None
    if isinstance(value, str) and value.startswith("="):
        return Code.FORMULA_NO_RESULT, None
    if isinstance(value, str) and value.upper() in EXCEL_ERRORS:
        return Code.EXCEL_ERROR_VALUE, None
    return Code.NOT_A_NUMBER, None


def _num(x) -> str:
    return f"{x:g}"

"""Checking a year's inputs and turning them into clean, typed tables (SPEC §2).

Every problem of every file is collected first (file, spreadsheet row, column, value, a
message in Chinese, error or warning); :func:`read_year` raises one
:class:`~kaohe.problems.InvalidInputError` carrying them all. Checks are vectorised over
columns; only the rows with a problem are visited one by one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .io import TABLE_SUFFIXES, RawTable, find_table, fold, fold_series, is_number, read_table, sha256
from .problems import InvalidInputError, Problem, ProblemLog, SchemeError
from .scheme import Indicator, Scheme, load_scheme
from .vocabulary import COLUMN_NAMES

TABLES = ("units", "dept_scores", "leader_scores", "survey", "brand_items", "brand_reviews", "vetoes", "grade_overrides")  # as checked
MAX_REPORTS = 30  # per file, column and kind of problem; the rest are counted in one line
OTHER_FORMATS = {".xls": "Excel 97-2003 工作簿", ".xlsm": "启用宏的 Excel 工作簿", ".xlsb": "Excel 二进制工作簿",
                 ".ods": "OpenDocument 表格", ".et": "WPS 表格", ".numbers": "Numbers 表格"}
KNOWN_SUFFIXES = {*TABLE_SUFFIXES, *OTHER_FORMATS, ".txt", ".tsv"}
FILE_ALIASES = {  # what a file may be called instead of its table's name
    "unit": "units", "单位": "units", "单位名单": "units", "考核单位": "units",
    "leader": "leader_scores", "leaders": "leader_scores", "领导评分": "leader_scores",
    "问卷": "survey", "基层问卷": "survey", "基层评分": "survey", "surveys": "survey",
    "品牌项目": "brand_items", "特色品牌": "brand_items", "特色品牌项目": "brand_items",
    "互评": "brand_reviews", "品牌互评": "brand_reviews",
    "veto": "vetoes", "否决": "vetoes", "一票否决": "vetoes",
    "override": "grade_overrides", "overrides": "grade_overrides", "等次调整": "grade_overrides",
}
NOT_DATA = re.compile(  # headers of columns that hold no scores: numbering, totals, notes, survey metadata
    r"^(序号|编号|no\.?|id|合计|总计|小计|总分|平均|平均分|均分|备注|说明|排名|名次|提交答卷时间|提交时间|答题时间|所用时间|"
    r"来源|来源详情|来自ip|ip|ip地址|sum|total|average|mean|note|notes|remark)$|^(合计|总计|小计|平均|备注)")
HEADER_NAMES = ("unit", "reviewer")  # a row holding one of these is the header, even below a title
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!", "#GETTING_DATA")
DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")
THOUSANDS = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?%?"  # the only comma a number may hold
INDICATOR_HEADER = re.compile(r"^(\d+(?:\.\d+)+)")


@dataclass
class YearInputs:
    """A year's inputs after validation: every table clean, every unit a canonical name."""

    year: int
    scheme: Scheme
    units: pd.DataFrame  # unit, medical_target, medical_prior, group
    values: pd.DataFrame  # unit, indicator, value (as given), number
    leader: pd.DataFrame  # unit, member, score (NaN where blank)
    survey: pd.DataFrame  # respondent, unit, sub_union, role, then one points column per question
    questions: list[str]
    brand_items: pd.DataFrame  # unit, item, title
    brand_reviews: pd.DataFrame  # reviewer, item, score
    vetoes: pd.DataFrame  # unit, clause, note
    overrides: pd.DataFrame  # unit, grade, reason
    files: dict[str, str] = field(default_factory=dict)  # input file → SHA-256
    warnings: list[Problem] = field(default_factory=list)


def read_year(year_dir: str | Path, year: int | None = None) -> YearInputs:
    """Read and validate every input of one year's folder ``data/raw/<year>/``.

    Raises :class:`InvalidInputError` listing every error and warning when any error is found.
    """
    year_dir = Path(year_dir)
    scheme = load_scheme(year_dir / "scheme.yaml")
    if year is not None and scheme.year != year:
        raise SchemeError(
            [Problem("scheme.yaml", None, "year", scheme.year, f"方案年份 {scheme.year} 与所选年份 {year} 不一致")]
        )
    checker = _YearChecker(year_dir, scheme)
    inputs = checker.run()
    checker.log.raise_if_errors()
    return inputs


class _YearChecker:
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

    # -- the story -----------------------------------------------------------------------
    def run(self) -> YearInputs:
        self.files_present()
        units = self.units()
        values = self.dept_scores(units)
        leader = self.leader_scores(units)
        survey, questions = self.survey(units)
        items = self.brand_items(units)
        reviews = self.brand_reviews(items)
        vetoes = self.vetoes()
        overrides = self.overrides(vetoes)
        self.flush_counts()
        return YearInputs(
            year=self.scheme.year,
            scheme=self.scheme,
            units=units,
            values=values,
            leader=leader,
            survey=survey,
            questions=questions,
            brand_items=items,
            brand_reviews=reviews,
            vetoes=vetoes,
            overrides=overrides,
            files=dict(sorted(self.files.items())),
            warnings=self.log.warnings,
        )

    # -- reporting -----------------------------------------------------------------------
    def report(self, table: RawTable, mask, column, message, *, level="error", shown=None):
        """Log ``message`` (a string or a function of the value) for each row in ``mask``.

        ``mask`` is a boolean Series or array, or the index labels of the rows. Only the first
        ``MAX_REPORTS`` rows of each kind are logged; the rest are counted (:meth:`flush_counts`).
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
        kind = message if isinstance(message, str) else message.__code__  # each lambda is its own kind
        key = (table.name, table.header(column), kind, level)
        count = self.counts.get(key, 0)
        self.counts[key] = count + len(index)
        shown = shown if shown is not None else column
        codes, texts = table.codes(shown) if shown in table.columns else (None, None)
        add = self.log.error if level == "error" else self.log.warning
        for position in index[: max(0, MAX_REPORTS - count)]:  # the index is the position in the table
            value = None if texts is None else texts[codes[position]]
            text = message(value) if callable(message) else message
            add(table.name, table.rows[position], table.header(column), value, text)

    def report_records(self, records: pd.DataFrame, message, *, level="error"):
        """Log problems gathered across files: ``records`` has ``file, row, column, value`` and
        ``message`` makes the text of one record; capped per file and column like :meth:`report`."""
        if records.empty:
            return
        add = self.log.error if level == "error" else self.log.warning
        for (name, column), group in records.groupby(["file", "column"], sort=False, dropna=False):
            key = (name, column, message.__code__, level)
            count = self.counts.get(key, 0)
            self.counts[key] = count + len(group)
            for record in group.head(max(0, MAX_REPORTS - count)).itertuples(index=False):
                add(record.file, record.row, record.column, record.value, message(record))

    def flush_counts(self):
        for (name, column, _, level), count in self.counts.items():
            if count > MAX_REPORTS:
                add = self.log.error if level == "error" else self.log.warning
                add(name, None, column, None, f"……同类问题另有 {count - MAX_REPORTS} 处未逐条列出")

    def read(self, stem: str, required=True) -> RawTable | None:
        path = find_table(self.dir, stem, self.log, required=required)
        return self.read_path(path) if path is not None else None

    def read_path(self, path: Path) -> RawTable | None:
        name = path.relative_to(self.dir).as_posix()
        table = read_table(path, name, self.log, HEADER_NAMES)
        if table is not None:
            self.files[name] = table.sha256
        return table

    def not_data(self, table: RawTable, column: str, what: str, score: str) -> bool:
        """Whether ``column`` is a 序号, 合计, 平均分, 备注… column rather than data; it is then
        skipped with a warning (never scored)."""
        if not NOT_DATA.search(fold(table.header(column))):
            return False
        self.log.warning(table.name, None, table.header(column), None,
                         f"列「{table.header(column)}」不是{what}（像是序号、合计、平均分或备注），未计入{score}")
        return True

    def require(self, table: RawTable, columns) -> bool:
        missing = [c for c in columns if c not in table.columns]
        for c in missing:
            self.log.error(table.name, None, c, None, f"缺少必需的列「{c}」（中文表头「{COLUMN_NAMES.get(c, c)}」）")
        return not missing

    def unit_names(self, table: RawTable, column: str = "unit") -> pd.Series:
        """The column's units as canonical names; unknown or blank ones are errors (NaN)."""
        self.unit_rows(table, column)
        return table.map_texts(column, self.canonical_names)

    def unit_rows(self, table: RawTable, column: str = "unit") -> np.ndarray:
        """The column's units as their rows in the units table; blank or unknown ones are errors (−1)."""
        at = table.map_texts(column, self.unit_positions).to_numpy()
        blank = table.blank(column)
        self.report(table, blank, column, "单位名称为空")
        self.report(table, (at < 0) & ~blank, column, self.unknown_unit)
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

    def unknown_unit(self, name) -> str:
        suggestion = closest(fold(name), list(self.known))
        hint = f"，是否为「{self.known[suggestion]}」？" if suggestion else ""
        return f"单位「{name}」不在本年度考核单位名单（units）中{hint}"

    def duplicates(self, table: RawTable, keys: pd.Series, column: str, what: str) -> pd.Series:
        """Flag every repeat of a key after its first row, naming that first row."""
        dup = keys.duplicated(keep="first") & keys.notna()
        if dup.any():
            rows = pd.Series(table.rows, index=table.index)
            first = rows.groupby(keys).transform("first")
            self.report_records(
                pd.DataFrame({"file": table.name, "row": rows, "column": table.header(column),
                              "value": table.column(column), "first": first})[dup],
                lambda r: f"{what}「{r.value}」重复（第{int(r.first)}行已有）",
            )
        return dup

    def missing_units(self, units: pd.DataFrame, present, table: RawTable, message, *, level="error"):
        """Report every unit of the units file absent from ``present`` (one problem per unit)."""
        absent = units.loc[~units["unit"].isin(present), "unit"]
        self.report_records(
            pd.DataFrame({"file": table.name, "row": None, "column": table.header("unit"), "value": absent}),
            message, level=level,
        )

    # -- the files -----------------------------------------------------------------------
    def files_present(self):
        """Every entry of the year folder and of dept_scores/ is a table kaohe reads, or a problem:
        a name close to an expected one (``Vetoes.CSV``, ``一票否决.csv``, ``veto.csv``) or another
        format (``.xls``, ``.ods``) is an error, since the table would otherwise go unread; any
        other file is a warning."""
        expected = {f"{stem}{suffix}" for stem in TABLES if stem != "dept_scores" for suffix in TABLE_SUFFIXES}
        for entry in _entries(self.dir):
            name = entry.name
            if name == "scheme.yaml" or (name == "dept_scores" and entry.is_dir()):
                continue
            if name in expected:
                if not entry.is_file():
                    self.not_a_table(name, entry)
                continue
            stem, suffix = _stem_and_suffix(name)
            meant = _meant_table(stem)
            if meant is None:
                self.log.warning(name, None, None, None,
                                 f"不认识的文件「{name}」，kaohe 不读取它（应有的文件见 README「输入文件」）")
            elif suffix in OTHER_FORMATS and stem.lower() == meant:
                self.other_format(name, suffix, meant)
            elif not entry.is_file() and stem.lower() == meant and suffix in TABLE_SUFFIXES:
                self.not_a_table(name, entry)
            else:
                self.log.error(name, None, None, None, f"文件名「{name}」与应有的文件名「{meant}.csv」（或 {meant}.xlsx）"
                               f"相近，但不是它，kaohe 不会读取：请改名为 {meant}.csv 或 {meant}.xlsx")
        folder = self.dir / "dept_scores"
        for entry in _entries(folder) if folder.is_dir() else []:
            name = f"dept_scores/{entry.name}"
            stem, suffix = _stem_and_suffix(entry.name)
            if suffix in TABLE_SUFFIXES and entry.is_file():
                continue
            if suffix in OTHER_FORMATS:
                self.other_format(name, suffix, stem)
            elif suffix in TABLE_SUFFIXES:
                self.not_a_table(name, entry)
            else:
                self.log.warning(name, None, None, None, f"「{entry.name}」不是 .csv 或 .xlsx 表格，kaohe 不读取它")

    def other_format(self, name: str, suffix: str, stem: str):
        self.log.error(name, None, None, None, f"{OTHER_FORMATS[suffix]}格式（{suffix}）kaohe 不能读取："
                       f"请在 Excel 或 WPS 中另存为 {stem}.xlsx 或 {stem}.csv")

    def not_a_table(self, name: str, entry: Path):
        what = "是失效的快捷方式（链接）" if entry.is_symlink() and not entry.exists() else "是一个文件夹"
        self.log.error(name, None, None, None, f"「{name}」{what}，不是表格文件")

    # -- units ---------------------------------------------------------------------------
    def units(self) -> pd.DataFrame:
        table = self.read("units")
        empty = pd.DataFrame({"unit": pd.Series(dtype=str), "medical_target": [], "medical_prior": [], "group": []})
        if table is None or not self.require(table, ["unit"]):
            return empty
        frame = table.frame
        names = frame["unit"]
        folded = table.map("unit", fold)
        blank = folded.eq("")
        self.report(table, blank, "unit", "单位名称为空")
        dup = folded.duplicated() & ~blank
        self.report(table, dup, "unit", lambda v: f"单位「{v}」在名单中重复")
        ok = ~blank & ~dup
        self.known = dict(zip(folded[ok], names[ok]))
        self.position = {name: k for k, name in enumerate(names[ok])}
        self.names = np.array([*names[ok], None], dtype=object)
        needs_target = any(i.rule.kind == "target" for i in self.scheme.indicators)
        target = pd.Series(np.nan, index=frame.index)
        if "medical_target" in frame:
            target = self.numbers(table, "medical_target", low=0, required=needs_target)
        elif needs_target:
            self.require(table, ["medical_target"])
        prior = self.numbers(table, "medical_prior", low=0) if "medical_prior" in frame else target * np.nan
        if needs_target:
            self.report(table, target.eq(0) & ok, "medical_target", "参保基数为 0，无法计算完成比例")
            ids = "、".join(i.id for i in self.scheme.indicators if i.rule.kind == "target")
            self.report(table, prior.eq(0) & ok, "unit",
                        lambda v: f"单位「{v}」的上年参保数为 0：指标 {ids} 的目标按上年数计为 0，"
                                  "无论今年完成多少（即使为 0）都得满分；如上年确有参保，请填写实际人数，没有上年数请留空",
                        level="warning")
        group = frame["group"] if "group" in frame else pd.Series("", index=frame.index)
        return pd.DataFrame(
            {"unit": names[ok], "medical_target": target[ok], "medical_prior": prior[ok], "group": group[ok]}
        ).reset_index(drop=True)

    # -- numbers -------------------------------------------------------------------------
    def numbers(self, table: RawTable, column: str, *, low=None, high=None, integer=False,
                required=False, what="数值") -> pd.Series:
        """Parse a text column into floats; non-numbers and out-of-range values are errors."""
        number, percent = _column_numbers(table, column)
        blank = table.blank(column)
        if required:
            self.report(table, blank, column, f"缺少{what}")
        bad = number.isna() & ~blank
        self.report(table, bad, column, _not_a_number)
        self.range_check(table, column, number, low=low, high=high, integer=integer, what=what)
        return number.where(~bad)

    def range_check(self, table, column, number, *, low=None, high=None, integer=False, what="数值"):
        if low is not None:
            under = number < low
            self.report(table, under[under].index, column, lambda v: f"{what} {v} 不能小于 {_num(low)}")
        if high is not None:
            over = number > high
            self.report(table, over[over].index, column, lambda v: f"{what} {v} 超过上限 {_num(high)}")
        if integer:
            frac = number.notna() & (number != np.floor(number))
            self.report(table, frac[frac].index, column, lambda v: f"{what}应为整数，而不是 {v}")

    # -- department scores ---------------------------------------------------------------
    def dept_scores(self, units: pd.DataFrame) -> pd.DataFrame:
        folder = self.dir / "dept_scores"
        columns = ["unit", "indicator", "value", "number", "file", "row", "column"]
        if not folder.is_dir():
            self.log.error("dept_scores/", None, None, None, "缺少业务部门评分文件夹 dept_scores/")
            return pd.DataFrame(columns=columns)
        paths = [p for p in _entries(folder) if p.is_file() and _stem_and_suffix(p.name)[1] in TABLE_SUFFIXES]
        if not paths:
            self.log.error("dept_scores/", None, None, None, "dept_scores/ 文件夹中没有 .csv 或 .xlsx 文件")
        indicators = {i.id: i for i in self.scheme.indicators}
        ids = list(indicators)
        parts, sources = [], []
        for path in paths:
            table = self.read_path(path)
            if table is None or not self.require(table, ["unit"]):
                continue
            found = {}
            for column in table.columns:
                if column == "unit":
                    continue
                match = INDICATOR_HEADER.match(column)
                if match and match.group(1) in indicators:
                    found[column] = match.group(1)
                else:
                    self.log.warning(table.name, None, column, column, f"列「{column}」不是本年度方案中的指标编号，已忽略")
            duplicate_ids = pd.Series(list(found.values())).duplicated()
            for column, dup in zip(list(found), duplicate_ids):
                if dup:
                    self.log.error(table.name, None, column, column, f"指标 {found[column]} 在同一文件中出现了两列")
            at = self.unit_rows(table)
            rows = np.flatnonzero(at >= 0)  # those of a unit on the list
            for column, indicator_id in found.items():
                number = self.indicator_values(table, column, indicators[indicator_id], at >= 0)
                parts.append(pd.DataFrame({
                    "_u": at[rows], "_i": ids.index(indicator_id), "_p": len(sources),
                    "row": table.rows[rows], "value": table.column(column, rows).array, "number": number.to_numpy()[rows],
                }, copy=False))
                sources.append((table.name, column))
        if not parts:
            return pd.DataFrame(columns=columns[:4])
        values = pd.concat(parts, ignore_index=True)
        names = units["unit"].to_numpy(dtype=object)
        # (unit, indicator) as one integer: duplicates, gaps and the order without hashing text
        key = values["_u"].to_numpy() * len(ids) + values["_i"].to_numpy()
        dup = pd.Series(key).duplicated(keep="first").to_numpy()
        if dup.any():
            files, columns_of = (np.asarray([s[k] for s in sources], dtype=object) for k in (0, 1))
            first = values.groupby(key)[["_p", "row"]].transform("first")[dup]
            again = values[dup]
            self.report_records(
                pd.DataFrame({
                    "file": files[again["_p"]], "row": again["row"], "column": columns_of[again["_p"]],
                    "value": again["value"], "unit": names[again["_u"]], "indicator": np.asarray(ids, dtype=object)[again["_i"]],
                    "first_file": files[first["_p"]], "first_row": first["row"],
                }),
                lambda r: f"单位「{r.unit}」的指标 {r.indicator} 重复评分（{r.first_file} 第{r.first_row}行已有）",
            )
        values, key = values[~dup], key[~dup]
        present = np.zeros(len(units) * len(ids), bool)
        present[key] = True
        missing = np.flatnonzero(~present)
        if len(missing):
            indicator = np.asarray(ids, dtype=object)[missing % len(ids)]
            department = np.array([indicators[i].department for i in ids], dtype=object)[missing % len(ids)]
            self.report_records(
                pd.DataFrame({"file": "dept_scores/" + department, "row": None, "column": indicator, "value": None,
                              "unit": units["unit"].to_numpy()[missing // len(ids)], "indicator": indicator,
                              "department": department}),
                lambda r: f"单位「{r.unit}」缺少指标 {r.indicator}（{r.department}评分）的得分",
            )
        values = values.iloc[np.argsort(key, kind="stable")]
        return pd.DataFrame({
            "unit": names[values["_u"].to_numpy()],
            "indicator": np.asarray(ids, dtype=object)[values["_i"].to_numpy()],
            "value": values["value"].to_numpy(),
            "number": values["number"].to_numpy(),
        })

    def indicator_values(self, table: RawTable, column: str, indicator: Indicator, listed) -> pd.Series:
        """Parse one indicator column by its rule kind (SPEC §1.1); errors name the cell (of a
        ``listed`` unit, for a missing value)."""
        kind, rule = indicator.rule.kind, indicator.rule
        blank = table.blank(column)
        self.report(table, blank & listed, column, f"缺少指标 {indicator.id} 的评分")
        number, percent = _column_numbers(table, column)
        bad = number.isna() & ~blank
        self.report(table, bad, column, _not_a_number)
        number = number.where(~bad)
        what = {"manual": "得分", "deduction": "发现次数", "checklist": "缺少项数", "bands": "比例", "target": "完成数"}[kind]
        if kind == "manual":
            under = number < 0
            self.report(table, under, column, lambda v: f"得分 {v} 不能为负数")
            over = number > indicator.max
            self.report(table, over, column, lambda v: f"得分 {v} 超过该指标满分 {_num(indicator.max)}")
        elif kind in ("deduction", "checklist"):
            self.range_check(table, column, number, low=0, high=rule.n if kind == "checklist" else None,
                             integer=True, what=what)
        elif kind == "target":
            self.range_check(table, column, number, low=0, what=what)
        elif kind == "bands":
            bare = number.gt(1) & ~percent
            self.report(table, bare, column, lambda v: f"比例「{v}」大于 1：请写作 {v}% 或 {_num(_float(v) / 100)}")
            out = (number.lt(0) | number.gt(1)) & ~bare
            self.report(table, out, column, lambda v: f"比例 {v} 应在 0 到 1（0% 到 100%）之间")
            number = number.where(~bare & ~out)
        if kind != "bands" and percent.any():
            self.report(table, percent, column, lambda v: f"{what}不应写成百分数（{v}）")
            number = number.where(~percent)
        return number

    # -- leadership scores ---------------------------------------------------------------
    def leader_scores(self, units: pd.DataFrame) -> pd.DataFrame:
        empty = pd.DataFrame({"unit": pd.Series(dtype=str), "member": pd.Series(dtype=str), "score": []})
        table = self.read("leader_scores")
        if table is None or not self.require(table, ["unit"]):
            return empty
        members = [c for c in table.columns if c != "unit" and not self.not_data(table, c, "领导班子成员的评分", "领导评分")]
        if not members:
            self.log.error(table.name, None, None, None, "没有领导班子成员的评分列")
            return empty
        unit = self.unit_names(table)
        self.duplicates(table, unit, "unit", "单位")
        keep = unit.notna() & ~unit.duplicated()
        parts = []
        for member in members:
            score = self.numbers(table, member, low=0, high=100, what="评分")
            blank = table.blank(member) & keep
            self.report(table, blank, member, f"领导「{member}」未给该单位评分，按未评分处理（不计入平均）", level="warning",
                        shown="unit")
            parts.append(pd.DataFrame({"unit": unit, "member": member, "score": score})[keep])
        leader = pd.concat(parts, ignore_index=True)
        self.missing_units(units, unit[keep], table, lambda r: f"单位「{r.value}」没有领导评分")
        scored = leader.loc[leader["score"].notna(), "unit"]
        self.report(table, keep & ~unit.isin(scored), "unit", lambda v: f"单位「{v}」没有任何领导评分")
        return leader

    # -- grassroots survey ---------------------------------------------------------------
    def survey(self, units: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        table = self.read("survey")
        base = ["respondent", "unit", "sub_union", "role"]
        if table is None or not self.require(table, ["unit", "role"]):
            return pd.DataFrame(columns=base), []
        questions = [c for c in table.columns if c not in ("unit", "sub_union", "role")
                     and not self.not_data(table, c, "问卷题目的答案", "基层评分")]
        if not questions:
            self.log.error(table.name, None, None, None, "问卷表没有任何题目列")
        unit_at = self.unit_rows(table)
        listed = unit_at >= 0
        roles = {fold(r): r for r in self.scheme.roles}

        def role_of(text):
            return roles.get(fold(text))

        known_role = table.map("role", lambda u: role_of(u) is not None)
        self.report(table, ~known_role, "role",
                    lambda v: f"身份「{v}」无法识别，应为 {'、'.join(self.scheme.roles)} 之一")
        scale = {}
        for answer in self.scheme.answers:
            scale[fold(answer.label)] = answer.points
            scale[str(answer.value)] = answer.points
        labels = "、".join(f"{a.value}（{a.label}）" for a in self.scheme.answers)
        answered = np.zeros(len(table.rows), bool)
        points = {}  # question → (codes, the points of each distinct answer: NaN if blank or not on the scale)
        for question in questions:
            codes, texts = table.codes(question)
            value = np.array([_answer_points(t, scale) for t in texts], dtype=float)
            if (value < 0).any():
                self.report(table, (value < 0)[codes], question, lambda v: f"答案「{v}」无法识别，应为 {labels} 或留空")
            answered |= (value >= 0)[codes]
            points[question] = codes, np.where(value >= 0, value, np.nan)
        respondent = listed & known_role
        self.report(table, respondent & ~answered, "unit", "该受访者所有题目均未作答，不计入基层评分", level="warning")
        rows = np.flatnonzero(respondent & answered)
        answers = np.empty((len(questions), len(rows)))  # a row per question: the block pandas would make of them
        every = len(rows) == len(table.rows)  # no respondent left out: no need to pick the rows
        for k, (codes, value) in enumerate(points.values()):
            answers[k] = value[codes if every else codes[rows]]
        # unit and role as categories: a million answers name a few hundred units and three roles
        names = pd.Index(self.names[:-1])
        role_at = table.map("role", lambda u: self.scheme.roles.index(role_of(u)) if role_of(u) else -1, rows).to_numpy()
        survey = pd.concat([
            pd.DataFrame({
                "respondent": table.rows[rows],
                "unit": pd.Categorical.from_codes(unit_at[rows], categories=names) if names.is_unique
                else table.map_texts("unit", self.canonical_names, rows).array,
                "sub_union": table.column("sub_union", rows).array if "sub_union" in table.columns else "",
                "role": pd.Categorical.from_codes(role_at, categories=self.scheme.roles),
            }, copy=False),
            pd.DataFrame(answers.T, columns=questions, copy=False),
        ], axis=1)
        weighted = table.map("role", lambda u: self.scheme.role_weights.get(role_of(u), 0) > 0).to_numpy()
        surveyed = self.units_named(table, "unit", rows)
        self.missing_units(units[units["unit"].isin(surveyed)], self.units_named(table, "unit", rows[weighted[rows]]),
                           table, lambda r: f"单位「{r.value}」的受访者身份在方案中的权重均为 0，无法计算基层评分")
        self.missing_units(units, surveyed, table, lambda r: f"单位「{r.value}」没有有效的基层问卷")
        return survey, questions

    # -- brand work ----------------------------------------------------------------------
    def brand_items(self, units: pd.DataFrame) -> pd.DataFrame:
        empty = pd.DataFrame({"unit": pd.Series(dtype=str), "item": pd.Series(dtype=str), "title": pd.Series(dtype=str)})
        table = self.read("brand_items")
        if table is None or not self.require(table, ["unit", "item"]):
            return empty
        frame = table.frame
        unit = self.unit_names(table)
        item = table.map_texts("item", self.folded)
        self.report(table, item.eq(""), "item", "项目编号为空")
        dup = self.duplicates(table, item.where(item.ne("")), "item", "项目编号")
        title = frame["title"] if "title" in frame else pd.Series("", index=frame.index)
        self.report(table, title.eq("") & item.ne(""), "title", "项目名称为空", level="warning",
                    shown="item" if "title" not in frame else None)
        ok = unit.notna() & item.ne("") & ~dup
        items = pd.DataFrame({"unit": unit, "item": item, "title": title})[ok]
        nth = items.groupby("unit").cumcount() + 1
        limit = self.scheme.max_brand_items
        self.report(table, nth[nth > limit].index, "item",
                    lambda v: f"该单位申报的特色品牌项目超过 {limit} 项（限报 {limit} 项）")
        self.missing_units(units, items["unit"], table, lambda r: f"单位「{r.value}」未申报特色品牌项目，品牌得分记 0 分",
                           level="warning")
        return items.reset_index(drop=True)

    def brand_reviews(self, items: pd.DataFrame) -> pd.DataFrame:
        empty = pd.DataFrame({"reviewer": pd.Series(dtype=str), "item": pd.Series(dtype=str), "score": []})
        table = self.read("brand_reviews")
        if table is None or not self.require(table, ["reviewer", "item", "score"]):
            return empty
        reviewer = self.unit_rows(table, "reviewer")
        listed = reviewer >= 0
        codes, texts = table.codes("item")
        folded = pd.Index(self.folded(texts))  # the item of each distinct text
        item = pd.Index(items["item"]).get_indexer(folded)[codes]  # each review's row in items (−1: none)
        self.report(table, item < 0, "item", lambda v: f"项目编号「{v}」不在特色品牌项目表（brand_items）中")
        score = self.numbers(table, "score", low=0, high=100, required=True, what="得分")
        keys = pd.DataFrame({"reviewer": reviewer, "item": folded.factorize()[0][codes]})
        dup = keys.duplicated() & listed
        self.report(table, dup, "item", lambda v: f"同一评分单位对项目「{v}」重复评分")
        owner = np.append(items["unit"].map(self.position).to_numpy(dtype=np.int64), -1)[item]
        own = (owner == reviewer) & listed
        self.report(table, own, "reviewer", "本单位给自己的项目评分（自评），不计入互评得分", level="warning")
        rows = np.flatnonzero(listed & (item >= 0) & score.notna() & ~dup)
        reviewed = np.bincount(item[rows[~own[rows]]], minlength=len(items)) > 0
        unreviewed = items[~reviewed]
        self.report_records(
            pd.DataFrame({"file": table.name, "row": None, "column": table.header("item"), "value": unreviewed["item"],
                          "unit": unreviewed["unit"]}),
            lambda r: f"项目「{r.value}」（{r.unit}）没有其他单位的评分",
        )
        return pd.DataFrame({
            "reviewer": table.map_texts("reviewer", self.canonical_names, rows).array,
            "item": folded.array.take(codes[rows]),
            "score": score.to_numpy()[rows],
        }, copy=False)

    # -- vetoes and the meeting's decisions ----------------------------------------------
    def vetoes(self) -> pd.DataFrame:
        empty = pd.DataFrame({"unit": pd.Series(dtype=str), "clause": pd.Series(dtype=str), "note": pd.Series(dtype=str)})
        table = self.read("vetoes", required=False)
        if table is None or not self.require(table, ["unit", "clause"]):
            return empty
        frame = table.frame
        unit = self.unit_names(table)
        clauses = {c.id for c in self.scheme.veto_clauses}
        clause = table.map("clause", fold).str.removeprefix("第").str.removesuffix("项").str.removesuffix("条")
        clause = clause.where(~clause.str.fullmatch(r"\d+\.0"), clause.str[:-2])
        bad = ~clause.isin(clauses)
        self.report(table, bad, "clause",
                    lambda v: f"否决条款「{v}」不存在，应为 {'、'.join(sorted(clauses))} 之一（附件2 第9项）")
        note = frame["note"] if "note" in frame else pd.Series("", index=frame.index)
        keys = pd.DataFrame({"unit": unit, "clause": clause})
        dup = keys.duplicated() & unit.notna()
        self.report(table, dup, "clause", lambda v: f"同一单位的否决条款「{v}」重复")
        ok = unit.notna() & ~bad & ~dup
        return pd.DataFrame({"unit": unit, "clause": clause, "note": note})[ok].reset_index(drop=True)

    def overrides(self, vetoes: pd.DataFrame) -> pd.DataFrame:
        empty = pd.DataFrame({"unit": pd.Series(dtype=str), "grade": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
        table = self.read("grade_overrides", required=False)
        if table is None or not self.require(table, ["unit", "grade"]):
            return empty
        frame = table.frame
        unit = self.unit_names(table)
        grades = {fold(g): g for g in (self.scheme.top_grade, self.scheme.other_grade)}
        grade = table.map("grade", lambda u: grades.get(fold(u)))
        self.report(table, grade.isna(), "grade", lambda v: f"等次「{v}」无法识别，应为 {'、'.join(grades.values())} 之一")
        reason = frame["reason"] if "reason" in frame else pd.Series("", index=frame.index)
        self.report(table, reason.eq("") & unit.notna(), "reason", "调整等次应写明理由（会议决定）",
                    shown="unit" if "reason" not in frame else None)
        dup = self.duplicates(table, unit, "unit", "单位")
        vetoed = unit.isin(set(vetoes["unit"])) & grade.eq(self.scheme.top_grade)
        self.report(table, vetoed, "grade", f"该单位被一票否决，取消当年评优资格，不能调整为{self.scheme.top_grade}")
        ok = unit.notna() & grade.notna() & ~dup & ~vetoed & reason.ne("")
        return pd.DataFrame({"unit": unit, "grade": grade, "reason": reason})[ok].reset_index(drop=True)


def parse_numbers(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers typed as text: full-width digits, thousands separators and ``85%`` accepted.

    Returns the values (NaN where blank or not a finite number) and a flag for percentages.
    Each distinct text is parsed once.
    """
    codes, uniques = pd.factorize(text.to_numpy(dtype=object), use_na_sentinel=True)
    return _numbers(codes, uniques, text.index)


def _column_numbers(table: RawTable, column: str) -> tuple[pd.Series, pd.Series]:
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


def _entries(folder: Path) -> list[Path]:
    """The entries of a folder as they are named (the same on every system), less hidden files
    and Office's lock files (``~$…``, a workbook open in Excel)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "~$")))


def _stem_and_suffix(name: str) -> tuple[str, str]:
    """``Vetoes.CSV`` → (``Vetoes``, ``.csv``); ``vetoes.csv.csv`` → (``vetoes``, ``.csv``)."""
    stem, suffix = name, ""
    while True:
        base, dot, ext = stem.rpartition(".")
        if not dot or f".{ext.lower()}" not in KNOWN_SUFFIXES:
            return stem, suffix
        stem, suffix = base, suffix or f".{ext.lower()}"


def _meant_table(stem: str) -> str | None:
    """The input table a file name most likely stands for: ``Vetoes``, ``veto``, ``一票否决`` → ``vetoes``."""
    key = fold(stem).lower().replace("-", "_").replace(" ", "_")
    if key in FILE_ALIASES:
        return FILE_ALIASES[key]
    stems = [t for t in TABLES if t != "dept_scores"]
    if key in stems:
        return key
    close = difflib.get_close_matches(key, stems, n=1, cutoff=0.75)
    return close[0] if close else None


def closest(name: str, candidates: list[str]) -> str | None:
    """The known (folded) name most like ``name``: a containing name first, else difflib's."""
    if not name:
        return None
    containing = [c for c in candidates if name in c or c in name]
    if containing:
        return min(containing, key=lambda c: abs(len(c) - len(name)))
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.5)
    return match[0] if match else None


def _answer_points(text: str, scale: dict[str, float]) -> float:
    """Points of one answer; NaN for blank, −1 for an answer not on the scale."""
    if text is None or text == "":
        return np.nan
    key = fold(text)
    if key in scale:
        return scale[key]
    try:
        number = float(key)
    except ValueError:
        return -1.0
    if number.is_integer() and str(int(number)) in scale:
        return scale[str(int(number))]
    return -1.0


def _not_a_number(value) -> str:
    folded = fold(value) if isinstance(value, str) else ""
    if "," in folded and not re.fullmatch(THOUSANDS, folded):
        decimal = folded.replace(",", ".") if folded.count(",") == 1 else None
        hint = f"；小数请用小数点，如 {decimal}" if decimal and is_number(decimal) else "；小数请用小数点，如 0.5"
        return f"「{value}」中的逗号不是千位分隔符（只有 1,234 这样每三位一个逗号才是）{hint}"
    if isinstance(value, str) and DATE_LIKE.match(value):
        return f"「{value}」是日期，不是数字（请检查单元格格式）"
    if isinstance(value, str) and value.startswith("="):
        return f"「{value}」是公式而没有计算结果，请在 Excel 中重新计算并保存"
    if isinstance(value, str) and value.upper() in EXCEL_ERRORS:
        return f"「{value}」是 Excel 的错误值（公式出错），请检查该单元格的公式"
    return f"「{value}」不是有效的数字"


def _float(text) -> float:
    number, _ = parse_numbers(pd.Series([str(text)]))
    return float(number.iloc[0])


def _num(x) -> str:
    return f"{x:g}"



__all__ = ["YearInputs", "read_year", "parse_numbers", "closest", "InvalidInputError"]

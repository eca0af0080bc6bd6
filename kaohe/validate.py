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
from .problems import ERROR, WARNING, Code, InvalidInputError, Level, Problem, ProblemLog, SchemeError
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
            [Problem.of(Code.YEAR_MISMATCH, "scheme.yaml", None, "year", scheme.year, year=year)]
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
                self.log.warning(Code.FILE_UNKNOWN, name, name=name)
            elif suffix in OTHER_FORMATS and stem.lower() == meant:
                self.other_format(name, suffix, meant)
            elif not entry.is_file() and stem.lower() == meant and suffix in TABLE_SUFFIXES:
                self.not_a_table(name, entry)
            else:
                self.log.error(Code.FILE_NEAR_NAME, name, name=name, meant=meant)
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
                self.log.warning(Code.FILE_NOT_A_TABLE, name, name=entry.name)

    def other_format(self, name: str, suffix: str, stem: str):
        self.log.error(Code.FILE_OTHER_FORMAT, name, format=OTHER_FORMATS[suffix], suffix=suffix, stem=stem)

    def not_a_table(self, name: str, entry: Path):
        what = "是失效的快捷方式（链接）" if entry.is_symlink() and not entry.exists() else "是一个文件夹"
        self.log.error(Code.FILE_NOT_A_FILE, name, name=name, what=what)

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
        self.report(table, blank, "unit", Code.UNIT_BLANK)
        dup = folded.duplicated() & ~blank
        self.report(table, dup, "unit", Code.UNIT_LISTED_TWICE)
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
            self.report(table, target.eq(0) & ok, "medical_target", Code.TARGET_ZERO)
            ids = "、".join(i.id for i in self.scheme.indicators if i.rule.kind == "target")
            self.report(table, prior.eq(0) & ok, "unit", Code.PRIOR_ZERO, level=WARNING, ids=ids)
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

    # -- department scores ---------------------------------------------------------------
    def dept_scores(self, units: pd.DataFrame) -> pd.DataFrame:
        folder = self.dir / "dept_scores"
        columns = ["unit", "indicator", "value", "number", "file", "row", "column"]
        if not folder.is_dir():
            self.log.error(Code.DEPT_FOLDER_MISSING, "dept_scores/")
            return pd.DataFrame(columns=columns)
        paths = [p for p in _entries(folder) if p.is_file() and _stem_and_suffix(p.name)[1] in TABLE_SUFFIXES]
        if not paths:
            self.log.error(Code.DEPT_FOLDER_EMPTY, "dept_scores/")
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
                    self.log.warning(Code.UNKNOWN_INDICATOR, table.name, None, column, column)
            duplicate_ids = pd.Series(list(found.values())).duplicated()
            for column, dup in zip(list(found), duplicate_ids):
                if dup:
                    self.log.error(Code.INDICATOR_TWO_COLUMNS, table.name, None, column, column, indicator=found[column])
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
                Code.INDICATOR_SCORED_TWICE,
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
                Code.SCORE_MISSING,
            )
        values = values.iloc[np.argsort(key, kind="stable")]
        return pd.DataFrame({
            "unit": names[values["_u"].to_numpy()],
            "indicator": np.asarray(ids, dtype=object)[values["_i"].to_numpy()],
            "value": values["value"].to_numpy(),
            "number": values["number"].to_numpy(),
        })

    def indicator_values(self, table: RawTable, column: str, indicator: Indicator, listed) -> pd.Series:
        """Parse one indicator column and check it by its rule (:meth:`kaohe.rules.Rule.check`);
        errors name the cell (of a ``listed`` unit, for a missing value)."""
        blank = table.blank(column)
        self.report(table, blank & listed, column, Code.SCORE_BLANK, indicator=indicator.id)
        number, percent = _column_numbers(table, column)
        bad = number.isna() & ~blank
        self.not_numbers(table, bad, column)
        number = number.where(~bad)
        wrong = pd.Series(False, index=number.index)
        for check in indicator.rule.check(number, percent, indicator.max):
            self.report(table, check.mask, column, check.code, **check.fields)
            wrong |= check.mask
        return number.where(~wrong)

    # -- leadership scores ---------------------------------------------------------------
    def leader_scores(self, units: pd.DataFrame) -> pd.DataFrame:
        empty = pd.DataFrame({"unit": pd.Series(dtype=str), "member": pd.Series(dtype=str), "score": []})
        table = self.read("leader_scores")
        if table is None or not self.require(table, ["unit"]):
            return empty
        members = [c for c in table.columns if c != "unit" and not self.not_data(table, c, "领导班子成员的评分", "领导评分")]
        if not members:
            self.log.error(Code.NO_LEADER_COLUMNS, table.name)
            return empty
        unit = self.unit_names(table)
        self.duplicates(table, unit, "unit", "单位")
        keep = unit.notna() & ~unit.duplicated()
        parts = []
        for member in members:
            score = self.numbers(table, member, low=0, high=100, what="评分")
            blank = table.blank(member) & keep
            self.report(table, blank, member, Code.LEADER_BLANK, level=WARNING, shown="unit", member=member)
            parts.append(pd.DataFrame({"unit": unit, "member": member, "score": score})[keep])
        leader = pd.concat(parts, ignore_index=True)
        self.missing_units(units, unit[keep], table, Code.UNIT_WITHOUT_LEADER_ROW)
        scored = leader.loc[leader["score"].notna(), "unit"]
        self.report(table, keep & ~unit.isin(scored), "unit", Code.UNIT_WITHOUT_LEADER_SCORES)
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
            self.log.error(Code.NO_QUESTIONS, table.name)
        unit_at = self.unit_rows(table)
        listed = unit_at >= 0
        roles = {fold(r): r for r in self.scheme.roles}

        def role_of(text):
            return roles.get(fold(text))

        known_role = table.map("role", lambda u: role_of(u) is not None)
        self.report(table, ~known_role, "role", Code.UNKNOWN_ROLE, roles="、".join(self.scheme.roles))
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
                self.report(table, (value < 0)[codes], question, Code.UNKNOWN_ANSWER, labels=labels)
            answered |= (value >= 0)[codes]
            points[question] = codes, np.where(value >= 0, value, np.nan)
        respondent = listed & known_role
        self.report(table, respondent & ~answered, "unit", Code.NOTHING_ANSWERED, level=WARNING)
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
                           table, Code.ROLES_WEIGHTLESS)
        self.missing_units(units, surveyed, table, Code.NO_SURVEY)
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
        self.report(table, item.eq(""), "item", Code.ITEM_BLANK)
        dup = self.duplicates(table, item.where(item.ne("")), "item", "项目编号")
        title = frame["title"] if "title" in frame else pd.Series("", index=frame.index)
        self.report(table, title.eq("") & item.ne(""), "title", Code.TITLE_BLANK, level=WARNING,
                    shown="item" if "title" not in frame else None)
        ok = unit.notna() & item.ne("") & ~dup
        items = pd.DataFrame({"unit": unit, "item": item, "title": title})[ok]
        nth = items.groupby("unit").cumcount() + 1
        limit = self.scheme.max_brand_items
        self.report(table, nth[nth > limit].index, "item", Code.TOO_MANY_ITEMS, limit=limit)
        self.missing_units(units, items["unit"], table, Code.NO_BRAND_ITEMS, level=WARNING)
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
        self.report(table, item < 0, "item", Code.UNKNOWN_ITEM)
        score = self.numbers(table, "score", low=0, high=100, required=True, what="得分")
        keys = pd.DataFrame({"reviewer": reviewer, "item": folded.factorize()[0][codes]})
        dup = keys.duplicated() & listed
        self.report(table, dup, "item", Code.REVIEW_TWICE)
        owner = np.append(items["unit"].map(self.position).to_numpy(dtype=np.int64), -1)[item]
        own = (owner == reviewer) & listed
        self.report(table, own, "reviewer", Code.SELF_REVIEW, level=WARNING)
        rows = np.flatnonzero(listed & (item >= 0) & score.notna() & ~dup)
        reviewed = np.bincount(item[rows[~own[rows]]], minlength=len(items)) > 0
        unreviewed = items[~reviewed]
        self.report_records(
            pd.DataFrame({"file": table.name, "row": None, "column": table.header("item"), "value": unreviewed["item"],
                          "unit": unreviewed["unit"]}),
            Code.ITEM_NOT_REVIEWED,
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
        self.report(table, bad, "clause", Code.UNKNOWN_CLAUSE, clauses="、".join(sorted(clauses)))
        note = frame["note"] if "note" in frame else pd.Series("", index=frame.index)
        keys = pd.DataFrame({"unit": unit, "clause": clause})
        dup = keys.duplicated() & unit.notna()
        self.report(table, dup, "clause", Code.CLAUSE_TWICE)
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
        self.report(table, grade.isna(), "grade", Code.UNKNOWN_GRADE, grades="、".join(grades.values()))
        reason = frame["reason"] if "reason" in frame else pd.Series("", index=frame.index)
        self.report(table, reason.eq("") & unit.notna(), "reason", Code.OVERRIDE_WITHOUT_REASON,
                    shown="unit" if "reason" not in frame else None)
        dup = self.duplicates(table, unit, "unit", "单位")
        vetoed = unit.isin(set(vetoes["unit"])) & grade.eq(self.scheme.top_grade)
        self.report(table, vetoed, "grade", Code.OVERRIDE_VETOED, top=self.scheme.top_grade)
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



__all__ = ["YearInputs", "read_year", "parse_numbers", "closest", "InvalidInputError"]

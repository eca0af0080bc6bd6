"""The analysts' yearly workflow around the scoring: blank input workbooks, the survey draw, a new year.

- :func:`write_templates` (``kaohe template``): the blank input workbooks of a year, built from
  its scheme and unit list, with Excel data validation that refuses values the validator would
  refuse. Filled in and copied into ``data/raw/<year>/`` they validate and score unedited.
- :func:`sample_year` (``kaohe sample``): the random draw of 单建 grassroots unions for the
  questionnaire (考核办法 第八条（一）3), reproducible from a seed.
- :func:`new_year` (``kaohe new-year``): starts ``data/raw/<year>/`` from the previous year's
  scheme and unit list — the one deliberate write into ``data/raw/``, and only into a new folder.

Workbooks are built in memory by pure functions (:func:`template_workbooks`,
:func:`draw_sample`); the ``write_``/``save`` steps at the end of each section are the only
places that touch files, and they write into a staging folder first.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import shutil
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .staging import staged
from .io import OPTIONS_SHEET, ROW, fold, fold_series, find_table, header_name, read_table, sha256
from .pipeline import year_paths
from .problems import Code, InvalidInputError, KaoheError, Problem, ProblemLog, SchemeError, UsageError
from .scheme import Indicator, Scheme, dump_scheme, load_scheme, scheme_to_dict
from .validate import INDICATOR_HEADER, closest

YEAR = re.compile(r"^\d{4}$")
TEMPLATE_ROWS = 1000  # rows prepared (with validation) in the sheets filled one row per record
INPUT_FILL = PatternFill("solid", fgColor="FFFBE6")
HEADER_TEXT = 12  # characters of an indicator's text shown in its column header
PROMPT_LIMIT = 255  # Excel's limit on a data-validation input message
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
THIN = Side(style="thin", color="A6A6A6")


class OutputExistsError(KaoheError):
    """A file or folder the command would create already exists; nothing was written."""


def check_year(text) -> str:
    """A year given on the command line: exactly four digits (so never a path)."""
    text = str(text)
    if not YEAR.fullmatch(text):
        raise UsageError(f"年份「{text}」无效：应为四位数字，如 2019")
    return text


def _outside_raw(path: Path, data_dir: str | Path) -> Path:
    """Refuse an output path inside ``data/raw/``: raw data is only ever read."""
    raw = (Path(data_dir) / "raw").resolve()
    if Path(path).resolve().is_relative_to(raw):
        raise UsageError(f"输出位置 {Path(path).as_posix()} 在 {raw.as_posix()}/ 之内：原始数据文件夹只读，请另选输出位置")
    return Path(path)


def read_units(year_dir: Path) -> list[str]:
    """The unit names of ``units.csv``/``units.xlsx`` in file order; blank or repeated names are errors."""
    log = ProblemLog()
    path = find_table(year_dir, "units", log)
    table = read_table(path, path.name, log) if path else None
    if table is not None and "unit" not in table.frame:
        log.error(Code.COLUMN_MISSING, table.name, None, "unit", name="unit", chinese="单位")
        table = None
    if table is None:
        raise InvalidInputError(log.problems or [Problem.of(Code.UNITS_UNREADABLE, "units.csv")])
    names = table.frame["unit"]
    folded = fold_series(names)
    for index in folded.index[folded.eq("")]:
        log.error(Code.UNIT_BLANK, table.name, table.frame.at[index, ROW], table.header("unit"))
    for index in folded.index[folded.duplicated() & folded.ne("")]:
        log.error(Code.UNIT_LISTED_TWICE, table.name, table.frame.at[index, ROW], table.header("unit"), names[index])
    log.raise_if_errors()
    return names.tolist()


def _year_scheme(year_dir: Path, year: str) -> Scheme:
    scheme = load_scheme(year_dir / "scheme.yaml")
    if scheme.year != int(year):
        raise SchemeError([Problem.of(Code.YEAR_MISMATCH, "scheme.yaml", None, "year", scheme.year, year=year)])
    return scheme


@dataclass(frozen=True)
class CellRule:
    """An Excel data-validation rule with its input message and error message, in Chinese."""

    type: str
    operator: str | None = None
    formula1: str | None = None
    formula2: str | None = None
    title: str = ""
    prompt: str = ""
    error: str = ""

    def validation(self) -> DataValidation:
        return DataValidation(
            type=self.type, operator=self.operator, formula1=self.formula1, formula2=self.formula2,
            allow_blank=True, showInputMessage=True, showErrorMessage=True, errorStyle="stop",
            promptTitle=self.title[:32], prompt=self.prompt[:PROMPT_LIMIT], errorTitle="输入有误",
            error=self.error[:PROMPT_LIMIT],
        )


def indicator_rule(indicator: Indicator) -> CellRule:
    """What a department may type for an indicator, by its rule (:meth:`kaohe.rules.Rule.cell`).

    The input message starts with the indicator's full text (the header shows it shortened).
    """
    rule = indicator.rule
    cell = rule.cell(indicator.id, indicator.max)
    room = PROMPT_LIMIT - len(cell.prompt) - 1
    text = indicator.text if len(indicator.text) <= room else indicator.text[: room - 1] + "…"
    return CellRule(cell.type, cell.operator, cell.formula1, cell.formula2, title=f"指标 {indicator.id}（{rule.name}）",
                    prompt=f"{text}\n{cell.prompt}", error=cell.error)


def indicator_header(indicator: Indicator) -> str:
    """The header cell of an indicator column: id, shortened text and maximum, e.g. ``1.1 深入开展…（6分）``.

    The validator finds the column by its leading id after removing spaces, so a text that
    begins with a digit is set off with a colon instead of a space. Problems found later cite
    this header, hence the short text; the full text is in the cell's input message.
    """
    text = indicator.text if len(indicator.text) <= HEADER_TEXT else indicator.text[:HEADER_TEXT] + "…"
    tail = f"（{_num(indicator.max)}分{indicator.rule.header_hint}）"
    for separator in (" ", "："):
        header = f"{indicator.id}{separator}{text}{tail}"
        match = INDICATOR_HEADER.match(header_name(header))
        if match and match.group(1) == indicator.id:
            return header
    raise KaoheError(f"指标编号「{indicator.id}」不是「类别.序号」形式，无法生成评分表表头")


def template_workbooks(scheme: Scheme, units: list[str], *, leaders: int = 7, questions: int = 10,
                       rows: int = TEMPLATE_ROWS) -> dict[str, Workbook]:
    """The blank input workbooks of a year, keyed by their path under ``data/raw/<year>/``.

    One workbook per scoring department (``Indicator.department``) with its indicators and the
    units pre-filled; the leadership score sheet (``leaders`` columns); the questionnaire
    sheet (``questions`` columns); the brand item and brand review sheets.
    """
    books = {}
    for department in scheme.departments:
        if not department or UNSAFE_NAME.search(department) or department.startswith("."):
            raise KaoheError(f"评分部门名称「{department}」不能用作文件名，请在 scheme.yaml 中修改 department")
        books[f"dept_scores/{department}.xlsx"] = dept_workbook(scheme, department, units)
    books["leader_scores.xlsx"] = leader_workbook(scheme, units, leaders)
    books["survey.xlsx"] = survey_workbook(scheme, units, questions, rows)
    books["brand_items.xlsx"] = brand_items_workbook(scheme, units, rows)
    books["brand_reviews.xlsx"] = brand_reviews_workbook(scheme, units, rows)
    return books


def dept_workbook(scheme: Scheme, department: str, units: list[str]) -> Workbook:
    """A department's score sheet: 单位, then one column per indicator it scores."""
    indicators = [i for i in scheme.indicators if i.department == department]
    book, sheet, top = _sheet(
        "评分",
        [f"# {scheme.title}　{department}评分表（共性工作考核指标体系）",
         "# 填写说明：每个单位一行、每项指标一列；请勿改动单位名称和表头。选中单元格可看到该指标填什么"
         "（得分、次数、项数、比例或完成数）。以 # 开头的行是说明，读取时跳过。"],
        ["单位"] + [indicator_header(i) for i in indicators],
    )
    first, last = top + 1, top + len(units)
    _units_column(sheet, units, first)
    for column, indicator in enumerate(indicators, start=2):
        letter = get_column_letter(column)
        sheet.column_dimensions[letter].width = 24
        _add(sheet, indicator_rule(indicator), f"{letter}{first}:{letter}{last}")
        for row in range(first, last + 1):
            cell = sheet.cell(row=row, column=column)
            cell.fill = INPUT_FILL
            if indicator.rule.number_format:
                cell.number_format = indicator.rule.number_format
    longest = max((len(indicator_header(i)) for i in indicators), default=4)
    sheet.row_dimensions[top].height = 15 * (math.ceil(longest / 11) + 1)
    return book


def leader_workbook(scheme: Scheme, units: list[str], leaders: int) -> Workbook:
    """The leadership score sheet: 单位, then 领导1… (to be renamed), each a 0–100 score."""
    book, sheet, top = _sheet(
        "领导评分",
        [f"# {scheme.title}　市总领导班子成员评分表",
         "# 填写说明：每位领导一列，可把「领导1」等表头改为领导姓名（不能重复），多余的列整列删除；"
         "每格填 0–100 的综合评分，未评分留空（不计入平均）。以 # 开头的行是说明，读取时跳过。"],
        ["单位"] + [f"领导{k}" for k in range(1, leaders + 1)],
    )
    first, last = top + 1, top + len(units)
    _units_column(sheet, units, first)
    cells = f"B{first}:{get_column_letter(leaders + 1)}{last}"
    _add(sheet, CellRule("decimal", "between", "0", "100", "领导评分",
                     "填写该领导对该单位的综合评分：0 到 100，可带小数；未评分留空。",
                     "领导评分应在 0 到 100 之间。"), cells)
    for row in sheet[cells]:
        for cell in row:
            cell.fill = INPUT_FILL
    return book


def survey_workbook(scheme: Scheme, units: list[str], questions: int, rows: int) -> Workbook:
    """The questionnaire sheet: one row per respondent; unit, role and answers chosen from lists."""
    answers = "、".join(f"{a.value} {a.label}" for a in scheme.answers)
    book, sheet, top = _sheet(
        "问卷",
        [f"# {scheme.title}　基层问卷汇总表（考核办法第八条（一）3）",
         f"# 填写说明：每位受访者一行；单位、身份从下拉列表选择；答案填 {answers}（数字或文字均可），未答留空。"
         "以 # 开头的行是说明，读取时跳过。"],
        ["单位", "基层工会", "身份"] + [f"问题{k}" for k in range(1, questions + 1)],
    )
    lists = _options(book, {"单位": units, "身份": scheme.roles,
                            "答案": [a.value for a in scheme.answers] + [a.label for a in scheme.answers]})
    first, last = top + 1, top + rows
    _add(sheet, _unit_rule(lists["单位"], "单位"), f"A{first}:A{last}")
    _add(sheet, CellRule("textLength", "greaterThan", "0", None, "基层工会",
                     "填写受访者所在的基层工会（抽样名单中的名称）。", "请填写基层工会名称。"), f"B{first}:B{last}")
    _add(sheet, CellRule("list", None, lists["身份"], None, "身份",
                     f"从下拉列表选择：{'、'.join(scheme.roles)}。", f"身份应为 {'、'.join(scheme.roles)} 之一。"),
         f"C{first}:C{last}")
    sheet.column_dimensions["B"].width = 28
    end = get_column_letter(questions + 3)
    _add(sheet, CellRule("list", None, lists["答案"], None, "答案",
                     f"填写 {answers}；未答留空。", f"答案应为 {answers} 之一，或留空。"), f"D{first}:{end}{last}")
    return book


def brand_items_workbook(scheme: Scheme, units: list[str], rows: int) -> Workbook:
    """The brand item sheet: each unit's declared items (限报 ``max_items`` 项)."""
    limit = scheme.max_brand_items
    book, sheet, top = _sheet(
        "特色品牌项目",
        [f"# {scheme.title}　特色品牌工作申报项目表（考核办法第八条（二））",
         f"# 填写说明：每个项目一行，每个单位限报 {limit} 项；项目编号自定且不能重复（如 P01-1），互评表按编号评分。"
         "以 # 开头的行是说明，读取时跳过。"],
        ["单位", "项目编号", "项目名称"],
    )
    lists = _options(book, {"单位": units})
    first, last = top + 1, top + rows
    _add(sheet, _unit_rule(lists["单位"], "申报单位", f"每个单位限报 {limit} 项。"), f"A{first}:A{last}")
    _add(sheet, CellRule("custom", None, f"COUNTIF($B${first}:$B${last},B{first})=1", None, "项目编号",
                     "填写项目编号（如 P01-1），不能与其他项目重复。", "项目编号不能重复。"), f"B{first}:B{last}")
    _add(sheet, CellRule("textLength", "between", "1", "200", "项目名称", "填写项目名称。", "请填写项目名称（不超过 200 字）。"),
         f"C{first}:C{last}")
    sheet.column_dimensions["B"].width = 14
    sheet.column_dimensions["C"].width = 48
    return book


def brand_reviews_workbook(scheme: Scheme, units: list[str], rows: int) -> Workbook:
    """The brand review sheet: one row per review (评分单位, 项目编号, 得分 0–100)."""
    book, sheet, top = _sheet(
        "特色品牌互评",
        [f"# {scheme.title}　特色品牌工作互评表",
         "# 填写说明：每条评分一行；项目编号与申报项目表一致；得分 0–100；本单位的项目不评分（自评不计入）。"
         "以 # 开头的行是说明，读取时跳过。"],
        ["评分单位", "项目编号", "得分"],
    )
    lists = _options(book, {"单位": units})
    first, last = top + 1, top + rows
    _add(sheet, _unit_rule(lists["单位"], "评分单位", "本单位的项目不评分。"), f"A{first}:A{last}")
    _add(sheet, CellRule("textLength", "greaterThan", "0", None, "项目编号",
                     "填写被评项目的编号（见特色品牌工作申报项目表）。", "请填写项目编号。"), f"B{first}:B{last}")
    _add(sheet, CellRule("decimal", "between", "0", "100", "得分", "填写 0 到 100 的得分，可带小数。",
                     "得分应在 0 到 100 之间。"), f"C{first}:C{last}")
    sheet.column_dimensions["B"].width = 14
    return book


def _sheet(title: str, comments: list[str], headers: list[str]):
    """A workbook whose first sheet has ``#`` comment lines, then the header row; returns its row."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row, text in enumerate(comments, start=1):
        sheet.cell(row=row, column=1, value=text).font = Font(color="595959")
    top = len(comments) + 1
    for column, text in enumerate(headers, start=1):
        cell = sheet.cell(row=top, column=column, value=text)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
        sheet.column_dimensions[get_column_letter(column)].width = max(10, 2 * len(text) + 2)
    sheet.column_dimensions["A"].width = 22
    sheet.freeze_panes = f"B{top + 1}"
    return book, sheet, top


def _units_column(sheet, units: list[str], first: int) -> None:
    for offset, unit in enumerate(units):
        sheet.cell(row=first + offset, column=1, value=unit).font = Font(bold=True)


def _options(book: Workbook, lists: dict[str, list]) -> dict[str, str]:
    """Write the drop-down lists to a hidden sheet; return each list's absolute range."""
    sheet = book.create_sheet(OPTIONS_SHEET)
    sheet.sheet_state = "hidden"
    ranges = {}
    for column, (name, values) in enumerate(lists.items(), start=1):
        letter = get_column_letter(column)
        sheet.cell(row=1, column=column, value=name)
        for row, value in enumerate(values, start=2):
            sheet.cell(row=row, column=column, value=value)
        ranges[name] = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _unit_rule(source: str, title: str, extra: str = "") -> CellRule:
    return CellRule("list", None, source, None, title, f"从下拉列表选择考核单位。{extra}",
                "单位不在本年度考核单位名单中，请从下拉列表选择。")


def _add(sheet, rule: CellRule, cells: str) -> None:
    validation = rule.validation()
    validation.add(cells)
    sheet.add_data_validation(validation)


@dataclass
class Templates:
    """What ``kaohe template`` wrote."""

    year: int
    folder: Path
    files: list[Path]

    def summary(self, data_dir: str | Path = "data") -> str:
        """What was written and where the returned forms go, for the terminal."""
        lines = [f"已生成 {self.year} 年度空白输入表 {len(self.files)} 个，位于 {self.folder.as_posix()}/："]
        lines += [f"  {path.relative_to(self.folder).as_posix()}" for path in self.files]
        lines += ["", f"发出填写后，把收回的表格按同样的文件名放入 {Path(data_dir).as_posix()}/raw/{self.year}/"
                      f"（部门评分表放在 dept_scores/ 下），再运行 kaohe validate {self.year}。"]
        return "\n".join(lines)


def write_templates(year, data_dir: str | Path = "data", out: str | Path | None = None, *,
                    leaders: int = 7, questions: int = 10, force: bool = False) -> Templates:
    """``kaohe template``: write the year's blank input workbooks into ``out``.

    ``out`` defaults to ``data/templates/<year>/`` and may not lie under ``data/raw/``. A
    workbook that already exists there is refused unless ``force``; other files in the folder
    (a sample list, returned forms) are left alone. All workbooks are saved to a staging
    folder first, so a failure writes nothing.
    """
    raw, _ = year_paths(year, data_dir)
    scheme = _year_scheme(raw, str(year))
    books = template_workbooks(scheme, read_units(raw), leaders=leaders, questions=questions)
    folder = _outside_raw(Path(out) if out else Path(data_dir) / "templates" / str(year), data_dir)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"输出位置 {folder.as_posix()} 已存在且不是文件夹")
    existing = [name for name in books if (folder / name).exists()]
    if existing and not force:
        raise OutputExistsError(
            f"{folder.as_posix()}/ 中已有 {len(existing)} 个同名表格（如 {existing[0]}），未做任何改动。"
            "如需重新生成（覆盖这些表格，已填写的内容会丢失），请加 --force"
        )
    with staged(folder) as stage:
        for name, book in books.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            book.save(stage / name)
    return Templates(scheme.year, folder, [folder / name for name in books])


STANDALONE_HEADERS = {"单建", "是否单建", "单建工会", "standalone"}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", "×"}
SAMPLE_HEADERS = {"number": "序号", "unit": "单位", "sub_union": "基层工会", "eligible": "可抽单建工会数"}


def read_roster(path: Path, units: list[str]) -> pd.DataFrame:
    """The roster of grassroots unions: ``unit`` (canonical name), ``sub_union``, ``standalone``.

    Columns 单位, 基层工会 and optionally 单建 (是/否; without it every union is 单建). An
    unknown unit suggests the closest name; blanks, unreadable flags and repeated unions are
    errors. Raises :class:`InvalidInputError` listing every problem.
    """
    roster, log = _parse_roster(path, units)
    log.raise_if_errors()
    return roster


def _parse_roster(path: Path, units: list[str]) -> tuple[pd.DataFrame, ProblemLog]:
    """The roster's valid rows and the problems of the others."""
    log = ProblemLog()
    name = Path(path).name
    table = read_table(Path(path), name, log)
    if table is None:
        raise InvalidInputError(log.problems)
    frame = table.frame.rename(columns={c: "standalone" for c in table.frame.columns if c in STANDALONE_HEADERS})
    headers = {("standalone" if k in STANDALONE_HEADERS else k): v for k, v in table.headers.items()}
    for column, chinese in (("unit", "单位"), ("sub_union", "基层工会")):
        if column not in frame:
            log.error(Code.ROSTER_COLUMN_MISSING, name, None, column, chinese=chinese)
    log.raise_if_errors()

    def problem(index, column, code, **fields):
        log.error(code, name, int(frame.at[index, ROW]), headers.get(column, column), frame.at[index, column], **fields)

    known = {fold(u): u for u in units}
    folded = fold_series(frame["unit"])
    unit = folded.map(known)
    for index in folded.index[folded.eq("")]:
        problem(index, "unit", Code.UNIT_BLANK)
    for index in unit.index[unit.isna() & folded.ne("")]:
        suggestion = closest(folded[index], list(known))
        hint = f"，是否为「{known[suggestion]}」？" if suggestion else ""
        problem(index, "unit", Code.UNKNOWN_UNIT, hint=hint)
    sub_union = frame["sub_union"]
    for index in sub_union.index[sub_union.eq("")]:
        problem(index, "sub_union", Code.SUB_UNION_BLANK)
    if "standalone" in frame:
        flag = fold_series(frame["standalone"]).str.lower()
        standalone = flag.isin(YES)
        for index in flag.index[~flag.isin(YES | NO)]:
            problem(index, "standalone", Code.STANDALONE_UNKNOWN)
    else:
        standalone = pd.Series(True, index=frame.index)
    key = pd.DataFrame({"unit": unit, "sub_union": fold_series(sub_union)})
    repeated = key.duplicated() & unit.notna() & key["sub_union"].ne("")
    first_row = frame[ROW].groupby([key["unit"], key["sub_union"]]).transform("first")
    for index in repeated.index[repeated]:
        problem(index, "sub_union", Code.SUB_UNION_TWICE, first=int(first_row[index]))
    ok = unit.notna() & sub_union.ne("") & ~repeated
    if "standalone" in frame:
        ok &= flag.isin(YES | NO)
    roster = pd.DataFrame({"unit": unit, "sub_union": sub_union, "standalone": standalone.astype(bool),
                           ROW: frame[ROW]})
    return roster[ok].reset_index(drop=True), log


def check_eligible(roster: pd.DataFrame, units: list[str], per_unit: int, name: str = "名册") -> list[Problem]:
    """A problem for each unit with fewer 单建 unions in the roster than are to be drawn."""
    counts = roster[roster["standalone"]].groupby("unit").size()
    problems = []
    for unit in units:
        n = int(counts.get(unit, 0))
        if n < per_unit:
            have = f"只有 {n} 个单建工会" if n else "没有单建工会"
            problems.append(Problem.of(Code.TOO_FEW_ELIGIBLE, name, None, "单位", unit, have=have, per_unit=per_unit))
    return problems


def draw_sample(roster: pd.DataFrame, units: list[str], per_unit: int, seed: int) -> pd.DataFrame:
    """Draw ``per_unit`` 单建 unions of every unit at random (考核办法 第八条（一）3).

    Each unit's eligible unions are sorted by name and drawn with a numpy Generator seeded by
    ``seed`` and the unit's name, so the list depends only on the seed and the roster's
    content — not on row order, nor on the other units. Returns ``number, unit, sub_union,
    eligible`` in the order of the unit list, each unit's unions by name.
    """
    eligible = roster[roster["standalone"]]
    rows = []
    for unit in units:
        pool = sorted(eligible.loc[eligible["unit"] == unit, "sub_union"], key=lambda s: (fold(s), s))
        rng = np.random.default_rng([int(seed), _name_key(unit)])
        picked = sorted(rng.choice(len(pool), size=per_unit, replace=False).tolist())
        rows += [{"unit": unit, "sub_union": pool[k], "eligible": len(pool)} for k in picked]
    table = pd.DataFrame(rows, columns=["unit", "sub_union", "eligible"])
    table.insert(0, "number", range(1, len(table) + 1))
    return table


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


@dataclass
class Sample:
    """What ``kaohe sample`` drew and wrote."""

    year: int
    table: pd.DataFrame  # number, unit, sub_union, eligible
    per_unit: int
    seed: int
    pool: int  # 单建 unions in the roster
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        """The drawn list and the files written, for the terminal."""
        lines = [f"从名册的 {self.pool} 个单建工会中为 {self.table['unit'].nunique()} 个考核单位"
                 f"各抽取 {self.per_unit} 个（随机种子 {self.seed}）：", ""]
        lines.append(self.table.rename(columns=SAMPLE_HEADERS).to_string(index=False))
        lines += ["", "抽样名单已写入："] + [f"  {path.as_posix()}" for path in self.files]
        return "\n".join(lines)


def sample_year(year, roster: str | Path, per_unit: int, seed: int, data_dir: str | Path = "data",
                out: str | Path | None = None, *, force: bool = False) -> Sample:
    """``kaohe sample``: draw the survey's 单建 unions and write the list as ``.xlsx`` and ``.csv``.

    ``out`` (default ``data/templates/<year>/基层问卷抽样名单.xlsx``) names the workbook; the CSV
    goes beside it with the same stem. Every roster problem and every unit with too few
    eligible unions is reported at once (:class:`InvalidInputError`); nothing is written then.
    """
    raw, _ = year_paths(year, data_dir)
    scheme = _year_scheme(raw, str(year))
    units = read_units(raw)
    roster = Path(roster)
    if not roster.is_file():
        raise UsageError(f"找不到名册文件 {roster.as_posix()}")
    if per_unit < 1:
        raise UsageError(f"每单位抽取数应为正整数，而不是 {per_unit}")
    if seed < 0:
        raise UsageError(f"随机种子应为非负整数，而不是 {seed}")
    xlsx = Path(out) if out else Path(data_dir) / "templates" / str(year) / "基层问卷抽样名单.xlsx"
    if xlsx.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError(f"抽样名单文件 {xlsx.as_posix()} 应以 .xlsx 结尾（同名 .csv 一并写出）")
    xlsx = _outside_raw(xlsx.with_suffix(".xlsx"), data_dir)
    csv = xlsx.with_suffix(".csv")

    table, log = _parse_roster(roster, units)
    problems = log.problems + check_eligible(table, units, per_unit, roster.name)
    if any(p.is_error for p in problems):
        raise InvalidInputError(problems)
    drawn = draw_sample(table, units, per_unit, seed)
    sample = Sample(scheme.year, drawn, per_unit, seed, int(table["standalone"].sum()))

    existing = [p.as_posix() for p in (xlsx, csv) if p.exists()]
    if existing and not force:
        raise OutputExistsError(f"{'、'.join(existing)} 已存在，未做任何改动。如需重新抽样并覆盖，请加 --force")
    comments = [
        f"# {scheme.year}年度基层问卷抽样名单（考核办法第八条（一）3：在各考核单位随机抽取单建工会，"
        f"对{'、'.join(scheme.roles)}进行问卷调查）",
        f"# 每单位抽取 {per_unit} 个单建工会，随机种子 {seed}；名册 {roster.name}（{sample.pool} 个单建工会，"
        f"SHA-256 {sha256(roster)}）；同一名册、种子与抽取数再次运行得到相同名单",
    ]
    with staged(xlsx.parent) as stage:
        _sample_workbook(drawn, comments).save(stage / xlsx.name)
        _sample_csv(drawn, comments, stage / csv.name)
    sample.files = [xlsx, csv]
    return sample


def _sample_workbook(table: pd.DataFrame, comments: list[str]) -> Workbook:
    headers = list(SAMPLE_HEADERS.values())
    book, sheet, top = _sheet("抽样名单", comments, headers)
    for offset, record in enumerate(table[list(SAMPLE_HEADERS)].itertuples(index=False), start=1):
        for column, value in enumerate(record, start=1):
            cell = sheet.cell(row=top + offset, column=column, value=value)
            cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    for letter, width in zip("ABCD", (6, 24, 36, 14)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{top + 1}"
    sheet.print_title_rows = f"{top}:{top}"
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return book


def _sample_csv(table: pd.DataFrame, comments: list[str], path: Path) -> None:
    """UTF-8 with BOM, so that Excel opens the Chinese text correctly; kaohe reads it too."""
    body = table[list(SAMPLE_HEADERS)].rename(columns=SAMPLE_HEADERS).to_csv(index=False, lineterminator="\n")
    path.write_text("\n".join(comments) + "\n" + body, encoding="utf-8-sig", newline="")


@dataclass
class NewYear:
    """What ``kaohe new-year`` created."""

    year: int
    previous: int
    folder: Path
    files: list[Path]
    title: str
    comments_kept: bool
    notes: list[str]
    target_indicators: list[str]  # indicators whose prior-year count goes into 上年参保数

    def summary(self) -> str:
        """What was created and what the analyst edits next, for the terminal."""
        folder, units = self.folder.as_posix(), self.files[1].name
        kept = "，注释保留" if self.comments_kept else ""
        prior = (f"（可取 {self.previous} 年度指标 {'、'.join(self.target_indicators)} 的完成数）"
                 if self.target_indicators else "")
        lines = [
            f"已新建 {self.year} 年度输入文件夹 {folder}/（复制自 {self.previous} 年度）：",
            f"  scheme.yaml  年份改为 {self.year}，标题改为「{self.title}」{kept}",
            f"  {units}  单位名单原样复制",
            *[f"提示：{note}" for note in self.notes],
            "",
            "接下来：",
            f"  1. 按 {self.year} 年度考核办法核对 {folder}/scheme.yaml：指标文字、满分、计分规则、评分部门、权重、"
            "优秀名额、来源 source；",
            f"  2. 更新 {folder}/{units}：考核单位名单、参保基数，上年参保数{prior}；",
            f"  3. 运行 kaohe template {self.year} 生成空白输入表并发出填写，kaohe sample {self.year} 抽取基层问卷对象；",
            f"  4. 收回的表格放入 {folder}/ 后运行 kaohe validate {self.year}。",
        ]
        return "\n".join(lines)


def new_year(year, previous, data_dir: str | Path = "data") -> NewYear:
    """``kaohe new-year``: create ``data/raw/<year>/`` from the previous year's scheme and units.

    The scheme keeps every comment and setting; only ``year`` and the year in ``title``
    change. The units file is copied unchanged. An existing folder is never touched
    (:class:`OutputExistsError`); the new folder appears at once, complete, or not at all.
    """
    year, previous = check_year(year), check_year(previous)
    if year == previous:
        raise UsageError(f"新年度 {year} 与来源年度 {previous} 相同")
    raw = Path(data_dir) / "raw"
    source, target = raw / previous, raw / year
    if not source.is_dir():
        raise UsageError(f"找不到来源年度 {previous} 的输入文件夹 {source.as_posix()}/")
    if os.path.lexists(target):
        raise OutputExistsError(
            f"{target.as_posix()}/ 已存在，未做任何改动：new-year 只新建年度文件夹，不覆盖已有文件"
        )
    old = _year_scheme(source, previous)
    log = ProblemLog()
    units = find_table(source, "units", log)
    log.raise_if_errors()
    text, new_title, comments_kept, notes = renew_scheme_text(
        (source / "scheme.yaml").read_text(encoding="utf-8-sig"), old, int(year)
    )
    with staged(target, whole=True) as stage:
        (stage / "scheme.yaml").write_text(text, encoding="utf-8")
        shutil.copyfile(units, stage / units.name)
        renewed = load_scheme(stage / "scheme.yaml")
        if scheme_to_dict(renewed) != scheme_to_dict(replace(old, year=int(year), title=new_title)):
            raise KaoheError("新年度方案与上年方案不一致（程序错误），未新建文件夹")
        if os.path.lexists(target):
            raise OutputExistsError(f"{target.as_posix()}/ 已存在，未做任何改动")
    return NewYear(
        year=int(year), previous=int(previous), folder=target,
        files=[target / "scheme.yaml", target / units.name], title=new_title,
        comments_kept=comments_kept, notes=notes,
        target_indicators=[i.id for i in old.indicators if i.rule.kind == "target"],
    )


def renew_scheme_text(text: str, scheme: Scheme, year: int) -> tuple[str, str, bool, list[str]]:
    """The previous year's ``scheme.yaml`` text with ``year`` and the title's year changed.

    Edits the two top-level lines in place so that every comment survives; when they are not
    plain one-line entries, falls back to :func:`~kaohe.scheme.dump_scheme` (comments lost).
    Returns the text, the new title, whether comments were kept, and notes for the analyst.
    """
    old_year = str(scheme.year)
    title = scheme.title.replace(old_year, str(year))
    notes = [] if title != scheme.title else [f"方案标题中没有年份 {old_year}，未改动，请手动修改 title"]
    header = (f"# 由 kaohe new-year 从 {old_year} 年度方案复制：year 与 title 已改为 {year} 年度；"
              f"其余内容（指标、分值、计分规则、权重、名额、来源 source）请按 {year} 年度考核办法核对修改。\n")
    year_line = re.compile(r"^year:[ \t]*\d{4}[ \t]*(#.*)?$", re.M)
    title_line = re.compile(r"^title:.*$", re.M)
    titles = title_line.findall(text)
    plain = (
        len(year_line.findall(text)) == 1
        and len(titles) == 1
        and _yaml_line(titles[0]) == {"title": scheme.title}
    )
    if plain:
        new_title_line = yaml.safe_dump({"title": title}, allow_unicode=True, width=10000).strip()
        body = year_line.sub(lambda m: f"year: {year}" + (f"  {m.group(1)}" if m.group(1) else ""), text)
        body = title_line.sub(lambda m: new_title_line, body)
        return header + body, title, True, notes
    renewed = replace(scheme, year=year, title=title)
    notes.append("原方案的 year 或 title 不是单行写法，已按标准格式重写方案，原有注释未保留")
    return header + dump_scheme(renewed), title, False, notes


def _yaml_line(line: str):
    try:
        return yaml.safe_load(line)
    except yaml.YAMLError:
        return None


def _num(x) -> str:
    return f"{x:g}"

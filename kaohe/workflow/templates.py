"""``kaohe template``: the blank input workbooks of a year, built from its scheme and unit list.

Each has Excel data validation that refuses what the validator would refuse (each rule's
:meth:`~kaohe.rules.Rule.cell`); filled in and copied into ``data/raw/<year>/`` they validate
and score unedited. Workbooks are built in memory (:func:`template_workbooks`); only
:func:`write_templates` touches files, through a staging folder.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ..outputs.staging import staged
from ..inputs.files import OPTIONS_SHEET, header_name
from ..pipeline import year_paths
from ..problems import KaoheError, UsageError
from ..vocabulary import TABLE_NAMES
from ..scheme import Indicator, Scheme
from ..inputs.checks import INDICATOR_HEADER
from .common import OutputExistsError, outside_raw, read_units, year_scheme, titled_sheet, number_text

TEMPLATE_ROWS = 1000  # rows prepared (with validation) in the sheets filled one row per record
INPUT_FILL = PatternFill("solid", fgColor="FFFBE6")
HEADER_TEXT = 12  # characters of an indicator's text shown in its column header
PROMPT_LIMIT = 255  # Excel's limit on a data-validation input message
UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')

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
    tail = f"（{number_text(indicator.max)}分{indicator.rule.header_hint}）"
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
    books[f"{TABLE_NAMES['leader_scores']}.xlsx"] = leader_workbook(scheme, units, leaders)
    books[f"{TABLE_NAMES['survey']}.xlsx"] = survey_workbook(scheme, units, questions, rows)
    books[f"{TABLE_NAMES['brand_items']}.xlsx"] = brand_items_workbook(scheme, units, rows)
    books[f"{TABLE_NAMES['brand_reviews']}.xlsx"] = brand_reviews_workbook(scheme, units, rows)
    return books


def dept_workbook(scheme: Scheme, department: str, units: list[str]) -> Workbook:
    """A department's score sheet: 单位, then one column per indicator it scores."""
    indicators = [i for i in scheme.indicators if i.department == department]
    book, sheet, top = titled_sheet(
        "评分",
        [f"【{scheme.title}】{department}评分表（共性工作考核指标体系）",
         "填写说明：每个单位一行、每项指标一列；请勿改动单位名称和表头。选中单元格可看到该指标填什么"
         "（得分、次数、项数、比例或完成数）。标题行与「填写说明」行读取时跳过。"],
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
    book, sheet, top = titled_sheet(
        "领导评分",
        [f"【{scheme.title}】市总领导班子成员评分表",
         "填写说明：每位领导一列，可把「领导1」等表头改为领导姓名（不能重复），多余的列整列删除；"
         "每格填 0–100 的综合评分，未评分留空（不计入平均）。标题行与「填写说明」行读取时跳过。"],
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
    book, sheet, top = titled_sheet(
        "问卷",
        [f"【{scheme.title}】基层问卷汇总表（考核办法第八条（一）3）",
         f"填写说明：每位受访者一行；单位、身份从下拉列表选择；答案填 {answers}（数字或文字均可），未答留空。"
         "标题行与「填写说明」行读取时跳过。"],
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
    book, sheet, top = titled_sheet(
        "特色品牌项目",
        [f"【{scheme.title}】特色品牌工作申报项目表（考核办法第八条（二））",
         f"填写说明：每个项目一行，每个单位限报 {limit} 项；项目编号自定且不能重复（如 P01-1），互评表按编号评分。"
         "标题行与「填写说明」行读取时跳过。"],
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
    book, sheet, top = titled_sheet(
        "特色品牌互评",
        [f"【{scheme.title}】特色品牌工作互评表",
         "填写说明：每条评分一行；项目编号与申报项目表一致；得分 0–100；本单位的项目不评分（自评不计入）。"
         "标题行与「填写说明」行读取时跳过。"],
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
    scheme = year_scheme(raw, str(year))
    books = template_workbooks(scheme, read_units(raw), leaders=leaders, questions=questions)
    folder = outside_raw(Path(out) if out else Path(data_dir) / "templates" / str(year), data_dir)
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

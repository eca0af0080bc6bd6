"""``results.xlsx``: the result tables with Chinese headers, the ranking sheet formatted for the 通报.

Sheets: 考核排名 (results.csv, the units proposed 优秀 highlighted), 指标得分 and 类别得分 written
wide — one row per unit, one column per indicator or category, as the office reads them
(+ 指标折算得分 / 类别折算得分 when the ranking coefficient applies to that part) — and
特色品牌得分 (one row per brand item). The long tables with every detail are the CSV files.

Written with XlsxWriter. The document's creation time is fixed (and XlsxWriter gives every
part of the zip a fixed time), so the same results give the same bytes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

HEADERS = {
    "unit": "单位",
    "leader": "领导评分",
    "dept_raw": "业务部门原始分",
    "dept_rank": "部门评分名次",
    "dept_coef": "排序系数",
    "dept": "业务部门评分",
    "grassroots": "基层评分",
    "common": "共性工作得分",
    "brand": "特色品牌得分",
    "total": "总分",
    "rank": "名次",
    "vetoed": "一票否决",
    "veto_clauses": "否决条款",
    "proposed_grade": "初步等次",
    "grade": "考核等次",
    "indicator": "指标",
    "category": "类别",
    "value": "填报值",
    "points": "得分",
    "max": "满分",
    "coef": "系数",
    "scaled": "折算得分",
    "item": "项目编号",
    "title": "项目名称",
    "reviews": "评分数",
    "score": "得分",
}
SHEETS = {
    "results": "考核排名",
    "indicator_scores": "指标得分",
    "category_scores": "类别得分",
    "brand_scores": "特色品牌得分",
}
SCALED_SHEETS = {"indicator": "指标折算得分", "category": "类别折算得分"}
SCORE_COLUMNS = {"leader", "dept_raw", "dept", "grassroots", "common", "brand", "total", "points", "scaled", "score"}
COEFFICIENT_COLUMNS = {"dept_coef", "coef"}  # shown as 0.98, as 第八条 says 2% steps of 1
WIDE_HEADER_CHARACTERS = 8  # Chinese characters a line of a wide sheet's header holds (then it wraps)
DECIMALS = 10  # numbers in the sheets: far below what any sheet shows; results.csv keeps every digit
FIXED_TIME = datetime(2020, 1, 1)

# the kind of each column: its number format, and whether it is bold in a highlighted row
TEXT, SCORE, COEFFICIENT, GRADE, WRAP = "text", "score", "coefficient", "grade", "wrap"
NUMBER_FORMATS = {TEXT: None, SCORE: "0.00", COEFFICIENT: "0.00", GRADE: None, WRAP: None}
WRAP_WIDTH = 30  # of a column of long text (the veto clauses), which wraps
TITLE_FORMAT = {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
SAMPLE_TITLE_FORMAT = {**TITLE_FORMAT, "font_color": "#C00000"}
RANKING_ORDER = ["rank", "unit", "leader", "dept_raw", "dept_rank", "dept_coef", "dept", "grassroots", "common",
                 "brand", "total", "vetoed", "veto_clauses", "proposed_grade", "grade"]
HEADER_FORMAT = {"bold": True, "bg_color": "#DDE5F0", "border": 1, "border_color": "#A6A6A6",
                 "align": "center", "valign": "vcenter", "text_wrap": True}
HIGHLIGHT = "#FFF2CC"
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Sheet:
    """One worksheet: a table with Chinese headers and a kind per column (TEXT, SCORE…)."""

    name: str
    table: pd.DataFrame
    kinds: list[str]
    highlight: np.ndarray | None = None  # rows filled as 优秀
    tab_color: str | None = None
    printed: bool = True  # set up for print: A4 landscape, one page wide, the header on every page
    title: str | None = None  # a title row above the header, across the table
    header_height: float | None = None  # of the header row, for headers that wrap


RANKING_HEADERS = {
    "rank": "名次",
    "unit": "单位",
    "leader": "领导评分",
    "dept": "业务部门评分",
    "grassroots": "基层评分",
    "brand": "特色品牌",
    "total": "总分",
    "grade": "等次",
}


def ranking_table(results: pd.DataFrame) -> pd.DataFrame:
    """The ranking (``results.csv`` rows) for display: Chinese headers, 2 decimals, vetoes marked."""
    t = results.copy()
    changed = t["grade"] != t["proposed_grade"]
    t["grade"] = np.where(t["vetoed"].astype(bool), t["grade"] + "（一票否决）",
                          np.where(changed, t["grade"] + "（会议调整，原为" + t["proposed_grade"] + "）", t["grade"]))
    t = t[list(RANKING_HEADERS)]
    for column in ("leader", "dept", "grassroots", "brand", "total"):
        t[column] = t[column].map(lambda x: f"{x:.2f}")
    return t.rename(columns=RANKING_HEADERS)


def chinese(table: pd.DataFrame) -> pd.DataFrame:
    """A table with its English column names replaced by the Chinese headers."""
    return table.rename(columns=HEADERS)


def write_workbook(results, path: Path) -> Path:
    """Write the result tables to one workbook; the ranking sheet comes first, formatted."""
    scheme = results.scheme
    ranking = results.results[RANKING_ORDER].copy()
    ranking["vetoed"] = ranking["vetoed"].map({True: "是", False: ""})
    ranking["veto_clauses"] = ranking["veto_clauses"].map(
        lambda ids: "；".join(f"第{c}项 {text}".strip() for c, text in scheme.veto_texts(ids)))
    kinds = [{"grade": GRADE, "veto_clauses": WRAP}.get(c, _kind(c)) for c in ranking.columns]
    sample = "示例数据（合成数据，不代表真实考核情况）　" if results.inputs.sample else ""
    sheets = [Sheet(SHEETS["results"], chinese(ranking), kinds, highlight=ranking["grade"].eq(scheme.top_grade).to_numpy(),
                    tab_color="#1F4E79", title=f"{sample}{scheme.title}结果")]
    units = results.results["unit"]  # in rank order
    scope = scheme.dept_ranking.scope
    indicators = [(i.id, f"{i.id} {i.text}") for i in scheme.indicators]
    categories = [(c.id, f"{c.id} {c.name}") for c in scheme.categories]
    for part, columns, key in (("indicator", indicators, "indicator_scores"), ("category", categories, "category_scores")):
        table = results.indicators if part == "indicator" else results.categories
        sheets.append(_wide_sheet(SHEETS[key], table, part, columns, units, "points"))
        if scope == part:
            sheets.append(_wide_sheet(SCALED_SHEETS[part], table, part, columns, units, "scaled"))
    brand = results.brand_items[["unit", "item", "title", "reviews", "score"]]
    sheets.append(Sheet(SHEETS["brand_scores"], chinese(brand), [_kind(c) for c in brand.columns]))
    _write_xlsx(Path(path), sheets)
    return Path(path)


def write_problems(problems, path: Path) -> Path:
    """The problems as one sheet, 问题清单, that the office sends back to the departments:
    文件, 行, 列, 值, 问题, 级别, sorted by file and row, with filters (:func:`kaohe.problems.problems_sheet`)."""
    from ..problems import problems_sheet

    table = problems_sheet(problems)
    table["行"] = table["行"].astype(float)
    _write_xlsx(Path(path), [Sheet("问题清单", table, [TEXT] * 6, printed=True)])
    return Path(path)


def write_sheets(path: Path, sheets: list[Sheet]) -> Path:
    """Write ``sheets`` as one workbook in the house style (headers, number formats, print setup)."""
    _write_xlsx(Path(path), sheets)
    return Path(path)


def _kind(column: str) -> str:
    return SCORE if column in SCORE_COLUMNS else COEFFICIENT if column in COEFFICIENT_COLUMNS else TEXT


def _wide_sheet(name: str, table: pd.DataFrame, part: str, columns, units: pd.Series, value: str) -> Sheet:
    """``table`` (one row per unit and part) as a grid: a row per unit, a column per part."""
    wide = (table.pivot(index="unit", columns=part, values=value)
            .reindex(index=units, columns=[c for c, _ in columns]))
    wide.columns = [header for _, header in columns]
    wide = wide.rename_axis("单位").reset_index()
    longest = max((len(h) for _, h in columns), default=4)
    height = 15 * min(10, math.ceil(longest / WIDE_HEADER_CHARACTERS)) if longest > WIDE_HEADER_CHARACTERS else None
    return Sheet(name, wide, [TEXT] + [SCORE] * len(columns), header_height=height)


def _write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    options = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
               "in_memory": True}  # no temporary files: the parts are zipped from memory
    with xlsxwriter.Workbook(path, options) as book:
        book.set_properties({"created": FIXED_TIME})
        header = book.add_format(HEADER_FORMAT)
        titles = {False: book.add_format(TITLE_FORMAT), True: book.add_format(SAMPLE_TITLE_FORMAT)}
        formats = {
            (kind, lit): book.add_format({
                **({"num_format": NUMBER_FORMATS[kind]} if NUMBER_FORMATS[kind] else {}),
                **({"bg_color": HIGHLIGHT} if lit else {}),
                **({"bold": True} if lit and kind == GRADE else {}),
                **({"text_wrap": True, "valign": "top"} if kind == WRAP else {}),
            })
            for kind in NUMBER_FORMATS for lit in (False, True)
        }
        for sheet in sheets:
            _write_sheet(book, sheet, header, formats, titles)


def _write_sheet(book, sheet: Sheet, header, formats, titles) -> None:
    table = sheet.table
    n, m = table.shape
    top = 0 if sheet.title is None else 1  # the header's row
    ws = book.add_worksheet(sheet.name)
    if sheet.tab_color:
        ws.set_tab_color(sheet.tab_color)
    if sheet.title is not None:
        ws.set_row(0, 28)
        style = titles[sheet.title.startswith("示例数据")]
        if m > 1:
            ws.merge_range(0, 0, 0, m - 1, _text(sheet.title), style)
        else:
            ws.write_string(0, 0, _text(sheet.title), style)
    ws.freeze_panes(top + 1, 2 if sheet.title is not None else 1)
    wide = sheet.header_height is not None
    for j, column in enumerate(table.columns):
        width = _column_width(column, table.iloc[:200, j]) if not (wide and j) else 2 * WIDE_HEADER_CHARACTERS + 2
        width = min(width, WRAP_WIDTH) if sheet.kinds[j] == WRAP else width
        ws.set_column(j, j, width)
        ws.write_string(top, j, _text(column), header)
    if wide:
        ws.set_row(top, sheet.header_height)
    lit = np.zeros(n, bool) if sheet.highlight is None else np.asarray(sheet.highlight, bool)
    wrapped = [j for j, kind in enumerate(sheet.kinds) if kind == WRAP]
    if wrapped:  # rows of long text get the height their wrapped lines need
        lines = np.ones(n, int)
        for j in wrapped:
            lines = np.maximum(lines, [math.ceil(_width(v) / (WRAP_WIDTH - 2)) or 1 for v in table.iloc[:, j]])
        for i in np.flatnonzero(lines > 1):
            ws.set_row(top + 1 + int(i), 15 * int(lines[i]))
    for j, kind in enumerate(sheet.kinds):
        numbers, values = _cells(table.iloc[:, j])
        write = ws.write_number if numbers else ws.write_string
        plain, highlighted = formats[(kind, False)], formats[(kind, True)]
        for i, (value, filled) in enumerate(zip(values, lit.tolist()), start=top + 1):
            if value is not None:
                write(i, j, value, highlighted if filled else plain)
            elif filled:  # a blank cell of a highlighted row still gets its fill
                ws.write_blank(i, j, None, highlighted)
    ws.autofilter(top, 0, top + n, max(m - 1, 0))
    if sheet.printed:
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.fit_to_pages(1, 0)  # one page wide, as many long as it takes
        ws.repeat_rows(top)  # the header on every page
        ws.print_area(0, 0, top + n, max(m - 1, 0))
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.set_footer("&C第 &P 页，共 &N 页")


def _cells(values: pd.Series) -> tuple[bool, list]:
    """Whether a column holds numbers, and its cells: numbers to ``DECIMALS`` places (which hides
    float noise: 85.884, not 85.88399999999999), text without the characters XML cannot hold,
    ``None`` for a blank."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        number = np.round(values.to_numpy(dtype=float, na_value=np.nan), DECIMALS)
        return True, [x if math.isfinite(x) else None for x in number.tolist()]
    return False, [None if pd.isna(v) or str(v) == "" else _text(v) for v in values.tolist()]


def _text(value) -> str:
    return _ILLEGAL_XML.sub("", str(value))


def _column_width(column, values: pd.Series) -> float:
    width = max([len(str(column)) * 2] + [_width(v) for v in values])
    return min(max(width + 2, 8), 60)


def _width(value) -> int:
    text = f"{value:.2f}" if isinstance(value, float) else "" if value is None else str(value)
    return len(text) if text.isascii() else sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

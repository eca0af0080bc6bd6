"""``results.xlsx``: the result tables with Chinese headers, the ranking sheet formatted for the 通报."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

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
SCORE_COLUMNS = {"leader", "dept_raw", "dept", "grassroots", "common", "brand", "total", "points", "scaled", "score"}
HEADER_FILL = PatternFill("solid", fgColor="DDE5F0")
TOP_FILL = PatternFill("solid", fgColor="FFF2CC")
THIN = Side(style="thin", color="A6A6A6")


def chinese(table: pd.DataFrame) -> pd.DataFrame:
    """A table with its English column names replaced by the Chinese headers."""
    return table.rename(columns=HEADERS)


def write_workbook(results, path: Path) -> Path:
    """Write every output table to one workbook; the ranking sheet comes first, formatted."""
    from .pipeline import output_tables

    tables = output_tables(results)
    ranking = results.results.copy()
    ranking["vetoed"] = ranking["vetoed"].map({True: "是", False: ""})
    tables["results"] = ranking
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for key, table in tables.items():
            chinese(table).to_excel(writer, sheet_name=SHEETS[key], index=False)
            _format(writer.sheets[SHEETS[key]], table)
        _highlight_top(writer.sheets[SHEETS["results"]], ranking, results.scheme.top_grade)
        writer.sheets[SHEETS["results"]].sheet_properties.tabColor = "1F4E79"
    return path


def _format(sheet, table: pd.DataFrame) -> None:
    for index, column in enumerate(table.columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index)
        head.font = Font(bold=True)
        head.fill = HEADER_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        head.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
        width = max([len(str(HEADERS.get(column, column))) * 2] + [_width(v) for v in table[column].head(200)])
        sheet.column_dimensions[letter].width = min(max(width + 2, 8), 60)
        if column in SCORE_COLUMNS or column == "dept_coef" or column == "coef":
            fmt = "0.00" if column in SCORE_COLUMNS else "0.00%"
            for row in range(2, len(table) + 2):
                sheet.cell(row=row, column=index).number_format = fmt
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions


def _highlight_top(sheet, ranking: pd.DataFrame, top_grade: str) -> None:
    grade_col = list(ranking.columns).index("grade") + 1
    for offset, grade in enumerate(ranking["grade"], start=2):
        if grade == top_grade:
            for col in range(1, len(ranking.columns) + 1):
                sheet.cell(row=offset, column=col).fill = TOP_FILL
            sheet.cell(row=offset, column=grade_col).font = Font(bold=True)


def _width(value) -> int:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if isinstance(value, float):
        text = f"{value:.2f}"
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

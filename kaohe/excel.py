"""``results.xlsx``: the result tables with Chinese headers, the ranking sheet formatted for the 通报.

Sheets: 考核排名 (results.csv, the units proposed 优秀 highlighted), 指标得分 and 类别得分 written
wide — one row per unit, one column per indicator or category, as the office reads them
(+ 指标折算得分 / 类别折算得分 when the ranking coefficient applies to that part) — and
特色品牌得分 (one row per brand item). The long tables with every detail are the CSV files.

The workbook is written directly as its XML parts: the XML of each distinct value of a column
is built once, and blocks of rows are joined from these pieces and streamed into the zip.
That takes under 0.5 µs a cell; a cell-by-cell writer (openpyxl) takes about 12 µs, a minute
for the 2.8 million indicator cells of 100,000 units. A wide sheet has as many rows as units;
a table longer than Excel's 1,048,576 rows continues on a second sheet. Zip entries carry a
fixed time, so the same results give the same bytes.
"""

from __future__ import annotations

import re
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html import escape as html_escape
from pathlib import Path

import numpy as np
import pandas as pd

from .io import column_letter, number_texts

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
PERCENT_COLUMNS = {"dept_coef", "coef"}
EXCEL_ROWS = 1_048_576
BLOCK = 4096  # rows turned into XML at a time
DECIMALS = 10
FIXED_TIME = (2020, 1, 1, 0, 0, 0)

# cell styles, the order of <cellXfs> in STYLES: (plain, highlighted) per kind of column
TEXT, SCORE, PERCENT, GRADE = (0, 4), (2, 5), (3, 6), (0, 7)
HEADER_STYLE = 1
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ILLEGAL_TEXT = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # all but NUL


@dataclass
class Sheet:
    """One worksheet: a table with Chinese headers and a style per column."""

    name: str
    table: pd.DataFrame
    styles: list[tuple[int, int]]
    highlight: np.ndarray | None = None  # rows filled as 优秀
    tab_color: str | None = None


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
    t["grade"] = np.where(t["vetoed"].astype(bool), t["grade"] + "（一票否决）", t["grade"])
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
    ranking = results.results.copy()
    ranking["vetoed"] = ranking["vetoed"].map({True: "是", False: ""})
    styles = [_style(c) if c != "grade" else GRADE for c in ranking.columns]
    sheets = [Sheet(SHEETS["results"], chinese(ranking), styles,
                    highlight=ranking["grade"].eq(scheme.top_grade).to_numpy(), tab_color="1F4E79")]
    units = results.units["unit"]
    scope = scheme.dept_ranking.scope
    indicators = [(i.id, i.id) for i in scheme.indicators]
    categories = [(c.id, f"{c.id} {c.name}") for c in scheme.categories]
    for part, columns, key in (("indicator", indicators, "indicator_scores"), ("category", categories, "category_scores")):
        table = results.indicators if part == "indicator" else results.categories
        sheets.append(_wide_sheet(SHEETS[key], table, part, columns, units, "points"))
        if scope == part:
            sheets.append(_wide_sheet(SCALED_SHEETS[part], table, part, columns, units, "scaled"))
    brand = results.brand_items[["unit", "item", "title", "reviews", "score"]]
    sheets.append(Sheet(SHEETS["brand_scores"], chinese(brand), [_style(c) for c in brand.columns]))
    _write_xlsx(Path(path), [part for sheet in sheets for part in _split(sheet)])
    return Path(path)


def _style(column: str) -> tuple[int, int]:
    return SCORE if column in SCORE_COLUMNS else PERCENT if column in PERCENT_COLUMNS else TEXT


def _wide_sheet(name: str, table: pd.DataFrame, part: str, columns, units: pd.Series, value: str) -> Sheet:
    """``table`` (one row per unit and part) as a grid: a row per unit, a column per part."""
    row = pd.Categorical(table["unit"], categories=units).codes
    col = pd.Categorical(table[part], categories=[c for c, _ in columns]).codes
    grid = np.full((len(units), len(columns)), np.nan)
    known = (row >= 0) & (col >= 0)
    grid[row[known], col[known]] = table[value].to_numpy(dtype=float)[known]
    wide = pd.DataFrame(grid, columns=[header for _, header in columns])
    wide.insert(0, "单位", units.to_numpy())
    return Sheet(name, wide, [TEXT] + [SCORE] * len(columns))


def _split(sheet: Sheet) -> list[Sheet]:
    """A sheet longer than Excel allows, as several sheets 名称, 名称2, …"""
    size = EXCEL_ROWS - 1
    if len(sheet.table) <= size:
        return [sheet]
    parts = []
    for k, start in enumerate(range(0, len(sheet.table), size)):
        rows = slice(start, start + size)
        parts.append(Sheet(
            sheet.name if k == 0 else f"{sheet.name}{k + 1}",
            sheet.table.iloc[rows].reset_index(drop=True),
            sheet.styles,
            None if sheet.highlight is None else sheet.highlight[rows],
            sheet.tab_color,
        ))
    return parts


def _write_xlsx(path: Path, sheets: list[Sheet]) -> None:
    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, FIXED_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        # the fastest deflate: the default level 6 takes 5x as long for a file a fifth smaller.
        # ZipFile(compresslevel=) does not reach an entry given as a ZipInfo, hence the attribute
        info._compresslevel = 1
        return info

    # zlib lets go of the interpreter while it compresses: one thread compresses a block of
    # rows while the next is built
    with zipfile.ZipFile(path, "w") as book, ThreadPoolExecutor(max_workers=1) as writer:
        book.writestr(entry("[Content_Types].xml"), _content_types(len(sheets)))
        book.writestr(entry("_rels/.rels"), ROOT_RELS)
        book.writestr(entry("xl/workbook.xml"), _workbook(sheets))
        book.writestr(entry("xl/_rels/workbook.xml.rels"), _workbook_rels(len(sheets)))
        book.writestr(entry("xl/styles.xml"), STYLES)
        for k, sheet in enumerate(sheets, start=1):
            with book.open(entry(f"xl/worksheets/sheet{k}.xml"), "w", force_zip64=True) as part:
                pending = None
                for block in _sheet_xml(sheet):
                    data = block.encode("utf-8")
                    if pending is not None:
                        pending.result()
                    pending = writer.submit(part.write, data)
                if pending is not None:
                    pending.result()


def _sheet_xml(sheet: Sheet):
    """The worksheet XML in pieces: head, header row, blocks of data rows, tail."""
    table = sheet.table
    n, m = table.shape
    last = f"{column_letter(max(m, 1))}{n + 1}"
    head = [XML_HEAD, f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}">']
    if sheet.tab_color:
        head.append(f'<sheetPr><tabColor rgb="FF{sheet.tab_color}"/></sheetPr>')
    head.append(f'<dimension ref="A1:{last}"/>')
    head.append('<sheetViews><sheetView workbookViewId="0"><pane xSplit="1" ySplit="1" topLeftCell="B2" '
                'activePane="bottomRight" state="frozen"/><selection pane="bottomRight"/></sheetView></sheetViews>')
    head.append('<sheetFormatPr defaultRowHeight="15"/><cols>')
    for j, column in enumerate(table.columns, start=1):
        head.append(f'<col min="{j}" max="{j}" width="{_column_width(column, table.iloc[:200, j - 1])}" customWidth="1"/>')
    head.append('</cols><sheetData><row r="1">')
    for j, column in enumerate(table.columns, start=1):
        head.append(f'<c r="{column_letter(j)}1" s="{HEADER_STYLE}" t="inlineStr"><is><t>{_text(column)}</t></is></c>')
    head.append("</row>")
    yield "".join(head)
    letters = [column_letter(j) for j in range(1, m + 1)]
    highlight = np.zeros(n, bool) if sheet.highlight is None else np.asarray(sheet.highlight, bool)
    cells = [_cells(table.iloc[:, j], sheet.styles[j], highlight.any()) for j in range(m)]
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        lit = highlight[start:stop]
        rows = np.arange(start + 2, stop + 2).astype(str).astype(object)
        # each row as pieces joined once: <row r="N"> then per cell <c r="B, N, the rest of the cell
        pieces = np.empty((stop - start, 3 * m + 4), dtype=object)
        pieces[:, 0], pieces[:, 1], pieces[:, 2], pieces[:, -1] = '<row r="', rows, '">', "</row>"
        for j, (codes, plain, highlighted) in enumerate(cells):
            code = codes[start:stop]
            tails = plain[code]
            if lit.any():
                tails[lit] = highlighted[code[lit]]
            pieces[:, 3 * j + 3] = f'<c r="{letters[j]}'
            pieces[:, 3 * j + 4] = rows
            pieces[:, 3 * j + 5] = tails
            omitted = (code == len(plain) - 1) & ~lit  # a blank cell in a plain row is left out
            if omitted.any():
                pieces[omitted, 3 * j + 3 : 3 * j + 5] = ""
        yield "".join(pieces.ravel().tolist())
    yield f'</sheetData><autoFilter ref="A1:{last}"/></worksheet>'


def _cells(values: pd.Series, style: tuple[int, int], highlight: bool):
    """One column's cells as codes into their distinct XML tails (all after ``<c r="B7``).

    Numbers are values, text is inline; a blank cell is written only where the row is filled.
    Returns the codes and the tails of each distinct value in a plain row and (if ``highlight``)
    in a filled one; the last code stands for a blank.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        number = values.to_numpy(dtype=float, na_value=np.nan, copy=True)
        blank = ~np.isfinite(number)
        number[blank] = 0
        # integers as such; other numbers to 10 decimals, which hides float noise (85.884, not
        # 85.88399999999999) and stays far below what any sheet shows (results.csv keeps every digit)
        integer = pd.api.types.is_integer_dtype(values.dtype)
        codes, text = number_texts(number.astype(np.int64) if integer else np.round(number, DECIMALS))
        opening, closing = ("><v>", "</v></c>")
    else:
        if isinstance(values.dtype, pd.StringDtype):
            text = values.to_numpy(dtype=object, na_value="")
        else:
            text = values.astype(object).where(values.notna(), "").astype(str).to_numpy(dtype=object)
        blank = text == ""
        codes, distinct = pd.factorize(text)
        text = _escaped(np.asarray(distinct, dtype=object))
        opening, closing = (' t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>")
    codes[blank] = len(text)
    plain = np.append(f'" s="{style[0]}"{opening}' + text + closing, "")
    lit = np.append(f'" s="{style[1]}"{opening}' + text + closing, f'" s="{style[1]}"/>') if highlight else None
    return codes, plain, lit


def _text(value) -> str:
    return html_escape(_ILLEGAL_XML.sub("", str(value)), quote=False)


def _escaped(texts: np.ndarray) -> np.ndarray:
    """:func:`_text` of every value, done on the values joined by NUL (which no cell holds)."""
    joined = "\x00".join(texts)
    if joined.count("\x00") != max(len(texts) - 1, 0):
        return np.array([_text(t) for t in texts], dtype=object)
    return np.array(html_escape(_ILLEGAL_TEXT.sub("", joined), quote=False).split("\x00"), dtype=object)[: len(texts)]


def _column_width(column, values: pd.Series) -> float:
    width = max([len(str(column)) * 2] + [_width(v) for v in values])
    return min(max(width + 2, 8), 60)


def _width(value) -> int:
    text = f"{value:.2f}" if isinstance(value, float) else "" if value is None else str(value)
    return len(text) if text.isascii() else sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
ROOT_RELS = (
    f'{XML_HEAD}<Relationships xmlns="{PACKAGE_REL}"><Relationship Id="rId1" '
    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
STYLES = f"""{XML_HEAD}<styleSheet xmlns="{MAIN}">
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="4"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDE5F0"/><bgColor indexed="64"/></patternFill></fill><fill><patternFill patternType="solid"><fgColor rgb="FFFFF2CC"/><bgColor indexed="64"/></patternFill></fill></fills>
<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border><border><left style="thin"><color rgb="FFA6A6A6"/></left><right style="thin"><color rgb="FFA6A6A6"/></right><top style="thin"><color rgb="FFA6A6A6"/></top><bottom style="thin"><color rgb="FFA6A6A6"/></bottom><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="8">
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1"><alignment horizontal="center" vertical="center" wrapText="1"/></xf>
<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="10" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="0" fillId="3" borderId="0" xfId="0" applyFill="1"/>
<xf numFmtId="2" fontId="0" fillId="3" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1"/>
<xf numFmtId="10" fontId="0" fillId="3" borderId="0" xfId="0" applyNumberFormat="1" applyFill="1"/>
<xf numFmtId="0" fontId="1" fillId="3" borderId="0" xfId="0" applyFont="1" applyFill="1"/>
</cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def _content_types(n: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{k}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for k in range(1, n + 1)
    )
    return (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook(sheets: list[Sheet]) -> str:
    names = "".join(
        f'<sheet name="{html_escape(s.name)}" sheetId="{k}" r:id="rId{k}"/>' for k, s in enumerate(sheets, start=1)
    )
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{k}" hidden="1">'
        f"{html_escape(_quoted(s.name), quote=False)}!$A$1:${column_letter(max(s.table.shape[1], 1))}${len(s.table) + 1}</definedName>"
        for k, s in enumerate(sheets)
    )
    return (
        f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{REL}"><bookViews><workbookView activeTab="0"/></bookViews>'
        f"<sheets>{names}</sheets><definedNames>{filters}</definedNames></workbook>"
    )


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _workbook_rels(n: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{k}" Type="{REL}/worksheet" Target="worksheets/sheet{k}.xml"/>' for k in range(1, n + 1)
    )
    return (
        f'{XML_HEAD}<Relationships xmlns="{PACKAGE_REL}">{sheets}'
        f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/></Relationships>'
    )

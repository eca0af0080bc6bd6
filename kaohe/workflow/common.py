"""What the workflow commands share: the year on the command line, the unit list, the titled sheet
of every workbook kaohe writes for people to fill in or print."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..inputs.files import ROW, fold_series, find_table, read_table
from ..problems import Code, InvalidInputError, KaoheError, Problem, ProblemLog, SchemeError, UsageError
from ..scheme import Scheme, load_scheme

YEAR = re.compile(r"^\d{4}$")
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


def outside_raw(path: Path, data_dir: str | Path) -> Path:
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


def year_scheme(year_dir: Path, year: str) -> Scheme:
    scheme = load_scheme(year_dir / "scheme.yaml")
    if scheme.year != int(year):
        raise SchemeError([Problem.of(Code.YEAR_MISMATCH, "scheme.yaml", None, "year", scheme.year, year=year)])
    return scheme


def titled_sheet(title: str, comments: list[str], headers: list[str]):
    """A workbook whose first sheet has a title line (【…】) and instruction lines (填写说明：…), which the
    reader skips, then the header row, set up for print; returns the header's row."""
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
    # print: A4 landscape, one page wide; the header on every page, the units column on every page
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{top}:{top}"
    sheet.print_title_cols = "A:A"
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    return book, sheet, top


def number_text(x) -> str:
    return f"{x:g}"

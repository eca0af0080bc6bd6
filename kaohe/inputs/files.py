"""Reading the year's input files: the one decode path of every CSV and xlsx table.

Tables are read as text, cell by cell as the analyst typed them, with the spreadsheet row of
each record kept (``RawTable.rows``; ``_row`` in :attr:`RawTable.frame`); turning text into
numbers is the checks' job (:mod:`kaohe.inputs.checks`).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import hashlib
import io
import itertools
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import Code, ProblemLog
from ..vocabulary import HEADER_ALIASES, TABLE_NAMES

TABLE_SUFFIXES = (".csv", ".xlsx")
_LINE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n)")
ROW = "_row"
COMMENT = ("#", "【", "说明：", "填写说明：")  # a line above the header starting so is a comment (kaohe template writes 【…】 and 填写说明：)
HEADER_SEARCH = 20  # lines looked at for the header row (titles above it are skipped)
SAMPLE_LINES = 500  # first lines of a CSV looked at for how to read each column
HIDDEN_REPORTS = 30  # hidden rows warned about one by one
OPTIONS_SHEET = "选项"  # the hidden sheet of drop-down lists in the workbooks kaohe template writes
SAMPLE_MARK = "示例数据"  # what the synthetic sample's files say in their first comment line



@dataclass(frozen=True)
class RawTable:
    """One input file read as text, ``name`` being how messages cite it.

    Each column is kept as its distinct texts and, for each cell, the position of its text
    (:meth:`codes`), so that checks run once per distinct text; ``frame`` holds the cells
    themselves, made when first asked for.
    """

    name: str
    path: Path
    headers: dict[str, str]  # column name → the header cell as written
    distinct: dict[str, tuple[np.ndarray, np.ndarray]] = field(repr=False, compare=False)  # column → (codes, texts)
    rows: np.ndarray = field(repr=False, compare=False)  # the spreadsheet row of each record
    sha256: str = field(default="", compare=False)  # of the file's bytes, for the manifest
    comments: tuple[str, ...] = field(default=(), compare=False)  # the # lines above the header

    @property
    def sample(self) -> bool:
        """Whether the file says it is synthetic sample data (示例数据) in a comment line."""
        return any(SAMPLE_MARK in line for line in self.comments)

    @property
    def columns(self) -> list[str]:
        return list(self.distinct)

    @property
    def index(self) -> pd.RangeIndex:
        return pd.RangeIndex(len(self.rows))

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The cells as text, a column per header, and the spreadsheet row of each record in ``_row``."""
        frame = pd.DataFrame({c: self.column(c) for c in self.columns}, index=self.index)
        frame[ROW] = self.rows
        return frame

    def header(self, column: str) -> str:
        return self.headers.get(column, column)

    def codes(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """``(codes, texts)``: the column's distinct texts and, for each cell, the position of its text."""
        return self.distinct[column]

    def column(self, column: str, rows=None) -> pd.Series:
        """The cells of ``column`` (or those in ``rows``, by position) as text."""
        return self.map_texts(column, lambda texts: pd.array(texts, dtype=str), rows)

    def map(self, column: str, func, rows=None) -> pd.Series:
        """``func`` of every cell of ``column`` (or of the cells in ``rows``, by position),
        computed once per distinct text."""
        return self.map_texts(column, lambda texts: [func(t) for t in texts], rows)

    def map_texts(self, column: str, func, rows=None) -> pd.Series:
        """Like :meth:`map`, with ``func`` taking the array of distinct texts and returning their values."""
        codes, texts = self.codes(column)
        mapped = pd.Series(func(texts))
        if rows is None:
            return pd.Series(mapped.array.take(codes), index=self.index, copy=False)
        return pd.Series(mapped.array.take(codes[rows]), index=self.index[rows], copy=False)

    def blank(self, column: str) -> pd.Series:
        """Which cells of ``column`` are empty."""
        codes, texts = self.codes(column)
        return pd.Series((texts == "")[codes], index=self.index, copy=False)


def fold(text) -> str:
    """Fold a name for matching: full-width forms to half-width, all spaces removed."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    text = str(text)
    return "".join((text if text.isascii() else unicodedata.normalize("NFKC", text)).split())  # ASCII is NFKC already


def map_distinct(values: pd.Series, func) -> pd.Series:
    """``func`` of every cell of a column, computed once per distinct value (blank → ``func(None)``)."""
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    mapped = pd.Series([func(u) for u in uniques] + [func(None)])
    return pd.Series(mapped.to_numpy()[codes], index=values.index, dtype=mapped.dtype)


def fold_series(values: pd.Series) -> pd.Series:
    """:func:`fold` over a column, computed once per distinct value."""
    return map_distinct(values, fold)


def header_name(text) -> str:
    """The canonical column name of a header cell: aliases mapped, case and width folded."""
    key = fold(text)
    return HEADER_ALIASES.get(key, key.lower() if key.isascii() else key)


def table_files(stem: str) -> list[str]:
    """The names a table's file may have: ``leader_scores.csv``, ``leader_scores.xlsx``, ``领导评分.csv``…"""
    stems = [stem] + ([TABLE_NAMES[stem]] if stem in TABLE_NAMES else [])
    return [f"{s}{suffix}" for s in stems for suffix in TABLE_SUFFIXES]


def find_table(folder: Path, stem: str, log: ProblemLog, *, required: bool = True) -> Path | None:
    """The table's one file in ``folder`` (:func:`table_files`); more than one, or none, is a problem."""
    names = {p.name for p in folder.iterdir()} if folder.is_dir() else set()  # as named: the same on every system
    found = [folder / name for name in table_files(stem) if name in names and (folder / name).is_file()]
    if len(found) > 1:
        shown = " / ".join(p.name for p in found)
        log.error(Code.FILE_TWICE, shown, count=len(found), names="、".join(p.name for p in found))
        return None
    if not found:
        if required:
            log.error(Code.FILE_MISSING, f"{stem}.csv", stem=stem, chinese=TABLE_NAMES.get(stem, stem))
        return None
    return found[0]


def read_table(path: Path, name: str, log: ProblemLog, header_names=()) -> RawTable | None:
    """Read one ``.csv`` or ``.xlsx`` (first sheet) as text with its header row mapped.

    Leading lines whose first cell starts with ``#`` are comments (the sample data says
    示例数据 there); the first other non-blank line is the header, unless one of the next
    lines holds one of ``header_names`` (then the lines above it are a title, skipped with a
    warning). Blank rows are dropped. A CSV may be UTF-8 (with or without BOM), GB18030/GBK or
    UTF-16 (Excel's "Unicode 文本"), separated by commas, tabs or semicolons. Returns ``None``
    after logging when the file cannot be read at all.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error(Code.FILE_UNREADABLE, name, reason=exc.strerror or exc)
        return None
    if not data or data.isspace():
        log.error(Code.FILE_EMPTY, name)
        return None
    try:
        if path.suffix.lower() == ".xlsx":
            rows = _xlsx_rows(data, name, log)
        else:
            rows = _csv_rows(data, name, log)
    except MemoryError:
        log.error(Code.FILE_TOO_LARGE, name)
        return None
    if rows is None:
        return None
    return _to_frame(rows, name, path, log, set(header_names), hashlib.sha256(data).hexdigest())


def _csv_rows(data: bytes, name: str, log: ProblemLog) -> pd.DataFrame | None:
    """The cells of a CSV file, each column as text or as categories (see :func:`_column_types`)."""
    if data[:2] == b"PK":
        log.error(Code.CSV_IS_XLSX, name)
        return None
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not utf16 and b"\x00" in data:
        log.error(Code.CSV_BINARY, name)
        return None
    if not utf16:
        with contextlib.suppress(UnicodeDecodeError, pd.errors.ParserError, ValueError):
            # UTF-8 read as bytes by the C parser, which decodes every cell strictly: a file
            # that is not UTF-8 throughout, or any other trouble, takes the careful path below
            return _parse(io.BytesIO(data), _head(data), "utf-8", name, log, quiet=True)
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        log.error(Code.CSV_ENCODING, name)
        return None
    if "\x00" in text:
        log.error(Code.CSV_BINARY, name)
        return None
    return _parse(io.StringIO(text), text, None, name, log)


def _head(data: bytes, size: int = 1 << 22) -> str:
    """The first ``size`` bytes of UTF-8 ``data`` as text, a character cut at the end left out
    (raises ``UnicodeDecodeError`` if they are not UTF-8)."""
    return codecs.getincrementaldecoder("utf-8-sig")().decode(data[:size])


def _parse(source, head: str, encoding: str | None, name: str, log: ProblemLog, *, quiet=False) -> pd.DataFrame | None:
    """Parse a CSV whose beginning is ``head``: the blank and comment lines above the header
    skipped, the separator the first lines use; ``quiet``: raise on a parser error, not log it."""
    skip, sample, comments = 0, [], []
    for line in _LINE.finditer(head):  # blank and comment lines before the header, then a sample
        if not sample and (not line.group(1).strip(" ,;\t") or line.group(1).lstrip(' "').startswith(COMMENT)):
            skip += 1
            if line.group(1).strip(" ,;\t"):
                comments.append(line.group(1).strip())
        elif line.group(1).strip(" ,;\t"):
            sample.append(line.group(1))
            if len(sample) == SAMPLE_LINES:
                break
    sep = _delimiter(sample[:20])
    options = dict(
        encoding=encoding,  # the parser drops a BOM itself
        sep=sep,
        header=None,
        keep_default_na=False,
        skip_blank_lines=False,
        skiprows=skip,
        quoting=csv.QUOTE_MINIMAL,
        engine="c",
    )
    try:
        frame = pd.read_csv(source, dtype=_column_types(sample, sep), **options)
        # a column read as numbers, or as categories that were all numbers ("007" → 7.0), is read again as text
        numeric = [c for c in frame.columns if not _is_text(frame[c])]
        if numeric:
            source.seek(0)
            frame[numeric] = pd.read_csv(source, dtype=object, usecols=numeric, **options)[numeric]
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, ValueError) as exc:
        if quiet:
            raise
        row, message = _parser_message(exc)
        log.error(Code.CSV_FORMAT, name, row, reason=message)
        return None
    frame.index = pd.RangeIndex(skip + 1, skip + len(frame) + 1)
    frame.attrs["comments"] = comments
    return frame


def _column_types(lines: list[str], sep: str) -> dict[int, str]:
    """How to read each column, judged from its first cells: as categories (a text per distinct
    value and a code per cell) where few values recur, like answers, roles or scores; as text
    where there are many, like names, or all are numbers, which categories would convert."""
    return {
        c: "category" if len(set(cells)) * 20 <= len(cells) and not all(map(is_number, cells)) else "object"
        for c, cells in enumerate(itertools.zip_longest(*csv.reader(lines, delimiter=sep), fillvalue=""))
    }


def _is_text(column: pd.Series) -> bool:
    dtype = column.cat.categories.dtype if isinstance(column.dtype, pd.CategoricalDtype) else column.dtype
    return dtype == object or isinstance(dtype, pd.StringDtype)


def is_number(text: str) -> bool:
    """Whether Python reads ``text`` as a number."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _delimiter(lines: list[str]) -> str:
    """Comma, or the tab or semicolon that more of the first lines hold (Excel's other exports)."""
    counts = {d: sum(d in line for line in lines) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _parser_message(exc: Exception) -> tuple[int | None, str]:
    """pandas' "Expected 3 fields in line 5, saw 4" as a Chinese message and its line."""
    parts = str(exc).split()
    if "fields" in parts and "line" in parts:
        try:
            return int(parts[parts.index("line") + 1].rstrip(",")), "这一行的列数比表头多（可能有多余的逗号）"
        except (ValueError, IndexError):
            pass
    return None, str(exc)


def _xlsx_rows(data: bytes, name: str, log: ProblemLog) -> pd.DataFrame | None:
    """The first sheet's cells as text; a formula with no saved result reads as its formula,
    and the numbers of hidden rows go in ``attrs["hidden"]``."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        log.error(Code.XLSX_INVALID, name)
        return None
    import openpyxl  # only when a workbook is read: a year of CSV files does without it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        log.error(Code.XLSX_DAMAGED, name, reason=type(exc).__name__)
        return None
    try:
        sheet = book.worksheets[0]
        visible = [s.title for s in book.worksheets if s.sheet_state == "visible"]
        if sheet.sheet_state != "visible" and visible:
            log.error(Code.SHEET_HIDDEN_FIRST, name, sheet=sheet.title, visible=visible[0])
            return None
        for other in book.worksheets[1:]:
            if other.sheet_state != "visible" and other.title != OPTIONS_SHEET:  # the templates' drop-down lists
                log.warning(Code.SHEET_HIDDEN, name, other=other.title, sheet=sheet.title)
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        xml = _sheet_xml(data, sheet)
        if rows and _FORMULA.search(xml):
            rows = _with_formulas(data, rows)
        if not any(v is not None and str(v).strip() for row in rows for v in row):
            others = [s.title for s in book.worksheets[1:] if _has_data(s)]
            if others:
                log.error(Code.SHEET_EMPTY_FIRST, name, sheet=sheet.title, other=others[0])
                return None
    except Exception as exc:
        log.error(Code.XLSX_SHEET_DAMAGED, name, reason=type(exc).__name__)
        return None
    finally:
        book.close()
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([[_cell_text(v) for v in r] + [""] * (width - len(r)) for r in rows], dtype=object)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame.attrs["hidden"] = {int(r) for r in _HIDDEN_ROW.findall(xml)}
    frame.attrs["hidden_columns"] = {
        c - 1 for low, high in _HIDDEN_COLUMNS.findall(xml) for c in range(int(low), min(int(high), width) + 1)
    }
    return frame


_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_HIDDEN_COLUMNS = re.compile(rb'<(?:\w+:)?col\s(?=[^>]*\bhidden="(?:1|true)")[^>]*?\bmin="(\d+)"[^>]*?\bmax="(\d+)"')
_HIDDEN_ROW = re.compile(rb'<(?:\w+:)?row\s(?=[^>]*\bhidden="(?:1|true)")[^>]*?\br="(\d+)"')


def _sheet_xml(data: bytes, sheet) -> bytes:
    """The worksheet's XML part, to look for what openpyxl's read-only mode does not tell."""
    part = getattr(sheet, "_worksheet_path", None)
    if not part:
        return b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(part.lstrip("/"))


def _with_formulas(data: bytes, rows: list[list]) -> list[list]:
    """Where a cell has a formula but no saved result (a workbook written by a program and
    never opened in Excel), its formula text, so that the message can say so."""
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        formulas = book.worksheets[0].iter_rows(values_only=True)
        merged = []
        for row, formula_row in zip(rows, formulas):
            merged.append([
                f if v is None and f is not None and str(f).startswith("=") else v
                for v, f in zip(row, list(formula_row) + [None] * (len(row) - len(formula_row)))
            ])
        return merged
    finally:
        book.close()


def _has_data(sheet) -> bool:
    return any(v is not None and str(v).strip() for row in sheet.iter_rows(max_row=50, values_only=True) for v in row)


def _cell_text(value) -> str:
    """An Excel cell as the text an analyst sees: 6.0 → "6", dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _to_frame(rows: pd.DataFrame, name: str, path: Path, log: ProblemLog, header_names=frozenset(),
              digest: str = "") -> RawTable | None:
    distinct = {c: _stripped(rows[c]) for c in rows.columns}  # column → (codes, texts)

    def cell(c, position) -> str:
        codes, texts = distinct[c]
        return texts[codes[position]]

    blank = np.ones(len(rows), bool)  # the rows blank in every column
    for codes, texts in distinct.values():
        maybe = np.flatnonzero(blank)  # only rows blank so far are looked at: few, after the first column
        blank[maybe] = (texts == "")[codes[maybe]]
    candidates = []  # the first lines that are neither blank nor a leading comment
    comments = list(rows.attrs.get("comments", ()))  # those a CSV reader skipped already
    for position in np.flatnonzero(~blank):
        first = cell(rows.columns[0], position)
        if candidates or not first.startswith(COMMENT):
            candidates.append(position)
            if len(candidates) == HEADER_SEARCH:
                break
        else:
            comments.append(first)
    if not candidates:
        log.error(Code.NO_HEADER, name)
        return None
    header_at = next(
        (p for p in candidates if header_names & {header_name(cell(c, p)) for c in rows.columns}), candidates[0]
    )
    number = int(rows.index[header_at])
    if header_at != candidates[0]:
        log.warning(Code.TITLE_SKIPPED, name, line=number)
    header = {c: "" if pd.isna(rows[c].iat[header_at]) else str(rows[c].iat[header_at]) for c in rows.columns}
    body = np.flatnonzero(~blank[header_at + 1:]) + header_at + 1
    if len(body) and body[-1] - body[0] + 1 == len(body):
        body = slice(body[0], body[-1] + 1)  # no blank line inside: a view, not a copy
    keep = [c for c in rows.columns if fold(header[c]) or (distinct[c][1][distinct[c][0][body]] != "").any()]
    names = []
    for c in keep:
        if not fold(header[c]):
            log.error(Code.HEADER_BLANK, name, number, _column_letter(c))
        names.append(header_name(header[c]) or f"?{c}")
    seen: set[str] = set()
    for column in names:
        if column in seen:
            log.error(Code.HEADER_TWICE, name, number, column, column)
        seen.add(column)
    columns = {}
    for c, column in zip(keep, names):
        if column not in columns:
            columns[column] = (distinct[c][0][body], distinct[c][1])
    for c, column in zip(keep, names):
        if c in rows.attrs.get("hidden_columns", ()):
            log.warning(Code.COLUMN_HIDDEN, name, None, header[c].strip() or _column_letter(c), letter=_column_letter(c))
    numbers = rows.index.to_numpy()[body].astype(int)
    hidden = numbers[np.isin(numbers, list(rows.attrs.get("hidden", ())))].tolist()  # rows ascend
    for row in hidden[:HIDDEN_REPORTS]:
        log.warning(Code.ROW_HIDDEN, name, row)
    if len(hidden) > HIDDEN_REPORTS:
        log.warning(Code.ROWS_HIDDEN_MORE, name, count=len(hidden) - HIDDEN_REPORTS)
    headers = {n: header[c].strip() for n, c in zip(names, keep)}
    return RawTable(name, path, headers, columns, numbers, digest, tuple(comments))


def _stripped(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column as ``(codes, texts)``: its distinct values without surrounding spaces, and
    for each cell the position of its text (a missing cell is ""). A column repeats few values
    (units, answers, scores): each is stripped once, and later checks go by the codes too.
    A column read as categories has them already."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    texts = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    codes = np.where(codes < 0, len(texts) - 1, codes)
    return codes.astype(np.min_scalar_type(len(texts))), texts


def _column_letter(index: int) -> str:
    return column_letter(int(index) + 1)


def column_letter(number: int) -> str:
    """Excel's name of the ``number``-th column: 1 → A, 26 → Z, 27 → AA."""
    name = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def sha256(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()

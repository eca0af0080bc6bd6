"""Reading the year's input files and writing its outputs: the only module that touches files.

Tables are read as text, cell by cell as the analyst typed them, with the spreadsheet row of
each record kept in ``_row``; turning text into numbers is :mod:`kaohe.validate`'s job.
Outputs are staged in a hidden folder beside the target and swapped in at once (SPEC §3).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from .problems import ProblemLog

TABLE_SUFFIXES = (".csv", ".xlsx")
_LINE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n)")
ROW = "_row"
COMMENT = "#"

# Chinese header aliases → the English names used everywhere in the code (SPEC §2).
ALIASES = {
    "单位": "unit",
    "单位名称": "unit",
    "考核单位": "unit",
    "参保基数": "medical_target",
    "上年参保数": "medical_prior",
    "类别": "group",
    "基层工会": "sub_union",
    "身份": "role",
    "项目编号": "item",
    "项目名称": "title",
    "评分单位": "reviewer",
    "得分": "score",
    "否决条款": "clause",
    "说明": "note",
    "等次": "grade",
    "理由": "reason",
}


@dataclass(frozen=True)
class RawTable:
    """One input file read as text: ``frame`` holds the cells, ``name`` is how messages cite it."""

    name: str
    path: Path
    frame: pd.DataFrame
    headers: dict[str, str]  # column name → the header cell as written

    def header(self, column: str) -> str:
        return self.headers.get(column, column)


def fold(text) -> str:
    """Fold a name for matching: full-width forms to half-width, all spaces removed."""
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


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
    return ALIASES.get(key, key.lower() if key.isascii() else key)


def find_table(folder: Path, stem: str, log: ProblemLog, *, required: bool = True) -> Path | None:
    """The ``stem.csv`` or ``stem.xlsx`` in ``folder``; both or neither is a problem."""
    found = [folder / f"{stem}{s}" for s in TABLE_SUFFIXES if (folder / f"{stem}{s}").is_file()]
    if len(found) > 1:
        log.error(
            f"{stem}.csv / {stem}.xlsx", None, None, None, "同一张表同时有 .csv 和 .xlsx 两个文件，请只保留一个"
        )
        return None
    if not found:
        if required:
            log.error(f"{stem}.csv", None, None, None, f"缺少输入文件 {stem}.csv 或 {stem}.xlsx")
        return None
    return found[0]


def read_table(path: Path, name: str, log: ProblemLog) -> RawTable | None:
    """Read one ``.csv`` or ``.xlsx`` (first sheet) as text with its header row mapped.

    Leading lines whose first cell starts with ``#`` are comments (the sample data says
    示例数据 there); the first other non-blank line is the header. Blank rows are dropped.
    Returns ``None`` after logging when the file cannot be read at all.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        log.error(name, None, None, None, f"无法读取文件：{exc.strerror or exc}")
        return None
    if not data.strip():
        log.error(name, None, None, None, "文件为空")
        return None
    if path.suffix.lower() == ".xlsx":
        rows = _xlsx_rows(data, name, log)
    else:
        rows = _csv_rows(data, name, log)
    if rows is None:
        return None
    return _to_frame(rows, name, path, log)


def _csv_rows(data: bytes, name: str, log: ProblemLog) -> pd.DataFrame | None:
    if data[:2] == b"PK":
        log.error(name, None, None, None, "文件扩展名是 .csv，但内容是 Excel 文件，请改为 .xlsx 或另存为 CSV")
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        log.error(name, None, None, None, "无法识别文件编码，请用 UTF-8 或 GBK（Excel 默认）保存 CSV")
        return None
    if "\x00" in text:
        log.error(name, None, None, None, "文件含有二进制内容，不是文本 CSV 文件")
        return None
    skip = 0
    for line in _LINE.finditer(text):  # blank and comment lines before the header
        if line.group(1).strip(" ,\t") and not line.group(1).lstrip().startswith(COMMENT):
            break
        skip += 1
    # the C parser reads UTF-8 bytes directly, much faster than from the decoded text
    source = io.BytesIO(data) if encoding == "utf-8-sig" else io.StringIO(text)
    try:
        frame = pd.read_csv(
            source,
            encoding="utf-8" if encoding == "utf-8-sig" else None,  # the parser drops a BOM itself
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            skiprows=skip,
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except (pd.errors.ParserError, ValueError) as exc:
        row, message = _parser_message(exc)
        log.error(name, row, None, None, f"CSV 格式错误：{message}")
        return None
    frame.index = pd.RangeIndex(skip + 1, skip + len(frame) + 1)
    return frame


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
    if not zipfile.is_zipfile(io.BytesIO(data)):
        log.error(name, None, None, None, "不是有效的 Excel (.xlsx) 文件：文件已损坏或实际是其他格式（如 CSV 改了扩展名）")
        return None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        log.error(name, None, None, None, f"无法打开 Excel 文件，文件可能已损坏（{type(exc).__name__}）")
        return None
    try:
        sheet = book.worksheets[0]
        rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    except Exception as exc:
        log.error(name, None, None, None, f"读取 Excel 工作表失败，文件可能已损坏（{type(exc).__name__}）")
        return None
    finally:
        book.close()
    if not rows:
        return pd.DataFrame()
    width = max(len(r) for r in rows)
    frame = pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    return frame


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


def _to_frame(rows: pd.DataFrame, name: str, path: Path, log: ProblemLog) -> RawTable | None:
    cells, blanks = {}, {}
    for c in rows.columns:
        cells[c], blanks[c] = _stripped(rows[c])
    blank = np.logical_and.reduce(list(blanks.values())) if blanks else np.ones(len(rows), bool)
    header_at = None
    for position in np.flatnonzero(~blank):  # the first non-blank line that is not a comment
        if not cells[rows.columns[0]][position].startswith(COMMENT):
            header_at = position
            break
    if header_at is None:
        log.error(name, None, None, None, "文件没有表头和数据（工作表为空）")
        return None
    header = {c: "" if pd.isna(rows[c].iat[header_at]) else str(rows[c].iat[header_at]) for c in rows.columns}
    body = np.flatnonzero(~blank[header_at + 1:]) + header_at + 1
    keep = [c for c in rows.columns if fold(header[c]) or not blanks[c][body].all()]
    names = []
    for c in keep:
        if not fold(header[c]):
            log.error(name, int(rows.index[header_at]), _column_letter(c), None, "该列有数据但没有表头")
        names.append(header_name(header[c]) or f"?{c}")
    seen: set[str] = set()
    for column in names:
        if column in seen:
            log.error(name, int(rows.index[header_at]), column, column, f"表头「{column}」重复出现")
        seen.add(column)
    columns = {}
    for c, column in zip(keep, names):
        columns.setdefault(column, pd.Series(cells[c][body], dtype=str))
    frame = pd.DataFrame(columns, index=pd.RangeIndex(len(body)))
    frame[ROW] = rows.index.to_numpy()[body].astype(int)
    headers = {n: header[c].strip() for n, c in zip(names, keep)}
    return RawTable(name, path, frame, headers)


def _stripped(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column's cells as text without surrounding spaces, and which of them are blank.

    Stripped once per distinct value: a column repeats few values (units, answers, scores).
    """
    codes, uniques = pd.factorize(column.to_numpy(dtype=object), use_na_sentinel=True)
    text = np.array([str(u).strip() for u in uniques] + [""], dtype=object)
    return text[codes], (text == "")[codes]


def _column_letter(index: int) -> str:
    return openpyxl.utils.get_column_letter(int(index) + 1)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def staged_output(target: Path):
    """Yield a fresh folder to write into; on success it replaces ``target`` at once.

    On any exception the staged folder is removed and ``target`` is left as it was. The
    swap is two renames (old aside, new in); the old folder is deleted only afterwards.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    os.chmod(stage, 0o755)
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.rmdir(old)
        os.replace(target, old)
    try:
        os.replace(stage, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        shutil.rmtree(stage, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """A machine-readable table: UTF-8, LF line ends, floats at full (round-trip) precision."""
    frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")

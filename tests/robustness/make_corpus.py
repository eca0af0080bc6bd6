"""A corpus of malformed inputs, each a copy of the tiny year with one file as an analyst might send it.

Every :class:`Case` starts from the tiny year of ``tests/tiny_year.py`` (year 2030, units 甲乙丙丁)
and changes one thing: an encoding, a spreadsheet quirk, a bad value, a broken scheme. Its
expectations say what ``kaohe validate 2030`` must do: read it (exit 0, with the values an analyst
would expect, often the very same results as the clean year) or refuse it (exit 1) with a
problem naming the file, row and column in Chinese. ``tests/test_robustness.py`` runs them all.

    python tests/robustness/make_corpus.py OUT     # write every case to OUT/<case>/raw/2030/ to look at

The 50 MB file (``huge_file``) is generated when the case is built, never committed.
"""

from __future__ import annotations

import datetime
import io
import random
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl
HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from tiny_year import FILES, write_tiny_year  # noqa: E402

YEAR = "2030"
HUGE_BYTES = 50 * 1024 * 1024
LEADER_ROWS = [["单位", "领导1", "领导2", "领导3"], ["甲", 90, 92, None], ["乙", 80, 84, 82], ["丙", 95, 99, 94],
               ["丁", 83, 81, 82]]
XUANJIAO_ROWS = [["单位", "1.1", "1.2"], ["甲", 38, 0], ["乙", 36, 1], ["丙", 40, 0], ["丁", 36, 1]]
BAOZHANG_ROWS = [["unit", "2.1", "2.2", "2.3"], ["甲", 0, "90%", 1000], ["乙", 1, 0.6, 450], ["丙", 3, 0.3, 800],
                 ["丁", 1, "60%", 450]]


@dataclass(frozen=True)
class Problem:
    """A line expected in the problem table: level, file, spreadsheet row, column and a phrase."""

    file: str
    row: int | None
    column: str | None
    phrase: str
    level: str = "错误"


@dataclass(frozen=True)
class Case:
    """One malformed input and what ``kaohe validate`` must make of it."""

    name: str
    what: str  # the fault, in the analyst's words
    build: Callable[[Path], None]  # changes the tiny year's folder raw/2030
    code: int  # exit code of kaohe validate and kaohe score
    problems: tuple[Problem, ...] = ()  # lines of the problem table (errors, or warnings when code is 0)
    same_results: bool = False  # results.csv and category_scores.csv exactly as the clean tiny year's
    check: Callable | None = None  # check(inputs) on the values read
    slow: bool = False
    tags: tuple[str, ...] = field(default=())


# -- writing files as they arrive ---------------------------------------------------------------


def put(year_dir: Path, name: str, data: bytes | str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    """Write ``name`` in the year folder, replacing the tiny year's file of the same table."""
    path = year_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(f"{Path(name).stem}.*"):
        old.unlink()
    if isinstance(data, str):
        data = data.replace("\n", newline).encode(encoding)
    path.write_bytes(data)
    return path


def workbook(rows, *, title: str | None = None) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    return book


def save(book: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx(rows, **options) -> bytes:
    return save(workbook(rows, **options))


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def scheme_text(year_dir: Path) -> str:
    return (year_dir / "scheme.yaml").read_text(encoding="utf-8")


# -- the builders ---------------------------------------------------------------------------------


def gbk_csv(d):
    put(d, "leader_scores.csv", FILES["leader_scores.csv"], "gbk", "\r\n")


def utf8_bom(d):
    put(d, "units.csv", FILES["units.csv"], "utf-8-sig")


def utf16_tab(d):
    # Excel's "Unicode 文本": UTF-16 LE with a BOM, tab-separated, renamed to .csv
    put(d, "leader_scores.csv", FILES["leader_scores.csv"].replace(",", "\t"), "utf-16", "\r\n")


def big5_csv(d):
    text = FILES["brand_items.csv"].replace("单位,项目编号,项目名称", "單位,項目編號,項目名稱")
    put(d, "brand_items.csv", text, "big5")  # a Taiwanese or Hong Kong machine's default


def pdf_renamed(d):
    rng = random.Random(7)
    body = bytes(rng.randrange(256) for _ in range(4000))
    put(d, "vetoes.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Length 4000 >>\nstream\n" + body + b"\nendstream\n")


def mac_cr(d):
    put(d, "brand_reviews.csv", FILES["brand_reviews.csv"], newline="\r")


def tab_separated(d):
    put(d, "survey.csv", FILES["survey.csv"].replace(",", "\t"))


def semicolon_separated(d):
    put(d, "leader_scores.csv", FILES["leader_scores.csv"].replace(",", ";"))


def ragged_row(d):
    put(d, "leader_scores.csv", edit(FILES["leader_scores.csv"], "乙,80,84,82", "乙,80,84,82,"))


def quoted_newline(d):
    put(d, "brand_items.csv", edit(FILES["brand_items.csv"], "甲,A1,甲的品牌", '甲,A1,"甲的品牌\n（第二行）"'))


def thousands_separator(d):
    put(d, "units.csv", edit(FILES["units.csv"], "甲,1000,", '甲,"1,000",'))


def zero_byte(d):
    put(d, "leader_scores.csv", b"")


def header_only(d):
    put(d, "brand_reviews.csv", "评分单位,项目编号,得分\n")


def merged_title(d):
    book = workbook([["2030年度市总领导班子评分表"], *LEADER_ROWS])
    book.active.merge_cells("A1:D1")
    put(d, "leader_scores.xlsx", save(book))


def header_row3(d):
    put(d, "dept_scores/宣教部.xlsx", xlsx([["宣教部评分表"], ["填表说明：按附件2评分"], *XUANJIAO_ROWS]))


def header_row3_error(d):
    rows = [["宣教部评分表"], [None], *XUANJIAO_ROWS]
    rows[4] = ["乙", 45, 1]  # row 5 of the sheet
    put(d, "dept_scores/宣教部.xlsx", xlsx(rows))


def empty_sheet(d):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    data = book.create_sheet("领导评分")
    for row in LEADER_ROWS:
        data.append(row)
    put(d, "leader_scores.xlsx", save(book))


def hidden_row_duplicate(d):
    book = workbook([*XUANJIAO_ROWS, ["乙", 30, 2]])  # an old entry for 乙 on row 6, hidden
    book.active.row_dimensions[6].hidden = True
    put(d, "dept_scores/宣教部.xlsx", save(book))


def hidden_row(d):
    book = workbook(BAOZHANG_ROWS)
    book.active.row_dimensions[5].hidden = True  # 丁
    put(d, "dept_scores/保障部.xlsx", save(book))


def trailing_blank_rows_xlsx(d):
    book = workbook(LEADER_ROWS)
    for row in range(6, 506):  # formatted, empty, and cells holding only spaces
        book.active.cell(row=row, column=1, value=" " if row % 50 == 0 else None).number_format = "0.00"
    put(d, "leader_scores.xlsx", save(book))


def trailing_blank_rows_csv(d):
    put(d, "brand_items.csv", FILES["brand_items.csv"] + ",,\n" * 200 + " , ,\n\n\n")


def formulas_no_cache(d):
    rows = [list(r) for r in XUANJIAO_ROWS]
    rows[1][1] = "=30+8"  # openpyxl stores the formula without a computed value
    put(d, "dept_scores/宣教部.xlsx", xlsx(rows))


def excel_error_value(d):
    rows = [list(r) for r in LEADER_ROWS]
    rows[3][2] = "#DIV/0!"  # 丙, 领导2: an error cell
    put(d, "leader_scores.xlsx", xlsx(rows))


def date_in_number(d):
    rows = [list(r) for r in BAOZHANG_ROWS]
    rows[3][3] = datetime.datetime(2030, 5, 1)  # 丙, 2.3
    put(d, "dept_scores/保障部.xlsx", xlsx(rows))


def text_in_number(d):
    put(d, "dept_scores/宣教部.csv", edit(FILES["dept_scores/宣教部.csv"], "乙,36,1", "乙,三十六,1"))


def nan_inf(d):
    text = edit(FILES["leader_scores.csv"], "乙,80,84,82", "乙,80,NaN,82")
    put(d, "leader_scores.csv", edit(text, "丁,83,81,82", "丁,83,inf,82"))


def negative_count(d):
    put(d, "dept_scores/宣教部.csv", edit(FILES["dept_scores/宣教部.csv"], "丁,36,1", "丁,36,-1"))


def ratio_above_one(d):
    text = edit(FILES["dept_scores/保障部.csv"], "乙,1,0.6,450", "乙,1,1.2,450")
    put(d, "dept_scores/保障部.csv", edit(text, "丁,1,60%,450", "丁,1,120%,450"))


def fullwidth_digits(d):
    text = edit(FILES["dept_scores/保障部.csv"], "丁,1,60%,450", "丁,１,６０％,４５０")
    put(d, "dept_scores/保障部.csv", edit(text, "乙,1,0.6,450", "乙,1,０.６,４５０"))


def duplicate_units(d):
    put(d, "units.csv", FILES["units.csv"] + "乙,500,600\n")


def unit_misspelled(d):
    put(d, "leader_scores.csv", edit(FILES["leader_scores.csv"], "丙,95,99,94", "丙单位,95,99,94"))


def missing_indicator_column(d):
    put(d, "dept_scores/保障部.csv", "unit,2.1,2.2\n甲,0,90%\n乙,1,0.6\n丙,3,0.3\n丁,1,60%\n")


def extra_unknown_column(d):
    put(d, "dept_scores/宣教部.csv", "单位,1.1,1.2,备注\n甲,38,0,\n乙,36,1,有一次通报\n丙,40,0,\n丁,36,1,\n")


def truncated_xlsx(d):
    data = xlsx(LEADER_ROWS)
    put(d, "leader_scores.xlsx", data[: len(data) // 2])


def xlsx_really_csv(d):
    put(d, "leader_scores.xlsx", FILES["leader_scores.csv"].encode("gbk"))


def csv_really_xlsx(d):
    put(d, "leader_scores.csv", xlsx(LEADER_ROWS))


def lock_file(d):
    # Excel's owner file while 宣教部.xlsx is open on the analyst's machine
    (d / "dept_scores" / "~$宣教部.xlsx").write_bytes(b"\x0cAnalyst" + b"\x00" * 150)


def both_csv_and_xlsx(d):
    (d / "leader_scores.xlsx").write_bytes(xlsx(LEADER_ROWS))


def duplicate_header(d):
    put(d, "leader_scores.csv", edit(FILES["leader_scores.csv"], "单位,领导1,领导2,领导3", "单位,领导1,领导2,领导1"))


def yaml_syntax_error(d):
    put(d, "scheme.yaml", edit(scheme_text(d), "  common: 0.7", "  common: 0.7: 0.3"))


def weights_not_one(d):
    put(d, "scheme.yaml", edit(scheme_text(d), "brand: 0.3", "brand: 0.4"))


def scheme_zero_byte(d):
    put(d, "scheme.yaml", b"")


def huge_file(d):
    """50 MB of the same row pasted again and again under 宣教部's table."""
    row = "乙,36,1\n".encode("utf-8")
    head = FILES["dept_scores/宣教部.csv"].encode("utf-8")
    put(d, "dept_scores/宣教部.csv", head + row * ((HUGE_BYTES - len(head)) // len(row)))


# -- checks of the values read --------------------------------------------------------------------


def leader_score(inputs, unit, member):
    return inputs.leader.set_index(["unit", "member"])["score"][unit, member]


def number(inputs, unit, indicator):
    return inputs.values.set_index(["unit", "indicator"])["number"][unit, indicator]


def check_leaders(inputs):
    assert leader_score(inputs, "丙", "领导2") == 99 and leader_score(inputs, "丁", "领导1") == 83
    assert list(inputs.leader["member"].unique()) == ["领导1", "领导2", "领导3"]


def check_units(inputs):
    assert inputs.units["unit"].tolist() == ["甲", "乙", "丙", "丁"]
    assert inputs.units["medical_target"].tolist() == [1000, 500, 1000, 500]


def check_survey(inputs):
    assert len(inputs.survey) == 12 and inputs.survey["role"].iloc[2] == "工会主席"


def check_title(inputs):
    assert inputs.brand_items.set_index("item")["title"]["A1"] == "甲的品牌\n（第二行）"


def check_xuanjiao(inputs):
    assert [number(inputs, u, "1.1") for u in "甲乙丙丁"] == [38, 36, 40, 36]


def check_baozhang(inputs):
    assert number(inputs, "丁", "2.2") == 0.6 and number(inputs, "丁", "2.3") == 450
    assert number(inputs, "乙", "2.2") == 0.6 and number(inputs, "乙", "2.3") == 450


def check_reviews(inputs):
    assert len(inputs.brand_reviews) == 14 and inputs.brand_reviews["score"].sum() == 1176


def check_items(inputs):
    assert inputs.brand_items["item"].tolist() == ["A1", "B1", "B2", "C1", "D1"]


P = Problem
W = "警告"
CASES = [
    Case("gbk_csv", "中文 Excel「CSV（逗号分隔）」另存的 GBK 编码、CRLF 换行", gbk_csv, 0,
         same_results=True, check=check_leaders),
    Case("utf8_bom", "带 BOM 的 UTF-8（Excel「CSV UTF-8」）", utf8_bom, 0, same_results=True, check=check_units),
    Case("utf16_tab", "Excel「Unicode 文本」：UTF-16、制表符分隔，改名为 .csv", utf16_tab, 0,
         same_results=True, check=check_leaders),
    Case("big5_csv", "繁体 Big5 编码：按 GB18030 解码成乱码，表头无法识别", big5_csv, 1,
         (P("brand_items.csv", None, "unit", "缺少必需的列「unit」"),)),
    Case("pdf_renamed", "一份 PDF 改了扩展名为 .csv", pdf_renamed, 1,
         (P("vetoes.csv", None, None, "不是文本 CSV 文件"),)),
    Case("mac_cr", "老式 Mac 的 CR 换行", mac_cr, 0, same_results=True, check=check_reviews),
    Case("tab_separated", "制表符分隔的 .csv", tab_separated, 0, same_results=True, check=check_survey),
    Case("semicolon_separated", "分号分隔的 .csv（欧洲区域设置的 Excel）", semicolon_separated, 0,
         same_results=True, check=check_leaders),
    Case("ragged_row", "某一行多了一个逗号", ragged_row, 1,
         (P("leader_scores.csv", 3, None, "这一行的列数比表头多"),)),
    Case("quoted_newline", "项目名称单元格内换行（带引号的多行单元格）", quoted_newline, 0,
         same_results=True, check=check_title),
    Case("thousands_separator", "参保基数写成带千位分隔符的 \"1,000\"", thousands_separator, 0,
         same_results=True, check=check_units),
    Case("zero_byte", "0 字节的空文件", zero_byte, 1, (P("leader_scores.csv", None, None, "文件为空"),)),
    Case("header_only", "互评表只有表头没有数据", header_only, 1,
         (P("brand_reviews.csv", None, "项目编号", "项目「A1」（甲）没有其他单位的评分"),)),
    Case("merged_title", "第1行是合并单元格的表格标题，表头在第2行", merged_title, 0,
         (P("leader_scores.xlsx", None, None, "表头在第2行", W),), same_results=True, check=check_leaders),
    Case("header_row3", "标题和填表说明占了前两行，表头在第3行", header_row3, 0,
         (P("dept_scores/宣教部.xlsx", None, None, "表头在第3行", W),), same_results=True, check=check_xuanjiao),
    Case("header_row3_error", "表头在第3行，第5行的得分超过满分：报告的是工作表中的真实行号", header_row3_error, 1,
         (P("dept_scores/宣教部.xlsx", 5, "1.1", "得分 45 超过该指标满分 40"),)),
    Case("empty_sheet", "第一个工作表是空的，数据在第二个工作表", empty_sheet, 1,
         (P("leader_scores.xlsx", None, None, "第一个工作表「说明」是空的"),)),
    Case("hidden_row_duplicate", "隐藏行里留着乙的旧评分", hidden_row_duplicate, 1,
         (P("dept_scores/宣教部.xlsx", 6, "1.1", "单位「乙」的指标 1.1 重复评分（dept_scores/宣教部.xlsx 第3行已有）"),
          P("dept_scores/宣教部.xlsx", 6, None, "该行在 Excel 中是隐藏的", W))),
    Case("hidden_row", "丁所在的行被隐藏：照常读入并提示", hidden_row, 0,
         (P("dept_scores/保障部.xlsx", 5, None, "该行在 Excel 中是隐藏的", W),), same_results=True,
         check=check_baozhang),
    Case("trailing_blank_rows_xlsx", "表格下方几百个设置过格式的空行", trailing_blank_rows_xlsx, 0,
         same_results=True, check=check_leaders),
    Case("trailing_blank_rows_csv", "CSV 末尾许多只有逗号或空格的行", trailing_blank_rows_csv, 0,
         same_results=True, check=check_items),
    Case("formulas_no_cache", "单元格是公式而没有保存计算结果（程序生成、未在 Excel 中打开过）", formulas_no_cache, 1,
         (P("dept_scores/宣教部.xlsx", 2, "1.1", "「=30+8」是公式而没有计算结果"),)),
    Case("excel_error_value", "公式出错留下 #DIV/0!", excel_error_value, 1,
         (P("leader_scores.xlsx", 4, "领导2", "「#DIV/0!」是 Excel 的错误值"),)),
    Case("date_in_number", "数字单元格被设成了日期", date_in_number, 1,
         (P("dept_scores/保障部.xlsx", 4, "2.3", "是日期，不是数字"),)),
    Case("text_in_number", "数字写成了汉字「三十六」", text_in_number, 1,
         (P("dept_scores/宣教部.csv", 3, "1.1", "「三十六」不是有效的数字"),)),
    Case("nan_inf", "评分写成 NaN、inf", nan_inf, 1,
         (P("leader_scores.csv", 3, "领导2", "「NaN」不是有效的数字"), P("leader_scores.csv", 5, "领导2", "「inf」不是有效的数字"))),
    Case("negative_count", "扣分次数为负数", negative_count, 1,
         (P("dept_scores/宣教部.csv", 5, "1.2", "发现次数 -1 不能小于 0"),)),
    Case("ratio_above_one", "比例大于 1：1.2 和 120%", ratio_above_one, 1,
         (P("dept_scores/保障部.csv", 3, "2.2", "比例「1.2」大于 1"), P("dept_scores/保障部.csv", 5, "2.2", "比例 120% 应在 0 到 1"))),
    Case("fullwidth_digits", "全角数字和全角百分号", fullwidth_digits, 0, same_results=True, check=check_baozhang),
    Case("duplicate_units", "单位名单中乙出现两次", duplicate_units, 1, (P("units.csv", 6, "单位", "单位「乙」在名单中重复"),)),
    Case("unit_misspelled", "单位名称写错（丙单位）", unit_misspelled, 1,
         (P("leader_scores.csv", 4, "单位", "单位「丙单位」不在本年度考核单位名单（units）中，是否为「丙」？"),)),
    Case("missing_indicator_column", "保障部评分表缺少指标 2.3 这一列", missing_indicator_column, 1,
         (P("dept_scores/保障部", None, "2.3", "单位「甲」缺少指标 2.3（保障部评分）的得分"),)),
    Case("extra_unknown_column", "评分表多了一列「备注」", extra_unknown_column, 0,
         (P("dept_scores/宣教部.csv", None, "备注", "不是本年度方案中的指标编号，已忽略", W),), same_results=True),
    Case("truncated_xlsx", "只传了一半的 .xlsx", truncated_xlsx, 1,
         (P("leader_scores.xlsx", None, None, "不是有效的 Excel (.xlsx) 文件"),)),
    Case("xlsx_really_csv", "CSV 文件改了扩展名为 .xlsx", xlsx_really_csv, 1,
         (P("leader_scores.xlsx", None, None, "实际是其他格式（如 CSV 改了扩展名）"),)),
    Case("csv_really_xlsx", "Excel 文件改了扩展名为 .csv", csv_really_xlsx, 1,
         (P("leader_scores.csv", None, None, "内容是 Excel 文件"),)),
    Case("lock_file", "Excel 打开文件时留下的 ~$ 临时文件", lock_file, 0, same_results=True),
    Case("both_csv_and_xlsx", "同一张表既有 .csv 又有 .xlsx", both_csv_and_xlsx, 1,
         (P("leader_scores.csv / leader_scores.xlsx", None, None, "同一张表有 2 个文件"),)),
    Case("duplicate_header", "表头「领导1」出现两次", duplicate_header, 1,
         (P("leader_scores.csv", 1, "领导1", "表头「领导1」重复出现"),)),
    Case("yaml_syntax_error", "scheme.yaml 语法错误", yaml_syntax_error, 1,
         (P("scheme.yaml", 4, None, "YAML 格式错误"),)),
    Case("weights_not_one", "权重之和不为 1", weights_not_one, 1,
         (P("scheme.yaml", None, "weights", "共性工作与特色品牌工作的权重之和为 1.1，应为 1"),)),
    Case("scheme_zero_byte", "0 字节的 scheme.yaml", scheme_zero_byte, 1,
         (P("scheme.yaml", None, None, "考核方案应为键值结构（YAML 映射）"),)),
    Case("huge_file", "50 MB：同一行被反复粘贴", huge_file, 1,
         (P("dept_scores/宣教部.csv", 7, "1.1", "单位「乙」的指标 1.1 重复评分（dept_scores/宣教部.csv 第3行已有）"),
          P("dept_scores/宣教部.csv", None, "1.1", "……同类问题另有")), slow=True),
]


def build(case: Case, data_dir: Path) -> Path:
    """The tiny year under ``data_dir/raw/2030`` with ``case``'s fault; returns ``data_dir``."""
    write_tiny_year(data_dir)
    case.build(data_dir / "raw" / YEAR)
    return data_dir


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("用法：python tests/robustness/make_corpus.py 输出目录", file=sys.stderr)
        return 2
    out = Path(args[0])
    for case in CASES:
        target = out / case.name
        shutil.rmtree(target, ignore_errors=True)
        build(case, target)
        print(f"{case.name}: {case.what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

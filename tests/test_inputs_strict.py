"""Nothing silently wrong: a file kaohe would not read, a column that holds no scores, a
hidden column or sheet is an error or a warning, never passed over in silence."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from kaohe.problems import InvalidInputError
from kaohe.inputs import read_year
from tiny_year import FILES, write_tiny_year

VETOES = FILES["vetoes.csv"]


def year_dir(tmp_path, drop=(), files=None) -> Path:
    folder = write_tiny_year(tmp_path / "data", files=files) / "raw" / "2030"
    for name in drop:
        (folder / name).unlink()
    return folder


def problems_of(folder: Path) -> list:
    with pytest.raises(InvalidInputError) as caught:
        read_year(folder, 2030)
    return caught.value.problems


@pytest.mark.parametrize("name", ["Vetoes.CSV", "vetoes.csv.csv", "否决.csv", "veto.csv", "vetos.csv"])
def test_an_optional_file_with_a_near_name_is_an_error_naming_both_names(tmp_path, name):
    """Read as it is, 甲's veto would be lost and 甲 could become 优秀."""
    folder = year_dir(tmp_path, drop=["vetoes.csv"])
    (folder / name).write_text(VETOES, encoding="utf-8")
    (problem,) = [p for p in problems_of(folder) if p.is_error]
    assert problem.file == name
    assert problem.message == (f"文件名「{name}」与应有的文件名「vetoes.csv」（或 vetoes.xlsx）相近，但不是它，"
                               "kaohe 不会读取：请改名为 vetoes.csv 或 vetoes.xlsx")


@pytest.mark.parametrize("name", ["一票否决.csv", "vetoes.csv"])
def test_a_table_may_have_its_chinese_name(tmp_path, name):
    """kaohe template names its workbooks in Chinese (领导评分.xlsx …): either name is the table."""
    folder = year_dir(tmp_path, drop=["vetoes.csv"])
    (folder / name).write_text(VETOES, encoding="utf-8")
    assert read_year(folder, 2030).vetoes["unit"].tolist() == ["甲"]
    (folder / ("vetoes.csv" if name != "vetoes.csv" else "一票否决.csv")).write_text(VETOES, encoding="utf-8")
    (problem,) = [p for p in problems_of(folder) if p.is_error]
    assert problem.message == "同一张表有 2 个文件（vetoes.csv、一票否决.csv），请只保留一个"


@pytest.mark.parametrize("suffix", [".xls", ".ods", ".et"])
def test_another_spreadsheet_format_is_an_error_saying_how_to_save_it(tmp_path, suffix):
    folder = year_dir(tmp_path, drop=["vetoes.csv"])
    (folder / f"vetoes{suffix}").write_bytes(b"\xd0\xcf\x11\xe0 not read")
    (problem,) = [p for p in problems_of(folder) if p.is_error]
    assert problem.file == f"vetoes{suffix}" and f"（{suffix}）kaohe 不能读取" in problem.message
    assert problem.message.endswith("请在 Excel 或 WPS 中另存为 vetoes.xlsx 或 vetoes.csv")


def test_a_folder_or_a_broken_link_with_a_table_name_is_an_error(tmp_path):
    folder = year_dir(tmp_path, drop=["vetoes.csv"])
    (folder / "vetoes.csv").mkdir()
    os.symlink(tmp_path / "nowhere.csv", folder / "grade_overrides.csv")
    found = {p.file: p.message for p in problems_of(folder) if p.is_error}
    assert found == {"vetoes.csv": "「vetoes.csv」是一个文件夹，不是表格文件",
                     "grade_overrides.csv": "「grade_overrides.csv」是失效的快捷方式（链接），不是表格文件"}


def test_the_same_inside_dept_scores(tmp_path):
    folder = year_dir(tmp_path)
    (folder / "dept_scores" / "经审办.xls").write_bytes(b"old excel")
    (folder / "dept_scores" / "说明.docx").write_bytes(b"a note")
    problems = problems_of(folder)
    (error,) = [p for p in problems if p.is_error]
    assert error.file == "dept_scores/经审办.xls" and error.message.endswith("另存为 经审办.xlsx 或 经审办.csv")
    assert any(p.file == "dept_scores/说明.docx" and not p.is_error for p in problems)


def test_another_file_in_the_year_folder_is_a_warning(tmp_path):
    folder = year_dir(tmp_path)
    (folder / "会议纪要.docx").write_bytes(b"minutes")
    (folder / "~$units.xlsx").write_bytes(b"Excel's lock file")  # a workbook open in Excel: not data
    warnings = [w for w in read_year(folder, 2030).warnings if w.file == "会议纪要.docx"]
    assert [w.message for w in warnings] == ["不认识的文件「会议纪要.docx」，kaohe 不读取它（应有的文件见 README「输入文件」）"]


@pytest.mark.parametrize("header", ["序号", "合计", "平均分", "备注", "总分"])
def test_a_leader_column_that_is_not_a_member_is_skipped_with_a_warning(tmp_path, header):
    lines = FILES["leader_scores.csv"].splitlines()
    extra = {"序号": ["1", "2", "3", "4"], "合计": ["270", "246", "243", "240"], "平均分": ["90", "82", "81", "80"],
             "备注": ["", "", "迟交", ""], "总分": ["270", "246", "243", "240"]}[header]
    text = "\n".join([f"{lines[0]},{header}"] + [f"{line},{v}" for line, v in zip(lines[1:], extra)]) + "\n"
    plain = read_year(year_dir(tmp_path / "plain"), 2030)
    inputs = read_year(year_dir(tmp_path, files={"leader_scores.csv": text}), 2030)
    assert inputs.leader.equals(plain.leader)  # scored exactly as without it
    (warning,) = [w for w in inputs.warnings if w.column == header]
    assert warning.message == f"列「{header}」不是领导班子成员的评分（像是序号、合计、平均分或备注），未计入领导评分"


def workbook(path: Path, rows, *, hidden_column=None, sheets=()) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "评分"
    for row in rows:
        sheet.append(row)
    if hidden_column:
        sheet.column_dimensions[hidden_column].hidden = True
    for title, state in sheets:
        other = book.create_sheet(title)
        other.append(["单位", "领导1"])
        other.sheet_state = state
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


def leader_rows():
    return [line.split(",") for line in FILES["leader_scores.csv"].splitlines()]


def test_hidden_columns_and_hidden_sheets_are_warnings(tmp_path):
    folder = year_dir(tmp_path, drop=["leader_scores.csv"])
    workbook(folder / "leader_scores.xlsx", leader_rows(), hidden_column="C", sheets=[("旧版", "hidden")])
    warnings = {(w.column, w.message) for w in read_year(folder, 2030).warnings if w.file == "leader_scores.xlsx"}
    assert ("领导2", "列 C 在 Excel 中是隐藏的，仍按数据读入；如不应计入，请删除该列") in warnings
    assert (None, "工作簿中有隐藏的工作表「旧版」，kaohe 只读取第一个工作表「评分」，不读取它") in warnings


def test_a_hidden_first_sheet_before_a_visible_one_is_an_error(tmp_path):
    folder = year_dir(tmp_path, drop=["leader_scores.csv"])
    path = folder / "leader_scores.xlsx"
    workbook(path, leader_rows(), sheets=[("正式", "visible")])
    book = openpyxl.load_workbook(path)
    book.active = 1
    book.worksheets[0].sheet_state = "hidden"
    book.save(path)
    (problem,) = [p for p in problems_of(folder) if p.is_error]
    assert problem.file == "leader_scores.xlsx"
    assert problem.message == ("第一个工作表「评分」是隐藏的，而工作表「正式」是可见的：kaohe 只读取第一个工作表，"
                               "请取消隐藏它，或把要读取的工作表移到最前面")

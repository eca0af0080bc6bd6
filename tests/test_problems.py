"""Problems carry a stable code and level; the office gets them as a workbook (kaohe validate --problems)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kaohe.problems import ERROR, WARNING, Code, InvalidInputError, Level, Problem, problems_sheet
from kaohe.inputs import read_year
from tiny_year import FILES, write_tiny_year

HEADERS = ["文件", "行", "列", "值", "问题", "级别"]


def problems_of(root: Path) -> list[Problem]:
    with pytest.raises(InvalidInputError) as caught:
        read_year(root / "raw" / "2030", 2030)
    return caught.value.problems


def kaohe(args, cwd) -> subprocess.CompletedProcess:
    script = Path(sys.executable).parent / "kaohe"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "kaohe"]
    return subprocess.run(command + args, cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          env={**os.environ, "PYTHONUTF8": "1"}, timeout=120)


FAULTS = {
    "dept_scores/宣教部.csv": "单位,1.1,1.2\n甲,45,0\n乙,36,0.5\n丙,40,0\n丁局,36,1\n",
    "dept_scores/保障部.csv": "unit,2.1,2.2,2.3\n甲,0,90%,1000\n乙,1,85,450\n丙,3,0.3,2019-05-01\n丁,1,60%,\"0,5\"\n",
}


def test_every_problem_has_a_code_a_level_and_a_message_from_its_template(tmp_path):
    problems = problems_of(write_tiny_year(tmp_path, files=FAULTS))
    found = {(p.file, p.row, p.column): p.code for p in problems if p.is_error}
    assert found[("dept_scores/宣教部.csv", 2, "1.1")] is Code.ABOVE_FULL_MARKS
    assert found[("dept_scores/宣教部.csv", 3, "1.2")] is Code.NOT_INTEGER
    assert found[("dept_scores/宣教部.csv", 5, "单位")] is Code.UNKNOWN_UNIT
    assert found[("dept_scores/保障部.csv", 3, "2.2")] is Code.RATIO_WITHOUT_PERCENT
    assert found[("dept_scores/保障部.csv", 4, "2.3")] is Code.DATE_NOT_NUMBER
    assert found[("dept_scores/保障部.csv", 5, "2.3")] is Code.COMMA_NOT_THOUSANDS
    assert Code.SCORE_MISSING in found.values()  # 丁 has no 1.x scores
    for p in problems:
        assert isinstance(p.code, Code) and isinstance(p.level, Level)
    by_cell = {(p.file, p.row, p.column): p.message for p in problems}
    assert by_cell[("dept_scores/宣教部.csv", 2, "1.1")] == "得分 45 超过该指标满分 40"
    assert by_cell[("dept_scores/保障部.csv", 3, "2.2")] == "比例「85」大于 1：请写作 85% 或 0.85"
    assert by_cell[("dept_scores/宣教部.csv", 5, "单位")] == "单位「丁局」不在本年度考核单位名单（units）中，是否为「丁」？"


def test_a_warning_is_a_warning_level():
    problem = Problem.of(Code.SELF_REVIEW, "brand_reviews.csv", 3, "评分单位", "甲", level=WARNING)
    assert problem.level is WARNING and not problem.is_error and str(problem.level) == "警告"
    assert Problem.of(Code.FILE_EMPTY, "units.csv").level is ERROR


def test_repeats_are_capped_by_code_and_column_not_by_message(tmp_path):
    reviews = FILES["brand_reviews.csv"] + "丁,B1,150\n" * 31 + "丙,A1,-5\n" + "丁,B1,abc\n"
    problems = problems_of(write_tiny_year(tmp_path, files={"brand_reviews.csv": reviews}))
    codes = Counter(p.code for p in problems if p.column == "得分")
    assert codes[Code.ABOVE_MAX] == 30 and codes[Code.BELOW_MIN] == 1 and codes[Code.NOT_A_NUMBER] == 1
    assert codes[Code.MORE_OF_KIND] == 1


def test_every_code_has_a_distinct_template_that_fills():
    assert len({c.value for c in Code}) == len(Code)
    assert Code.UNKNOWN_CLAUSE.message("9", clauses="1、2") == "否决条款「9」不存在，应为 1、2 之一（附件2 第9项）"


def test_the_problem_sheet_is_sorted_by_file_and_row():
    problems = [Problem.of(Code.UNIT_BLANK, "units.csv", 7, "单位"),
                Problem.of(Code.SELF_REVIEW, "brand_reviews.csv", 12, "评分单位", "甲", level=WARNING),
                Problem.of(Code.UNIT_BLANK, "units.csv", 3, "单位"),
                Problem.of(Code.NO_SURVEY, "survey.csv", None, "单位", "乙")]
    sheet = problems_sheet(problems)
    assert sheet.columns.tolist() == HEADERS
    assert [(f, None if pd.isna(r) else int(r)) for f, r in zip(sheet["文件"], sheet["行"])] == [
        ("brand_reviews.csv", 12), ("survey.csv", None), ("units.csv", 3), ("units.csv", 7)]


def read_sheet(path: Path):
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["问题清单"]
    sheet = book.active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    return sheet, rows


def test_validate_writes_the_problem_workbook_also_when_it_fails(tmp_path):
    root = write_tiny_year(tmp_path / "data", files=FAULTS)
    done = kaohe(["validate", "2030", "--problems", "退回/问题 清单.xlsx"], cwd=tmp_path)
    assert done.returncode == 2
    assert "退回" in done.stderr and "不存在" in done.stderr  # the folder must exist first
    (tmp_path / "退回").mkdir()
    done = kaohe(["validate", "2030", "--problems", "退回/问题 清单.xlsx"], cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    sheet, rows = read_sheet(tmp_path / "退回" / "问题 清单.xlsx")
    assert rows[0] == HEADERS
    body = rows[1:]
    assert len(body) == len(problems_of(root))
    assert [(r[0], r[1] or 0) for r in body] == sorted((r[0], r[1] or 0) for r in body)
    assert ["dept_scores/宣教部.csv", 2, "1.1", "45", "得分 45 超过该指标满分 40", "错误"] in body
    assert sheet.auto_filter.ref == f"A1:F{len(rows)}"
    assert "问题清单" in done.stderr and f"{len(body)} 条" in done.stderr
    assert not list((root / "raw").rglob("*.xlsx"))  # nothing written into data/raw/


def test_validate_writes_the_warnings_when_the_inputs_pass(tmp_path):
    write_tiny_year(tmp_path / "data")
    done = kaohe(["validate", "2030", "--problems", "问题.xlsx"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _, rows = read_sheet(tmp_path / "问题.xlsx")
    assert rows[0] == HEADERS and all(r[5] == "警告" for r in rows[1:])


@pytest.mark.parametrize("where, words", [("data/raw/2030/问题.xlsx", "原始数据"), ("问题.csv", ".xlsx")])
def test_the_problem_workbook_is_refused_inside_raw_data_or_as_another_format(tmp_path, where, words):
    write_tiny_year(tmp_path / "data", files=FAULTS)
    done = kaohe(["validate", "2030", "--problems", where], cwd=tmp_path)
    assert done.returncode == 2 and words in done.stderr
    assert not (tmp_path / where).exists()

"""Validation reads like SPEC §2: every problem of every file at once, each with its cell."""

from __future__ import annotations

import copy
import datetime
import os
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import kaohe
import kaohe.inputs.files
from kaohe.inputs import read_table
from kaohe.problems import InvalidInputError, ProblemLog, SchemeError
from kaohe.scheme import load_scheme
from kaohe.inputs import closest, parse_numbers, read_year
from tiny_year import FILES, SCHEME, write_tiny_year


def tiny(root: Path, files=None, scheme=None, drop=()) -> Path:
    """The tiny year with some files replaced or removed; returns its year folder."""
    write_tiny_year(root, scheme=scheme, files=files)
    year_dir = Path(root) / "raw" / "2030"
    for name in drop:
        (year_dir / name).unlink()
    return year_dir


def write_xlsx(path: Path, rows) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def problems_of(year_dir: Path) -> list:
    with pytest.raises(InvalidInputError) as caught:
        read_year(year_dir, 2030)
    return caught.value.problems


def cells(problems, file=None) -> Counter:
    """(file, row, column) of every error, counted."""
    return Counter((p.file, p.row, p.column) for p in problems if p.is_error and (file is None or p.file == file))


def message(problems, file, row, column) -> str:
    found = [p.message for p in problems if (p.file, p.row, p.column) == (file, row, column)]
    assert found, f"no problem at {file} {row} {column}"
    return " / ".join(found)


# -- one file, many faults --------------------------------------------------------------------


def test_one_department_workbook_with_many_faults_reports_every_cell(tmp_path):
    year_dir = tiny(tmp_path, files={"dept_scores/宣教部.csv": None, "dept_scores/保障部.csv": None})
    name = "dept_scores/综合.xlsx"
    write_xlsx(year_dir / name, [
        ["单位", "1.1", "1.2", "2.1", "2.2", "2.3"],
        ["甲", 45, 0, 0, 0.9, 1000],  # row 2: 45 > max 40
        ["乙", "三十六", -1, 1, 0.6, 450],  # row 3: not a number; a negative count
        ["丙", 40, 0, 4, 85, datetime.datetime(2019, 5, 1)],  # row 4: 4 missing of n=3; 85; a date
        ["丁", 36, 1, 1, 0.6, None],  # row 5: blank cell
        ["甲县", 38, 0, 0, 0.9, 1000],  # row 6: unknown unit, close to 甲
        ["乙", 36, 1, 1, 0.6, 450],  # row 7: 乙 again
    ])
    problems = problems_of(year_dir)
    # nothing else in the year is wrong
    assert {p.file for p in problems if p.is_error} == {name}
    duplicate_row = {(name, 7, column): 1 for column in ["1.1", "1.2", "2.1", "2.2", "2.3"]}
    assert cells(problems) == Counter({
        (name, 2, "1.1"): 1,
        (name, 3, "1.1"): 1,
        (name, 3, "1.2"): 1,
        (name, 4, "2.1"): 1,
        (name, 4, "2.2"): 1,
        (name, 4, "2.3"): 1,
        (name, 5, "2.3"): 1,
        (name, 6, "单位"): 1,
        **duplicate_row,
    })
    assert message(problems, name, 2, "1.1") == "得分 45 超过该指标满分 40"
    assert message(problems, name, 3, "1.1") == "「三十六」不是有效的数字"
    assert message(problems, name, 3, "1.2") == "发现次数 -1 不能小于 0"
    assert message(problems, name, 4, "2.1") == "缺少项数 4 超过上限 3"
    assert message(problems, name, 4, "2.2") == "比例「85」大于 1：请写作 85% 或 0.85"
    assert "是日期，不是数字" in message(problems, name, 4, "2.3")
    assert message(problems, name, 5, "2.3") == "缺少指标 2.3 的评分"
    assert message(problems, name, 6, "单位") == "单位「甲县」不在本年度考核单位名单（units）中，是否为「甲」？"
    assert message(problems, name, 7, "1.1") == f"单位「乙」的指标 1.1 重复评分（{name} 第3行已有）"
    # the value of each cell is kept as the analyst typed it
    values = {(p.row, p.column): p.value for p in problems}
    assert values[3, "1.2"] == "-1" and values[4, "2.2"] == "85" and values[6, "单位"] == "甲县"


# -- faults in every other file, at once ------------------------------------------------------


def test_faults_across_files_are_all_reported_in_one_run(tmp_path):
    survey = FILES["survey.csv"].replace("乙,乙一厂,职工,4,4", "乙,乙一厂,职员,4,4")  # row 5
    survey = survey.replace("丙,丙一厂,职工,5,5", "丙,丙一厂,职工,5,很好", 1)  # row 8
    year_dir = tiny(tmp_path, files={
        "units.csv": "单位,上年参保数\n甲,\n乙,600\n丙,400\n丁,\n",  # 参保基数 missing
        "dept_scores/保障部.csv": "unit,2.1,2.2\n甲,0,90%\n乙,1,0.6\n丙,3,0.3\n丁,1,60%\n",  # no 2.3
        "dept_scores/追加.csv": "单位,1.1\n甲,30\n",  # 甲 1.1 is in 宣教部.csv already
        "leader_scores.csv": FILES["leader_scores.csv"] + "戊,80,80,80\n丙单位,90,90,90\n",  # rows 6, 7
        "survey.csv": survey,
        "brand_items.csv": FILES["brand_items.csv"].replace("乙,B2,乙的品牌二\n", "乙,B2,乙的品牌二\n乙,B3,乙的品牌三\n"),
        "brand_reviews.csv": FILES["brand_reviews.csv"]
        .replace("甲,D1,75\n乙,D1,85\n", "丁,D1,75\n甲,Z9,85\n甲,B3,88\n"),  # rows 14 (own), 15, 16
        "vetoes.csv": FILES["vetoes.csv"] + "乙,5,误填\n",  # row 3
    })
    problems = problems_of(year_dir)
    missing_2_3 = {("dept_scores/保障部", None, "2.3"): 4}  # the column is absent: every unit reported
    assert cells(problems) == Counter({
        ("units.csv", None, "medical_target"): 1,
        **missing_2_3,
        ("dept_scores/追加.csv", 2, "1.1"): 1,
        ("leader_scores.csv", 6, "单位"): 1,
        ("leader_scores.csv", 7, "单位"): 1,
        ("survey.csv", 5, "身份"): 1,
        ("survey.csv", 8, "Q2"): 1,
        ("brand_items.csv", 5, "项目编号"): 1,
        ("brand_reviews.csv", 15, "项目编号"): 1,
        ("brand_reviews.csv", None, "项目编号"): 1,
        ("vetoes.csv", 3, "否决条款"): 1,
    })
    assert "参保基数" in message(problems, "units.csv", None, "medical_target")
    assert {p.message for p in problems if p.column == "2.3"} == {
        f"单位「{u}」缺少指标 2.3（保障部评分）的得分" for u in "甲乙丙丁"
    }
    assert message(problems, "dept_scores/追加.csv", 2, "1.1") == (
        "单位「甲」的指标 1.1 重复评分（dept_scores/宣教部.csv 第2行已有）"
    )
    assert message(problems, "leader_scores.csv", 6, "单位") == "单位「戊」不在本年度考核单位名单（units）中"
    assert message(problems, "leader_scores.csv", 7, "单位").endswith("是否为「丙」？")
    assert message(problems, "survey.csv", 5, "身份") == "身份「职员」无法识别，应为 职工、工会主席、管理者 之一"
    assert message(problems, "survey.csv", 8, "Q2").startswith("答案「很好」无法识别，应为 5（非常满意）")
    assert message(problems, "brand_items.csv", 5, "项目编号") == "该单位申报的特色品牌项目超过 2 项（限报 2 项）"
    assert message(problems, "brand_reviews.csv", 15, "项目编号") == "项目编号「Z9」不在特色品牌项目表（brand_items）中"
    assert message(problems, "brand_reviews.csv", None, "项目编号") == "项目「D1」（丁）没有其他单位的评分"
    assert message(problems, "vetoes.csv", 3, "否决条款") == "否决条款「5」不存在，应为 1、2 之一（附件2 第9项）"
    # the warnings travel with the errors: 丁 reviewing its own D1
    warnings = {(p.file, p.row, p.column) for p in problems if not p.is_error}
    assert ("brand_reviews.csv", 14, "评分单位") in warnings


def test_a_missing_file_does_not_hide_the_other_problems(tmp_path):
    survey = FILES["survey.csv"].replace("乙,乙一厂,职工,4,4", "乙,乙一厂,职员,4,4")
    year_dir = tiny(tmp_path, files={"survey.csv": survey, "leader_scores.csv": "领导1,领导2\n90,90\n"},
                    drop=["brand_reviews.csv"])
    problems = problems_of(year_dir)
    assert cells(problems) == Counter({
        ("brand_reviews.csv", None, None): 1,
        ("leader_scores.csv", None, "unit"): 1,
        ("survey.csv", 5, "身份"): 1,
    })
    assert message(problems, "brand_reviews.csv", None, None) == "缺少输入文件 brand_reviews.csv 或 brand_reviews.xlsx（也可命名为 品牌互评.xlsx）"
    assert message(problems, "leader_scores.csv", None, "unit") == "缺少必需的列「unit」（中文表头「单位」）"


def test_warnings_alone_do_not_raise(tmp_path):
    # the tiny year has a self-review, a blank leader score and a silent respondent; drop 丁's item too
    year_dir = tiny(tmp_path, files={
        "brand_items.csv": FILES["brand_items.csv"].replace("丁,D1,丁的品牌\n", ""),
        "brand_reviews.csv": FILES["brand_reviews.csv"].replace("甲,D1,75\n乙,D1,85\n", ""),
    })
    inputs = read_year(year_dir, 2030)
    texts = {str(w) for w in inputs.warnings}
    assert texts == {
        "leader_scores.csv 第2行 列「领导3」: 领导「领导3」未给该单位评分，按未评分处理（不计入平均）",
        "survey.csv 第9行 列「单位」: 该受访者所有题目均未作答，不计入基层评分",
        "brand_reviews.csv 第5行 列「评分单位」: 本单位给自己的项目评分（自评），不计入互评得分",
        "brand_items.csv 列「单位」: 单位「丁」未申报特色品牌项目，品牌得分记 0 分",
    }
    assert all(not w.is_error for w in inputs.warnings)
    assert kaohe.score(inputs).results.set_index("unit").loc["丁", "brand"] == 0


# -- reading ----------------------------------------------------------------------------------

LEADER_ROWS = [
    ["单位", "领导1", "领导2", "领导3"],
    ["甲", 90, 92, None],
    ["乙", 80, 84, 82],
    ["丙", 95, 99, 94],
    ["丁", 83, 81, 82],
]


@pytest.mark.parametrize("form", ["utf-8", "utf-8-sig", "gb18030", "xlsx"])
def test_the_same_table_in_every_encoding_and_format_reads_the_same(tmp_path, form):
    year_dir = tiny(tmp_path, files={"leader_scores.csv": None})
    if form == "xlsx":
        write_xlsx(year_dir / "leader_scores.xlsx", LEADER_ROWS)
    else:
        (year_dir / "leader_scores.csv").write_bytes(FILES["leader_scores.csv"].encode(form))
    if form == "utf-8-sig":
        assert (year_dir / "leader_scores.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    inputs = read_year(year_dir, 2030)
    reference = read_year(tiny(tmp_path / "reference"), 2030)
    pd.testing.assert_frame_equal(inputs.leader, reference.leader)
    assert list(inputs.leader["member"].unique()) == ["领导1", "领导2", "领导3"]
    assert inputs.leader.set_index(["unit", "member"])["score"]["丙", "领导2"] == 99
    table = read_table(next(year_dir.glob("leader_scores.*")), "leader_scores", ProblemLog())
    assert table.frame.columns.tolist() == ["unit", "领导1", "领导2", "领导3", "_row"]
    assert table.frame["领导1"].tolist() == ["90", "80", "95", "83"]
    assert table.frame["_row"].tolist() == [2, 3, 4, 5]


def test_english_and_chinese_headers_give_the_same_results(tmp_path):
    english = {
        "units.csv": FILES["units.csv"].replace("单位,参保基数,上年参保数", "Unit,medical_target,MEDICAL_PRIOR"),
        "survey.csv": FILES["survey.csv"].replace("单位,基层工会,身份", "unit,sub_union,role"),
        "brand_items.csv": FILES["brand_items.csv"].replace("单位,项目编号,项目名称", "unit,item,title"),
        "brand_reviews.csv": FILES["brand_reviews.csv"].replace("评分单位,项目编号,得分", "reviewer,item,score"),
        "vetoes.csv": FILES["vetoes.csv"].replace("单位,否决条款,说明", "unit,clause,note"),
    }
    chinese = kaohe.load_year(2030, write_tiny_year(tmp_path / "zh"))
    english = kaohe.load_year(2030, write_tiny_year(tmp_path / "en", files=english))
    pd.testing.assert_frame_equal(chinese.results, english.results)
    assert chinese.results["total"].max() == pytest.approx(90.76)


def test_spaces_and_full_width_forms_are_folded(tmp_path):
    year_dir = tiny(tmp_path, files={
        "dept_scores/宣教部.csv": "单位,1.1,1.2\n甲　,38,0\n 乙 ,３６,1\n丙,40,0\n丁,36,１\n",
        "dept_scores/保障部.csv": "ｕｎｉｔ,2.1,2.2,2.3\n甲,0,90%,1000\n乙,1,0.6,450\n丙,3,0.3,800\n丁,1,６０％,４５０\n",
        "leader_scores.csv": FILES["leader_scores.csv"].replace("丙,", "丙　 ,"),
    })
    inputs = read_year(year_dir, 2030)
    number = inputs.values.set_index(["unit", "indicator"])["number"]
    assert number["乙", "1.1"] == 36 and number["丁", "1.2"] == 1
    assert number["丁", "2.2"] == pytest.approx(0.6) and number["丁", "2.3"] == 450
    assert set(inputs.values["unit"]) == {"甲", "乙", "丙", "丁"}
    assert "丙" in set(inputs.leader["unit"])
    # scored exactly as the plain tiny year
    plain = kaohe.load_year(2030, write_tiny_year(tmp_path / "plain"))
    pd.testing.assert_frame_equal(kaohe.score(inputs).results, plain.results)


def test_parse_numbers_accepts_what_analysts_type():
    number, percent = parse_numbers(pd.Series(["36", "３６", "８５％", "85%", "1,200", " ", "abc", "", "inf"]))
    assert number.iloc[:5].tolist() == [36, 36, 0.85, 0.85, 1200]
    assert number.iloc[5:].isna().all()
    assert percent.tolist() == [False, False, True, True, False, False, False, False, False]


def test_closest_suggests_a_known_name():
    names = ["越城区总工会", "柯桥区总工会", "上虞区总工会"]
    assert closest("柯乔区总工会", names) == "柯桥区总工会"
    assert closest("越城区", names) == "越城区总工会"
    assert closest("完全无关", names) is None


def test_numbers_stored_as_text_in_xlsx_are_numbers(tmp_path):
    year_dir = tiny(tmp_path, files={"dept_scores/宣教部.csv": None})
    path = write_xlsx(year_dir / "dept_scores/宣教部.xlsx", [
        ["单位", "1.1", "1.2"], ["甲", "38", "0"], ["乙", "36", "1"], ["丙", "40", 0], ["丁", 36.0, "1"],
    ])
    assert openpyxl.load_workbook(path).active["B2"].data_type == "s"  # a text cell, not a number
    inputs = read_year(year_dir, 2030)
    number = inputs.values.set_index(["unit", "indicator"])["number"]
    assert [number[u, "1.1"] for u in "甲乙丙丁"] == [38, 36, 40, 36]
    assert inputs.values.set_index(["unit", "indicator"])["value"]["丁", "1.1"] == "36"


def test_comment_lines_before_the_header_are_skipped_and_still_counted(tmp_path):
    csv_text = "# 示例数据，非真实考核结果\n单位,1.1,1.2\n甲,38,0\n乙,45,1\n丙,40,0\n丁,36,1\n"
    year_dir = tiny(tmp_path, files={"dept_scores/宣教部.csv": csv_text})
    write_xlsx(year_dir / "dept_scores/保障部.xlsx", [
        ["# 示例数据"], [], ["单位", "2.1", "2.2", "2.3"],
        ["甲", 0, "90%", 1000], ["乙", 1, 0.6, 450], ["丙", 3, 0.3, 800], ["丁", 1, "60%", -450],
    ])
    (year_dir / "dept_scores/保障部.csv").unlink()
    problems = problems_of(year_dir)
    assert cells(problems) == Counter({
        ("dept_scores/宣教部.csv", 4, "1.1"): 1,  # 乙 is on the 4th line of the file
        ("dept_scores/保障部.xlsx", 7, "2.3"): 1,  # 丁 is on the 7th row of the sheet
    })
    assert message(problems, "dept_scores/保障部.xlsx", 7, "2.3") == "完成数 -450 不能小于 0"


# -- the exact text of messages ---------------------------------------------------------------


def test_problem_text_names_file_row_column_and_what_was_expected(tmp_path):
    year_dir = tiny(tmp_path, files={
        "dept_scores/宣教部.csv": "单位,1.1,1.2\n甲,38,0\n乙,45,1\n丙,40,0.5\n丁,36,1\n",
        "dept_scores/保障部.csv": "unit,2.1,2.2,2.3\n甲,0,90%,1000\n乙,1,0.6,450\n丙,3,0.3,2019-05-01\n丁,1,60%,45%\n",
    })
    texts = {str(p) for p in problems_of(year_dir) if p.is_error}
    assert texts == {
        "dept_scores/宣教部.csv 第3行 列「1.1」: 得分 45 超过该指标满分 40",
        "dept_scores/宣教部.csv 第4行 列「1.2」: 发现次数应为整数，而不是 0.5",
        "dept_scores/保障部.csv 第4行 列「2.3」: 「2019-05-01」是日期，不是数字（请检查单元格格式）",
        "dept_scores/保障部.csv 第5行 列「2.3」: 完成数不应写成百分数（45%）",
    }


def test_problems_table_puts_errors_first(tmp_path):
    year_dir = tiny(tmp_path, files={"dept_scores/宣教部.csv": "单位,1.1,1.2\n甲,38,0\n乙,45,1\n丙,40,0\n丁,36,1\n"})
    table = kaohe.problems.problems_table(problems_of(year_dir))
    assert table.columns.tolist() == ["级别", "文件", "行", "列", "值", "问题"]
    assert table.iloc[0].tolist() == ["错误", "dept_scores/宣教部.csv", 3, "1.1", "45", "得分 45 超过该指标满分 40"]
    assert set(table["级别"].iloc[1:]) == {"警告"}


# -- scheme errors ----------------------------------------------------------------------------


def broken_scheme() -> dict:
    scheme = copy.deepcopy(SCHEME)
    scheme["weights"] = {"common": 0.7, "brand": 0.4}
    first, second = scheme["categories"]
    first["max"] = 70
    first["indicators"][0]["max"] = 50  # category 1 is now 70 and its indicators agree; total 110
    second["indicators"][0]["rule"] = {"kind": "linear"}
    second["indicators"][1]["rule"]["bands"] = [{"min": 0.8, "points": 10}, {"min": 0.5}]
    return scheme


def test_scheme_errors_are_listed_all_at_once(tmp_path):
    year_dir = tiny(tmp_path, scheme=broken_scheme())
    with pytest.raises(SchemeError) as caught:
        load_scheme(year_dir / "scheme.yaml")
    problems = caught.value.problems
    assert all(p.is_error and p.file == "scheme.yaml" for p in problems)
    by_column = {p.column: p.message for p in problems}
    assert by_column == {
        "weights": "共性工作与特色品牌工作的权重之和为 1.1，应为 1",
        "categories": "各类别满分之和为 110，应为 100",
        "指标2.1.rule": "未知的计分规则「linear」，应为 manual、deduction、checklist、bands、target 之一",
        "指标2.2.rule.bands[1]": "每一档应有 min 和 points",
    }
    assert str(caught.value) == "输入数据有 4 个错误"
    # read_year raises the same error before reading any table
    with pytest.raises(SchemeError) as again:
        read_year(year_dir, 2030)
    assert {p.column for p in again.value.problems} == set(by_column)


def test_component_weights_and_category_maxima_are_checked(tmp_path):
    scheme = copy.deepcopy(SCHEME)
    scheme["common_weights"] = {"leader": 0.3, "dept": 0.6, "grassroots": 0.15}
    scheme["categories"][1]["indicators"][2]["max"] = 25  # category 2 says 40, its indicators 45
    scheme["dept_ranking"]["scope"] = "unit"
    year_dir = tiny(tmp_path, scheme=scheme)
    with pytest.raises(SchemeError) as caught:
        load_scheme(year_dir / "scheme.yaml")
    messages = [p.message for p in caught.value.problems]
    assert messages == [
        "领导、业务部门、基层评分的权重之和为 1.05，应为 1",
        "dept_ranking.scope 为「unit」，应为 total、category、indicator 之一",
        "类别 2「维权帮扶」各指标满分之和为 45，与类别满分 40 不符",
    ]


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    year_dir = tiny(tmp_path)
    lines = (year_dir / "scheme.yaml").read_text(encoding="utf-8").splitlines()
    assert lines[3] == "  common: 0.7"
    lines[3] = "  common: 0.7: 0.3"  # line 4: a second colon
    (year_dir / "scheme.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        read_year(year_dir, 2030)
    (problem,) = caught.value.problems
    assert problem.file == "scheme.yaml" and problem.row == 4
    assert str(problem) == "scheme.yaml 第4行: YAML 格式错误：mapping values are not allowed here"


def test_a_scheme_for_another_year_is_refused(tmp_path):
    year_dir = tiny(tmp_path)
    with pytest.raises(SchemeError) as caught:
        read_year(year_dir, 2031)
    assert [p.message for p in caught.value.problems] == ["方案年份 2030 与所选年份 2031 不一致"]


def test_a_flood_of_one_problem_does_not_hide_another_kind_in_the_same_column(tmp_path):
    reviews = FILES["brand_reviews.csv"].replace("丙,A1,95\n", "") + "丁,B1,150\n" * 31 + "丙,A1,-5\n"
    problems = problems_of(tiny(tmp_path, files={"brand_reviews.csv": reviews}))
    score = [p for p in problems if p.column == "得分"]
    assert sum("超过上限 100" in p.message for p in score) == 30
    assert [p.message for p in score if p.row is None] == ["……同类问题另有 1 处未逐条列出"]
    assert [(p.row, p.message) for p in score if "不能小于" in p.message] == [(46, "得分 -5 不能小于 0")]


def test_a_decimal_comma_is_refused_with_a_hint_and_a_thousands_comma_is_read(tmp_path):
    """0,5 / 9,0 / 92,5 are not 5, 90 and 925: only a valid grouping such as 1,000 is a number."""
    files = {
        "units.csv": FILES["units.csv"].replace("甲,1000,", '甲,"1,000",'),
        "dept_scores/宣教部.csv": FILES["dept_scores/宣教部.csv"].replace("甲,38,0", '甲,"38,5",0')
        .replace("乙,36,1", '乙,"9,0",1'),
        "leader_scores.csv": FILES["leader_scores.csv"].replace("乙,80,84,82", '乙,"80,5",84,82'),
    }
    problems = problems_of(tiny(tmp_path, files=files))
    assert cells(problems) == Counter({
        ("dept_scores/宣教部.csv", 2, "1.1"): 1, ("dept_scores/宣教部.csv", 3, "1.1"): 1,
        ("leader_scores.csv", 3, "领导1"): 1,
    })
    assert message(problems, "dept_scores/宣教部.csv", 2, "1.1") == (
        "「38,5」中的逗号不是千位分隔符（只有 1,234 这样每三位一个逗号才是）；小数请用小数点，如 38.5")
    assert message(problems, "dept_scores/宣教部.csv", 3, "1.1").endswith("如 9.0")
    number, _ = parse_numbers(pd.Series(["1,000", "12,345.5", "1,2345", "0,5", "１，２００"]))
    assert number.tolist()[:2] == [1000, 12345.5] and number.iloc[2:4].isna().all() and number.iloc[4] == 1200


def test_a_prior_year_count_of_zero_is_a_warning_naming_the_unit(tmp_path):
    files = {"units.csv": FILES["units.csv"].replace("乙,500,600", "乙,500,0")}
    inputs = read_year(tiny(tmp_path, files=files), 2030)
    (warning,) = [w for w in inputs.warnings if w.file == "units.csv"]
    assert (warning.row, warning.column, warning.value) == (3, "单位", "乙")
    assert warning.message.startswith("单位「乙」的上年参保数为 0：指标 2.3 的目标按上年数计为 0，无论今年完成多少（即使为 0）都得满分")

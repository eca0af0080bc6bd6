"""The ``kaohe`` command: exit codes, the printed tables and the files it writes (SPEC §3, §4)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

import kaohe
from kaohe.cli import main
from kaohe.scheme import load_scheme, scheme_to_dict
from tiny_year import FILES, write_tiny_year

OUTPUTS = [
    "results.csv", "indicator_scores.csv", "category_scores.csv", "brand_scores.csv",
    "results.xlsx", "manifest.json",
]
BROKEN_DEPT = "单位,1.1,1.2\n甲,38,0\n乙,45,1\n丙,40,0\n丁,36,1\n"  # 乙 1.1 over the maximum 40


def run(argv, capsys):
    """``kaohe argv`` in-process: (exit code, stdout, stderr); argparse's exits count too."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256, and every folder (as "")."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def data(tmp_path) -> Path:
    return write_tiny_year(tmp_path / "data")


def break_input(data: Path) -> None:
    (data / "raw/2030/dept_scores/宣教部.csv").write_text(BROKEN_DEPT, encoding="utf-8")


# -- exit codes -------------------------------------------------------------------------------


def test_validate_a_valid_year_prints_its_warnings_and_exits_0(data, capsys):
    code, out, err = run(["validate", "2030", "--data-dir", data], capsys)
    assert code == 0, err
    # the tiny year has warnings only: they are listed, and they do not fail validation
    assert "2030 年度输入校验通过：4 个单位" in out and "3 条警告" in out
    assert re.search(r"警告\s+brand_reviews\.csv\s+5\s+评分单位\s+甲\s+本单位给自己的项目评分（自评）", out)
    assert err == ""


def test_validate_invalid_input_prints_the_problem_table_and_exits_1(data, capsys):
    break_input(data)
    code, out, err = run(["validate", "2030", "--data-dir", data], capsys)
    assert code == 1
    header = err.splitlines()[0].split()
    assert header == ["级别", "文件", "行", "列", "值", "问题"]
    assert re.search(r"^错误\s+dept_scores/宣教部\.csv\s+3\s+1\.1\s+45\s+得分 45 超过该指标满分 40$", err, re.M)
    assert "输入数据有 1 个错误，未写出任何结果；已有的结果保持不变。" in err
    assert out == ""


def test_a_broken_scheme_is_invalid_input_not_a_crash(data, capsys):
    scheme = data / "raw/2030/scheme.yaml"
    scheme.write_text(scheme.read_text(encoding="utf-8").replace("brand: 0.3", "brand: 0.4", 1), encoding="utf-8")
    code, out, err = run(["score", "2030", "--data-dir", data], capsys)
    assert code == 1
    assert re.search(r"^错误\s+scheme\.yaml\s+weights\s+1\.1\s+共性工作与特色品牌工作的权重之和为 1\.1，应为 1$", err, re.M)
    assert not (data / "output").exists()


def test_score_a_valid_year_prints_the_ranking_and_writes_every_output(data, capsys):
    code, out, err = run(["score", "2030", "--data-dir", data], capsys)
    assert code == 0, err
    lines = out.splitlines()
    header = next(line for line in lines if "名次" in line)
    assert header.split() == ["名次", "单位", "领导评分", "业务部门评分", "基层评分", "特色品牌", "总分", "等次"]
    assert any(line.split() == ["2", "丙", "96.00", "75.20", "100.00", "90.00", "85.88", "优秀"] for line in lines)
    assert any(line.split()[:2] == ["1", "甲"] and line.endswith("良好（一票否决）") for line in lines)
    out_dir = data / "output/2030"
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(OUTPUTS)
    assert f"结果已写入 {out_dir.as_posix()}/" in out


def test_wrong_usage_exits_2(data, capsys, tmp_path):
    for argv in (
        [],  # no command
        ["score"],  # no year
        ["score", "19", "--data-dir", data],
        ["score", "../../x", "--data-dir", data],
        ["validate", "/tmp", "--data-dir", data],
        ["score", "2031", "--data-dir", data],  # no data/raw/2031/
        ["score", "2030", "--data-dir", tmp_path / "nowhere"],
        ["score", "2030", "--data-dir", data, "--fast"],  # unknown option
        ["rank", "2030"],  # unknown command
    ):
        code, out, err = run(argv, capsys)
        assert code == 2, argv
        assert err, argv
    code, _, err = run(["score", "../../x", "--data-dir", data], capsys)
    assert err.strip() == "kaohe: 年份「../../x」无效：应为四位数字，如 2019"
    code, _, err = run(["score", "2031", "--data-dir", data], capsys)
    assert err.strip() == f"kaohe: 找不到 2031 年度的输入文件夹 {(data / 'raw/2031').as_posix()}/"
    assert not (data / "output").exists()


# -- the outputs ------------------------------------------------------------------------------


@pytest.fixture
def scored(data, capsys) -> Path:
    code, _, err = run(["score", "2030", "--data-dir", data], capsys)
    assert code == 0, err
    return data / "output/2030"


def test_results_csv_has_the_contract_columns(scored):
    text = (scored / "results.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == (
        "unit,leader,dept_raw,dept_rank,dept_coef,dept,grassroots,common,brand,total,rank,"
        "vetoed,veto_clauses,proposed_grade,grade"
    )
    assert "\r" not in text
    table = pd.read_csv(scored / "results.csv", dtype=str, keep_default_na=False)
    assert table["unit"].tolist() == ["甲", "丙", "乙", "丁"]
    assert table.iloc[0][["vetoed", "veto_clauses", "grade"]].tolist() == ["true", "1", "良好"]
    assert table["veto_clauses"].iloc[1:].tolist() == ["", "", ""]
    assert table.iloc[1][["leader", "dept_raw", "dept_rank", "rank", "vetoed", "grade"]].tolist() == [
        "96.0", "80.0", "4", "2", "false", "优秀",
    ]
    # full precision, not rounded for display: every number reads back as the very float computed
    computed = kaohe.load_year(2030, scored.parents[1]).results
    for column in ["leader", "dept_raw", "dept_coef", "dept", "grassroots", "common", "brand", "total"]:
        assert table[column].map(float).tolist() == computed[column].tolist(), column
        assert table[column].tolist() == computed[column].map(repr).tolist(), column
    assert float(table.iloc[1]["dept"]) == pytest.approx(75.2)
    for name, columns in {
        "indicator_scores.csv": "unit,indicator,value,points",
        "category_scores.csv": "unit,category,points,max",
        "brand_scores.csv": "unit,item,title,reviews,score",
    }.items():
        assert (scored / name).read_text(encoding="utf-8").splitlines()[0] == columns
    indicators = pd.read_csv(scored / "indicator_scores.csv", dtype=str, keep_default_na=False)
    assert indicators.set_index(["unit", "indicator"]).loc[("甲", "2.2"), "value"] == "90%"


def test_results_xlsx_has_chinese_headers_and_highlights_excellent_units(scored):
    book = openpyxl.load_workbook(scored / "results.xlsx")
    assert book.sheetnames == ["考核排名", "指标得分", "类别得分", "特色品牌得分"]
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "示例年度考核（测试用）结果"  # the title row, across the table
    assert rows[1] == (
        "名次", "单位", "领导评分", "业务部门原始分", "部门评分名次", "排序系数", "业务部门评分", "基层评分",
        "共性工作得分", "特色品牌得分", "总分", "一票否决", "否决条款", "初步等次", "考核等次",
    )
    assert [r[1] for r in rows[2:]] == ["甲", "丙", "乙", "丁"]
    assert rows[3][-1] == "优秀" and rows[3][10] == pytest.approx(85.884)
    assert sheet.cell(row=3, column=6).number_format == "0.00"  # the coefficient as 0.98, not 98.00%
    highlighted = {
        sheet.cell(row=r, column=2).value
        for r in range(3, sheet.max_row + 1)
        if all(str(c.fill.fgColor.rgb).endswith("FFF2CC") for c in sheet[r])
    }
    assert highlighted == {"丙"}
    assert sheet.cell(row=3, column=12).value == "是"  # 甲 vetoed
    assert sheet.cell(row=3, column=13).value.startswith("第")  # the clause in words
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToHeight) == ("landscape", 9, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1)  # 1 wide: the default
    assert sheet.print_title_rows == "$2:$2" and sheet.print_area is not None  # the header on every page
    assert book["指标得分"].cell(row=1, column=1).value == "单位"
    assert book["指标得分"].cell(row=1, column=2).value.startswith("1.1 ")  # the indicator with its text
    assert [book["指标得分"].cell(row=r, column=1).value for r in range(2, 6)] == ["甲", "丙", "乙", "丁"]
    assert [c.value for c in book["特色品牌得分"][1]] == ["单位", "项目编号", "项目名称", "评分数", "得分"]


def test_manifest_names_version_scheme_and_every_input(scored, data):
    manifest = json.loads((scored / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["kaohe_version"] == kaohe.__version__
    assert manifest["year"] == 2030
    assert manifest["scheme"] == scheme_to_dict(load_scheme(data / "raw/2030/scheme.yaml"))
    raw = data / "raw/2030"
    expected = {
        p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in raw.rglob("*") if p.is_file()
    }
    assert manifest["inputs"] == expected
    assert set(expected) == {"scheme.yaml", *FILES}


def test_a_failed_run_leaves_the_previous_outputs_untouched(scored, data, capsys):
    before = tree(data / "output")
    break_input(data)
    code, out, err = run(["score", "2030", "--data-dir", data], capsys)
    assert code == 1
    assert "得分 45 超过该指标满分 40" in err
    assert tree(data / "output") == before
    assert [p.name for p in (data / "output").iterdir()] == ["2030"]  # no staging folder left behind


def test_scoring_never_writes_under_raw_and_is_reproducible(data, capsys):
    before = tree(data / "raw")
    assert run(["score", "2030", "--data-dir", data], capsys)[0] == 0
    first = (data / "output/2030/results.csv").read_bytes()
    first_tables = {n: (data / "output/2030" / n).read_bytes() for n in OUTPUTS if n.endswith((".csv", ".xlsx"))}
    assert "results.xlsx" in first_tables  # fixed document and zip times: the same bytes on a rerun
    assert run(["score", "2030", "--data-dir", data], capsys)[0] == 0
    assert (data / "output/2030/results.csv").read_bytes() == first
    assert {n: (data / "output/2030" / n).read_bytes() for n in first_tables} == first_tables
    assert tree(data / "raw") == before
    assert [p.name for p in (data / "output").iterdir()] == ["2030"]


# -- as a real process ------------------------------------------------------------------------


def kaohe_command() -> list[str]:
    script = Path(sys.executable).parent / "kaohe"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kaohe.cli"]


def shell(args, cwd) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONUTF8": "1"}
    return subprocess.run(kaohe_command() + args, cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=120)


def test_the_installed_command(data, tmp_path):
    done = shell(["score", "2030"], cwd=data.parent)  # --data-dir defaults to ./data
    assert done.returncode == 0, done.stderr
    assert "名次" in done.stdout and re.search(r"^\s*2\s+丙\s.*85\.88\s+优秀$", done.stdout, re.M)
    assert (data / "output/2030/results.xlsx").is_file()

    break_input(data)
    done = shell(["validate", "2030", "--data-dir", str(data)], cwd=tmp_path)
    assert done.returncode == 1
    assert re.search(r"^错误\s+dept_scores/宣教部\.csv\s+3\s+1\.1\s+45\s+得分 45 超过该指标满分 40$", done.stderr, re.M)

    done = shell(["score", "19", "--data-dir", str(data)], cwd=tmp_path)
    assert done.returncode == 2 and "年份「19」无效" in done.stderr
    done = shell([], cwd=tmp_path)
    assert done.returncode == 2 and "用法错误" in done.stderr

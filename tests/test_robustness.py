"""Malformed inputs as analysts send them, random valid years through real files, and unsafe paths.

Every case of the corpus (``tests/robustness/make_corpus.py``) goes through the real command in a
fresh process: ``kaohe validate`` either reads the file (exit 0, the values an analyst would
expect) or refuses it (exit 1) with a Chinese problem naming the file, row and column, and never
shows a Python traceback; ``kaohe score`` on the bad input then leaves the outputs of the last
good run byte for byte as they were.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kaohe
from kaohe.cli import main
from kaohe.pipeline import score_year
from kaohe.inputs import read_year
from robustness.make_corpus import CASES, Problem, build
from strategies import shuffled, write_year, years
from tiny_year import write_tiny_year

YEAR = "2030"
OUTPUTS = ["results.csv", "indicator_scores.csv", "category_scores.csv", "brand_scores.csv", "results.xlsx",
           "manifest.json"]


def kaohe_process(args, cwd=None, timeout=300) -> subprocess.CompletedProcess:
    """``kaohe args`` as the analyst runs it: a fresh process, its output as text."""
    script = Path(sys.executable).parent / "kaohe"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "kaohe.cli"]
    return subprocess.run(command + [str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          encoding="utf-8", env={**os.environ, "PYTHONUTF8": "1"}, timeout=timeout)


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its SHA-256 (folders as ""), hidden ones included."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(folder.rglob("*"))
    }


def line_pattern(problem: Problem) -> str:
    """The line of the problem table (级别 文件 行 列 值 问题) that ``problem`` expects."""
    parts = [re.escape(problem.level), re.escape(problem.file)]
    if problem.row is not None:
        parts.append(str(problem.row))
    if problem.column is not None:
        parts.append(re.escape(problem.column))
    return r"^\s*" + r"\s+".join(parts) + r"\s.*" + re.escape(problem.phrase)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> dict[str, bytes]:
    """The tiny year's output tables, scored from the clean files."""
    data = write_tiny_year(tmp_path_factory.mktemp("clean") / "data")
    out = score_year(YEAR, data)[1].folder
    return {name: (out / name).read_bytes() for name in OUTPUTS if name.endswith(".csv")}


# -- the corpus -------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_malformed_input_is_read_or_refused_in_chinese(case, tmp_path, clean, capsys):
    data = tmp_path / "data"
    write_tiny_year(data)
    out = score_year(YEAR, data)[1].folder  # the outputs of the last good run
    before = tree(data / "output")
    case.build(data / "raw" / YEAR)

    done = kaohe_process(["validate", YEAR, "--data-dir", data])  # kaohe_process's timeout bounds it
    printed = done.stdout + done.stderr
    assert "Traceback" not in printed and "Error:" not in printed, printed
    assert done.returncode == case.code, printed
    table = done.stderr if case.code else done.stdout
    for problem in case.problems:
        assert re.search(line_pattern(problem), table, re.M), f"{line_pattern(problem)}\n{table}"
    if case.code:
        assert "未写出任何结果；已有的结果保持不变" in done.stderr or "kaohe:" in done.stderr
    assert len(printed.splitlines()) < 120, "a flood of problems is summarised, not printed row by row"

    code = main(["score", YEAR, "--data-dir", str(data)])
    capsys.readouterr()
    assert code == case.code
    if case.code:
        assert tree(data / "output") == before, "a refused input leaves the previous outputs untouched"
    else:
        assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
        inputs = read_year(data / "raw" / YEAR, int(YEAR))
        if case.check:
            case.check(inputs)
        if case.same_results:  # indicator_scores.csv holds each value as typed, brand_scores.csv the titles
            for name in ("results.csv", "category_scores.csv"):
                assert (out / name).read_bytes() == clean[name], name
    assert [p.name for p in (data / "output").iterdir()] == [YEAR], "no staging folder left behind"


def test_the_corpus_covers_the_faults_of_the_issue():
    names = {c.name for c in CASES}
    assert len(CASES) >= 30 and len(names) == len(CASES)
    assert {"gbk_csv", "utf8_bom", "merged_title", "empty_sheet", "hidden_row", "trailing_blank_rows_xlsx",
            "header_row3", "formulas_no_cache", "date_in_number", "text_in_number", "nan_inf", "negative_count",
            "ratio_above_one", "fullwidth_digits", "duplicate_units", "unit_misspelled", "missing_indicator_column",
            "extra_unknown_column", "truncated_xlsx", "xlsx_really_csv", "zero_byte", "yaml_syntax_error",
            "weights_not_one", "huge_file"} <= names


def test_the_corpus_script_writes_every_case(tmp_path):
    done = subprocess.run([sys.executable, str(Path(__file__).parent / "robustness" / "make_corpus.py"),
                           str(tmp_path)], capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(c.name for c in CASES)
    assert (tmp_path / "huge_file/raw/2030/dept_scores/宣教部.csv").stat().st_size > 50_000_000
    assert (tmp_path / "gbk_csv/raw/2030/leader_scores.csv").read_bytes().decode("gbk").startswith("单位,领导1")


# -- unsafe paths -------------------------------------------------------------------------------


@pytest.mark.parametrize("year", ["../../x", "/tmp", "..", "2030/../2031", "20３0", "2030 ", "-1"])
def test_a_year_that_is_a_path_is_refused(year, tmp_path):
    data = write_tiny_year(tmp_path / "data")
    for command in ("validate", "score"):
        done = kaohe_process([command, year, "--data-dir", data])
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert f"年份「{year}」无效：应为四位数字" in done.stderr
    assert not (data / "output").exists() and not (tmp_path / "x").exists()


def test_a_data_dir_that_is_a_file_is_a_clear_usage_error(tmp_path):
    file = tmp_path / "data.csv"
    file.write_text("单位\n甲\n", encoding="utf-8")
    done = kaohe_process(["score", YEAR, "--data-dir", file])
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"kaohe: 数据目录 {file.as_posix()} 是一个文件，不是文件夹："
                                   "--data-dir 应指向内含 raw/ 与 output/ 的文件夹")
    done = kaohe_process(["validate", YEAR, "--data-dir", tmp_path / "nowhere"])
    assert done.returncode == 2 and "找不到数据目录" in done.stderr


def test_an_output_folder_blocked_by_a_file_is_exit_1_not_a_crash(tmp_path):
    data = write_tiny_year(tmp_path / "data")
    (data / "output").write_text("占位", encoding="utf-8")
    done = kaohe_process(["score", YEAR, "--data-dir", data])
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"kaohe: 无法在 {(data / 'output').as_posix()}/ 中写出结果" in done.stderr
    assert (data / "output").read_text(encoding="utf-8") == "占位"


# -- random valid years through real files ------------------------------------------------------
# tests/test_properties.py checks scoring on the tables themselves and that files read back as
# those tables; here each year goes the whole way: files → kaohe score → the written tables.

through_files = settings(max_examples=int(os.environ.get("KAOHE_EXAMPLES", 15)), deadline=None, suppress_health_check=[HealthCheck.too_slow])


def written(data: Path) -> dict[str, pd.DataFrame]:
    out = data / "output" / YEAR
    return {name: pd.read_csv(out / name, dtype={"unit": str, "item": str, "category": str, "indicator": str},
                              keep_default_na=False, na_values=[""])
            for name in CSVS}


CSVS = ["results.csv", "indicator_scores.csv", "category_scores.csv", "brand_scores.csv"]


@through_files
@given(years())
def test_random_years_score_through_files_and_the_written_tables_agree(inputs):
    scheme = inputs.scheme
    with tempfile.TemporaryDirectory() as tmp:
        data = write_year(inputs, Path(tmp) / "data")
        assert main(["score", YEAR, "--data-dir", str(data)]) == 0
        tables = written(data)
        book = pd.read_excel(data / "output" / YEAR / "results.xlsx", sheet_name=None)
        book["考核排名"] = pd.read_excel(data / "output" / YEAR / "results.xlsx", sheet_name="考核排名", header=1)
    table = tables["results.csv"]
    assert sorted(table["unit"]) == sorted(inputs.units["unit"])
    w = scheme.component_weights
    common = w["leader"] * table["leader"] + w["dept"] * table["dept"] + w["grassroots"] * table["grassroots"]
    assert np.allclose(table["common"], common, rtol=0, atol=1e-9)
    total = scheme.common_weight * table["common"] + scheme.brand_weight * table["brand"]
    assert np.allclose(table["total"], total, rtol=0, atol=1e-9)
    # ranks are competition ranks of the totals, results.csv is sorted by them
    r = np.round(table["total"].to_numpy(), 6)
    assert (table["rank"].to_numpy() == 1 + (r[None, :] > r[:, None]).sum(axis=1)).all()
    assert table["rank"].is_monotonic_increasing
    # the department parts add up: indicator points → categories → dept_raw
    categories = tables["category_scores.csv"].groupby("unit")["points"].sum()
    indicators = tables["indicator_scores.csv"].groupby("unit")["points"].sum()
    dept_raw = table.set_index("unit")["dept_raw"]
    assert np.allclose(categories[dept_raw.index], dept_raw, atol=1e-9)
    assert np.allclose(indicators[dept_raw.index], dept_raw, atol=1e-9)
    # brand = mean of the unit's item scores, 0 without items
    items = tables["brand_scores.csv"].groupby("unit")["score"].mean()
    brand = table.set_index("unit")["brand"]
    assert np.allclose(items.reindex(brand.index).fillna(0), brand, atol=1e-9)
    # grades: never 优秀 when vetoed; exactly the quota's k, more only for a tie at the cut-off
    vetoed = table["vetoed"].eq(True) | table["vetoed"].astype(str).eq("true")
    top = table["proposed_grade"].eq(scheme.top_grade).to_numpy()
    assert not (top & vetoed.to_numpy()).any()
    if scheme.quota.kind != "min_total" and top.any():
        k = kaohe.scoring.quota_size(scheme.quota, len(table))
        cutoff = r[top].min()
        assert (r[~vetoed.to_numpy() & ~top] < cutoff).all()
        assert top.sum() == k or (top.sum() > k and (r[top] == cutoff).sum() > 1) or top.sum() == (~vetoed).sum()
    # the workbook says the same: same ranking, one row per unit on the wide indicator sheet
    ranking = book["考核排名"]
    assert ranking["单位"].astype(str).tolist() == table["unit"].tolist()
    assert np.allclose(ranking["总分"], table["total"], atol=1e-9)
    assert len(book["指标得分"]) == len(table)


@through_files
@given(years(), st.integers(0, 2**32 - 1))
def test_the_order_of_rows_in_the_files_changes_no_output(inputs, seed):
    """Every file's rows shuffled (but the units list and the brand items, whose order the output
    tables follow): the written tables are the same, row for row; numbers may differ only by the
    rounding of a sum taken in another order, ranks and grades not at all."""
    other = shuffled(inputs, seed)
    other = dataclasses.replace(other, units=inputs.units, brand_items=inputs.brand_items)
    outputs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k, year in enumerate((inputs, other)):
            data = write_year(year, Path(tmp) / f"data{k}")
            score_year(YEAR, data)
            outputs.append(written(data))
    for name in CSVS:
        first, second = outputs[0][name], outputs[1][name]
        assert list(first.columns) == list(second.columns)
        numbers = [c for c in first.columns if pd.api.types.is_float_dtype(first[c])]
        pd.testing.assert_frame_equal(first.drop(columns=numbers), second.drop(columns=numbers), check_exact=True)
        pd.testing.assert_frame_equal(first[numbers], second[numbers], check_exact=False, rtol=0, atol=1e-9)

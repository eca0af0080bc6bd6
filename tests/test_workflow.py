"""The analysts' yearly workflow: ``kaohe template``, ``kaohe sample`` and ``kaohe new-year``.

Templates are generated, filled in with openpyxl as a department would (writing into the
template's own cells), copied into a data folder and scored; the result must equal scoring
the same values given as CSV. The survey draw follows 考核办法 第八条（一）3.
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

import kaohe
from kaohe.cli import main
from kaohe.inputs import read_table
from kaohe.problems import ProblemLog
from kaohe.scheme import load_scheme, scheme_to_dict
from kaohe.workflow.new_year import renew_scheme_text
from kaohe.workflow.sampling import draw_sample, read_roster
from kaohe.workflow.templates import write_templates
from conftest import SAMPLE_RAW
from tiny_year import FILES, SCHEME, write_tiny_year

REPO = Path(__file__).resolve().parents[1]
RAW_2019 = SAMPLE_RAW / "2019"
TINY_UNITS = ["甲", "乙", "丙", "丁"]
TINY_TEMPLATES = [
    "dept_scores/宣教部.xlsx", "dept_scores/保障部.xlsx",
    "领导评分.xlsx", "基层问卷.xlsx", "特色品牌项目.xlsx", "品牌互评.xlsx",
]
CHINESE = {"leader_scores": "领导评分", "survey": "基层问卷", "brand_items": "特色品牌项目", "brand_reviews": "品牌互评"}


def run(argv, capsys):
    """``kaohe argv`` in-process: (exit code, stdout, stderr); argparse's exits count too."""
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A data folder whose raw/2030/ holds only the scheme and the unit list, as at the start of a year."""
    return write_tiny_year(tmp_path / "data", files={name: None for name in FILES if name != "units.csv"})


@pytest.fixture
def year_2019(tmp_path) -> Path:
    """A data folder with the real 2019 scheme and unit list (附件2, 附件3) in raw/2019/."""
    data = tmp_path / "data2019"
    (data / "raw/2019").mkdir(parents=True)
    for name in ("scheme.yaml", "units.csv"):
        shutil.copyfile(RAW_2019 / name, data / "raw/2019" / name)
    return data


def header_row(sheet) -> int:
    """The first row that is not the title (【…】) or an instruction (填写说明：…): the header kaohe reads."""
    return next(r for r in range(1, sheet.max_row + 1)
                if not str(sheet.cell(r, 1).value or "").startswith(("#", "【", "填写说明：")))


def typed(text: str):
    """A CSV cell as a person would type it into Excel: numbers as numbers, 90% as 0.9."""
    if text == "":
        return None
    if text.endswith("%"):
        return float(text[:-1]) / 100
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() else number


def csv_table(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def fill_by_unit(path: Path, table: pd.DataFrame) -> None:
    """Write ``table`` (unit column, then columns named by indicator id or header) into the pre-filled rows."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    top = header_row(sheet)
    headers = {cell.value: cell.column for cell in sheet[top] if cell.value}
    rows = {sheet.cell(r, 1).value: r for r in range(top + 1, sheet.max_row + 1)}
    unit_column, *columns = table.columns
    for record in table.to_dict("records"):
        row = rows[record[unit_column]]
        for name in columns:
            column = headers.get(name) or next(c for h, c in headers.items() if str(h).startswith(f"{name} "))
            sheet.cell(row, column, typed(record[name]))
    book.save(path)


def append_rows(path: Path, table: pd.DataFrame) -> None:
    """Write ``table``'s rows, column by column in order, below the template's header."""
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    top = header_row(sheet)
    for offset, record in enumerate(table.itertuples(index=False), start=1):
        for column, value in enumerate(record, start=1):
            sheet.cell(top + offset, column, typed(value))
    book.save(path)


def validations_at(sheet, coordinate: str):
    return [dv for dv in sheet.data_validations.dataValidation if coordinate in dv.sqref]


def bounds(sheet, coordinate: str) -> tuple:
    (dv,) = validations_at(sheet, coordinate)
    assert dv.showErrorMessage and dv.showInputMessage and dv.errorStyle == "stop"
    assert dv.prompt and dv.error
    return dv.type, dv.operator, dv.formula1, dv.formula2


def list_values(book, formula: str) -> list:
    """The values of a list validation's source range, e.g. ``'选项'!$B$2:$B$4``."""
    sheet_name, cells = formula.rsplit("!", 1)
    sheet = book[sheet_name.strip("'")]
    return [cell.value for row in sheet[cells.replace("$", "")] for cell in row]


def test_filled_templates_validate_and_score_like_the_same_values_given_as_csv(tiny, tmp_path, capsys):
    raw_before = tree(tiny / "raw")
    code, out, err = run(["template", "2030", "--data-dir", tiny, "--leaders", 3, "--questions", 2], capsys)
    assert code == 0, err
    folder = tiny / "templates/2030"
    assert f"已生成 2030 年度空白输入表 6 个，位于 {folder.as_posix()}/" in out
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.xlsx")) == sorted(TINY_TEMPLATES)
    assert tree(tiny / "raw") == raw_before  # the template never writes under raw/

    fill_by_unit(folder / "dept_scores/宣教部.xlsx", csv_table(FILES["dept_scores/宣教部.csv"]))
    fill_by_unit(folder / "dept_scores/保障部.xlsx", csv_table(FILES["dept_scores/保障部.csv"]))
    fill_by_unit(folder / "领导评分.xlsx", csv_table(FILES["leader_scores.csv"]))
    for name in ("survey", "brand_items", "brand_reviews"):
        append_rows(folder / f"{CHINESE[name]}.xlsx", csv_table(FILES[f"{name}.csv"]))

    # copied into raw/2030 as they are, next to the scheme, the unit list and the office's vetoes
    shutil.copytree(folder, tiny / "raw/2030", dirs_exist_ok=True)
    (tiny / "raw/2030/vetoes.csv").write_text(FILES["vetoes.csv"], encoding="utf-8")
    code, out, err = run(["validate", "2030", "--data-dir", tiny], capsys)
    assert code == 0, err
    assert "2030 年度输入校验通过：4 个单位" in out and "3 条警告" in out

    from_templates = kaohe.load_year(2030, tiny)
    from_csv = kaohe.load_year(2030, write_tiny_year(tmp_path / "csv"))
    pd.testing.assert_frame_equal(from_templates.results, from_csv.results)
    points = ["unit", "indicator", "points"]
    pd.testing.assert_frame_equal(from_templates.indicators[points], from_csv.indicators[points])
    assert [p.message for p in from_templates.warnings] == [p.message for p in from_csv.warnings]
    assert from_templates.results.set_index("unit").loc["丙", "total"] == pytest.approx(85.884)
    assert run(["score", "2030", "--data-dir", tiny], capsys)[0] == 0


def test_filled_2019_department_templates_score_like_the_sample_year(year_2019, tmp_path, sample_data):
    write_templates(2019, year_2019)
    folder = year_2019 / "templates/2019/dept_scores"
    for source in sorted((RAW_2019 / "dept_scores").glob("*.xlsx")):
        sheet = openpyxl.load_workbook(source).worksheets[0]
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        top = header_row(sheet) - 1
        fill_by_unit(folder / source.name, pd.DataFrame(rows[top + 1:], columns=rows[top]))
    data = tmp_path / "copy"
    shutil.copytree(RAW_2019, data / "raw/2019", ignore=shutil.ignore_patterns("dept_scores"))
    shutil.copytree(folder, data / "raw/2019/dept_scores")
    pd.testing.assert_frame_equal(kaohe.load_year(2019, data).results, kaohe.load_year(2019, sample_data).results)


def test_department_templates_carry_each_rule_as_excel_data_validation(year_2019):
    done = write_templates(2019, year_2019)
    scheme = load_scheme(year_2019 / "raw/2019/scheme.yaml")
    units = pd.read_csv(year_2019 / "raw/2019/units.csv", comment="#")["unit"].tolist()
    assert [p.relative_to(done.folder).as_posix() for p in done.files] == [
        f"dept_scores/{d}.xlsx" for d in scheme.departments
    ] + ["领导评分.xlsx", "基层问卷.xlsx", "特色品牌项目.xlsx", "品牌互评.xlsx"]
    cells = {}  # indicator id → (sheet, its first unit cell)
    for department in scheme.departments:
        sheet = openpyxl.load_workbook(done.folder / f"dept_scores/{department}.xlsx").worksheets[0]
        top = header_row(sheet)
        assert top == 3 and sheet.cell(1, 1).value.startswith(f"【{scheme.title}】{department}评分表")
        assert sheet.cell(2, 1).value.startswith("填写说明：")  # no # for people to wonder about
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$3:$3" and sheet.print_title_cols == "$A:$A"  # header and units on every page
        headers = [c.value for c in sheet[top]]
        ids = [i.id for i in scheme.indicators if i.department == department]
        assert headers[0] == "单位" and [h.split(" ")[0] for h in headers[1:]] == ids
        assert [sheet.cell(r, 1).value for r in range(top + 1, sheet.max_row + 1)] == units
        for column, indicator_id in enumerate(ids, start=2):
            first = sheet.cell(top + 1, column).coordinate
            last = sheet.cell(top + len(units), column).coordinate
            assert len(validations_at(sheet, first)) == len(validations_at(sheet, last)) == 1
            cells[indicator_id] = (sheet, first)

    header = cells["1.1"][0].cell(3, 2).value
    assert header == "1.1 深入开展“新时代、新思想…（6分）"
    manual = validations_at(*cells["1.1"])[0]
    assert manual.promptTitle == "指标 1.1（直接评分）"
    assert manual.prompt == ("深入开展“新时代、新思想、新气象、新征程”宣传宣讲活动。\n"
                             "填写部门给出的得分：0 到 6 分之间，可带小数。")
    assert manual.error == "指标 1.1 的得分应在 0 到 6 分之间。"
    # manual 0–max; deduction a non-negative integer count; checklist 0..n; bands a ratio 0–1; target ≥ 0
    assert bounds(*cells["1.1"]) == ("decimal", "between", "0", "6")
    assert bounds(*cells["7.3"]) == ("decimal", "between", "0", "1")
    assert bounds(*cells["6.1"]) == ("whole", "greaterThanOrEqual", "0", None)
    assert bounds(*cells["6.5"]) == ("whole", "greaterThanOrEqual", "0", None)
    assert bounds(*cells["3.6"]) == ("whole", "between", "0", "4")
    assert bounds(*cells["3.7"]) == ("whole", "between", "0", "3")
    assert bounds(*cells["6.6"]) == ("decimal", "between", "0", "1")
    assert bounds(*cells["3.5"]) == ("decimal", "greaterThanOrEqual", "0", None)
    sheet, first = cells["6.6"]
    assert sheet[first].number_format == "0.0%"
    assert validations_at(*cells["6.6"])[0].prompt.endswith("达到 80% 得 2 分、达到 50% 得 1 分，否则 0 分。")
    assert "（4分，填发现次数）" in cells["6.1"][0].cell(3, 2).value
    assert cells["3.6"][0].cell(3, 2).value == "3.6 开展妈咪暖心小屋建设，有…（1分，填缺少项数）"


def test_leader_survey_and_brand_templates_validate_scores_roles_and_answers(year_2019):
    folder = write_templates(2019, year_2019).folder
    units = pd.read_csv(year_2019 / "raw/2019/units.csv", comment="#")["unit"].tolist()

    leader = openpyxl.load_workbook(folder / "领导评分.xlsx").worksheets[0]
    assert [c.value for c in leader[3]] == ["单位"] + [f"领导{k}" for k in range(1, 8)]
    assert [leader.cell(r, 1).value for r in range(4, 4 + len(units))] == units
    assert bounds(leader, "B4") == bounds(leader, "H25") == ("decimal", "between", "0", "100")

    book = openpyxl.load_workbook(folder / "基层问卷.xlsx")
    survey = book.worksheets[0]
    assert book.sheetnames == ["问卷", "选项"] and book["选项"].sheet_state == "hidden"
    assert [c.value for c in survey[3]] == ["单位", "基层工会", "身份"] + [f"问题{k}" for k in range(1, 11)]
    (unit_list,) = validations_at(survey, "A4")
    (role_list,) = validations_at(survey, "C500")
    (answer_list,) = validations_at(survey, "M1003")
    assert unit_list.type == role_list.type == answer_list.type == "list"
    assert list_values(book, unit_list.formula1) == units
    assert list_values(book, role_list.formula1) == ["职工", "工会主席", "管理者"]
    assert list_values(book, answer_list.formula1) == [5, 4, 3, 2, 1, "非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert answer_list.prompt == "填写 5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意；未答留空。"
    assert answer_list.allow_blank

    items = openpyxl.load_workbook(folder / "特色品牌项目.xlsx").worksheets[0]
    assert [c.value for c in items[3]] == ["单位", "项目编号", "项目名称"]
    assert "每个单位限报 2 项" in items.cell(2, 1).value
    assert bounds(items, "B4") == ("custom", None, "COUNTIF($B$4:$B$1003,B4)=1", None)
    reviews = openpyxl.load_workbook(folder / "品牌互评.xlsx").worksheets[0]
    assert [c.value for c in reviews[3]] == ["评分单位", "项目编号", "得分"]
    assert bounds(reviews, "C4") == ("decimal", "between", "0", "100")

    for name in ("领导评分.xlsx", "基层问卷.xlsx", "特色品牌项目.xlsx", "品牌互评.xlsx"):
        log = ProblemLog()
        table = read_table(folder / name, name, log)
        assert log.problems == [] and table.frame.columns[0] in ("unit", "reviewer")


def test_template_refuses_to_overwrite_unless_forced_and_keeps_other_files(tiny, capsys):
    assert run(["template", "2030", "--data-dir", tiny], capsys)[0] == 0
    folder = tiny / "templates/2030"
    (folder / "基层问卷抽样名单.csv").write_text("序号,单位,基层工会\n", encoding="utf-8")
    before = tree(folder)
    code, out, err = run(["template", "2030", "--data-dir", tiny], capsys)
    assert code == 1
    assert err.strip() == (f"kaohe: {folder.as_posix()}/ 中已有 6 个同名表格（如 dept_scores/宣教部.xlsx），未做任何改动。"
                           "如需重新生成（覆盖这些表格，已填写的内容会丢失），请加 --force")
    assert tree(folder) == before
    assert run(["template", "2030", "--data-dir", tiny, "--force"], capsys)[0] == 0
    assert (folder / "基层问卷抽样名单.csv").is_file()
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no staging folder left


def test_template_exit_codes(tiny, tmp_path, capsys):
    code, out, err = run(["template", "2030", "--data-dir", tiny, "--out", tmp_path / "发出"], capsys)
    assert code == 0 and (tmp_path / "发出/dept_scores/宣教部.xlsx").is_file()
    for argv in (
        ["template", "30", "--data-dir", tiny],
        ["template", "2031", "--data-dir", tiny],  # no raw/2031/
        ["template", "2030", "--data-dir", tiny, "--leaders", "0"],
        ["template", "2030", "--data-dir", tiny, "--out", tiny / "raw/2030"],
        ["template", "2030", "--data-dir", tiny, "--out", tiny / "raw/2030/../2030/templates"],
    ):
        code, out, err = run(argv, capsys)
        assert code == 2, argv
        assert err, argv
    code, _, err = run(["template", "2030", "--data-dir", tiny, "--out", tiny / "raw/2030"], capsys)
    assert "原始数据文件夹只读" in err
    assert not (tiny / "raw/2030/dept_scores/宣教部.xlsx").exists()

    scheme = tiny / "raw/2030/scheme.yaml"
    scheme.write_text(scheme.read_text(encoding="utf-8").replace("max: 40", "max: 45", 1), encoding="utf-8")
    code, out, err = run(["template", "2030", "--data-dir", tiny, "--force"], capsys)
    assert code == 1
    assert "类别 1「思想引领」各指标满分之和为 65，与类别满分 60 不符" in err


ROSTER = """\
单位,基层工会,单建
甲,甲一厂工会,是
甲,甲二厂工会,是
甲,甲三厂工会,否
甲,甲四厂工会,是
甲,甲五厂工会,是
甲,甲联合工会,否
乙,乙一厂工会,是
乙,乙二厂工会,是
乙,乙三厂工会,是
丙,丙一厂工会,是
丙,丙二厂工会,是
丙,丙三厂工会,是
丙,丙四厂工会,是
丙,丙五厂工会,是
丙,丙联合工会,否
丁,丁一厂工会,是
丁,丁二厂工会,是
丁,丁三厂工会,是
"""
STANDALONE = {line.split(",")[1] for line in ROSTER.splitlines()[1:] if line.endswith(",是")}


def write_roster(path: Path, text: str = ROSTER) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def shuffled(text: str, seed: int) -> str:
    header, *rows = text.splitlines()
    order = pd.Series(rows).sample(frac=1, random_state=seed).tolist()
    return "\n".join([header, *order]) + "\n"


def sample(capsys, data, roster, *extra, seed=7, per_unit=2):
    return run(["sample", "2030", "--data-dir", data, "--roster", roster, "--per-unit", per_unit, "--seed", seed,
                *extra], capsys)


def drawn(path: Path) -> pd.DataFrame:
    log = ProblemLog()
    table = read_table(path, path.name, log)
    assert log.problems == []
    return table.frame.drop(columns="_row")


def test_sample_draws_k_standalone_unions_per_unit_reproducibly(tiny, tmp_path, capsys):
    roster = write_roster(tmp_path / "名册.csv")
    code, out, err = sample(capsys, tiny, roster, "--out", tmp_path / "a/名单.xlsx")
    assert code == 0, err
    assert "从名册的 15 个单建工会中为 4 个考核单位各抽取 2 个（随机种子 7）" in out
    first = drawn(tmp_path / "a/名单.csv")
    assert list(first.columns) == ["序号", "unit", "sub_union", "可抽单建工会数"]
    assert first["序号"].tolist() == [str(k) for k in range(1, 9)]
    assert first["unit"].tolist() == ["甲", "甲", "乙", "乙", "丙", "丙", "丁", "丁"]
    assert set(first["sub_union"]) <= STANDALONE  # only 单建 unions are drawn
    assert first["可抽单建工会数"].tolist() == ["4", "4", "3", "3", "5", "5", "3", "3"]
    pd.testing.assert_frame_equal(drawn(tmp_path / "a/名单.xlsx"), first)
    text = (tmp_path / "a/名单.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[1].startswith("# 每单位抽取 2 个单建工会，随机种子 7；名册 名册.csv（15 个单建工会，SHA-256 ")
    sheet = openpyxl.load_workbook(tmp_path / "a/名单.xlsx").worksheets[0]
    assert [c.value for c in sheet[3]] == ["序号", "单位", "基层工会", "可抽单建工会数"]
    assert sheet.print_title_rows == "$3:$3"

    # the same seed gives the same list, byte for byte, whatever the roster's row order or format
    assert sample(capsys, tiny, roster, "--out", tmp_path / "b/名单.xlsx")[0] == 0
    assert (tmp_path / "b/名单.csv").read_bytes() == (tmp_path / "a/名单.csv").read_bytes()
    reordered = write_roster(tmp_path / "reordered.csv", shuffled(ROSTER, 3))
    assert sample(capsys, tiny, reordered, "--out", tmp_path / "c/名单.xlsx")[0] == 0
    pd.testing.assert_frame_equal(drawn(tmp_path / "c/名单.csv"), first)
    as_excel = tmp_path / "roster.xlsx"
    csv_table(shuffled(ROSTER, 5)).to_excel(as_excel, index=False)
    assert sample(capsys, tiny, as_excel, "--out", tmp_path / "d/名单.xlsx")[0] == 0
    pd.testing.assert_frame_equal(drawn(tmp_path / "d/名单.csv"), first)

    # another seed, another list
    assert sample(capsys, tiny, roster, "--out", tmp_path / "e/名单.xlsx", seed=8)[0] == 0
    assert not drawn(tmp_path / "e/名单.csv").equals(first)


def test_draw_depends_only_on_seed_and_each_units_own_pool():
    roster = csv_table(ROSTER).rename(columns={"单位": "unit", "基层工会": "sub_union", "单建": "standalone"})
    roster["standalone"] = roster["standalone"].eq("是")
    full = draw_sample(roster, TINY_UNITS, 2, seed=11)
    alone = draw_sample(roster[roster["unit"] == "丙"], ["丙"], 2, seed=11)
    assert full.loc[full["unit"] == "丙", "sub_union"].tolist() == alone["sub_union"].tolist()


def test_without_a_standalone_column_every_union_in_the_roster_is_eligible(tmp_path):
    path = write_roster(tmp_path / "名册.csv", "\n".join(line.rsplit(",", 1)[0] for line in ROSTER.splitlines()))
    roster = read_roster(path, TINY_UNITS)
    assert roster["standalone"].all() and len(roster) == 18
    drawn_all = draw_sample(roster, TINY_UNITS, 3, seed=1)
    assert drawn_all.groupby("unit", sort=False)["eligible"].first().to_dict() == {"甲": 6, "乙": 3, "丙": 6, "丁": 3}
    draws = {tuple(draw_sample(roster, TINY_UNITS, 2, seed=s)["sub_union"]) for s in range(20)}
    assert len(draws) > 10


def test_sample_refuses_units_with_too_few_standalone_unions(tiny, tmp_path, capsys):
    roster = write_roster(tmp_path / "名册.csv", ROSTER.replace("丁,丁三厂工会,是", "丁,丁三厂工会,否"))
    code, out, err = sample(capsys, tiny, roster, per_unit=3)
    assert code == 1
    assert re.search(r"^错误\s+名册\.csv\s+单位\s+丁\s+单位「丁」在名册中只有 2 个单建工会，少于每单位抽取数 3$", err, re.M)
    assert "单位「甲」" not in err and "单位「乙」" not in err and "单位「丙」" not in err
    code, out, err = sample(capsys, tiny, roster, per_unit=4)
    assert code == 1
    named = re.findall(r"单位「(.)」在名册中只有 (\d) 个单建工会，少于每单位抽取数 4", err)
    assert named == [("乙", "3"), ("丁", "2")]  # each unit named, in the order of the unit list
    without = write_roster(tmp_path / "无丁.csv", "\n".join(l for l in ROSTER.splitlines() if not l.startswith("丁")))
    code, out, err = sample(capsys, tiny, without)
    assert code == 1 and "单位「丁」在名册中没有单建工会，少于每单位抽取数 2" in err
    assert not (tiny / "templates").exists()


def test_sample_refuses_roster_units_not_in_the_unit_list(tiny, tmp_path, capsys):
    roster = write_roster(tmp_path / "名册.csv", ROSTER.replace("甲,甲四厂工会,是", "甲方,甲四厂工会,是")
                          .replace("乙,乙一厂工会,是", "乙,乙一厂工会,也许"))
    code, out, err = sample(capsys, tiny, roster)
    assert code == 1
    assert re.search(r"^错误\s+名册\.csv\s+5\s+单位\s+甲方\s+单位「甲方」不在本年度考核单位名单（units）中，是否为「甲」？$",
                     err, re.M)
    assert re.search(r"^错误\s+名册\.csv\s+8\s+单建\s+也许\s+单建标记「也许」无法识别，应填「是」或「否」$", err, re.M)
    assert err.rstrip().endswith("输入数据有 2 个错误，未写出任何结果；已有的结果保持不变。")
    repeated = write_roster(tmp_path / "重复.csv", ROSTER + "甲,甲 一厂工会,是\n")
    code, out, err = sample(capsys, tiny, repeated)
    assert code == 1 and "基层工会「甲 一厂工会」在名册中重复（第2行已有）" in err


def test_sample_exit_codes_and_overwrite(tiny, tmp_path, capsys):
    roster = write_roster(tmp_path / "名册.csv")
    assert sample(capsys, tiny, roster)[0] == 0
    listed = tiny / "templates/2030/基层问卷抽样名单.xlsx"
    assert listed.is_file() and listed.with_suffix(".csv").is_file()
    before = tree(tiny / "templates")
    code, out, err = sample(capsys, tiny, roster, seed=8)
    assert code == 1 and "已存在，未做任何改动。如需重新抽样并覆盖，请加 --force" in err
    assert tree(tiny / "templates") == before
    assert sample(capsys, tiny, roster, "--force", seed=8)[0] == 0
    assert tree(tiny / "templates") != before
    for argv in (
        ["sample", "2030", "--data-dir", tiny, "--roster", roster, "--per-unit", "2"],  # no seed
        ["sample", "2030", "--data-dir", tiny, "--roster", roster, "--seed", "1"],  # no --per-unit
        ["sample", "2030", "--data-dir", tiny, "--roster", roster, "--per-unit", "0", "--seed", "1"],
        ["sample", "2030", "--data-dir", tiny, "--roster", roster, "--per-unit", "2", "--seed", "-1"],
        ["sample", "2030", "--data-dir", tiny, "--roster", tmp_path / "无此文件.csv", "--per-unit", "2", "--seed", "1"],
        ["sample", "2030", "--data-dir", tiny, "--roster", roster, "--per-unit", "2", "--seed", "1",
         "--out", tiny / "raw/2030/名单.xlsx"],
        ["sample", "20300", "--data-dir", tiny, "--roster", roster, "--per-unit", "2", "--seed", "1"],
    ):
        code, out, err = run(argv, capsys)
        assert code == 2, argv
        assert err, argv
    assert not (tiny / "raw/2030/名单.xlsx").exists()


def test_new_year_starts_the_folder_from_the_previous_year(year_2019, capsys):
    raw = year_2019 / "raw"
    previous = tree(raw / "2019")
    code, out, err = run(["new-year", "2020", "--from", "2019", "--data-dir", year_2019], capsys)
    assert code == 0, err
    assert out.splitlines()[0] == f"已新建 2020 年度输入文件夹 {(raw / '2020').as_posix()}/（复制自 2019 年度）："
    assert "上年参保数（可取 2019 年度指标 3.5 的完成数）" in out and "kaohe template 2020" in out
    assert sorted(p.name for p in (raw / "2020").iterdir()) == ["scheme.yaml", "units.csv"]
    assert (raw / "2020/units.csv").read_bytes() == (RAW_2019 / "units.csv").read_bytes()
    assert tree(raw / "2019") == previous
    assert sorted(p.name for p in raw.iterdir()) == ["2019", "2020"]  # no staging folder left

    old, new = load_scheme(RAW_2019 / "scheme.yaml"), load_scheme(raw / "2020/scheme.yaml")
    assert new.year == 2020
    assert new.title == "2020年度市直部门系统（开发区）、省直协管单位工会（工委）重点工作考核"
    assert {**scheme_to_dict(new), "year": 2019, "title": old.title} == scheme_to_dict(old)
    text = (raw / "2020/scheme.yaml").read_text(encoding="utf-8")
    comments = [line for line in (RAW_2019 / "scheme.yaml").read_text(encoding="utf-8").splitlines() if "#" in line
                and not line.startswith(("year:", "title:"))]
    assert all(line in text.splitlines() for line in comments)  # every comment kept
    assert text.startswith("# 由 kaohe new-year 从 2019 年度方案复制")

    assert run(["template", "2020", "--data-dir", year_2019], capsys)[0] == 0  # the next step works


def test_new_year_refuses_an_existing_folder(year_2019, capsys):
    raw = year_2019 / "raw"
    assert run(["new-year", "2020", "--from", "2019", "--data-dir", year_2019], capsys)[0] == 0
    (raw / "2020/units.csv").write_text("unit\n已编辑\n", encoding="utf-8")
    (raw / "2021").mkdir()
    before = tree(raw)
    for year in ("2020", "2021"):
        code, out, err = run(["new-year", year, "--from", "2019", "--data-dir", year_2019], capsys)
        assert code == 1
        assert err.strip() == (f"kaohe: {(raw / year).as_posix()}/ 已存在，未做任何改动："
                               "new-year 只新建年度文件夹，不覆盖已有文件")
    assert tree(raw) == before


def test_new_year_usage_errors_exit_2(year_2019, capsys):
    for argv in (
        ["new-year", "2020", "--data-dir", year_2019],  # no --from
        ["new-year", "20201", "--from", "2019", "--data-dir", year_2019],
        ["new-year", "../2020", "--from", "2019", "--data-dir", year_2019],
        ["new-year", "2020", "--from", "../raw/2019", "--data-dir", year_2019],
        ["new-year", "2019", "--from", "2019", "--data-dir", year_2019],
        ["new-year", "2020", "--from", "2017", "--data-dir", year_2019],  # no raw/2017/
    ):
        code, out, err = run(argv, capsys)
        assert code == 2, argv
        assert err, argv
    code, _, err = run(["new-year", "../2020", "--from", "2019", "--data-dir", year_2019], capsys)
    assert err.strip() == "kaohe: 年份「../2020」无效：应为四位数字，如 2019"
    assert sorted(p.name for p in (year_2019 / "raw").iterdir()) == ["2019"]


def test_new_year_with_a_title_without_the_year_and_a_folded_title(tiny, capsys):
    code, out, err = run(["new-year", "2031", "--from", "2030", "--data-dir", tiny], capsys)
    assert code == 0, err
    assert "提示：方案标题中没有年份 2030，未改动，请手动修改 title" in out
    assert load_scheme(tiny / "raw/2031/scheme.yaml").year == 2031

    folded = yaml.safe_dump({**SCHEME, "title": "2030年度考核"}, allow_unicode=True, sort_keys=False)
    folded = folded.replace("title: 2030年度考核", "title: >-\n  2030年度考核")
    scheme = load_scheme(write_tiny_year(tiny.parent / "folded", scheme=yaml.safe_load(folded)) / "raw/2030/scheme.yaml")
    text, title, kept, notes = renew_scheme_text(folded, scheme, 2031)
    assert (title, kept) == ("2031年度考核", False)
    assert notes == ["原方案的 year 或 title 不是单行写法，已按标准格式重写方案，原有注释未保留"]
    assert yaml.safe_load(text)["year"] == 2031 and yaml.safe_load(text)["title"] == "2031年度考核"

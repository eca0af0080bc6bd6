"""The synthetic-data generator: reproducible, shaped like SPEC §2, and telling the sample's story."""

import shutil
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import kaohe
from kaohe.scheme import load_scheme
from kaohe.scoring import quota_size
from conftest import SAMPLE_RAW
from kaohe.synthetic import LABEL, main, make_units, make_year, read_units, write_samples, write_year

ROOT = Path(__file__).resolve().parents[1]
RAW_2019 = SAMPLE_RAW / "2019"


@pytest.fixture(scope="module")
def scheme():
    return load_scheme(RAW_2019 / "scheme.yaml")


@pytest.fixture(scope="module")
def units():
    return read_units(RAW_2019 / "units.csv")


@pytest.fixture(scope="module")
def tables(scheme, units):
    return make_year(scheme, units, 2019)


def long_values(tables) -> pd.DataFrame:
    """Every (unit, indicator, value) across the department tables."""
    parts = [t.melt(id_vars="unit", var_name="indicator") for k, t in tables.items() if k.startswith("dept_scores/")]
    return pd.concat(parts, ignore_index=True)


def ratio(value) -> float:
    return float(value[:-1]) / 100 if isinstance(value, str) else float(value)


def test_same_seed_gives_identical_tables(scheme, units, tables):
    again = make_year(scheme, units, 2019)
    assert list(again) == list(tables)
    for key in tables:
        pd.testing.assert_frame_equal(again[key], tables[key])


def test_another_seed_gives_other_tables(scheme, units, tables):
    other = make_year(scheme, units, 2020)
    assert not other["leader_scores"].equals(tables["leader_scores"])
    assert not other["brand_reviews"].equals(tables["brand_reviews"])


def test_shapes_follow_the_input_contract(scheme, units, tables):
    names = set(units["unit"])
    assert {f"dept_scores/{d}" for d in scheme.departments} | {
        "leader_scores", "survey", "brand_items", "brand_reviews", "vetoes", "grade_overrides"
    } == set(tables)
    values = long_values(tables)
    assert len(values) == len(units) * len(scheme.indicators)
    assert not values.duplicated(["unit", "indicator"]).any()
    assert set(values["unit"]) == names and set(values["indicator"]) == set(scheme.indicator_ids)
    for ind in scheme.indicators:
        assert ind.id in tables[f"dept_scores/{ind.department}"].columns

    leader = tables["leader_scores"]
    assert list(leader.columns) == ["unit"] + [f"领导{k}" for k in range(1, 8)]
    scores = leader.drop(columns="unit").to_numpy()
    assert np.nanmin(scores) >= 0 and np.nanmax(scores) <= 100

    survey = tables["survey"]
    assert list(survey.columns) == ["unit", "sub_union", "role"] + [f"问题{k}" for k in range(1, 11)]
    per_unit = survey.groupby("unit", observed=True).size()
    assert set(per_unit.index) == names and per_unit.between(16, 24).all()
    assert set(survey["role"]) == set(scheme.roles)
    assert (survey["role"] == "职工").mean() > 0.6

    items = tables["brand_items"]
    assert items["item"].is_unique
    assert items.groupby("unit").size().between(1, scheme.max_brand_items).all()
    reviews = tables["brand_reviews"].merge(items[["unit", "item"]], on="item")
    assert len(reviews) == len(tables["brand_reviews"])
    others = reviews[reviews["reviewer"] != reviews["unit"]]
    assert not others.duplicated(["reviewer", "item"]).any()
    assert others.groupby("item").size().reindex(items["item"]).between(6, 12).all()
    assert reviews["score"].between(60, 98).all()


def test_values_by_rule_kind(scheme, units, tables):
    values = long_values(tables).merge(units, on="unit")
    for ind in scheme.indicators:
        v = values.loc[values["indicator"] == ind.id, "value"]
        kind = ind.rule.kind
        if kind == "manual":
            assert v.astype(float).between(0, ind.max).all() and (v.astype(float) >= 0.55 * ind.max - 0.5).all()
        elif kind in ("deduction", "checklist"):
            counts = v.astype(int)
            assert (counts >= 0).all() and (counts == 0).mean() > 0.5
            assert kind == "deduction" or (counts <= ind.rule.n).all()
        elif kind == "bands":
            assert v.map(ratio).between(0, 1).all()
            assert v.map(lambda x: isinstance(x, str) and x.endswith("%")).any()
            assert v.map(lambda x: isinstance(x, float)).any()
        else:
            share = v.astype(float) / values.loc[v.index, "medical_target"]
            assert share.between(0.8 - 0.01, 1.2 + 0.01).all()


def test_scenario_plants_the_sample_story(scheme, units, tables):
    vetoes = tables["vetoes"]
    assert len(vetoes) == 1 and vetoes.loc[0, "clause"] == "2" and vetoes.loc[0, "note"]
    overrides = tables["grade_overrides"]
    assert len(overrides) == 1 and overrides.loc[0, "grade"] == "优秀" and overrides.loc[0, "reason"]
    assert overrides.loc[0, "unit"] != vetoes.loc[0, "unit"]

    reviews = tables["brand_reviews"].merge(tables["brand_items"][["unit", "item"]], on="item")
    assert 1 <= (reviews["reviewer"] == reviews["unit"]).sum() <= 5

    survey = tables["survey"]
    answers = survey.filter(like="问题")
    labels = {a.label for a in scheme.answers}
    assert answers.isin(labels).any().any() and answers.isin([1, 2, 3, 4, 5]).any().any()
    assert answers.isna().any().any()
    silent = survey[answers.isna().all(axis=1)]
    assert len(silent) == 1
    row = silent.iloc[0]
    assert ((survey["unit"] == row["unit"]) & (survey["role"] == row["role"])).sum() > 1
    assert tables["leader_scores"].isna().any().any()


def test_big_years_have_no_scenario(scheme):
    tables = make_year(scheme, make_units(200, 7), 7, scenario=False)
    assert tables["vetoes"].empty and tables["grade_overrides"].empty
    assert list(tables["vetoes"].columns) == ["unit", "clause", "note"]


def test_make_units():
    units = make_units(12, 3)
    assert units["unit"].iloc[0] == "示例单位00001" and units["unit"].is_unique
    assert units["medical_target"].between(200, 7000).all()
    assert units["medical_prior"].isna().any() and units["medical_prior"].notna().any()


def test_written_files_are_labelled_and_reproducible(scheme, units, tables, tmp_path):
    label = LABEL.format(seed=2019)
    first = write_year(tables, tmp_path / "a", label=label)
    second = write_year(make_year(scheme, units, 2019), tmp_path / "b", label=label)
    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    by_name = {p.relative_to(tmp_path / "a").as_posix(): p for p in first}
    assert by_name["survey.csv"].read_bytes().decode("gb18030").startswith(f"# {label}\r\n单位,基层工会,身份,问题1")
    assert by_name["brand_items.csv"].read_bytes().startswith(f"\ufeff# {label}\n单位,项目编号,项目名称".encode("utf-8"))
    assert by_name["brand_reviews.csv"].read_text(encoding="utf-8").startswith(f"# {label}\nreviewer,item,score")
    for path in first:
        if path.suffix == ".xlsx":
            sheet = openpyxl.load_workbook(path).worksheets[0]
            assert sheet["A1"].value == f"# {label}" and sheet["A2"].value == "unit"
            frame = pd.read_excel(path, skiprows=1)
        else:
            encoding = "gb18030" if path.name == "survey.csv" else "utf-8-sig"
            assert path.read_text(encoding=encoding).startswith(f"# {label}")
            frame = pd.read_csv(path, encoding=encoding, comment="#")
        assert frame.columns[0] in ("unit", "单位", "reviewer")


def test_csv_format_writes_only_utf8_csv(tables, tmp_path):
    paths = write_year(tables, tmp_path, label="示例数据", fmt="csv")
    assert {p.suffix for p in paths} == {".csv"}
    for path in paths:
        assert path.read_text(encoding="utf-8").startswith("# 示例数据\n")


def test_committed_sample_is_what_the_generator_writes(tmp_path):
    """The shipped 2019 and 2018 sample years are regenerated by ``python -m kaohe.synthetic``,
    which leaves the real scheme and units of 2019 untouched."""
    (tmp_path / "2019").mkdir(parents=True)
    for name in ("scheme.yaml", "units.csv"):
        shutil.copy(RAW_2019 / name, tmp_path / "2019" / name)
    for path in write_samples(tmp_path):
        committed = SAMPLE_RAW / path.relative_to(tmp_path)
        assert committed.read_bytes() == path.read_bytes(), f"{committed} 与生成器不一致，请运行 python -m kaohe.synthetic"
    for name in ("scheme.yaml", "units.csv"):
        assert (tmp_path / "2019" / name).read_bytes() == (RAW_2019 / name).read_bytes()
    assert load_scheme(tmp_path / "2018" / "scheme.yaml").year == 2018


@pytest.fixture(scope="module", params=[2019, 2018])
def sample(request, sample_data):
    """A shipped sample year scored by the real pipeline."""
    return kaohe.load_year(request.param, sample_data)


def test_sample_has_a_near_tie_at_the_cutoff(sample):
    """The last 优秀 and the first 良好 unit are less than 0.1 apart and flagged for the meeting."""
    graded = sample.results.merge(sample.grades[["unit", "at_cutoff"]], on="unit")
    eligible = graded[~graded["vetoed"]].sort_values("total", ascending=False)
    k = quota_size(sample.scheme.quota, len(graded))
    last, first_out = eligible.iloc[k - 1], eligible.iloc[k]
    assert last["proposed_grade"] == "优秀" and first_out["proposed_grade"] == "良好"
    assert 0 < last["total"] - first_out["total"] < 0.1
    assert last["at_cutoff"] and first_out["at_cutoff"]
    assert (graded["proposed_grade"] == "优秀").sum() == k


def test_sample_override_settles_the_near_tie(sample):
    """The meeting raises the first 良好 unit to 优秀; it is the only override."""
    overridden = sample.grades[sample.grades["override_reason"] != ""]
    assert len(overridden) == 1
    row = overridden.iloc[0]
    assert row["proposed_grade"] == "良好" and row["grade"] == "优秀" and row["at_cutoff"]
    k = quota_size(sample.scheme.quota, len(sample.results))
    assert (sample.results["grade"] == "优秀").sum() == k + 1


def test_sample_vetoed_unit_would_otherwise_be_excellent(sample):
    results = sample.results
    vetoed = results[results["vetoed"]]
    assert len(vetoed) == 1 and vetoed["grade"].iloc[0] == "良好"
    ahead = (results.loc[~results["vetoed"], "total"] > vetoed["total"].iloc[0]).sum()
    assert ahead < quota_size(sample.scheme.quota, len(results))


def test_sample_unit_loses_points_on_every_rule_kind(sample):
    indicators = sample.indicators.assign(
        kind=sample.indicators["indicator"].map({i.id: i.rule.kind for i in sample.scheme.indicators})
    )
    kinds_lost = indicators[indicators["points"] < indicators["max"]].groupby("unit")["kind"].nunique()
    assert (kinds_lost == indicators["kind"].nunique()).any()
    assert indicators["kind"].nunique() == 5


def test_read_units_keeps_a_hash_inside_a_value(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text("# 示例数据\nunit,medical_target,medical_prior\n第#1工会,\"1,200\",\n乙,300,280\n", encoding="utf-8")
    units = read_units(path)
    assert list(units["unit"]) == ["第#1工会", "乙"]
    assert units["medical_target"].tolist() == [1200, 300]
    assert units["medical_prior"].isna().tolist() == [True, False] and units["medical_prior"].iloc[1] == 280


def test_large_year_in_reasonable_time(scheme):
    start = time.perf_counter()
    tables = make_year(scheme, make_units(10_000, 1), 1, respondents_per_unit=50, scenario=False)
    print(f"\n10,000 个单位、每单位约 50 份问卷：{time.perf_counter() - start:.2f} 秒")
    assert len(tables["leader_scores"]) == 10_000
    assert tables["survey"].groupby("unit", observed=True).size().between(40, 60).all()
    assert tables["brand_items"]["item"].iloc[0] == "P00001-1"


def test_command_writes_a_scorable_large_year(tmp_path):
    from kaohe.inputs import read_year

    out = tmp_path / "raw" / "2019"
    assert main(["--units", "60", "--out", str(out), "--seed", "5"]) == 0
    assert (out / "scheme.yaml").read_text(encoding="utf-8").startswith("# 示例数据")
    assert read_units(out / "units.csv")["unit"].iloc[-1] == "示例单位00060"
    inputs = read_year(out, 2019)
    assert len(inputs.units) == 60
    assert not list(out.rglob("*.xlsx"))

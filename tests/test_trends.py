"""Comparing years (kaohe.analysis.trends and notebooks/compare_years.ipynb) on outputs made by
``kaohe.score_year`` in a temporary copy of the sample data (the repository's data/ is only read)."""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest

import kaohe
from conftest import SAMPLE_RAW
from kaohe import report
from kaohe.analysis import trends

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = SAMPLE_RAW.parent / "notebooks" / "compare_years.ipynb"


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """``data/raw`` copied into a temporary data directory, 2018 and 2019 scored there."""
    data = tmp_path_factory.mktemp("data")
    shutil.copytree(SAMPLE_RAW, data / "raw")
    results = {year: kaohe.score_year(year, data)[0] for year in (2018, 2019)}
    return data, results


@pytest.fixture(scope="module")
def outputs(scored):
    data, _ = scored
    return trends.read_outputs([2017, 2018, 2019], data)


def test_missing_years_are_skipped_with_a_note(outputs):
    assert outputs.years == [2018, 2019] and outputs.missing == [2017]
    assert len(outputs.notes) == 1 and outputs.notes[0].startswith("2017 年度没有考核结果")
    text = trends.overview_text(outputs)
    assert text.startswith("比较的年度：2018 年（22 个单位）、2019 年（22 个单位）。")
    assert "2017 年度没有考核结果" in text


def test_results_are_read_as_written(outputs, scored):
    _, results = scored
    for year, r in results.items():
        got = outputs.results[outputs.results["year"].eq(year)].reset_index(drop=True)
        want = r.results
        assert got["unit"].tolist() == want["unit"].tolist()
        assert got["rank"].tolist() == want["rank"].tolist()
        assert np.allclose(got["total"], want["total"], rtol=0, atol=1e-12)
        assert got["vetoed"].tolist() == want["vetoed"].tolist()
        assert got["grade"].tolist() == want["grade"].tolist()
    assert outputs.category_names["6"] == "经费资产管理"


def test_movement_is_the_change_from_the_first_to_the_last_year(outputs, scored):
    _, results = scored
    before = results[2018].results.set_index("unit")
    after = results[2019].results.set_index("unit")
    table = trends.movement(outputs).set_index("unit")
    assert table.index.tolist() == after.index.tolist()  # ordered by the latest rank
    for unit in after.index:
        assert table.loc[unit, "rank_2018"] == before.loc[unit, "rank"]
        assert table.loc[unit, "rank_2019"] == after.loc[unit, "rank"]
        assert table.loc[unit, "rank_change"] == before.loc[unit, "rank"] - after.loc[unit, "rank"]
        assert table.loc[unit, "total_change"] == pytest.approx(after.loc[unit, "total"] - before.loc[unit, "total"])
    shown = trends.movement_table(outputs)
    assert list(shown.columns) == ["单位", "2018年名次", "2019年名次", "2018年总分", "2019年总分",
                                   "名次变化（正数为上升）", "总分变化"]


def test_category_change_in_percentage_points(outputs, scored):
    _, results = scored
    change = trends.category_change(outputs)
    assert list(change.columns) == ["1 思想引领", "2 岗位建功", "3 维权帮扶", "4 组织建设", "5 网上工会",
                                    "6 经费资产管理", "7 审计监督"]
    rate = {y: r.categories.set_index(["unit", "category"]).eval("points / max") for y, r in results.items()}
    unit = change.index[0]
    expected = (rate[2019][(unit, "3")] - rate[2018][(unit, "3")]) * 100
    assert change.loc[unit, "3 维权帮扶"] == pytest.approx(expected)
    trend = trends.category_trend(outputs).set_index(["category", "year"])
    assert trend.loc[("1", 2019), "share"] == pytest.approx(rate[2019].xs("1", level="category").mean())


def test_charts(outputs):
    fig = trends.rank_movement_chart(outputs)
    assert len(fig.data) == 22
    first = fig.data[0]
    table = trends.movement(outputs)
    assert first.name == table["unit"].iloc[0]
    assert list(first.y) == [table["rank_2018"].iloc[0], table["rank_2019"].iloc[0]]
    assert list(first.text) == [first.name, first.name]
    assert len(trends.total_trend_chart(outputs).data) == 22
    assert len(trends.category_trend_chart(outputs).data) == 7
    heat = trends.category_change_chart(outputs).data[0]
    assert np.asarray(heat.z).shape == (22, 7)


def test_a_single_year_or_none(scored):
    data, _ = scored
    one = trends.read_outputs([2019], data)
    table = trends.movement(one)
    assert table["rank_change"].isna().all() and table["total_change"].isna().all()
    assert "只有一个年度" in trends.overview_text(one)
    assert trends.category_change(one).shape[1] == 0
    none = trends.read_outputs([2001, 2002], data)
    assert none.years == [] and none.missing == [2001, 2002]
    assert trends.overview_text(none).startswith("没有找到任何年度的考核结果")
    assert trends.movement(none).empty
    for chart in (trends.rank_movement_chart, trends.total_trend_chart, trends.category_trend_chart):
        assert chart(none).data == ()


def test_missing_category_scores_are_noted(scored, tmp_path):
    data, _ = scored
    shutil.copytree(data / "output", tmp_path / "output")
    (tmp_path / "output" / "2018" / "category_scores.csv").unlink()
    outputs = trends.read_outputs([2018, 2019], tmp_path)
    assert outputs.years == [2018, 2019]
    assert set(outputs.categories["year"]) == {2019}
    assert any("缺少各类指标得分" in note for note in outputs.notes)


def test_notebook_runs_with_papermill_and_publishes(scored, tmp_path):
    """``render_report`` executes it with papermill (kept beside the page) and publishes HTML."""
    data, _ = scored
    html = report.render_report(NOTEBOOK, tmp_path / "比较.html", {"years": [2017, 2018, 2019], "data_dir": str(data)})
    nb = nbformat.read(html.with_suffix(".ipynb"), as_version=4)
    assert nb.metadata["papermill"]["parameters"] == {"years": [2017, 2018, 2019], "data_dir": str(data)}
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    text = "".join(str(o.get("data", {}).get("text/html", "")) for o in outputs)
    assert "2017 年度没有考核结果" in text
    assert text.count('class="plotly-graph-div"') == 4  # ranks, totals, category trend, category change
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown"]
    assert headings == ["## 一、名次变化", "## 二、总分变化", "## 三、各类指标得分率变化"]
    page = html.read_text(encoding="utf-8")
    assert "<title>历年考核结果比较</title>" in page and "2018 年（22 个单位）" in page


def test_notebook_refuses_unknown_parameters(tmp_path):
    with pytest.raises(report.NotebookParameterError, match="year"):
        report.execute_notebook(NOTEBOOK, tmp_path / "x.ipynb", {"year": 2019})


def test_notebook_cells_only_call_kaohe():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "def " not in code and "read_csv" not in code
    assert nb.cells[0].metadata.get("tags") == ["parameters"]

"""The gap to 优秀 (kaohe.gap_to_excellent) and what each lost point is worth in the total."""

from __future__ import annotations

import math

import numpy as np
import pytest

import kaohe
from kaohe.analysis.gaps import gap_sources, indicator_weights
from kaohe.scheme import parse_scheme
from tiny_year import SCHEME, write_tiny_year


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return kaohe.load_year(2030, write_tiny_year(tmp_path_factory.mktemp("gaps") / "data"))


def test_the_gap_and_the_total_reach_the_cutoff(tiny):
    gaps = kaohe.gap_to_excellent(tiny).set_index("unit")
    results = tiny.results.set_index("unit")
    for unit, row in gaps.iterrows():
        if results.at[unit, "vetoed"]:
            assert math.isnan(row["gap"])  # 取消评优资格: no gap to speak of
        elif results.at[unit, "proposed_grade"] == "优秀":
            assert row["gap"] == 0
        else:
            assert row["gap"] > 0 and row["total"] + row["gap"] == pytest.approx(tiny.cutoff)


def test_a_lost_point_is_worth_the_common_and_department_weights_times_the_coefficient(tiny):
    weights = indicator_weights(tiny)
    coef = weights["unit"].map(tiny.dept.set_index("unit")["dept_coef"])
    assert np.allclose(weights["weight"], 0.7 * 0.6 * coef)
    assert np.allclose(weights["worth"], weights["lost"] * weights["weight"])
    unit = tiny.results["unit"].iloc[-1]
    sources = gap_sources(tiny, unit)
    assert sources["worth"].is_monotonic_decreasing and (sources["lost"] > 0).all()
    assert kaohe.gap_to_excellent(tiny).set_index("unit").at[unit, "sources"].startswith(sources["indicator"].iloc[0])


def test_per_category_coefficients_weigh_each_indicator_by_its_category(tmp_path):
    scheme = {**SCHEME, "dept_ranking": {**SCHEME["dept_ranking"], "scope": "category"}}
    results = kaohe.load_year(2030, write_tiny_year(tmp_path / "data", scheme=scheme))
    weights = indicator_weights(results).set_index(["unit", "category"])["weight"]
    coef = results.categories.set_index(["unit", "category"])["coef"]
    assert np.allclose(weights.to_numpy(), 0.7 * 0.6 * coef.reindex(weights.index).to_numpy())
    assert parse_scheme(scheme).dept_ranking.scope == "category"


def test_results_say_in_one_line_what_they_are_and_list_their_warnings(tiny):
    line = repr(tiny)
    assert line.startswith("<kaohe.Results 2030：4 个单位，优秀 1 个（分数线 ") and "一票否决 1 个" in line
    table = tiny.warnings_table()
    assert table.columns.tolist() == ["级别", "文件", "行", "列", "值", "问题"] and len(table) == len(tiny.warnings)


def test_every_result_table_has_a_chinese_header_view(tiny):
    view = tiny.chinese("results")
    assert view.columns[:3].tolist() == ["单位", "领导评分", "业务部门原始分"] and "unit" in tiny.results.columns
    assert "身份" in tiny.chinese("grassroots_roles").columns
    for name in ("indicators", "categories", "dept", "leader", "brand_items", "brand_reviews", "grades", "units"):
        assert not [c for c in tiny.chinese(name).columns if c.isascii()], name

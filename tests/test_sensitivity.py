"""Rank stability (kaohe.analysis.sensitivity): the six readings of 第八条（一）2 and the weight draws.

The tiny year (see ``test_options.py``): totals 甲 90.76 (vetoed, clause 1), 丙 85.884,
乙 = 丁 79.96612 (identical components, so they tie under any weights); quota share 0.3 of
4 units → k = 1. The 2019 sample year: 黄酒集团 leads with 95.55; 绍兴联通 (94.50) is vetoed.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kaohe
from kaohe.analysis import sensitivity
from kaohe.scheme import DeptRanking, Quota, parse_scheme
from kaohe.scoring import competition_rank, grades
from conftest import SAMPLE_RAW
from tiny_year import SCHEME, write_tiny_year

RANGE_COLUMNS = ["method_min", "method_max", "weight_min", "weight_max", "weight_p5", "weight_p95"]


@pytest.fixture(scope="module")
def sample(sample_data):
    """The shipped 2019 sample year."""
    return kaohe.load_year(2019, sample_data)


@pytest.fixture(scope="module")
def sample_methods(sample):
    return sensitivity.method_ranks(sample.inputs, sample.scheme)


@pytest.fixture(scope="module")
def sample_stability(sample, sample_methods):
    return sensitivity.stability(sample, methods=sample_methods)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return kaohe.load_year(2030, write_tiny_year(tmp_path_factory.mktemp("tiny")))


# -- the six readings ------------------------------------------------------------------------


def test_method_ranks_scores_every_scope_and_mode(sample, sample_methods):
    m = sample_methods
    assert len(m) == 6 * len(sample.results)
    assert set(zip(m["scope"], m["mode"])) == {
        (s, mode) for s in ("total", "category", "indicator") for mode in ("scaled", "rank_only")
    }
    assert m.groupby("unit").size().eq(6).all()
    official = m[m["official"]].set_index("unit")
    assert set(official["scope"]) == {"total"} and set(official["mode"]) == {"scaled"}
    expected = sample.results.set_index("unit")
    assert official["rank"].to_dict() == expected["rank"].to_dict()
    assert official["total"].to_dict() == expected["total"].to_dict()
    assert official["proposed_grade"].to_dict() == expected["proposed_grade"].to_dict()


def test_method_ranks_match_scoring_the_year_under_each_reading(tiny):
    m = sensitivity.method_ranks(tiny.inputs).set_index(["scope", "mode", "unit"]).sort_index()
    # the category-scope numbers of test_options: 丙 87.396 ranks first of the non-vetoed
    assert m.loc[("category", "scaled", "丙"), "total"] == pytest.approx(87.396)
    for scope in ("total", "category", "indicator"):
        for mode in ("scaled", "rank_only"):
            ranking = DeptRanking(step=0.02, scope=scope, mode=mode)
            full = kaohe.score(tiny.inputs, tiny.scheme.with_options(dept_ranking=ranking)).results.set_index("unit")
            got = m.loc[(scope, mode)]
            assert got["rank"].to_dict() == full["rank"].to_dict()
            assert got["proposed_grade"].to_dict() == full["proposed_grade"].to_dict()


def test_official_reading_is_the_schemes_own_when_it_is_not_the_default(tiny):
    scheme = tiny.scheme.with_options(dept_ranking=DeptRanking(0.02, "indicator", "rank_only"))
    m = sensitivity.method_ranks(tiny.inputs, scheme)
    assert set(m.loc[m["official"], "method"]) == {"按指标排序·只看名次"}


# -- the weight draws ------------------------------------------------------------------------


def test_drawn_weights_stay_within_spread_and_sum_to_one(sample):
    draws = sensitivity.simulate_weights(sample, draws=500, spread=0.2, seed=7)
    w = draws.weights_table()
    assert np.allclose(w[["leader", "dept", "grassroots"]].sum(axis=1), 1)
    assert np.allclose(w[["common", "brand"]].sum(axis=1), 1)
    # each weight × U(0.8, 1.2), then ÷ a group sum within [0.8, 1.2]: at most ×1.5, at least ×2/3
    base = np.array([0.25, 0.60, 0.15, 0.70, 0.30])
    ratio = w.to_numpy() / base
    assert ratio.min() >= 0.8 / 1.2 - 1e-12 and ratio.max() <= 1.2 / 0.8 + 1e-12
    assert ratio.std(axis=0).min() > 0.01  # every weight really moves


def test_same_seed_same_draws_other_seed_other_draws(sample, sample_methods):
    a = sensitivity.simulate_weights(sample, draws=200, seed=11)
    b = sensitivity.weight_draws(sample.inputs, sample.scheme, draws=200, seed=11)
    c = sensitivity.simulate_weights(sample, draws=200, seed=12)
    for name in ("weights", "totals", "ranks", "top"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
    assert not np.array_equal(a.weights, c.weights)
    one = sensitivity.stability(sample, draws=200, seed=11, methods=sample_methods)
    two = sensitivity.stability(sample, draws=200, seed=11, methods=sample_methods)
    pd.testing.assert_frame_equal(one, two)


def test_no_spread_gives_the_official_ranking_in_every_draw(sample):
    draws = sensitivity.simulate_weights(sample, draws=20, spread=0.0)
    official = sample.totals.set_index("unit")
    assert (draws.ranks == official["rank"].loc[list(draws.units)].to_numpy()).all()
    top = sample.grades.set_index("unit")["proposed_grade"].loc[list(draws.units)].eq("优秀").to_numpy()
    assert (draws.top == top).all()


@pytest.mark.parametrize("year", ["sample", "tiny", "tiny_count_2", "tiny_min_total"])
def test_vectorised_draws_equal_scoring_the_drawn_scheme(year, sample, tiny):
    """A few random draws, each scored in full by kaohe.score: the same totals bit for bit,
    the same competition ranks and the same proposed 优秀 set (vetoes and ties included)."""
    results = {
        "sample": sample,
        "tiny": tiny,
        # 乙 = 丁 tie for second: both are 优秀 with a count of 2
        "tiny_count_2": kaohe.score(tiny.inputs, tiny.scheme.with_options(quota=Quota("count", 2))),
        "tiny_min_total": kaohe.score(tiny.inputs, tiny.scheme.with_options(quota=Quota("min_total", 80))),
    }[year]
    draws = sensitivity.simulate_weights(results, draws=200, seed=3)
    for d in np.random.default_rng(5).choice(len(draws), size=6, replace=False):
        full = kaohe.score(results.inputs, draws.scheme(int(d), results.scheme))
        totals = full.totals.set_index("unit").loc[list(draws.units)]
        assert np.array_equal(draws.totals[d], totals["total"].to_numpy())
        assert np.array_equal(draws.ranks[d], totals["rank"].to_numpy())
        proposed = full.grades.set_index("unit").loc[list(draws.units), "proposed_grade"]
        assert np.array_equal(draws.top[d], proposed.eq(results.scheme.top_grade).to_numpy())
    if year == "tiny_count_2":
        top = dict(zip(draws.units, draws.top.all(axis=0)))
        assert top == {"甲": False, "乙": True, "丙": True, "丁": True}


def test_vetoed_unit_is_never_top(sample, tiny):
    for results in (sample, tiny):
        draws = sensitivity.simulate_weights(results, draws=300)
        vetoed = np.isin(draws.units, results.inputs.vetoes["unit"])
        assert vetoed.any() and not draws.top[:, vetoed].any()


def test_a_thousand_draws_on_the_sample_year_reuse_the_scored_components(sample):
    """The draws recombine the components; their time is in benchmarks/bench_analysis.py."""
    draws = sensitivity.simulate_weights(sample, draws=1000)
    assert draws.totals.shape == (1000, 22) and draws.ranks.shape == (1000, 22)


def test_ranks_and_quota_scale_to_thousands_of_units():
    rng = np.random.default_rng(0)
    totals = np.round(rng.normal(80, 5, size=(1000, 3000)), 2)  # 2 decimals: many ties
    vetoed = rng.random(3000) < 0.05
    ranks = sensitivity.competition_ranks(totals)
    top = sensitivity.top_mask(totals, vetoed, Quota("share", 0.3))
    row = pd.Series(totals[17])
    assert np.array_equal(ranks[17], competition_rank(row).to_numpy())
    assert top.sum(axis=1).min() >= 900 and not top[:, vetoed].any()


# -- the vectorised rules equal the pandas rules of kaohe.scoring ------------------------------

tied_rows = st.integers(1, 12).flatmap(
    lambda n: st.lists(st.lists(st.sampled_from([50.0, 70.1, 70.1000000001, 85.5, 90.0, 99.9999999]),
                                min_size=n, max_size=n), min_size=1, max_size=5)
)


@settings(max_examples=150, deadline=None)
@given(tied_rows)
def test_competition_ranks_equal_scoring_competition_rank(rows):
    values = np.round(np.array(rows), 6)
    ranks = sensitivity.competition_ranks(values)
    for row, got in zip(values, ranks):
        assert got.tolist() == competition_rank(pd.Series(row)).tolist()


quotas = st.one_of(
    st.builds(Quota, st.just("share"), st.sampled_from([0.0, 0.1, 0.3, 0.5, 1.0])),
    st.builds(Quota, st.just("count"), st.integers(0, 14)),
    st.builds(Quota, st.just("min_total"), st.sampled_from([60.0, 70.1, 85.5, 100.0])),
)


TINY_SCHEME = parse_scheme(SCHEME)


@settings(max_examples=100, deadline=None)
@given(rows=tied_rows, quota=quotas, veto_seed=st.integers(0, 2**16))
def test_top_mask_equals_the_grades_rule(rows, quota, veto_seed):
    values = np.round(np.array(rows), 6)
    n = values.shape[1]
    vetoed = np.random.default_rng(veto_seed).random(n) < 0.3
    mask = sensitivity.top_mask(values, vetoed, quota)
    scheme = TINY_SCHEME.with_options(quota=quota)
    units = [f"单位{k}" for k in range(n)]
    vetoes = pd.DataFrame({"unit": [u for u, v in zip(units, vetoed) if v], "clause": "1", "note": ""})
    overrides = pd.DataFrame(columns=["unit", "grade", "reason"])
    for row, got in zip(values, mask):
        graded = grades(pd.DataFrame({"unit": units, "total": row}), vetoes, overrides, scheme)
        assert got.tolist() == graded["proposed_grade"].eq(scheme.top_grade).tolist()


# -- per unit: ranges, share 优秀, verdict -------------------------------------------------------


def test_official_rank_lies_in_every_range(sample_stability, tiny):
    for table in (sample_stability, sensitivity.stability(tiny, draws=300, seed=1)):
        for lo, hi in (("method_min", "method_max"), ("weight_min", "weight_max")):
            assert (table[lo] <= table["rank"]).all() and (table["rank"] <= table[hi]).all()
        assert (table["weight_min"] <= table["weight_p5"]).all()
        assert (table["weight_p5"] <= table["weight_p95"]).all()
        assert (table["weight_p95"] <= table["weight_max"]).all()


def test_a_unit_with_a_large_lead_is_stable(sample_stability):
    top = sample_stability.set_index("unit").loc["黄酒集团"]  # 95.55, ahead of 94.50 (vetoed) and 92.47
    assert top["rank"] == 1
    assert top[RANGE_COLUMNS].tolist() == [1] * 6
    assert top["top_share"] == 1.0
    assert top["verdict"] == "稳定"


def test_tiny_year_leaders_are_stable_and_the_vetoed_one_never_top(tiny):
    table = sensitivity.stability(tiny, draws=500, seed=2).set_index("unit")
    # 甲 leads by ~5 points but is vetoed: first under any weights, never 优秀; only the
    # three rank-only readings put 丙 ahead
    assert table.loc["甲", RANGE_COLUMNS].tolist() == [1, 2, 1, 1, 1, 1]
    assert table.loc["甲", "top_share"] == 0.0 and bool(table.loc["甲", "vetoed"])
    # 丙 leads the others by ~6 points: 优秀 in every reading and every draw (k = 1)
    assert table.loc["丙", RANGE_COLUMNS].tolist() == [1, 2, 2, 2, 2, 2]
    assert table.loc["丙", "top_share"] == 1.0 and table.loc["丙", "method_top"] == 6
    assert table.loc["丙", "verdict"] == "稳定"
    # 乙 and 丁 tie in every draw
    assert table.loc["乙", RANGE_COLUMNS].tolist() == table.loc["丁", RANGE_COLUMNS].tolist()


def test_vetoed_share_is_zero(sample_stability):
    vetoed = sample_stability[sample_stability["vetoed"]]
    assert vetoed["unit"].tolist() == ["绍兴联通"]
    assert vetoed["top_share"].eq(0).all() and vetoed["method_top"].eq(0).all()
    assert "一票否决" in vetoed["reason"].iloc[0]


def test_verdicts_follow_the_documented_thresholds(sample_stability):
    t = sample_stability
    spread = t["method_max"] - t["method_min"]
    split = (t["method_top"] > 0) & (t["method_top"] < 6)
    depends = split | (spread >= sensitivity.METHOD_SPREAD)
    assert t["verdict"].eq(sensitivity.DEPENDS).tolist() == depends.tolist()
    official_top = t["proposed_grade"].eq("优秀")
    agreement = t["top_share"].where(official_top, 1 - t["top_share"])
    stable = (~depends & (spread <= sensitivity.STABLE_SPREAD)
              & (t["weight_p95"] - t["weight_p5"] <= sensitivity.STABLE_SPREAD)
              & (agreement >= sensitivity.GRADE_AGREEMENT))
    assert t["verdict"].eq(sensitivity.STABLE).tolist() == stable.tolist()
    assert set(t["verdict"]) <= {sensitivity.STABLE, sensitivity.FAIRLY_STABLE, sensitivity.DEPENDS}
    # in the sample year two units swap 优秀 depending on the reading
    assert set(t.loc[split, "unit"]) == {"绍兴电信", "财贸系统"}
    assert t.loc[split, "verdict"].eq(sensitivity.DEPENDS).all()


def test_spread_and_draws_are_checked(sample):
    with pytest.raises(ValueError, match="spread"):
        sensitivity.simulate_weights(sample, spread=1.0)
    with pytest.raises(ValueError, match="draws"):
        sensitivity.simulate_weights(sample, draws=0)


# -- for the report ----------------------------------------------------------------------------


def test_chart_shows_both_ranges_and_the_official_rank_per_unit(sample_stability):
    fig = sensitivity.stability_chart(sample_stability)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [b.name for b in bars] == ["不同排序口径（6 种）", "权重浮动 ±20%（全部 1000 次）", "其中九成情形"]
    units = sample_stability["unit"].tolist()
    for bar in bars:
        assert list(bar.y) == units[::-1]  # rank 1 at the top
    method = bars[0]
    lo = np.array(method.base) + 0.35
    hi = lo + np.array(method.x) - 0.7
    assert np.allclose(lo, sample_stability["method_min"][::-1]) and np.allclose(hi, sample_stability["method_max"][::-1])
    marks = {y: x for t in fig.data if t.type == "scatter" for y, x in zip(t.y, t.x)}
    assert marks == dict(zip(sample_stability["unit"], sample_stability["rank"]))
    names = [t.name for t in fig.data if t.type == "scatter"]
    assert names == ["正式名次（优秀）", "正式名次（初步等次非优秀）", "正式名次（一票否决）"]


def test_table_and_texts_in_chinese(sample_stability):
    table = sensitivity.stability_table(sample_stability)
    assert list(table.columns) == ["名次", "单位", "初步等次", "6 种口径下名次", "权重浮动下名次", "其中九成情形",
                                   "优秀比例", "结论", "说明"]
    first = table.iloc[0]
    assert (first["单位"], first["6 种口径下名次"], first["权重浮动下名次"], first["优秀比例"]) == ("黄酒集团", "1", "1", "100%")
    assert table.set_index("单位").loc["绍兴联通", "初步等次"] == "良好（一票否决）"
    summary = sensitivity.stability_summary(sample_stability)
    assert summary.startswith("22 个单位中，名次稳定的")
    assert "绍兴电信" in summary and "财贸系统" in summary
    text = sensitivity.stability_explanation(sample_stability)
    assert "±20%" in text and "1000 次" in text and "稳定" in text


def test_annual_report_has_the_stability_section_before_the_appendix():
    import nbformat

    nb = nbformat.read(SAMPLE_RAW.parent / "notebooks" / "annual_report.ipynb", as_version=4)
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    at = headings.index("## 十、排名稳定性")
    assert headings[at + 1:] == ["## 十一、结果可靠性", "## 十二、评分质量", "## 附录：计分方法与输入文件"]
    section = nb.cells[[c.source.splitlines()[0] if c.source else "" for c in nb.cells].index("## 十、排名稳定性") + 1]
    assert section.cell_type == "code" and "sensitivity.stability(results)" in section.source
    assert "def " not in section.source

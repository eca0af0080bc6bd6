"""Exploring the tiny year (``tiny_year.py``): score card, what-if and indicator view.

The tiny year's numbers (worked out in ``test_golden.py`` / ``test_options.py``):

    unit   1.1  1.2  2.1  2.2  2.3 | cat 1  cat 2 | dept_raw  dept   leader  grassroots  brand  total
    甲      38   20   10   10   20 |   58     40   |   98     98      91      75          86     90.76 (vetoed)
    乙      36   15  6.7    5   18 |   51   29.7   |   80.7   79.086  82      80          80     79.96612
    丙      40   20    0    0   20 |   60     20   |   80     75.2    96      100         90     85.884
    丁      36   15  6.7    5   18 |   51   29.7   |   80.7   79.086  82      80          80     79.96612

ranks 甲 1, 丙 2, 乙 = 丁 3; quota 30% of 4 → 1 优秀: 丙 (甲 is vetoed).
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

import kaohe
from kaohe import explore, report
from kaohe.problems import SchemeError, UsageError
from kaohe.scheme import Quota, Trim, dump_scheme, load_scheme
from tiny_year import FILES, write_tiny_year
from conftest import SAMPLE_RAW

EXPLORE_NOTEBOOK = SAMPLE_RAW.parent / "notebooks" / "explore.ipynb"

approx = pytest.approx
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return write_tiny_year(tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def results(data_dir):
    return kaohe.load_year(2030, data_dir)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The tiny year with 丙 renamed to a name that is also HTML."""
    files = {name: text.replace("丙", HOSTILE) for name, text in FILES.items()}
    return kaohe.load_year(2030, write_tiny_year(tmp_path_factory.mktemp("hostile"), files=files))


def by_unit(table, column) -> dict:
    return dict(zip(table["unit"], table[column]))


def rendered(outputs) -> str:
    """What an Output widget's records render (figures and HTML; not the plain-text alternative)."""
    return json.dumps([{k: v for k, v in o["data"].items() if k != "text/plain"} for o in outputs],
                      ensure_ascii=False)


def html_of(outputs) -> str:
    return "".join(o["data"].get("text/html", "") for o in outputs)


def figures_of(outputs) -> list[dict]:
    return [o["data"][explore.PLOTLY_MIME] for o in outputs if explore.PLOTLY_MIME in o["data"]]


# -- why points were lost ------------------------------------------------------------------


def test_point_reasons_name_the_rule_and_the_input(results):
    reasons = explore.point_reasons(results).set_index(["unit", "indicator"])
    why = reasons["reason"]
    assert why["甲", "1.1"] == "直接评分"
    assert why["乙", "1.2"] == "按次扣分：发现 1 次，每次扣 5 分"
    assert why["甲", "1.2"] == "按次扣分：未发现问题"
    assert why["乙", "2.1"] == "缺项扣分：缺 1 项，每项扣 3.3 分"
    assert why["丙", "2.1"] == "缺项扣分：3 项全缺，不得分"
    assert why["丙", "2.2"] == "比例 30% 未达 50% 档"
    assert why["丁", "2.2"] == "比例 60% 达 50% 档，未达 80% 档"
    assert why["甲", "2.2"] == "比例 90% 达 80% 档（最高档）"
    # target: 乙's threshold is min(参保基数 500, 上年 600) = 500; 丙's is the prior 400
    assert why["乙", "2.3"] == "完成 450，目标 500"
    assert why["丙", "2.3"] == "完成 800，目标 400（取上年参保数；参保基数 1000），已完成"
    # points lost = max − points, the input kept as given
    assert reasons.loc[("乙", "2.1"), "lost"] == approx(3.3)
    assert reasons.loc[("丙", "2.2"), "lost"] == 10
    assert reasons.loc[("丁", "2.2"), "value"] == "60%"
    assert len(reasons) == 4 * 5


def test_point_reason_for_a_deduction_beyond_the_maximum_and_a_lowest_band(results):
    deduction, bands = results.scheme.indicator("1.2"), results.scheme.indicator("2.2")
    assert explore.point_reason(deduction, 5) == "按次扣分：发现 5 次，每次扣 5 分，扣完为止"
    assert explore.point_reason(bands, 0.45) == "比例 45% 未达 50% 档"
    assert explore.point_reason(results.scheme.indicator("2.3"), 0, 0, float("nan")) == "完成目标：目标为 0，得满分"


# -- 1. the score card ----------------------------------------------------------------------


def test_waterfall_goes_from_each_weighted_component_to_the_total(results):
    card = explore.unit_card(results, "丙")
    parts = card.contributions.set_index("component")
    # 丙: 96 × 0.7 × 0.25 + 75.2 × 0.7 × 0.6 + 100 × 0.7 × 0.15 + 90 × 0.3
    assert parts["weight"].to_dict() == approx({"leader": 0.175, "dept": 0.42, "grassroots": 0.105, "brand": 0.3})
    assert parts["points"].to_dict() == approx({"leader": 16.8, "dept": 31.584, "grassroots": 10.5, "brand": 27})
    trace = card.waterfall.data[0]
    assert trace.type == "waterfall"
    assert list(trace.measure) == ["relative"] * 4 + ["total"]
    assert list(trace.x) == ["领导评分", "业务部门评分", "基层评分", "特色品牌", "总分"]
    assert sum(trace.y[:4]) == approx(card.total) == approx(85.884)
    assert trace.y[4] == card.total
    reasons = explore.point_reasons(results)
    for unit in "甲乙丙丁":  # every unit's parts add up to its total
        card = explore.unit_card(results, unit, reasons)
        assert sum(card.waterfall.data[0].y[:4]) == approx(card.total, abs=1e-9)


def test_radar_compares_category_attainment_with_the_median_unit(results):
    card = explore.unit_card(results, "丙")
    # category 1: 丙 60/60; all units 58/60, 51/60, 60/60, 51/60 → median (51 + 58) / 120
    # category 2: 丙 20/40; all units 40/40, 29.7/40, 20/40, 29.7/40 → median 29.7/40
    assert card.attainment["share"].tolist() == approx([1.0, 0.5])
    assert card.attainment["median"].tolist() == approx([109 / 120, 29.7 / 40])
    median, unit = card.radar.data
    assert unit.type == median.type == "scatterpolar"
    assert unit.name == "丙" and median.name == "各单位中位数"
    assert list(unit.r) == approx([100, 50, 100])  # closed: back to the first category
    assert list(median.r[:2]) == approx([109 / 1.2, 29.7 / 0.4])
    assert list(unit.theta) == ["1 思想引领", "2 维权帮扶", "1 思想引领"]


def test_card_states_rank_grade_and_veto(results):
    jia, bing = explore.unit_card(results, "甲"), explore.unit_card(results, "丙")
    assert (jia.rank, jia.units, jia.grade, jia.vetoed) == (1, 4, "良好", True)
    assert jia.veto == "第1项「严重违法违纪」：班子成员被纪委立案审查"
    assert (bing.rank, bing.grade, bing.vetoed, bing.veto) == (2, "优秀", False, "")
    assert explore.unit_card(results, "丁").rank == explore.unit_card(results, "乙").rank == 3
    with pytest.raises(UsageError, match="没有单位「戊」"):
        explore.unit_card(results, "戊")


def test_card_lists_indicators_survey_and_every_brand_review(results):
    card = explore.unit_card(results, "甲")
    assert card.indicators["indicator"].tolist() == ["1.1", "1.2", "2.1", "2.2", "2.3"]
    assert card.indicators["lost"].tolist() == approx([2, 0, 0, 0, 0])
    # survey: 职工 (100 + 80) / 2 = 90, 工会主席 60, no 管理者: weights renormalised to 1/2 each
    assert card.survey["role"].tolist() == ["职工", "工会主席"]
    assert card.survey["respondents"].tolist() == [2, 1]
    assert card.survey["score"].tolist() == approx([90, 60])
    assert card.survey["weight"].tolist() == approx([0.5, 0.5])
    # A1: 甲's own review left out; of 80, 95, 86 the highest and lowest are trimmed
    assert card.brand_items[["item", "reviews", "counted", "score"]].values.tolist() == [["A1", 3, 1, 86.0]]
    assert dict(zip(card.brand_reviews["reviewer"], card.brand_reviews["status"])) == {
        "乙": "去掉的最低分", "丙": "去掉的最高分", "丁": "计入", "甲": "自评（不计入）"}
    # B1 has 2 reviews, not more than trim_above 2: both counted
    _, reviews = explore.unit_brand(results, "乙")
    assert reviews[reviews["item"].eq("B1")]["status"].tolist() == ["计入", "计入"]


def test_card_outputs_escape_a_unit_name_that_is_html(hostile):
    card = explore.unit_card(hostile, HOSTILE)
    outputs = explore.card_outputs(card)
    markup = html_of(outputs)
    assert HOSTILE_ESCAPED in markup and "<img" not in markup
    figures = json.dumps(figures_of(outputs), ensure_ascii=False)
    assert len(figures_of(outputs)) == 2
    assert HOSTILE_ESCAPED in figures and "<img" not in figures
    assert card.radar.data[1].name == HOSTILE  # the figure object itself keeps the name as data


# -- 2. what-if -----------------------------------------------------------------------------


def test_official_settings_reproduce_the_official_ranking_exactly(results):
    scheme = explore.variant_scheme(
        results.scheme,
        component_weights=results.scheme.component_weights,
        common_weight=0.7, brand_weight=0.3, step=0.02, scope="total", mode="scaled",
        leader_trim=results.scheme.leader_trim, brand_trim=results.scheme.brand_trim, quota=Quota("share", 0.3),
    )
    assert scheme == results.scheme
    result = explore.what_if(results, scheme)
    table = result.table
    assert table["rank"].tolist() == table["rank_official"].tolist() == results.results["rank"].tolist()
    assert table["unit"].tolist() == results.results["unit"].tolist()
    assert (table["total"] == table["total_official"]).all()
    assert not table["rank_change"].any() and not table["grade_changed"].any()
    assert result.changes == []


def test_a_steeper_step_moves_the_units_as_computed_by_hand(results):
    result = explore.what_if(results, explore.variant_scheme(results.scheme, step=0.5))
    table = result.table.set_index("unit")
    # coef = 1 − 0.5 × (rank − 1): 甲 1, 乙 = 丁 0.5, 丙 (rank 4) 0 → dept 98, 40.35, 0
    # 乙: 0.7 × (0.25 × 82 + 0.6 × 40.35 + 0.15 × 80) + 0.3 × 80 = 63.697
    # 丙: 0.7 × (0.25 × 96 + 0 + 0.15 × 100) + 0.3 × 90 = 54.3
    assert table["total"].to_dict() == approx({"甲": 90.76, "乙": 63.697, "丙": 54.3, "丁": 63.697})
    assert table["rank"].to_dict() == {"甲": 1, "乙": 2, "丙": 4, "丁": 2}
    assert table["rank_change"].to_dict() == {"甲": 0, "乙": 1, "丙": -2, "丁": 1}
    assert (table["rank_change"] == table["rank_official"] - table["rank"]).all()
    # one 优秀 place: 乙 and 丁 tie for it; 丙 drops to 良好
    assert table["grade"].to_dict() == {"甲": "良好", "乙": "优秀", "丙": "良好", "丁": "优秀"}
    assert table["grade_changed"].to_dict() == {"甲": False, "乙": True, "丙": True, "丁": True}
    assert result.table["unit"].tolist() == ["甲", "乙", "丁", "丙"]  # by the variant rank
    assert result.changes == ["名次系数步长：0.02 → 0.5"]


def test_ranking_each_category_on_rank_only_puts_丙_first(results):
    scheme = explore.variant_scheme(results.scheme, scope="category", mode="rank_only")
    table = explore.what_if(results, scheme).table.set_index("unit")
    # dept = Σ category max × coef: 甲 60 × .98 + 40 = 98.8; 乙 = 丁 60 × .96 + 40 × .98 = 96.8;
    # 丙 60 + 40 × .94 = 97.6 → 丙 0.7 × (24 + 58.56 + 15) + 27 = 95.292, 甲 91.096, 乙 87.406
    assert table["total"].to_dict() == approx({"甲": 91.096, "乙": 87.406, "丙": 95.292, "丁": 87.406})
    assert table["rank_change"].to_dict() == {"甲": -1, "乙": 0, "丙": 1, "丁": 0}
    assert not table["grade_changed"].any()


def test_weights_are_renormalised_to_sum_to_one(results):
    scheme = explore.variant_scheme(results.scheme, component_weights={"leader": 1, "dept": 1, "grassroots": 2},
                                    common_weight=0, brand_weight=2)
    assert scheme.component_weights == {"leader": 0.25, "dept": 0.25, "grassroots": 0.5}
    assert (scheme.common_weight, scheme.brand_weight) == (0, 1)
    table = explore.what_if(results, scheme).table.set_index("unit")
    assert table["total"].to_dict() == approx({"甲": 86, "乙": 80, "丙": 90, "丁": 80})  # brand only
    assert table["rank"].to_dict() == {"甲": 2, "乙": 3, "丙": 1, "丁": 3}
    with pytest.raises(SchemeError) as e:
        explore.variant_scheme(results.scheme, common_weight=0, brand_weight=0)
    assert e.value.problems[0].message == "共性工作与特色品牌工作的权重不能全为 0"


def test_a_count_quota_and_trims_that_could_leave_nothing(results):
    table = explore.what_if(results, explore.variant_scheme(results.scheme, quota=Quota("count", 2))).table
    # 2 places: 丙, then 乙 and 丁 tied for the second
    assert by_unit(table, "grade") == {"甲": "良好", "乙": "优秀", "丙": "优秀", "丁": "优秀"}
    # trim 1 above 2 scores leaves at least 1 of 3: fine; above 0 could leave 甲's 2 scores empty
    explore.what_if(results, explore.variant_scheme(results.scheme, leader_trim=Trim(1, 2)))
    with pytest.raises(SchemeError) as e:
        explore.variant_scheme(results.scheme, leader_trim=Trim(1, 0), brand_trim=Trim(2, 3))
    assert [p.message for p in e.value.problems] == [
        "leader.trim_above 为 0，至少应为 2 × trim = 2，否则去分后不剩任何评分",
        "brand.trim_above 为 3，至少应为 2 × trim = 4，否则去分后不剩任何评分",
    ]
    with pytest.raises(SchemeError, match="错误"):
        explore.variant_scheme(results.scheme, step=1.5)


def test_comparison_table_is_escaped_and_marks_moves_and_grade_changes(hostile):
    table = explore.what_if(hostile, explore.variant_scheme(hostile.scheme, step=0.5)).table
    markup = explore.comparison_html(table)
    assert HOSTILE_ESCAPED in markup and "<img" not in markup
    assert "↑1" in markup and "↓2" in markup and ">63.70<" in markup and ">-31.58<" in markup
    style = markup.split("</style>")[0]  # rows: 甲 0, 乙 1, 丁 2, 丙 3; column 1 is the unit
    assert sorted(re.findall(r"_row(\d)_col1\b", style)) == ["1", "2", "3"]  # grade changed
    assert explore.GRADE_CHANGED in style


def test_saved_variant_loads_back_equal_and_never_goes_into_raw(results, tmp_path):
    official = results.scheme
    variant = explore.variant_scheme(official, step=0.05, scope="indicator", quota=Quota("count", 1),
                                     component_weights={"leader": 1, "dept": 1, "grassroots": 1})
    when = datetime(2031, 3, 1, 9, 30, 5)
    path = explore.save_variant(variant, tmp_path, official=official, now=when)
    assert path == tmp_path / "variants" / "2030" / "方案变体-20310301-093005.yaml"
    assert load_scheme(path) == variant and load_scheme(path) != official
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# 方案变体（推演用，不是正式方案）：示例年度考核（测试用）\n")
    assert "#   - 名次系数步长：0.02 → 0.05\n" in text
    assert "#   - 优秀名额：参评单位的 30%（向下取整） → 1 个\n" in text
    # the same second again: a new name, not an overwrite
    again = explore.save_variant(variant, tmp_path, now=when)
    assert again.name == "方案变体-20310301-093005-2.yaml"
    with pytest.raises(UsageError, match="已存在"):
        explore.save_variant(variant, tmp_path, path)
    (tmp_path / "raw" / "2030").mkdir(parents=True)
    with pytest.raises(UsageError, match="不能把方案变体写入原始数据文件夹"):
        explore.save_variant(variant, tmp_path, tmp_path / "raw" / "2030" / "scheme.yaml")
    with pytest.raises(UsageError, match=".yaml"):
        explore.save_variant(variant, tmp_path, tmp_path / "variant.txt")
    assert not [p for p in (tmp_path / "raw").rglob("*") if p.is_file()]


# -- 3. indicator view ----------------------------------------------------------------------


def test_indicator_view_sorts_units_by_points_with_the_rule(results):
    view = explore.indicator_view(results, "2.2")
    assert view.rule == "比例分档（≥80% 得 10 分；≥50% 得 5 分）"
    assert view.category == "维权帮扶"
    assert view.table["unit"].tolist() == ["甲", "乙", "丁", "丙"]
    assert view.table["points"].tolist() == [10, 5, 5, 0]
    assert view.counts.values.tolist() == [[10, 1], [5, 2], [0, 1]]
    bar = view.chart.data[0]
    assert list(bar.x) == ["甲", "乙", "丁", "丙"] and list(bar.y) == [10, 5, 5, 0]
    assert view.chart.layout.shapes[0].y0 == 10  # the maximum as a dashed line
    with pytest.raises(UsageError, match="没有指标「9.9」"):
        explore.indicator_view(results, "9.9")


# -- the widgets, driven by setting their controls ------------------------------------------


def test_score_card_widget_follows_the_unit_picker(results):
    w = explore.score_card_widget(results)
    assert w.unit.value == "甲" and w.card.unit == "甲"  # the first in rank order
    before = rendered(w.output.outputs)
    w.unit.value = "丙"
    assert w.card.unit == "丙" and w.card.rank == 2
    after = rendered(w.output.outputs)
    assert after != before
    assert "第 <b>2</b> 名" in html_of(w.output.outputs)
    assert "丙：总分由哪几部分构成" in after
    assert [f["data"][0]["type"] for f in figures_of(w.output.outputs)] == ["waterfall", "scatterpolar"]


def test_what_if_widget_recomputes_live_and_saves(results, tmp_path):
    w = explore.what_if_widget(results, tmp_path)
    assert w.variant == results.scheme and not w.what.table["rank_change"].any()
    assert "与正式方案相同" in html_of(w.output.outputs)
    w.step.value = 0.2
    # coef 乙 = 丁 0.8, 丙 0.4: 乙 0.7 × (20.5 + 0.6 × 64.56 + 12) + 24 = 73.8652 > 丙 67.74
    assert by_unit(w.what.table, "rank_change") == {"甲": 0, "乙": 1, "丙": -2, "丁": 1}
    assert "名次系数步长：0.02 → 0.2" in html_of(w.output.outputs)
    w.scope.value, w.mode.value = "category", "rank_only"
    assert w.variant.dept_ranking.scope == "category" and w.variant.dept_ranking.mode == "rank_only"
    w.leader.value = 0.5  # 0.5 + 0.6 + 0.15 renormalised
    assert w.variant.component_weights["leader"] == approx(0.5 / 1.25)
    assert "领导 40%" in w.weights.value
    w.quota_kind.value = "count"
    assert w.quota_value.value == 1 and w.variant.quota == Quota("count", 1)
    w.leader_trim.value = 2  # above 2 scores, 3 − 2 × 2 would leave nothing
    assert w.what is None and "至少应为 2 × trim = 4" in html_of(w.output.outputs)
    w.save.click()
    assert w.saved is None and "未保存" in w.status.value
    w.reset.click()
    assert w.variant == results.scheme and not w.what.table["rank_change"].any()
    w.brand.value = 0.5  # common 0.7, brand 0.5 → 7/12, 5/12
    w.save.click()
    assert w.saved.parent == tmp_path / "variants" / "2030" and w.saved.name.startswith("方案变体-")
    assert load_scheme(w.saved) == w.variant and w.variant.brand_weight == approx(5 / 12)
    w.save_path.value = str(tmp_path / "raw" / "2030" / "x.yaml")
    w.save.click()
    assert "不能把方案变体写入原始数据文件夹" in w.status.value and not (tmp_path / "raw").exists()


def test_saved_variants_are_listed_and_load_back_into_the_controls(results, tmp_path):
    w = explore.what_if_widget(results, tmp_path)
    assert w.load.disabled and w.saved_list.options == (("（还没有保存的方案变体）", ""),)
    w.step.value, w.scope.value = 0.05, "indicator"
    w.quota_kind.value = "count"
    saved = w.save_scheme()
    wanted = w.variant
    assert w.saved_list.options == ((saved.name, str(saved)),) and not w.load.disabled
    table = explore.variants_table(results, tmp_path)
    assert table.columns.tolist() == ["文件", "改动"] and table["文件"].tolist() == [saved.name]
    assert "名次系数步长：0.02 → 0.05" in table["改动"].iloc[0]

    again = explore.what_if_widget(results, tmp_path)  # a new session: the official scheme first
    assert again.variant == results.scheme
    again.saved_list.value = str(saved)
    again.load.click()
    assert again.variant == wanted and "已载入方案变体" in again.status.value
    assert again.step.value == 0.05 and again.scope.value == "indicator" and again.quota_kind.value == "count"


def test_a_variant_of_another_year_or_scheme_is_not_loaded(results, tmp_path):
    other = explore.variant_scheme(results.scheme, step=0.05).with_options(year=2031)
    path = tmp_path / "variants" / "2030" / "方案变体-别的年度.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(dump_scheme(other), encoding="utf-8")
    w = explore.what_if_widget(results, tmp_path)
    w.saved_list.value = str(path)
    w.load.click()
    assert "未载入" in w.status.value and "不是 2030 年度" in w.status.value
    assert w.variant == results.scheme
    assert "无法读取" in explore.variants_table(results, tmp_path)["改动"].iloc[0]


def test_indicator_widget_follows_the_indicator_picker(results):
    w = explore.indicator_widget(results)
    assert w.view.indicator.id == "1.1"
    w.indicator.value = "2.1"
    assert w.view.indicator.id == "2.1" and w.view.table["unit"].tolist() == ["甲", "乙", "丁", "丙"]
    assert "缺项扣分（共 3 项，每缺一项扣 3.3 分）" in html_of(w.output.outputs)


def test_widgets_escape_a_unit_name_that_is_html(hostile):
    card = explore.score_card_widget(hostile, unit=HOSTILE)
    what = explore.what_if_widget(hostile)
    what.step.value = 0.2
    view = explore.indicator_widget(hostile, "2.2")
    for w in (card, what, view):
        text = rendered(w.output.outputs)
        assert HOSTILE_ESCAPED in text and "<img" not in text


# -- the notebook ----------------------------------------------------------------------------


def test_explore_notebook_runs_headless(data_dir, tmp_path):
    import nbformat

    executed = report.execute_notebook(
        EXPLORE_NOTEBOOK, tmp_path / "explore.ipynb", {"year": 2030, "data_dir": str(data_dir)},
        cwd=tmp_path,
    )
    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert len(views) == 3
    assert any("示例年度考核（测试用）" in o.get("data", {}).get("text/html", "") for o in outputs)
    assert not (data_dir / "output").exists()  # displaying the widgets saves nothing
    shown = " ".join(o.get("data", {}).get("text/html", "") + o.get("text", "") for o in outputs)
    assert "优秀的概率" in shown and "可补回的指标" in shown and "一致性（Krippendorff α）" in shown


def test_what_if_widget_exports_the_comparison_to_excel(results, tmp_path):
    import openpyxl

    w = explore.what_if_widget(results, tmp_path)
    w.step.value = 0.2
    assert "名次变化的单位：各部分（加权后）各变了多少" in html_of(w.output.outputs)  # which components moved them
    w.export.click()
    assert w.exported.parent == tmp_path / "variants" / "2030" and w.exported.name.startswith("方案推演-")
    book = openpyxl.load_workbook(w.exported)
    assert book.sheetnames == ["方案比较", "名次变化_当前推演", f"得分卡_{w.edit_unit.value}"]
    assert "已导出" in w.status.value
    moved = {row[0].value for row in book["名次变化_当前推演"].iter_rows(min_row=2)}
    assert moved == {"乙", "丙", "丁"}  # the units whose rank the step of 0.2 moved


def test_what_if_widget_edits_single_inputs_live(results, tmp_path):
    w = explore.what_if_widget(results, tmp_path)
    w.edit_unit.value, w.edit_indicator.value, w.edit_value.value = "丁", "1.1", "40"
    w.edit_score.click()
    points = w.what.results.indicators.set_index(["unit", "indicator"]).at[("丁", "1.1"), "points"]
    assert points == 40 and w.edits == [{"dept_score": ("丁", "1.1", 40.0)}]
    assert results.indicators.set_index(["unit", "indicator"]).at[("丁", "1.1"), "points"] == 36  # official untouched
    w.edit_unit.value, w.edit_veto.value = "丙", "1"
    w.apply_unit.click()
    assert w.what.results.results.set_index("unit").at["丙", "vetoed"]
    assert by_unit(w.what.table, "grade")["丙"] == "良好"
    w.edit_value.value = "很多"
    w.edit_score.click()
    assert "不是数字" in w.status.value and len(w.edits) == 2
    w.clear_edits.click()
    assert w.edits == [] and not w.what.table["rank_change"].any()

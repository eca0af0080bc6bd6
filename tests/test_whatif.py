"""What-if that leaves the notebook (kaohe.explore.whatif): single inputs edited, variants side
by side, what moved each unit, the comparison in Excel with Chinese headers."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

import kaohe
from kaohe import explore
from kaohe.problems import UsageError


@pytest.fixture(scope="module")
def sample(sample_data):
    return kaohe.load_year(2019, sample_data)


def test_one_department_score_rescored_live_and_the_official_results_untouched(sample):
    before = sample.results.copy()
    unit = sample.results["unit"].iloc[10]
    variant = explore.edit_inputs(sample, dept_score=(unit, "2.1", 8))
    pd.testing.assert_frame_equal(sample.results, before)  # the official year is as it was
    mine = variant.indicators.set_index(["unit", "indicator"]).loc[(unit, "2.1")]
    assert mine["points"] == 8
    moves = explore.rank_moves(sample, variant)
    assert unit in set(moves["单位"])
    parts = [c for c in moves.columns if c.endswith("变化") and c != "总分变化"]
    assert (moves[parts].sum(axis=1) - moves["总分变化"]).abs().max() < 1e-6  # the components add up to the total
    assert moves.set_index("单位").at[unit, "主要原因"].startswith("业务部门评分")


def test_a_veto_and_a_meeting_decision(sample):
    first = sample.results["unit"].iloc[0]
    vetoed = explore.edit_inputs(sample, veto=(first, "1")).results.set_index("unit")
    assert vetoed.at[first, "vetoed"] and vetoed.at[first, "grade"] == "良好"
    lifted = sample.inputs.vetoes["unit"].iloc[0]
    assert not explore.edit_inputs(sample, unveto=lifted).results.set_index("unit").at[lifted, "vetoed"]
    last = sample.results["unit"].iloc[-1]
    decided = explore.edit_inputs(sample, override=(last, "优秀", "会议决定")).results.set_index("unit")
    assert decided.at[last, "grade"] == "优秀" and decided.at[last, "proposed_grade"] == "良好"
    with pytest.raises(UsageError, match="是否应为"):
        explore.edit_inputs(sample, veto=(first[:-1] + "局", "1"))


def test_variants_side_by_side_and_in_excel(sample, tmp_path):
    first = sample.results["unit"].iloc[0]
    variants = {"方案A": explore.edit_inputs(sample, veto=(first, "1")),
                "方案B": kaohe.score(sample.inputs, sample.scheme.with_options(brand_weight=0.4, common_weight=0.6))}
    table = explore.side_by_side(sample, variants)
    assert table.columns.tolist()[:4] == ["单位", "正式结果名次", "正式结果总分", "正式结果等次"]
    assert "方案B等次" in table.columns and len(table) == len(sample.results)
    path = explore.export_what_if(tmp_path / "推演 结果.xlsx", sample, variants, card_unit=first)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["方案比较", "名次变化_方案A", "名次变化_方案B", f"得分卡_{first}"]
    assert [c.value for c in book["方案比较"][1]][:3] == ["单位", "正式结果名次", "正式结果总分"]
    assert book["方案比较"].cell(2, 1).value == first
    assert [c.value for c in book[f"得分卡_{first}"][1]][:3] == ["指标", "考核内容", "计分规则"]

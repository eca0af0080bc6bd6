"""Rater quality (kaohe.raters): a reviewer who marks down its rivals and a harsh leader are
flagged with a reason; honest noise is not; agreement is Krippendorff's α."""

from __future__ import annotations

from dataclasses import replace

import pytest

import kaohe
from kaohe.analysis.raters import RIVALS


@pytest.fixture(scope="module")
def sample(sample_data):
    return kaohe.load_year(2019, sample_data)


def test_honest_raters_are_not_flagged_and_agreement_is_reported(sample):
    table = kaohe.raters(sample)
    assert set(table["kind"]) == {"brand", "leader"}
    assert not table["flagged"].any()
    assert table["reason"].eq("").all()
    alpha = table.attrs["agreement"]
    assert 0 < alpha["brand"] < 1 and 0 < alpha["leader"] < 1
    assert table.loc[table["kind"] == "leader", "scores"].max() <= len(sample.results)


def test_a_reviewer_scoring_its_rivals_30_points_low_is_flagged(sample):
    rank = sample.results.set_index("unit")["rank"]
    reviewer = sample.results["unit"].iloc[5]  # mid-table: rivals on both sides
    reviews = sample.inputs.brand_reviews.copy()
    owner = reviews["item"].map(sample.brand_items.set_index("item")["unit"])
    rival = reviews["reviewer"].eq(reviewer) & ((owner.map(rank) - rank[reviewer]).abs() <= RIVALS) & owner.ne(reviewer)
    assert rival.sum() >= 2
    reviews.loc[rival, "score"] = (reviews.loc[rival, "score"] - 30).clip(lower=0)
    planted = kaohe.score(replace(sample.inputs, brand_reviews=reviews))
    table = kaohe.raters(planted).set_index(["kind", "rater"])
    assert table.at[("brand", reviewer), "flagged"]
    assert "名次相近单位" in table.at[("brand", reviewer), "reason"]
    assert table["flagged"].sum() == 1  # nobody else


def test_a_leader_scoring_every_unit_far_lower_is_flagged(sample):
    leader = sample.inputs.leader.copy()
    member = leader["member"].iloc[0]
    leader.loc[leader["member"].eq(member), "score"] -= 20
    table = kaohe.raters(kaohe.score(replace(sample.inputs, leader=leader))).set_index(["kind", "rater"])
    assert table.at[("leader", member), "flagged"]
    assert table.at[("leader", member), "reason"].startswith("领导班子评分：评分一贯比其他评分人低 2")  # about 20 points
    assert table["flagged"].sum() == 1

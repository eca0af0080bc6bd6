"""The scoring steps of SPEC §1 (kaohe.scoring) on small tables worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kaohe.scheme import Quota, Trim, parse_scheme
from kaohe.scoring import (
    combine,
    competition_rank,
    competition_ranks,
    effective_weights,
    excellent_cutoff,
    grades,
    leader_scores,
    quota_size,
    rank_coefficient,
    scheme_weights,
    trimmed,
)
from tiny_year import SCHEME


def test_competition_ranks_share_a_place_and_skip_the_next():
    assert competition_rank(pd.Series([90.0, 85.0, 90.0, 70.0])).tolist() == [1, 3, 1, 4]
    # equal once rounded to 6 decimals: float noise never splits a tie
    assert competition_rank(pd.Series([85.0, 85.0 + 1e-9])).tolist() == [1, 1]
    assert competition_ranks(np.array([[3.0, 1.0, 3.0], [1.0, 2.0, 3.0]])).tolist() == [[1, 3, 1], [3, 2, 1]]


def test_the_rank_coefficient_steps_down_by_2_percent_and_stops_at_0():
    assert rank_coefficient(pd.Series([1, 2, 22, 60]), 0.02).round(6).tolist() == [1.0, 0.98, 0.58, 0.0]


def test_combine_is_the_formula_of_article_7_for_numbers_and_for_draws():
    weights = scheme_weights(parse_scheme(SCHEME))
    assert weights == {"leader": 0.25, "dept": 0.6, "grassroots": 0.15, "common": 0.7, "brand": 0.3}
    common, total = combine(80.0, 90.0, 70.0, 60.0, weights)
    assert common == pytest.approx(0.25 * 80 + 0.6 * 90 + 0.15 * 70) and total == pytest.approx(0.7 * common + 18)
    draws = {k: np.array([v, v]) for k, v in weights.items()}
    assert combine(80.0, 90.0, 70.0, 60.0, draws)[1].tolist() == [total, total]  # the same bits
    assert effective_weights(parse_scheme(SCHEME)) == pytest.approx(
        {"leader": 0.175, "dept": 0.42, "grassroots": 0.105, "brand": 0.3})


@pytest.mark.parametrize("quota, n, expected", [
    (Quota("share", 0.3), 22, 6), (Quota("share", 0.3), 10, 3), (Quota("count", 5), 22, 5), (Quota("min_total", 90), 22, None),
])
def test_quota_size(quota, n, expected):
    assert quota_size(quota, n) == expected


def test_the_cutoff_is_the_kth_best_total_of_the_units_not_vetoed():
    totals = np.array([95.0, 93.0, 90.0, 88.0, 80.0])
    eligible = np.array([True, False, True, True, True])
    assert excellent_cutoff(totals, eligible, Quota("count", 2)).tolist() == [90.0]  # the vetoed 93 does not count
    assert excellent_cutoff(totals, eligible, Quota("min_total", 85)).tolist() == [85.0]
    assert excellent_cutoff(totals, eligible, Quota("count", 0)).tolist() == [math.inf]


def test_trimming_drops_the_highest_and_lowest_only_above_the_threshold():
    scores = pd.DataFrame({"unit": ["甲"] * 6 + ["乙"] * 3, "score": [70, 80, 90, 85, 75, 100, 60, 90, 95]})
    counted = trimmed(scores, "unit", Trim(trim=1, above=5))
    assert scores["score"][counted].tolist() == [80, 90, 85, 75, 60, 90, 95]  # 乙 has 3 ≤ 5 scores: all count
    table = leader_scores(scores.assign(member="m"), Trim(trim=1, above=5))
    assert table.set_index("unit")["leader"].to_dict() == pytest.approx({"甲": 82.5, "乙": 245 / 3})


def test_ties_at_the_cutoff_are_all_excellent_and_flagged_for_the_meeting():
    scheme = parse_scheme({**SCHEME, "grades": {"quota": {"count": 2}}})
    totals = pd.DataFrame({"unit": list("甲乙丙丁"), "total": [95.0, 90.0, 90.0, 80.0]})
    none = pd.DataFrame(columns=["unit", "clause"])
    table = grades(totals, none, pd.DataFrame(columns=["unit", "grade", "reason"]), scheme)
    assert table["grade"].tolist() == ["优秀", "优秀", "优秀", "良好"]
    assert table["at_cutoff"].tolist() == [False, True, True, False]
    vetoed = grades(totals, pd.DataFrame({"unit": ["甲"], "clause": ["1"]}),
                    pd.DataFrame(columns=["unit", "grade", "reason"]), scheme)
    assert vetoed["grade"].tolist() == ["良好", "优秀", "优秀", "良好"] and vetoed["vetoed"].tolist()[0]

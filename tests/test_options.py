"""Each option of the scheme changes the tiny year's result the way SPEC §1 says.

The tiny year's indicator points (see ``test_golden.py``):

    unit   1.1  1.2  2.1  2.2  2.3 | cat 1  cat 2 | dept_raw
    甲      38   20   10   10   20 |   58     40   |   98
    乙      36   15  6.7    5   18 |   51   29.7   |   80.7
    丙      40   20    0    0   20 |   60     20   |   80
    丁      36   15  6.7    5   18 |   51   29.7   |   80.7

leader 甲 91, 乙 82, 丙 96, 丁 82; grassroots 甲 75, 乙 80, 丙 100, 丁 80; brand 甲 86, 乙 80,
丙 90, 丁 80; totals 甲 90.76 (vetoed), 丙 85.884, 乙 = 丁 79.96612.
"""

from __future__ import annotations

import copy

import pandas as pd
import pytest

import kaohe
from kaohe.problems import InvalidInputError
from tiny_year import SCHEME, write_tiny_year

approx = pytest.approx


def scheme_with(**sections) -> dict:
    """The tiny scheme with some of its sections updated (``dept_ranking={"scope": ...}``)."""
    scheme = copy.deepcopy(SCHEME)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(scheme.get(key), dict):
            scheme[key] = {**scheme[key], **value}
        else:
            scheme[key] = value
    return scheme


def scored(tmp_path, files=None, **sections) -> kaohe.Results:
    return kaohe.load_year(2030, write_tiny_year(tmp_path, scheme=scheme_with(**sections), files=files))


def by_unit(table, column) -> dict:
    return dict(zip(table["unit"], table[column]))


def csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# -- department ranking: scope, mode, step ----------------------------------------------------


def test_scope_category_ranks_and_scales_each_category(tmp_path):
    results = scored(tmp_path, dept_ranking={"scope": "category"})
    cats = results.categories.set_index(["category", "unit"])
    # category 1: 甲 58, 乙 51, 丙 60, 丁 51 → ranks 2, 3, 1, 3 → coefs .98, .96, 1, .96
    assert cats.loc["1", "rank"].to_dict() == {"甲": 2, "乙": 3, "丙": 1, "丁": 3}
    assert cats.loc["1", "coef"].to_dict() == approx({"甲": 0.98, "乙": 0.96, "丙": 1, "丁": 0.96})
    # category 2: 甲 40, 乙 29.7, 丙 20, 丁 29.7 → ranks 1, 2, 4, 2 → coefs 1, .98, .94, .98
    assert cats.loc["2", "rank"].to_dict() == {"甲": 1, "乙": 2, "丙": 4, "丁": 2}
    assert cats.loc["2", "coef"].to_dict() == approx({"甲": 1, "乙": 0.98, "丙": 0.94, "丁": 0.98})
    # dept = Σ points × coef: 甲 58 × .98 + 40 = 96.84; 乙 51 × .96 + 29.7 × .98 = 48.96 + 29.106 = 78.066;
    # 丙 60 + 20 × .94 = 78.8; 丁 = 乙
    dept = results.dept.set_index("unit")
    assert dept["dept"].to_dict() == approx({"甲": 96.84, "乙": 78.066, "丙": 78.8, "丁": 78.066})
    assert dept["dept_raw"].to_dict() == approx({"甲": 98, "乙": 80.7, "丙": 80, "丁": 80.7})
    assert dept["dept_rank"].isna().all() and dept["dept_coef"].isna().all()
    # 丙 common 24 + 0.6 × 78.8 + 15 = 86.28 → total 0.7 × 86.28 + 0.3 × 90 = 87.396
    assert by_unit(results.results, "total")["丙"] == approx(87.396)


def test_scope_indicator_scaled(tmp_path):
    results = scored(tmp_path, dept_ranking={"scope": "indicator", "mode": "scaled"})
    ind = results.indicators.set_index(["indicator", "unit"])
    # 2.1: 10, 6.7, 0, 6.7 → ranks 1, 2, 4, 2 (6.7 = 10 − 3.3 ties after rounding)
    assert ind.loc["2.1", "rank"].to_dict() == {"甲": 1, "乙": 2, "丙": 4, "丁": 2}
    # 1.1: 38, 36, 40, 36 → ranks 2, 3, 1, 3 → 37.24, 34.56, 40, 34.56
    assert ind.loc["1.1", "scaled"].to_dict() == approx({"甲": 37.24, "乙": 34.56, "丙": 40, "丁": 34.56})
    # 甲 37.24 + 20 + 10 + 10 + 20 = 97.24
    # 乙 34.56 + 15 × .96 + 6.7 × .98 + 5 × .98 + 18 × .96 = 34.56 + 14.4 + 6.566 + 4.9 + 17.28 = 77.706
    # 丙 40 + 20 + 0 + 0 + 20 = 80 (rank 1 on 1.1, 1.2 and 2.3; last on 2.1 and 2.2 where it has 0)
    dept = results.dept.set_index("unit")["dept"]
    assert dept.to_dict() == approx({"甲": 97.24, "乙": 77.706, "丙": 80, "丁": 77.706})


def test_scope_indicator_rank_only(tmp_path):
    results = scored(tmp_path, dept_ranking={"scope": "indicator", "mode": "rank_only"})
    # the indicator's maximum × coef, whatever the points:
    # 甲 40 × .98 + 20 + 10 + 10 + 20 = 99.2
    # 乙 40 × .96 + 20 × .96 + 10 × .98 + 10 × .98 + 20 × .96 = 38.4 + 19.2 + 9.8 + 9.8 + 19.2 = 96.4
    # 丙 40 + 20 + 10 × .94 + 10 × .94 + 20 = 98.8
    dept = results.dept.set_index("unit")["dept"]
    assert dept.to_dict() == approx({"甲": 99.2, "乙": 96.4, "丙": 98.8, "丁": 96.4})
    ind = results.indicators.set_index(["indicator", "unit"])
    assert ind.loc[("2.1", "丙"), "points"] == 0 and ind.loc[("2.1", "丙"), "scaled"] == approx(9.4)


def test_scope_category_rank_only(tmp_path):
    results = scored(tmp_path, dept_ranking={"scope": "category", "mode": "rank_only"})
    # 甲 60 × .98 + 40 = 98.8; 乙 60 × .96 + 40 × .98 = 57.6 + 39.2 = 96.8; 丙 60 + 40 × .94 = 97.6
    dept = results.dept.set_index("unit")["dept"]
    assert dept.to_dict() == approx({"甲": 98.8, "乙": 96.8, "丙": 97.6, "丁": 96.8})


def test_scope_total_rank_only(tmp_path):
    results = scored(tmp_path, dept_ranking={"mode": "rank_only"})
    # dept_raw ranks 1, 2, 4, 2 → 100 × 1, 100 × .98, 100 × .94, 100 × .98
    dept = results.dept.set_index("unit")
    assert dept["dept"].to_dict() == approx({"甲": 100, "乙": 98, "丙": 94, "丁": 98})
    assert dept["dept_rank"].to_dict() == {"甲": 1, "乙": 2, "丙": 4, "丁": 2}


@pytest.mark.parametrize("scope, table, key", [
    ("category", "category_scores.csv", "category"),
    ("indicator", "indicator_scores.csv", "indicator"),
])
def test_part_scopes_leave_dept_rank_empty_and_write_part_ranks(tmp_path, scope, table, key):
    data = write_tiny_year(tmp_path, scheme=scheme_with(dept_ranking={"scope": scope}))
    out = kaohe.score_year(2030, data)[1].folder
    results = csv(out / "results.csv")
    assert set(results["dept_rank"]) == {""} and set(results["dept_coef"]) == {""}
    assert results["dept"].ne("").all()
    parts = csv(out / table)
    assert parts.columns.tolist()[-3:] == ["rank", "coef", "scaled"]
    row = parts.set_index(["unit", key]).loc[("丙", "2" if scope == "category" else "2.1")]
    if scope == "category":
        assert row[["points", "rank"]].tolist() == ["20.0", "4"]  # 丙's 20 is last of 40, 29.7, 20, 29.7
        assert float(row["coef"]) == approx(0.94) and float(row["scaled"]) == approx(18.8)
    else:
        assert row[["value", "points", "rank", "scaled"]].tolist() == ["3", "0.0", "4", "0.0"]
    other = "indicator_scores.csv" if scope == "category" else "category_scores.csv"
    assert "rank" not in csv(out / other).columns


def test_total_scope_writes_no_part_ranks(tmp_path):
    out = kaohe.score_year(2030, write_tiny_year(tmp_path))[1].folder
    assert csv(out / "category_scores.csv").columns.tolist() == ["unit", "category", "points", "max"]
    assert csv(out / "indicator_scores.csv").columns.tolist() == ["unit", "indicator", "value", "points"]
    assert csv(out / "results.csv").set_index("unit").loc["丙", ["dept_rank", "dept_coef"]].tolist() == ["4", "0.94"]


def test_step_changes_the_coefficients(tmp_path):
    # step 0.05: ranks 1, 2, 4, 2 → coefs 1, .95, .85, .95 → 98, 80.7 × .95 = 76.665, 80 × .85 = 68
    dept = scored(tmp_path / "a", dept_ranking={"step": 0.05}).dept.set_index("unit")
    assert dept["dept_coef"].to_dict() == approx({"甲": 1, "乙": 0.95, "丙": 0.85, "丁": 0.95})
    assert dept["dept"].to_dict() == approx({"甲": 98, "乙": 76.665, "丙": 68, "丁": 76.665})
    # step 0.5: rank 4 would be 1 − 1.5 < 0 → the coefficient stops at 0
    dept = scored(tmp_path / "b", dept_ranking={"step": 0.5}).dept.set_index("unit")
    assert dept["dept_coef"].to_dict() == approx({"甲": 1, "乙": 0.5, "丙": 0, "丁": 0.5})
    assert dept["dept"].to_dict() == approx({"甲": 98, "乙": 40.35, "丙": 0, "丁": 40.35})
    # step 0: no ranking effect at all
    dept = scored(tmp_path / "c", dept_ranking={"step": 0}).dept.set_index("unit")
    assert dept["dept"].to_dict() == approx(dept["dept_raw"].to_dict())


# -- trims and role weights -------------------------------------------------------------------


def test_leader_trim(tmp_path):
    # trim 1 above 2 scores: 乙 80, 84, 82 → 82; 丙 95, 99, 94 → 95; 丁 83, 81, 82 → 82;
    # 甲 has only 90 and 92 (not more than 2) → untrimmed 91
    leader = scored(tmp_path / "a", leader={"trim": 1, "trim_above": 2}).leader
    assert by_unit(leader, "leader") == approx({"甲": 91, "乙": 82, "丙": 95, "丁": 82})
    assert by_unit(leader, "counted") == {"甲": 2, "乙": 1, "丙": 1, "丁": 1}
    assert by_unit(leader, "scores") == {"甲": 2, "乙": 3, "丙": 3, "丁": 3}
    # trim 1 but only above 5 scores: nobody has that many → plain means, 丙 (95 + 99 + 94) / 3 = 96
    leader = scored(tmp_path / "b", leader={"trim": 1, "trim_above": 5}).leader
    assert by_unit(leader, "leader")["丙"] == approx(96)


def test_brand_trim_zero_and_one(tmp_path):
    # trim 1 (the tiny scheme): A1 80, 95, 86 → 86; C1 90, 95, 70 → 90
    one = scored(tmp_path / "one", brand={"trim": 1, "trim_above": 2})
    assert by_unit(one.brand, "brand") == approx({"甲": 86, "乙": 80, "丙": 90, "丁": 80})
    # trim 0: A1 (80 + 95 + 86) / 3 = 87; C1 (90 + 95 + 70) / 3 = 85; B2 (60 + 100 + 80) / 3 = 80
    zero = scored(tmp_path / "zero", brand={"trim": 0})
    assert by_unit(zero.brand, "brand") == approx({"甲": 87, "乙": 80, "丙": 85, "丁": 80})
    assert zero.brand_items.set_index("item")["counted"].to_dict() == {"A1": 3, "B1": 2, "B2": 3, "C1": 3, "D1": 2}
    # 丙 total 0.7 × 84.12 + 0.3 × 85 = 58.884 + 25.5 = 84.384
    assert by_unit(zero.results, "total")["丙"] == approx(84.384)


def test_role_weights(tmp_path):
    # 职工 counts twice: 甲 (2 × 90 + 1 × 60) / 3 = 80 (no 管理者, renormalised over the roles present);
    # 乙 all roles 80 → 80; 丙 100; 丁 职工 80, 管理者 80 → 80
    results = scored(tmp_path, survey={"roles": {"职工": 2, "工会主席": 1, "管理者": 1}})
    assert by_unit(results.grassroots, "grassroots") == approx({"甲": 80, "乙": 80, "丙": 100, "丁": 80})
    # 甲 common 22.75 + 58.8 + 0.15 × 80 = 93.55
    assert by_unit(results.results, "common")["甲"] == approx(93.55)


def test_a_zero_role_weight_leaves_the_role_out(tmp_path):
    # 工会主席 weight 0: 甲 is its 职工 mean 90; 丙's 工会主席 100 does not matter
    results = scored(tmp_path, survey={"roles": {"职工": 1, "工会主席": 0, "管理者": 1}})
    assert by_unit(results.grassroots, "grassroots") == approx({"甲": 90, "乙": 80, "丙": 100, "丁": 80})


def test_a_unit_answered_only_by_zero_weight_roles_is_an_error(tmp_path):
    # 乙's respondents are 职工, 工会主席, 管理者; with only 管理者 weighted, 甲 (职工, 工会主席) has none left
    with pytest.raises(InvalidInputError) as caught:
        scored(tmp_path, survey={"roles": {"职工": 0, "工会主席": 0, "管理者": 1}})
    messages = [p.message for p in caught.value.problems if p.is_error]
    assert messages == ["单位「甲」的受访者身份在方案中的权重均为 0，无法计算基层评分"]


def test_a_trim_that_would_drop_every_score_is_refused(tmp_path):
    with pytest.raises(kaohe.SchemeError) as caught:
        scored(tmp_path, brand={"max_items": 2, "trim": 2, "trim_above": 3})
    assert [p.column for p in caught.value.problems] == ["brand.trim_above"]
    assert "至少应为 2 × trim = 4" in caught.value.problems[0].message


# -- quota, ties at the cut-off, overrides ----------------------------------------------------


def grades(results) -> dict:
    return by_unit(results.grades, "proposed_grade")


def flags(results) -> dict:
    return by_unit(results.grades, "at_cutoff")


def test_quota_share(tmp_path):
    # 0.3 × 4 = 1.2 → k = 1: 丙 (甲 is first but vetoed)
    assert grades(scored(tmp_path / "a")) == {"甲": "良好", "乙": "良好", "丙": "优秀", "丁": "良好"}
    # 0.25 × 4 = 1 exactly → still 1
    assert grades(scored(tmp_path / "b", grades={"quota": {"share": 0.25}}))["丙"] == "优秀"
    # 0.2 × 4 = 0.8 → k = 0: nobody
    assert set(grades(scored(tmp_path / "c", grades={"quota": {"share": 0.2}})).values()) == {"良好"}


def test_quota_count_with_a_tie_at_the_cut_off(tmp_path):
    # k = 2: 丙 85.884, then 乙 and 丁 tied at 79.96612 → the tie is in, 3 units are 优秀
    results = scored(tmp_path, grades={"quota": {"count": 2}})
    assert grades(results) == {"甲": "良好", "乙": "优秀", "丙": "优秀", "丁": "优秀"}
    assert flags(results) == {"甲": False, "乙": True, "丙": False, "丁": True}
    assert results.cutoff == approx(79.96612)
    # k = 1: no tie, nobody flagged
    results = scored(tmp_path / "one", grades={"quota": {"count": 1}})
    assert grades(results) == {"甲": "良好", "乙": "良好", "丙": "优秀", "丁": "良好"}
    assert not any(flags(results).values())


def test_quota_min_total(tmp_path):
    # 甲 90.76 passes 80 but is vetoed; 丙 85.884 passes; 乙, 丁 79.96612 do not
    results = scored(tmp_path / "a", grades={"quota": {"min_total": 80}})
    assert grades(results) == {"甲": "良好", "乙": "良好", "丙": "优秀", "丁": "良好"}
    assert results.cutoff == 80
    assert grades(scored(tmp_path / "b", grades={"quota": {"min_total": 79.9}})) == {
        "甲": "良好", "乙": "优秀", "丙": "优秀", "丁": "优秀",
    }
    assert set(grades(scored(tmp_path / "c", grades={"quota": {"min_total": 95}})).values()) == {"良好"}


def test_near_tie_flags_units_close_to_the_cut_off(tmp_path):
    # count 1 → the cut-off is 丙's 85.884; 乙 and 丁 are 5.91788 below it
    wide = scored(tmp_path / "wide", grades={"quota": {"count": 1}, "near_tie": 6})
    assert flags(wide) == {"甲": False, "乙": True, "丙": True, "丁": True}  # 甲 is vetoed: never flagged
    narrow = scored(tmp_path / "narrow", grades={"quota": {"count": 1}, "near_tie": 5})
    assert not any(flags(narrow).values())  # no one within 5 points: no close call, nothing flagged
    assert grades(wide) == grades(narrow) == {"甲": "良好", "乙": "良好", "丙": "优秀", "丁": "良好"}


def test_grade_overrides_keep_proposed_and_final_grade(tmp_path):
    overrides = "单位,等次,理由\n丁,优秀,市总工会党组会议决定\n丙,良好,会议决定调整\n"
    data = write_tiny_year(tmp_path, files={"grade_overrides.csv": overrides})
    results, written = kaohe.score_year(2030, data)
    out = written.folder
    table = csv(out / "results.csv").set_index("unit")
    assert table.loc[["丙", "丁", "乙"], "proposed_grade"].tolist() == ["优秀", "良好", "良好"]
    assert table.loc[["丙", "丁", "乙"], "grade"].tolist() == ["良好", "优秀", "良好"]
    assert by_unit(results.grades, "override_reason") == {
        "甲": "", "乙": "", "丙": "会议决定调整", "丁": "市总工会党组会议决定",
    }


def test_a_vetoed_unit_cannot_be_overridden_to_excellent(tmp_path):
    data = write_tiny_year(tmp_path, files={"grade_overrides.csv": "单位,等次,理由\n甲,优秀,会议决定\n"})
    with pytest.raises(InvalidInputError) as caught:
        kaohe.load_year(2030, data)
    (error,) = [p for p in caught.value.problems if p.is_error]
    assert str(error) == "grade_overrides.csv 第2行 列「等次」: 该单位被一票否决，取消当年评优资格，不能调整为优秀"


def test_component_weights(tmp_path):
    results = scored(tmp_path, weights={"common": 0.5, "brand": 0.5},
                     common_weights={"leader": 0.5, "dept": 0.25, "grassroots": 0.25})
    # 丙 common 0.5 × 96 + 0.25 × 75.2 + 0.25 × 100 = 48 + 18.8 + 25 = 91.8 → total (91.8 + 90) / 2 = 90.9
    assert by_unit(results.results, "common")["丙"] == approx(91.8)
    assert by_unit(results.results, "total")["丙"] == approx(90.9)

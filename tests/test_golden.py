"""The tiny year of ``tiny_year.py`` scored by hand, step by step (SPEC §1)."""

import pytest

import kaohe
from tiny_year import write_tiny_year

approx = pytest.approx


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return kaohe.load_year(2030, write_tiny_year(tmp_path_factory.mktemp("data")))


def by_unit(table, column):
    return dict(zip(table["unit"], table[column]))


def test_indicator_points_by_rule_kind(results):
    points = {(r.unit, r.indicator): r.points for r in results.indicators.itertuples()}
    # manual: the department's points as given
    assert points["甲", "1.1"] == 38 and points["丙", "1.1"] == 40
    # deduction: max(0, 20 − 5 × count)
    assert points["甲", "1.2"] == 20 and points["乙", "1.2"] == 15
    # checklist: 10 − 3.3 × missing; all 3 missing gives 0, not 10 − 9.9 = 0.1
    assert points["甲", "2.1"] == 10
    assert points["乙", "2.1"] == approx(6.7)
    assert points["丙", "2.1"] == 0
    # bands: 90% ≥ 0.8 → 10; 0.6 and "60%" ≥ 0.5 → 5; 0.3 → 0
    assert [points[u, "2.2"] for u in "甲乙丙丁"] == [10, 5, 0, 5]
    # target: 甲 1000/1000 → 20; 乙 threshold min(500, prior 600) = 500 → 20 × 450/500 = 18;
    # 丙 threshold min(1000, prior 400) = 400 and 800 ≥ 400 → capped at 20; 丁 no prior → 450/500
    assert [points[u, "2.3"] for u in "甲乙丙丁"] == approx([20, 18, 20, 18])
    # the value column keeps the input as given
    assert dict(zip(results.indicators["unit"] + results.indicators["indicator"],
                    results.indicators["value"]))["甲2.2"] == "90%"


def test_category_points(results):
    cats = {(r.unit, r.category): r.points for r in results.categories.itertuples()}
    assert cats["甲", "1"] == 58 and cats["甲", "2"] == 40
    assert cats["丙", "1"] == 60 and cats["丙", "2"] == 20
    assert cats["乙", "2"] == approx(29.7)


def test_department_ranking_with_a_tie(results):
    # dept_raw: 甲 98, 乙 80.7, 丙 80, 丁 80.7 → competition ranks 1, 2, 4, 2
    dept = results.dept.set_index("unit")
    assert dept["dept_raw"].to_dict() == approx({"甲": 98, "乙": 80.7, "丙": 80, "丁": 80.7})
    assert dept["dept_rank"].to_dict() == {"甲": 1, "乙": 2, "丙": 4, "丁": 2}
    # coef = 1 − 0.02 × (rank − 1)
    assert dept["dept_coef"].to_dict() == approx({"甲": 1, "乙": 0.98, "丙": 0.94, "丁": 0.98})
    # dept = raw × coef: 98; 80.7 × 0.98 = 79.086; 80 × 0.94 = 75.2
    assert dept["dept"].to_dict() == approx({"甲": 98, "乙": 79.086, "丙": 75.2, "丁": 79.086})


def test_leader_mean_leaves_blanks_out(results):
    # 甲: (90 + 92) / 2, 领导3 blank; 丙: (95 + 99 + 94) / 3 = 96
    assert by_unit(results.leader, "leader") == approx({"甲": 91, "乙": 82, "丙": 96, "丁": 82})
    assert by_unit(results.leader, "scores")["甲"] == 2


def test_grassroots_by_role(results):
    roles = {(r.unit, r.role): r.score for r in results.grassroots_roles.itertuples()}
    # 甲 职工: (100 + 100)/2 = 100 and (80 + 满意 80)/2 = 80 → 90; 工会主席: 3 → 60 (blank not counted)
    assert roles["甲", "职工"] == 90 and roles["甲", "工会主席"] == 60
    assert ("甲", "管理者") not in roles
    # 丁 职工: (100 + 60)/2 = 80 and 4 → 80; 管理者 满意 满意 → 80
    assert roles["丁", "职工"] == 80 and roles["丁", "管理者"] == 80
    # weights equal, renormalised over the roles present: 甲 (90 + 60) / 2 = 75
    assert by_unit(results.grassroots, "grassroots") == approx({"甲": 75, "乙": 80, "丙": 100, "丁": 80})
    # 丙's second 职工 answered nothing: dropped, so 丙 职工 has one respondent
    assert roles["丙", "职工"] == 100
    assert dict(zip(zip(results.grassroots_roles["unit"], results.grassroots_roles["role"]),
                    results.grassroots_roles["respondents"]))["丙", "职工"] == 1


def test_brand_reviews_trimmed_and_self_review_left_out(results):
    items = results.brand_items.set_index("item")
    # A1: 甲's own 100 left out; 80, 95, 86 are more than trim_above=2 → drop 95 and 80 → 86
    assert items.loc["A1", "score"] == 86 and items.loc["A1", "reviews"] == 3
    # B1: two reviews (not more than 2) → no trim: (70 + 90) / 2 = 80
    assert items.loc["B1", "score"] == 80 and items.loc["B1", "counted"] == 2
    # B2: 60, 100, 80 → 80; C1: 90, 95, 70 → 90; D1: 75, 85 → 80
    assert items.loc[["B2", "C1", "D1"], "score"].tolist() == [80, 90, 80]
    own = results.brand_reviews[results.brand_reviews["own"]]
    assert own[["reviewer", "item"]].values.tolist() == [["甲", "A1"]]
    assert not own["counted"].any()
    # brand = mean of the unit's items: 乙 (80 + 80) / 2
    assert by_unit(results.brand, "brand") == approx({"甲": 86, "乙": 80, "丙": 90, "丁": 80})


def test_totals_and_ranks_with_a_tie(results):
    table = results.results.set_index("unit")
    # common = 0.25 leader + 0.60 dept + 0.15 grassroots
    #   甲 22.75 + 58.8 + 11.25 = 92.8;  丙 24 + 45.12 + 15 = 84.12;  乙 = 丁 = 20.5 + 47.4516 + 12 = 79.9516
    assert table["common"].to_dict() == approx({"甲": 92.8, "丙": 84.12, "乙": 79.9516, "丁": 79.9516})
    # total = 0.7 common + 0.3 brand: 甲 64.96 + 25.8; 丙 58.884 + 27; 乙 = 丁 55.96612 + 24
    assert table["total"].to_dict() == approx({"甲": 90.76, "丙": 85.884, "乙": 79.96612, "丁": 79.96612})
    assert table["rank"].to_dict() == {"甲": 1, "丙": 2, "乙": 3, "丁": 3}
    # sorted by rank, equal ranks in the order of the units file (乙 before 丁)
    assert results.results["unit"].tolist() == ["甲", "丙", "乙", "丁"]


def test_vetoed_unit_keeps_rank_but_is_not_excellent(results):
    table = results.results.set_index("unit")
    # quota share 0.3 of 4 units → k = 1; 甲 is first but vetoed, so the one 优秀 is 丙
    assert table.loc["甲", "rank"] == 1 and bool(table.loc["甲", "vetoed"])
    assert table.loc["甲", "veto_clauses"] == "1"
    assert table["proposed_grade"].to_dict() == {"甲": "良好", "丙": "优秀", "乙": "良好", "丁": "良好"}
    assert table["grade"].equals(table["proposed_grade"])
    assert results.cutoff == approx(85.884)


def test_warnings_name_file_row_and_column(results):
    texts = {str(w) for w in results.warnings}
    assert "leader_scores.csv 第2行 列「领导3」: 领导「领导3」未给该单位评分，按未评分处理（不计入平均）" in texts
    assert "survey.csv 第9行 列「单位」: 该受访者所有题目均未作答，不计入基层评分" in texts
    assert "brand_reviews.csv 第5行 列「评分单位」: 本单位给自己的项目评分（自评），不计入互评得分" in texts

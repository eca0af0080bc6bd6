"""Each rule kind of SPEC §1.1, through its class in kaohe.rules: read, checked, scored, explained."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kaohe.problems import Code, SchemeError
from kaohe.rules import RULES, Band, Bands, Checklist, Deduction, Manual, Rule, Target
from kaohe.scheme import parse_scheme, scheme_to_dict
from tiny_year import SCHEME

NAN = math.nan


def points(rule: Rule, values, top, target=NAN, prior=NAN) -> list[float]:
    x = pd.Series(values, dtype=float)
    return rule.points(x, top, pd.Series(target, index=x.index, dtype=float),
                       pd.Series(prior, index=x.index, dtype=float)).round(6).tolist()


def flagged(rule: Rule, values, top, percent=None) -> dict[Code, list[int]]:
    """The positions of the values each check of ``rule`` refuses, by code."""
    x = pd.Series(values, dtype=float)
    written = pd.Series(percent if percent is not None else [False] * len(x))
    return {c.code: np.flatnonzero(c.mask.to_numpy(bool)).tolist()
            for c in rule.check(x, written, top) if c.mask.any()}


BANDS = Bands((Band(0.8, 10), Band(0.5, 5)))


def test_every_kind_has_one_class_with_its_words():
    assert set(RULES) == {"manual", "deduction", "checklist", "bands", "target"}
    for kind, rule in RULES.items():
        assert rule.kind == kind and rule.name and rule.given


@pytest.mark.parametrize("rule, values, top, expected", [
    (Manual(), [0, 3.5, 6], 6, [0, 3.5, 6]),
    (Deduction(0.5), [0, 1, 3, 20], 2, [2, 1.5, 0.5, 0]),  # down to 0, never below
    (Checklist(3.3, 3), [0, 1, 2, 3], 10, [10, 6.7, 3.4, 0]),  # all 3 missing gives 0
    (BANDS, [0.95, 0.8, 0.7999999999, 0.5, 0.49], 10, [10, 10, 10, 5, 0]),  # compared at 6 decimals
])
def test_points(rule, values, top, expected):
    assert points(rule, values, top) == expected


def test_target_takes_the_smaller_of_target_and_prior_and_full_points_for_a_target_of_zero():
    assert points(Target(), [450], 20, target=500) == [18.0]
    assert points(Target(), [450], 20, target=500, prior=400) == [20.0]  # 上年参保数 is smaller
    assert points(Target(), [450], 20, target=500, prior=600) == [18.0]
    assert points(Target(), [0], 20, target=0) == [20.0]


@pytest.mark.parametrize("rule, values, top, percent, expected", [
    (Manual(), [-1, 3, 7], 6, None, {Code.SCORE_NEGATIVE: [0], Code.ABOVE_FULL_MARKS: [2]}),
    (Deduction(1), [-1, 0.5, 2], 5, None, {Code.BELOW_MIN: [0], Code.NOT_INTEGER: [1]}),
    (Checklist(1, 3), [4, 3, 1.5], 5, None, {Code.ABOVE_MAX: [0], Code.NOT_INTEGER: [2]}),
    (Target(), [-5, 450, 45], 20, [False, False, True], {Code.BELOW_MIN: [0], Code.PERCENT_NOT_ALLOWED: [2]}),
    (BANDS, [85, 0.85, 0.85, 1.2], 10, [False, False, True, True],  # 85 is 85% written bare; 120% is too much
     {Code.RATIO_WITHOUT_PERCENT: [0], Code.RATIO_OUT_OF_RANGE: [3]}),
])
def test_checks(rule, values, top, percent, expected):
    assert flagged(rule, values, top, percent) == expected


@pytest.mark.parametrize("rule, x, top, target, prior, expected", [
    (Manual(), 3, 6, NAN, NAN, "直接评分"),
    (Deduction(0.5), 0, 2, NAN, NAN, "按次扣分：未发现问题"),
    (Deduction(0.5), 2, 2, NAN, NAN, "按次扣分：发现 2 次，每次扣 0.5 分"),
    (Deduction(5), 5, 20, NAN, NAN, "按次扣分：发现 5 次，每次扣 5 分，扣完为止"),
    (Checklist(0.25, 4), 1, 1, NAN, NAN, "缺项扣分：缺 1 项，每项扣 0.25 分"),
    (Checklist(0.25, 4), 4, 1, NAN, NAN, "缺项扣分：4 项全缺，不得分"),
    (BANDS, 0.45, 10, NAN, NAN, "比例 45% 未达 50% 档"),
    (BANDS, 0.6, 10, NAN, NAN, "比例 60% 达 50% 档，未达 80% 档"),
    (BANDS, 0.9, 10, NAN, NAN, "比例 90% 达 80% 档（最高档）"),
    (Target(), 450, 20, 500, NAN, "完成 450，目标 500"),
    (Target(), 450, 20, 500, 400, "完成 450，目标 400（取上年参保数；参保基数 500），已完成"),
    (Target(), 0, 20, 0, NAN, "完成目标：目标为 0，得满分"),
])
def test_reasons(rule, x, top, target, prior, expected):
    assert rule.reason(x, top, target, prior) == expected


def test_descriptions_and_template_cells():
    assert Deduction(0.5).describe() == "按次扣分（每次扣 0.5 分）"
    assert Checklist(0.25, 4).describe() == "缺项扣分（共 4 项，每缺一项扣 0.25 分）"
    assert BANDS.describe() == "比例分档（≥80% 得 10 分；≥50% 得 5 分）"
    cell = Checklist(0.25, 4).cell("1.3", 1)
    assert (cell.type, cell.operator, cell.formula1, cell.formula2) == ("whole", "between", "0", "4")
    assert "1.3" in cell.error and "0 到 4 的整数" in cell.prompt
    assert BANDS.cell("2.2", 10).formula2 == "1" and BANDS.number_format == "0.0%"


def test_the_scheme_reads_and_writes_each_kind_through_its_class():
    scheme = parse_scheme(SCHEME)
    rules = {i.id: i.rule for i in scheme.indicators}
    assert rules == {"1.1": Manual(), "1.2": Deduction(5.0), "2.1": Checklist(3.3, 3), "2.2": BANDS, "2.3": Target()}
    written = [i["rule"] for c in scheme_to_dict(scheme)["categories"] for i in c["indicators"]]
    original = [i["rule"] for c in SCHEME["categories"] for i in c["indicators"]]
    assert written == original
    assert parse_scheme(scheme_to_dict(scheme)) == scheme


def test_a_rule_with_bad_settings_is_a_scheme_problem_with_its_code():
    broken = {**SCHEME, "categories": [
        {**SCHEME["categories"][0], "indicators": [
            {**SCHEME["categories"][0]["indicators"][0], "rule": {"kind": "linear"}},
            {**SCHEME["categories"][0]["indicators"][1], "rule": {"kind": "deduction", "per": 0}},
        ]},
        {**SCHEME["categories"][1], "indicators": [
            {**i, "rule": {"kind": "bands", "bands": [{"min": 0.8, "points": 2}, {"min": 0.5, "points": 5}, {"min": 0.5}]}}
            if i["id"] == "2.2" else i for i in SCHEME["categories"][1]["indicators"]]},
    ]}
    with pytest.raises(SchemeError) as caught:
        parse_scheme(broken)
    codes = {(p.column, p.code) for p in caught.value.problems}
    assert {("指标1.1.rule", Code.RULE_UNKNOWN), ("指标1.2.rule.per", Code.SETTING_OUT_OF_RANGE),
            ("指标2.2.rule.bands[2]", Code.BAND_INCOMPLETE), ("指标2.2.rule.bands", Code.BANDS_DECREASING)} <= codes


@pytest.mark.parametrize("kind", list(RULES))
def test_sample_values_pass_their_own_checks_and_the_losing_value_loses(kind):
    scheme = parse_scheme(SCHEME)
    indicator = next(i for i in scheme.indicators if i.rule.kind == kind)
    rule, top = indicator.rule, indicator.max
    rng = np.random.default_rng(7)
    target = np.full(50, 500.0)
    values = rule.sample(np.linspace(0, 1, 50), top, target, rng).astype(float)
    assert flagged(rule, values, top) == {}
    worse = rule.losing(values[-1], top, 500.0)
    assert points(rule, [worse], top, target=500)[0] < top

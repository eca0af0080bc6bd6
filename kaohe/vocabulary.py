"""Every Chinese word kaohe shows for its own terms, in one place (the words of each rule kind
are with the rule, in :mod:`kaohe.rules`, so that a new kind is one class).

The code says unit, indicator, category, rule, points, score, rank, coefficient, grade and
veto; the inputs may say them in Chinese (:data:`HEADER_ALIASES`, mapped once, when a table
is read), and everything a user sees says them in Chinese from here.
"""

from __future__ import annotations

# Chinese headers of the input tables → the column names used in the code (SPEC §2).
HEADER_ALIASES = {
    "单位": "unit",
    "单位名称": "unit",
    "考核单位": "unit",
    "参保基数": "medical_target",
    "上年参保数": "medical_prior",
    "类别": "group",
    "基层工会": "sub_union",
    "身份": "role",
    "项目编号": "item",
    "项目名称": "title",
    "评分单位": "reviewer",
    "得分": "score",
    "否决条款": "clause",
    "说明": "note",
    "等次": "grade",
    "理由": "reason",
}
# The Chinese name each input table's file may have instead of its English one (领导评分.xlsx for
# leader_scores.xlsx); kaohe template writes these.
TABLE_NAMES = {
    "units": "单位名单",
    "leader_scores": "领导评分",
    "survey": "基层问卷",
    "brand_items": "特色品牌项目",
    "brand_reviews": "品牌互评",
    "vetoes": "一票否决",
    "grade_overrides": "等次调整",
}
# The Chinese header of each input column, for messages: the first alias of each name above.
COLUMN_NAMES = {column: header for header, column in reversed(HEADER_ALIASES.items())}

COMPONENT_NAMES = {"leader": "领导评分", "dept": "业务部门评分", "grassroots": "基层评分", "brand": "特色品牌"}

# The readings of 第八条's 2% rule: in words (the what-if controls, the method appendix) and
# as short chart labels (the stability section).
SCOPE_NAMES = {"total": "按共性指标总分排序", "category": "按每类指标分别排序", "indicator": "按每项指标分别排序"}
MODE_NAMES = {"scaled": "得分 × 名次系数", "rank_only": "该部分满分 × 名次系数（只看名次）"}
SCOPE_LABELS = {"total": "按总分排序", "category": "按类别排序", "indicator": "按指标排序"}
MODE_LABELS = {"scaled": "得分×系数", "rank_only": "只看名次"}

# Fonts for Chinese text in charts and pages, the first one a computer has (Linux, Windows, macOS);
# the report's stylesheet (templates/kaohe_report/static/kaohe.css) names the same.
FONT_STACK = '"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "SimHei", "SimSun", sans-serif'

# Chinese headers of the columns of the result tables not in results.xlsx (kaohe.outputs.xlsx.HEADERS
# has those), for Results.chinese().
MORE_HEADERS = {
    "role": "身份", "respondents": "受访人数", "member": "领导", "reviewer": "评分单位", "own": "自评", "counted": "计入",
    "scores": "评分数", "sub_union": "基层工会", "respondent": "受访者", "medical_target": "参保基数",
    "medical_prior": "上年参保数", "group": "类别", "clause": "否决条款", "note": "说明", "reason": "理由",
    "at_cutoff": "分数线附近", "override_reason": "调整理由", "number": "数值", "rank": "名次",
}


def plain_number(x) -> str:
    """A number as an analyst writes it: 2, 0.5, 1234.5 (no trailing zeros, no exponent)."""
    x = float(x)
    return str(int(x)) if x.is_integer() else f"{x:.6g}"


def percent(x: float) -> str:
    """A share as a percentage: 0.7 → 70%, 0.255 → 25.5%."""
    return f"{float(x) * 100:.4g}%"

"""What one unit is told of its results: the tables of its feedback page (单位反馈/<单位>.html).

Each function takes the scored year and one unit and returns a table with Chinese headers that
names no other unit: the others appear only as the median and the best score, and the brand
reviews without their reviewers (互评 is anonymous). ``notebooks/unit_feedback.ipynb`` shows
them; :func:`kaohe.pipeline.feedback_year` runs it for every unit.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import pandas as pd

from ..analysis.gaps import gap_to_excellent, indicator_weights
from ..explore.logic import check_unit, point_reasons, unit_brand, unit_survey
from ..vocabulary import COMPONENT_NAMES

if TYPE_CHECKING:
    from ..pipeline import Results

FOLDER = "单位反馈"  # in data/output/<year>/
UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def page_name(unit: str) -> str:
    """The file of a unit's page: its name, with the characters no file name may hold as ＿."""
    name = UNSAFE.sub("＿", unit).strip().rstrip(".")
    return f"{name or '＿'}.html"


def standing(results: "Results", unit: str) -> dict:
    """The unit's total, rank, grade and how its grade was reached, for the page's opening."""
    unit = check_unit(results, unit)
    row = results.results.set_index("unit").loc[unit]
    graded = results.grades.set_index("unit").loc[unit]
    return {
        "unit": unit,
        "total": float(row["total"]),
        "rank": int(row["rank"]),
        "units": len(results.results),
        "grade": str(row["grade"]),
        "proposed_grade": str(row["proposed_grade"]),
        "override_reason": str(graded["override_reason"]),
        "veto": "；".join((text or c).rstrip("。") for c, text in results.scheme.veto_texts(row["veto_clauses"]))
        if row["vetoed"] else "",
    }


def components(results: "Results", unit: str) -> pd.DataFrame:
    """The unit's four components and total against the median and the best of all units."""
    unit = check_unit(results, unit)
    table = results.results.set_index("unit")
    parts = ["leader", "dept", "grassroots", "brand", "total"]
    names = {**COMPONENT_NAMES, "brand": "特色品牌得分", "total": "总分"}
    return pd.DataFrame({
        "项目": [names[p] for p in parts],
        "本单位": [float(table.at[unit, p]) for p in parts],
        "全体中位数": [float(table[p].median()) for p in parts],
        "最高分": [float(table[p].max()) for p in parts],
    })


def lost_points(results: "Results", unit: str) -> pd.DataFrame:
    """Every indicator on which the unit lost points: the rule, the value its department gave,
    the points, why, and what the lost points are worth in the total
    (:func:`kaohe.analysis.gaps.indicator_weights`); the most worth first."""
    unit = check_unit(results, unit)
    reasons = point_reasons(results)
    mine = reasons[reasons["unit"].eq(unit) & reasons["lost"].gt(1e-9)]
    worth = indicator_weights(results).set_index(["unit", "indicator"])["worth"]
    mine = mine.assign(worth=[float(worth[(unit, i)]) for i in mine["indicator"]])
    mine = mine.sort_values(["worth", "indicator"], ascending=[False, True], kind="stable")
    return pd.DataFrame({
        "指标": mine["indicator"],
        "考核内容": mine["text"],
        "计分规则": mine["rule"],
        "部门填报": mine["value"].astype(str),
        "得分/满分": [f"{p:.2f}/{m:g}" for p, m in zip(mine["points"], mine["max"])],
        "失分": mine["lost"],
        "折合总分": mine["worth"],
        "说明": mine["reason"].where(mine["reason"] != mine["rule"], ""),  # 直接评分 says nothing more
    }).reset_index(drop=True)


def gap_words(results: "Results", unit: str) -> str:
    """How far the unit's total is from the 优秀 cut-off (:func:`kaohe.analysis.gaps.gap_to_excellent`), in words."""
    unit = check_unit(results, unit)
    row = gap_to_excellent(results).set_index("unit").loc[unit]
    top = results.scheme.top_grade
    if math.isnan(row["gap"]) and results.results.set_index("unit").at[unit, "vetoed"]:
        return f"本单位被一票否决，取消当年评优资格，不参加{top}评定。"
    if math.isnan(row["cutoff"]):
        return f"本年度没有{top}名额。"
    if row["gap"] == 0:
        return f"本单位总分达到{top}分数线（{row['cutoff']:.2f} 分）。"
    return f"本单位总分距{top}分数线（{row['cutoff']:.2f} 分）还差 {row['gap']:.2f} 分。"


def brand(results: "Results", unit: str) -> pd.DataFrame:
    """The unit's brand items, one row each, with the reviews without their reviewers' names:
    the scores that counted and those dropped as the highest or lowest (or as self-reviews)."""
    items, reviews = unit_brand(results, unit)
    reviews = reviews.sort_values("score", ascending=False, kind="stable")

    def scores(item, *statuses):
        chosen = reviews[reviews["item"].eq(item) & reviews["status"].isin(statuses)]["score"]
        return "、".join(f"{x:g}" for x in chosen)

    return pd.DataFrame({
        "项目": [f"{i} {t}".strip() for i, t in zip(items["item"], items["title"])],
        "评分数": items["reviews"],
        "计入的评分": [scores(i, "计入") for i in items["item"]],
        "去掉的最高分、最低分": [scores(i, "去掉的最高分", "去掉的最低分") for i in items["item"]],
        "得分": items["score"],
    })


def survey(results: "Results", unit: str) -> pd.DataFrame:
    """The unit's 基层问卷 by role: respondents, the role's score and its weight."""
    table = unit_survey(results, unit)
    return pd.DataFrame({"身份": table["role"].astype(str), "受访人数": table["respondents"],
                         "得分": table["score"], "权重": table["weight"]})

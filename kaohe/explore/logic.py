"""Exploring a scored year in JupyterLab: a unit's score card, what-if schemes, one indicator.

The logic lives here as plain functions of :class:`~kaohe.pipeline.Results` that return
tables and plotly figures (tested in ``tests/test_explore.py``); the ``*_widget`` functions
of :mod:`.widgets` only wire ipywidgets controls to them and keep the last result as an attribute::

    from kaohe import explore
    results = kaohe.load_year(2019, "../data")
    explore.score_card_widget(results)        # pick a unit → rank, waterfall, radar, reasons
    explore.what_if_widget(results, "../data")  # change the scheme → the ranking recomputed
    explore.indicator_widget(results)         # pick an indicator → points over units

Nothing here needs :func:`kaohe.report.setup_notebook`: a widget shows each figure as plotly's
own JSON mimetype with its text escaped once (:func:`kaohe.report.escape_figure`) and each
table as escaped HTML, so a unit called ``<b>`` is shown as written. To show one of the
figures by hand, use :func:`show_figure` rather than ``fig.show()``.

What-if never re-reads the inputs: a variant scheme is scored with
:func:`kaohe.pipeline.score` on the validated inputs of the official year, and can be saved
as YAML for the record under ``data/output/<year>/`` (never under ``data/raw/``).
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..analysis.charts import COMPONENT_COLOURS, labels, layout, rule_text
from ..pipeline import Results, score
from ..problems import Code, KaoheError, Problem, SchemeError, UsageError
from ..report.page import FIGURE_CONFIG, esc, escape_figure, format_html, table_html
from ..scheme import COMPONENTS, Indicator, Quota, Scheme, Trim, dump_scheme, load_scheme, parse_scheme, scheme_to_dict
from ..scoring import effective_weights
from ..version import version
from ..vocabulary import COMPONENT_NAMES, MODE_NAMES, SCOPE_NAMES, percent, plain_number

VARIANT = "方案变体"  # the "file" named in problems of a what-if scheme
QUOTA_NAMES = {"share": "按比例", "count": "按个数", "min_total": "按最低总分"}
PLOTLY_MIME = "application/vnd.plotly.v1+json"
GRADE_CHANGED = "background-color: #FFF3B0"
UP, DOWN = "color: #2E7D32; font-weight: bold", "color: #C8102E; font-weight: bold"


# -- showing figures and tables escaped ----------------------------------------------------


def figure_output(fig: go.Figure) -> dict:
    """A ``display_data`` output record for ``fig``: plotly JSON with every text escaped."""
    import plotly.io as pio

    spec = json.loads(pio.to_json(escape_figure(fig.to_dict()), validate=False))
    spec["config"] = dict(FIGURE_CONFIG)
    title = (fig.layout.title.text or "") if fig.layout.title else ""
    return {
        "output_type": "display_data",
        "data": {PLOTLY_MIME: spec, "text/plain": f"<图表：{title}>"},
        "metadata": {},
    }


def html_output(markup: str) -> dict:
    """A ``display_data`` output record for HTML the caller has already escaped."""
    return {"output_type": "display_data", "data": {"text/html": markup, "text/plain": ""}, "metadata": {}}


def show_figure(fig: go.Figure) -> None:
    """Display ``fig`` in a notebook with its text escaped (instead of ``fig.show()``)."""
    from IPython.display import display

    record = figure_output(fig)
    display(record["data"], raw=True)


# -- why a unit got the points it got ------------------------------------------------------


def point_reason(indicator: Indicator, number: float, target: float = math.nan, prior: float = math.nan) -> str:
    """Why a unit got its points on one indicator: the rule and the input value (SPEC §1.1,
    :meth:`kaohe.rules.Rule.reason`).

    e.g. ``按次扣分：发现 2 次，每次扣 0.5 分``, ``缺项扣分：缺 1 项，每项扣 0.25 分``,
    ``比例 45% 未达 50% 档``, ``完成 450，目标 500``, ``直接评分``. ``target`` and ``prior`` are
    the unit's 参保基数 and 上年参保数 (for ``target`` rules).
    """
    return indicator.rule.reason(float(number), indicator.max, target, prior)


def point_reasons(results: Results) -> pd.DataFrame:
    """Every unit × indicator with its points, points lost and why, in the order of 附件2.

    Columns ``unit, indicator, category, text, rule, value, number, points, max, lost, reason``
    (+ ``rank, coef, scaled`` when the department ranking is done per indicator).
    """
    info = {i.id: i for i in results.scheme.indicators}
    units = results.units.set_index("unit")
    table = results.indicators.copy()
    target = table["unit"].map(units["medical_target"]).astype(float)
    prior = table["unit"].map(units["medical_prior"]).astype(float)
    table["text"] = table["indicator"].map({k: i.text for k, i in info.items()})
    table["rule"] = table["indicator"].map({k: i.rule.name for k, i in info.items()})
    table["lost"] = (table["max"] - table["points"]).clip(lower=0)
    table["reason"] = [
        point_reason(info[i], n, t, p)
        for i, n, t, p in zip(table["indicator"], table["number"], target, prior)
    ]
    extra = [c for c in ("rank", "coef", "scaled") if c in table.columns]
    columns = ["unit", "indicator", "category", "text", "rule", "value", "number", "points", "max", "lost", "reason"]
    return table[columns + extra].reset_index(drop=True)


# -- 1. a unit's score card ----------------------------------------------------------------


@dataclass
class UnitCard:
    """Everything the score card shows for one unit."""

    unit: str
    rank: int
    units: int
    total: float
    grade: str
    proposed_grade: str
    vetoed: bool
    veto: str  # the veto clauses and notes, in words
    override_reason: str
    at_cutoff: bool
    contributions: pd.DataFrame  # component, name, score, weight, points
    attainment: pd.DataFrame  # category, name, share, median
    indicators: pd.DataFrame  # the unit's rows of point_reasons
    survey: pd.DataFrame  # role, respondents, score, weight
    brand_items: pd.DataFrame  # item, title, reviews, counted, score
    brand_reviews: pd.DataFrame  # item, reviewer, score, status
    waterfall: go.Figure
    radar: go.Figure


def check_unit(results: Results, unit: str) -> str:
    """``unit`` if it is assessed this year, else :class:`UsageError` naming the closest one."""
    known = [str(u) for u in results.results["unit"]]
    if unit in known:
        return unit
    close = difflib.get_close_matches(str(unit), known, n=1, cutoff=0.0)
    hint = f"，是否应为「{close[0]}」？" if close else ""
    raise UsageError(f"{results.year} 年度没有单位「{unit}」{hint}")


def contributions(results: Results, unit: str) -> pd.DataFrame:
    """A unit's total split into its weighted components (第七条): they add up to the total.

    ``score`` is the component on 0–100, ``weight`` its share of the total (e.g. 领导评分
    0.7 × 0.25 = 0.175), ``points`` = score × weight.
    """
    row = results.results.set_index("unit").loc[check_unit(results, unit)]
    weights = effective_weights(results.scheme)
    table = pd.DataFrame({
        "component": list(weights),
        "name": [COMPONENT_NAMES[k] for k in weights],
        "score": [float(row[k]) for k in weights],
        "weight": list(weights.values()),
    })
    table["points"] = table["score"] * table["weight"]
    return table


def waterfall_chart(table: pd.DataFrame, total: float, unit: str) -> go.Figure:
    """Waterfall from each weighted component of :func:`contributions` to the total."""
    names = list(table["name"]) + ["总分"]
    custom = [f"{n} {s:.2f} × {w:.1%}" for n, s, w in zip(table["name"], table["score"], table["weight"])]
    fig = go.Figure(go.Waterfall(
        x=names,
        y=list(table["points"]) + [total],
        measure=["relative"] * len(table) + ["total"],
        text=[f"+{p:.2f}" for p in table["points"]] + [f"{total:.2f}"],
        textposition="outside",
        customdata=custom + ["总分"],
        hovertemplate="%{customdata}<br>= %{y:.2f}<extra></extra>",
        increasing={"marker": {"color": COMPONENT_COLOURS["dept"]}},
        totals={"marker": {"color": "#4C4C4C"}},
        connector={"line": {"color": "#BAB0AC"}},
    ))
    fig.update_layout(yaxis={"title": "得分（按权重折算）", "range": [0, 108]}, showlegend=False)
    return layout(fig, f"{unit}：总分由哪几部分构成", height=420)


def attainment(results: Results, unit: str) -> pd.DataFrame:
    """Per category of 附件2: the unit's points ÷ the category maximum, and the median unit's."""
    check_unit(results, unit)
    c = results.categories.assign(share=lambda d: d["points"] / d["max"])
    median = c.groupby("category", sort=False)["share"].median()
    mine = c[c["unit"].eq(unit)].set_index("category")["share"]
    order = [cat.id for cat in results.scheme.categories]
    return pd.DataFrame({
        "category": order,
        "name": [cat.name for cat in results.scheme.categories],
        "share": [float(mine[k]) for k in order],
        "median": [float(median[k]) for k in order],
    })


def radar_chart(table: pd.DataFrame, unit: str) -> go.Figure:
    """Radar of category attainment (%) of the unit against the median over all units."""
    theta = labels(f"{k} {n}" for k, n in zip(table["category"], table["name"]))
    closed = theta + theta[:1]
    fig = go.Figure()
    for column, name, colour, dash, fill in (
        ("median", "各单位中位数", "#7F7F7F", "dash", None),
        ("share", unit, "#C8102E", "solid", "toself"),
    ):
        r = list(table[column] * 100)
        fig.add_trace(go.Scatterpolar(
            r=r + r[:1], theta=closed, name=str(name), mode="lines+markers", fill=fill,
            line={"color": colour, "dash": dash}, opacity=0.85,
            hovertemplate="%{theta}<br>得分率 %{r:.1f}%<extra>%{fullData.name}</extra>",
        ))
    fig.update_layout(polar={"radialaxis": {"range": [0, 100], "ticksuffix": "%"}})
    return layout(fig, f"{unit}：各类指标得分率（得分 ÷ 该类满分）", height=460)


def unit_survey(results: Results, unit: str) -> pd.DataFrame:
    """The unit's 基层评分 by role: respondents, role score and its weight among roles present."""
    check_unit(results, unit)
    g = results.grassroots_roles
    table = g[g["unit"].eq(unit)][["role", "respondents", "score"]].reset_index(drop=True)
    weight = table["role"].map(results.scheme.role_weights).astype(float)
    table["weight"] = weight / weight.sum() if weight.sum() > 0 else weight
    return table


def unit_brand(results: Results, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The unit's brand items and every review of them, each marked 计入, 去掉的最高分 or
    最低分 (去掉一个最高分和一个最低分), or 自评（不计入）."""
    check_unit(results, unit)
    items = results.brand_items
    items = items[items["unit"].eq(unit)][["item", "title", "reviews", "counted", "score"]].reset_index(drop=True)
    reviews = results.brand_reviews
    others = reviews[~reviews["own"]]
    low = others.groupby("item", sort=False)["score"].rank(method="first", ascending=True)
    trim = results.scheme.brand_trim.trim
    status = pd.Series("计入", index=reviews.index, dtype=object)
    status[reviews["own"]] = "自评（不计入）"
    dropped = ~reviews["own"] & ~reviews["counted"]
    status[dropped] = np.where(low.reindex(reviews.index)[dropped] <= trim, "去掉的最低分", "去掉的最高分")
    mine = reviews["unit"].eq(unit)
    table = pd.DataFrame({
        "item": reviews.loc[mine, "item"],
        "reviewer": reviews.loc[mine, "reviewer"],
        "score": reviews.loc[mine, "score"],
        "status": status[mine],
    })
    order = {item: k for k, item in enumerate(items["item"])}
    table = table.assign(_o=table["item"].map(order)).sort_values("_o", kind="stable").drop(columns="_o")
    return items, table.reset_index(drop=True)


def unit_card(results: Results, unit: str, reasons: pd.DataFrame | None = None) -> UnitCard:
    """The score card of one unit: rank and grade, waterfall, radar, indicator reasons, survey,
    brand items. ``reasons`` may pass :func:`point_reasons` computed once for the year."""
    unit = check_unit(results, unit)
    row = results.results.set_index("unit").loc[unit]
    graded = results.grades.set_index("unit").loc[unit]
    reasons = point_reasons(results) if reasons is None else reasons
    parts = contributions(results, unit)
    share = attainment(results, unit)
    items, reviews = unit_brand(results, unit)
    return UnitCard(
        unit=unit,
        rank=int(row["rank"]),
        units=len(results.results),
        total=float(row["total"]),
        grade=str(row["grade"]),
        proposed_grade=str(row["proposed_grade"]),
        vetoed=bool(row["vetoed"]),
        veto=veto_text(results, unit),
        override_reason=str(graded["override_reason"]),
        at_cutoff=bool(graded["at_cutoff"]),
        contributions=parts,
        attainment=share,
        indicators=reasons[reasons["unit"].eq(unit)].drop(columns="unit").reset_index(drop=True),
        survey=unit_survey(results, unit),
        brand_items=items,
        brand_reviews=reviews,
        waterfall=waterfall_chart(parts, float(row["total"]), unit),
        radar=radar_chart(share, unit),
    )


def veto_text(results: Results, unit: str) -> str:
    """Why a unit is vetoed (附件2 第9项), in words; empty when it is not."""
    clauses = {c.id: c.text for c in results.scheme.veto_clauses}
    vetoes = results.inputs.vetoes
    parts = []
    for v in vetoes[vetoes["unit"].eq(unit)].itertuples():
        text = f"第{v.clause}项「{clauses.get(v.clause, '')}」"
        parts.append(text + (f"：{v.note}" if isinstance(v.note, str) and v.note else ""))
    return "；".join(parts)


def card_outputs(card: UnitCard) -> tuple[dict, ...]:
    """The score card as output records: headline, waterfall, radar, then the tables."""
    headline = format_html(
        "<h3>{unit}</h3><p>第 <b>{rank}</b> 名（共 {units} 个单位）　总分 <b>{total:.2f}</b>　"
        "考核等次 <b>{grade}</b>",
        unit=card.unit, rank=card.rank, units=card.units, total=card.total, grade=card.grade,
    )
    if card.grade != card.proposed_grade:
        headline += format_html("（初步等次 {p}，会议调整：{r}）", p=card.proposed_grade, r=card.override_reason)
    headline += "</p>"
    if card.vetoed:
        headline += format_html("<p class='kaohe-flag'>一票否决（保留得分和名次，取消当年评优资格）：{v}</p>",
                                v=card.veto)
    if card.at_cutoff:
        headline += "<p class='kaohe-flag'>总分与优秀分数线并列或接近，请会议关注。</p>"
    ind = card.indicators
    lost = ind[ind["lost"] > 1e-9]
    indicator_table = pd.DataFrame({
        "指标": ind["indicator"], "考核内容": ind["text"], "计分规则": ind["rule"], "输入值": ind["value"],
        "得分": ind["points"], "满分": ind["max"], "失分": ind["lost"], "说明": ind["reason"],
    })
    if "coef" in ind.columns:
        indicator_table["指标名次"] = ind["rank"]
        indicator_table["名次系数"] = ind["coef"]
    survey = card.survey.rename(columns={"role": "身份", "respondents": "受访人数", "score": "得分", "weight": "权重"})
    items = card.brand_items.rename(columns={
        "item": "项目编号", "title": "项目名称", "reviews": "互评数", "counted": "计入数", "score": "项目得分"})
    reviews = card.brand_reviews.rename(columns={
        "item": "项目编号", "reviewer": "评分单位", "score": "得分", "status": "处理"})
    caption = f"指标得分与失分原因（失分 {len(lost)} 项，合计 {lost['lost'].sum():.2f} 分）"
    brand = (table_html(items, caption="特色品牌项目", decimals=2) + table_html(reviews, caption="每条互评"))
    if items.empty:
        brand = "<p>本单位未申报特色品牌项目，品牌得分为 0。</p>"
    return (
        html_output(headline),
        figure_output(card.waterfall),
        figure_output(card.radar),
        html_output(table_html(indicator_table, caption=caption, decimals=2)),
        html_output(table_html(survey, caption="基层问卷（按身份）", decimals=2)),
        html_output(brand),
    )


# -- 2. what-if: the ranking under another scheme -----------------------------------------


def normalised(weights: Mapping[str, float], what: str = "权重") -> dict[str, float]:
    """Weights divided by their sum, so they sum to 1; unchanged when they already do."""
    total = float(sum(weights.values()))
    if not total > 0:
        raise SchemeError([Problem.of(Code.WEIGHTS_ALL_ZERO, VARIANT, what=what)])
    if math.isclose(total, 1.0, rel_tol=0, abs_tol=1e-9):
        return {k: float(v) for k, v in weights.items()}
    return {k: float(v) / total for k, v in weights.items()}


def variant_scheme(
    scheme: Scheme,
    *,
    component_weights: Mapping[str, float] | None = None,
    common_weight: float | None = None,
    brand_weight: float | None = None,
    step: float | None = None,
    scope: str | None = None,
    mode: str | None = None,
    leader_trim: Trim | None = None,
    brand_trim: Trim | None = None,
    quota: Quota | None = None,
) -> Scheme:
    """A copy of ``scheme`` with some settings changed, checked as ``scheme.yaml`` would be.

    The leader/dept/grassroots weights and the common/brand pair are each renormalised to sum
    to 1. Raises :class:`SchemeError` listing every problem.
    """
    changes: dict[str, Any] = {}
    if component_weights is not None:
        raw = {k: component_weights[k] for k in COMPONENTS}
        changes["component_weights"] = normalised(raw, "领导、业务部门、基层评分的权重")
    if common_weight is not None or brand_weight is not None:
        pair = normalised({
            "common": scheme.common_weight if common_weight is None else common_weight,
            "brand": scheme.brand_weight if brand_weight is None else brand_weight,
        }, "共性工作与特色品牌工作的权重")
        changes["common_weight"], changes["brand_weight"] = pair["common"], pair["brand"]
    ranking = {k: v for k, v in (("step", step), ("scope", scope), ("mode", mode)) if v is not None}
    if ranking:
        changes["dept_ranking"] = replace(scheme.dept_ranking, **ranking)
    if leader_trim is not None:
        changes["leader_trim"] = Trim(int(leader_trim.trim), int(leader_trim.above))
    if brand_trim is not None:
        changes["brand_trim"] = Trim(int(brand_trim.trim), int(brand_trim.above))
    if quota is not None:
        value = int(round(quota.value)) if quota.kind == "count" else float(quota.value)
        changes["quota"] = Quota(quota.kind, value)
    variant = scheme.with_options(**changes)
    parse_scheme(scheme_to_dict(variant), name=VARIANT)  # the checks of load_scheme
    return variant


@dataclass
class WhatIf:
    """A variant scheme, the year rescored under it, and its ranking against the official one."""

    scheme: Scheme
    results: Results
    table: pd.DataFrame  # see compare_ranking
    changes: list[str] = field(default_factory=list)
    moves: pd.DataFrame | None = None  # the units whose rank moved and why (kaohe.explore.whatif.rank_moves)


def what_if(results: Results, scheme: Scheme, inputs=None) -> WhatIf:
    """Rescore the year's validated inputs (or ``inputs``, some of them edited:
    :func:`kaohe.explore.whatif.edit_inputs`) under ``scheme`` and compare with the official run."""
    from .whatif import rank_moves

    variant = score(results.inputs if inputs is None else inputs, scheme)
    return WhatIf(scheme, variant, compare_ranking(results, variant), scheme_changes(results.scheme, scheme),
                  rank_moves(results, variant))


def compare_ranking(official: Results, variant: Results) -> pd.DataFrame:
    """The variant ranking against the official one, sorted by the variant rank.

    Columns ``unit, rank, rank_official, rank_change, total, total_official, total_change,
    grade, grade_official, grade_changed, vetoed``; ``rank_change`` = official − variant rank
    (positive = moved up); grades are the proposed 初步等次 (the meeting's overrides aside).
    """
    before = official.results.set_index("unit")
    after = variant.results
    table = pd.DataFrame({
        "unit": after["unit"],
        "rank": after["rank"].astype("int64"),
        "rank_official": after["unit"].map(before["rank"]).astype("int64"),
        "total": after["total"],
        "total_official": after["unit"].map(before["total"]).astype(float),
        "grade": after["proposed_grade"].astype(str),
        "grade_official": after["unit"].map(before["proposed_grade"]).astype(str),
        "vetoed": after["vetoed"].astype(bool),
    })
    table["rank_change"] = table["rank_official"] - table["rank"]
    table["total_change"] = table["total"] - table["total_official"]
    table["grade_changed"] = table["grade"].ne(table["grade_official"])
    columns = ["unit", "rank", "rank_official", "rank_change", "total", "total_official", "total_change",
               "grade", "grade_official", "grade_changed", "vetoed"]
    return table[columns].reset_index(drop=True)


def comparison_html(table: pd.DataFrame) -> str:
    """:func:`compare_ranking` as an escaped, styled HTML table: rank moves in colour, rows
    whose grade changes highlighted."""
    def grade(column):
        return table[column].where(~table["vetoed"], table[column] + "（一票否决）")

    shown = pd.DataFrame({
        "名次": table["rank"],
        "单位": table["unit"],
        "总分": table["total"],
        "正式名次": table["rank_official"],
        "名次变化": table["rank_change"],
        "正式总分": table["total_official"],
        "总分变化": table["total_change"],
        "初步等次": grade("grade"),
        "正式方案初步等次": grade("grade_official"),
    })
    changed = table["grade_changed"].to_numpy()
    styler = (
        shown.style.hide(axis="index")
        .format({"总分": "{:.2f}", "正式总分": "{:.2f}", "名次变化": _rank_move, "总分变化": "{:+.2f}"},
                escape="html")
        .format_index(escape="html", axis=1)
        .apply(lambda row: [GRADE_CHANGED if changed[row.name] else ""] * len(row), axis=1)
        .map(lambda v: UP if v > 0 else DOWN if v < 0 else "", subset=["名次变化"])
        .set_table_attributes('class="kaohe-table kaohe-what-if"')
    )
    return styler.to_html()


def _rank_move(change: int) -> str:
    return "—" if change == 0 else f"↑{change}" if change > 0 else f"↓{-change}"


def _trim_words(trim: Trim) -> str:
    return "不去分" if trim.trim == 0 else f"多于 {trim.above} 个时去掉最高、最低各 {trim.trim} 个"


def _quota_words(quota: Quota) -> str:
    if quota.kind == "share":
        return f"参评单位的 {percent(quota.value)}（向下取整）"
    if quota.kind == "count":
        return f"{plain_number(quota.value)} 个"
    return f"总分不低于 {plain_number(quota.value)} 分"


SETTINGS = (
    ("共性工作权重", lambda s: s.common_weight, percent),
    ("特色品牌工作权重", lambda s: s.brand_weight, percent),
    ("领导评分权重（共性工作内）", lambda s: s.component_weights["leader"], percent),
    ("业务部门评分权重（共性工作内）", lambda s: s.component_weights["dept"], percent),
    ("基层评分权重（共性工作内）", lambda s: s.component_weights["grassroots"], percent),
    ("名次系数步长", lambda s: s.dept_ranking.step, plain_number),
    ("排序口径", lambda s: s.dept_ranking.scope, SCOPE_NAMES.get),
    ("系数用法", lambda s: s.dept_ranking.mode, MODE_NAMES.get),
    ("领导评分去分", lambda s: s.leader_trim, _trim_words),
    ("品牌互评去分", lambda s: s.brand_trim, _trim_words),
    ("优秀名额", lambda s: s.quota, _quota_words),
)
_SETTING_FIELDS = ("common_weight", "brand_weight", "component_weights", "dept_ranking", "leader_trim",
                   "brand_trim", "quota")


def scheme_changes(official: Scheme, variant: Scheme) -> list[str]:
    """The settings of ``variant`` that differ from ``official``, in words (``名次系数步长：0.02 → 0.05``)."""
    changes = [
        f"{name}：{words(get(official))} → {words(get(variant))}"
        for name, get, words in SETTINGS
        if get(official) != get(variant)
    ]
    if replace(variant, **{f: getattr(official, f) for f in _SETTING_FIELDS}) != official:
        changes.append("其他设定（指标体系、问卷、等次名称等）也有改动")
    return changes


def what_if_outputs(result: WhatIf | None, problems: list[Problem] = ()) -> tuple[dict, ...]:
    """The what-if view as output records: what changed, then the compared ranking."""
    if result is None:
        items = "".join(f"<li>{esc(p.message)}</li>" for p in problems)
        return (html_output(f"<p class='kaohe-flag'>这组设定无法计分：</p><ul>{items}</ul>"),)
    if result.changes:
        moved = int((result.table["rank_change"] != 0).sum())
        regraded = int(result.table["grade_changed"].sum())
        head = (
            "<p>相对正式方案的改动：</p><ul>" + "".join(f"<li>{esc(c)}</li>" for c in result.changes) + "</ul>"
            + f"<p>名次变化的单位 <b>{moved}</b> 个，初步等次变化的单位 <b>{regraded}</b> 个（黄色底标出）。</p>"
        )
    else:
        head = "<p>与正式方案相同，排名与正式结果一致。</p>"
    outputs = [html_output(head), html_output(comparison_html(result.table))]
    if result.moves is not None and len(result.moves):
        outputs.append(html_output(table_html(result.moves, caption="名次变化的单位：各部分（加权后）各变了多少", decimals=2)))
    return tuple(outputs)


def save_variant(
    scheme: Scheme,
    data_dir: str | Path = "data",
    path: str | Path | None = None,
    *,
    official: Scheme | None = None,
    now: datetime | None = None,
) -> Path:
    """Save a variant scheme as YAML for the record and return its path.

    Default ``data/variants/<year>/方案变体-<timestamp>.yaml``; never under ``data/raw/`` and
    never over an existing file. The file starts with comments saying what changed and loads
    back with :func:`~kaohe.scheme.load_scheme` to an equal scheme (checked after writing).
    """
    data_dir = Path(data_dir)
    now = now or datetime.now()
    if path is None or not str(path).strip():
        folder = variants_folder(scheme.year, data_dir)
        stamp = now.strftime("%Y%m%d-%H%M%S")
        candidates = [folder / f"{VARIANT}-{stamp}.yaml"] + [folder / f"{VARIANT}-{stamp}-{k}.yaml" for k in range(2, 100)]
        path = next((p for p in candidates if not p.exists()), candidates[-1])
    path = Path(path)
    if path.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(f"方案变体应保存为 .yaml 文件，而不是「{path.name}」")
    raw = (data_dir / "raw").resolve()
    if path.resolve().is_relative_to(raw):
        raise UsageError(f"不能把方案变体写入原始数据文件夹 {(data_dir / 'raw').as_posix()}/，请另选位置")
    official_changes = scheme_changes(official, scheme) if official is not None else []
    header = [
        f"# {VARIANT}（推演用，不是正式方案）：{scheme.title}",
        f"# 保存于 {now:%Y-%m-%d %H:%M:%S}，kaohe {version()}",
    ]
    if official is not None:
        header.append("# 相对正式方案的改动：" + ("无" if not official_changes else ""))
        header += [f"#   - {c}" for c in official_changes]
    header = [" ".join(line.splitlines()) for line in header]  # a newline would end the comment
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(header) + "\n" + dump_scheme(scheme))
    except FileExistsError:
        raise UsageError(f"文件 {path} 已存在，不覆盖；请换一个文件名") from None
    if load_scheme(path) != scheme:
        path.unlink()
        raise KaoheError(f"保存的方案变体读回后与原方案不一致，已删除 {path}")
    return path


def variants_folder(year: int, data_dir: str | Path = "data") -> Path:
    """Where what-if variants of a year are saved by default: ``data/variants/<year>/``."""
    return Path(data_dir) / "variants" / str(year)


def saved_variants(year: int, data_dir: str | Path = "data") -> list[Path]:
    """The variants saved for ``year`` in :func:`variants_folder`, oldest first (by name: the time)."""
    folder = variants_folder(year, data_dir)
    return sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []


def variants_table(official: Results, data_dir: str | Path = "data") -> pd.DataFrame:
    """The saved variants of the year with what each changes against the official scheme
    (Chinese headers 文件 / 改动; a file that does not load says why)."""
    rows = []
    for path in saved_variants(official.year, data_dir):
        try:
            changes = "；".join(scheme_changes(official.scheme, load_variant(path, official))) or "与正式方案相同"
        except KaoheError as e:
            changes = f"无法读取：{e}"
        rows.append({"文件": path.name, "改动": changes})
    return pd.DataFrame(rows, columns=["文件", "改动"])


def load_variant(path: str | Path, official: Results) -> Scheme:
    """A saved variant scheme, checked to be of the same year and indicator system as ``official``."""
    try:
        scheme = load_scheme(path)
    except SchemeError as e:
        raise SchemeError([replace(p, file=Path(path).name) for p in e.problems]) from None
    same = replace(scheme, **{f: getattr(official.scheme, f) for f in _SETTING_FIELDS})
    if scheme.year != official.year or same.categories != official.scheme.categories:
        raise UsageError(f"{Path(path).name} 不是 {official.year} 年度这一指标体系的方案变体，不能载入")
    return scheme


# -- 3. one indicator over all units -------------------------------------------------------


@dataclass
class IndicatorView:
    """One indicator: its rule, every unit's points sorted, how many units got each score."""

    indicator: Indicator
    category: str
    rule: str
    table: pd.DataFrame  # unit, value, points, max, lost, reason (+ rank, coef, scaled), best first
    counts: pd.DataFrame  # points, units
    chart: go.Figure


def indicator_view(results: Results, indicator_id: str, reasons: pd.DataFrame | None = None) -> IndicatorView:
    """The distribution of one indicator's points over the units, with its rule (附件2)."""
    ids = results.scheme.indicator_ids
    if indicator_id not in ids:
        close = difflib.get_close_matches(str(indicator_id), ids, n=1, cutoff=0.0)
        raise UsageError(f"没有指标「{indicator_id}」" + (f"，是否应为「{close[0]}」？" if close else ""))
    indicator = results.scheme.indicator(indicator_id)
    reasons = point_reasons(results) if reasons is None else reasons
    rows = reasons[reasons["indicator"].eq(indicator_id)]
    table = rows.drop(columns=["indicator", "category", "text", "rule", "number"])
    table = table.sort_values("points", ascending=False, kind="stable").reset_index(drop=True)
    counts = table.groupby("points", sort=True).size().rename("units").reset_index()
    counts = counts.sort_values("points", ascending=False).reset_index(drop=True)
    category = next(c.name for c in results.scheme.categories if c.id == indicator.category)
    return IndicatorView(indicator, category, rule_text(indicator.rule), table, counts,
                         indicator_chart(table, indicator))


def indicator_chart(table: pd.DataFrame, indicator: Indicator) -> go.Figure:
    """Every unit's points on one indicator, best first, coloured by full / part / no marks."""
    top = indicator.max
    colour = np.where(table["lost"] <= 1e-9, "#54A24B", np.where(table["points"] <= 1e-9, "#E45756", "#F58518"))
    fig = go.Figure(go.Bar(
        x=labels(table["unit"]), y=table["points"], marker_color=colour,
        customdata=np.column_stack([labels(table["value"]), labels(table["reason"])]),
        hovertemplate="%{x}<br>输入值 %{customdata[0]}<br>得分 %{y:.2f}<br>%{customdata[1]}<extra></extra>",
    ))
    fig.add_hline(y=top, line_dash="dash", line_color="#4C4C4C", annotation_text=f"满分 {plain_number(top)}",
                  annotation_position="top left")
    fig.update_layout(yaxis={"title": "得分", "range": [0, top * 1.12 if top > 0 else 1]},
                      xaxis={"tickangle": -45}, showlegend=False)
    return layout(fig, f"指标 {indicator.id}：各单位得分（从高到低）", height=440)


def indicator_outputs(view: IndicatorView) -> tuple[dict, ...]:
    """The indicator view as output records: rule, chart, score counts, every unit's reason."""
    i, t = view.indicator, view.table
    head = format_html(
        "<h3>指标 {id}（{category}）</h3><p>{text}</p><p>满分 <b>{top}</b>，评分部门 {dept}，计分规则：{rule}。"
        "满分单位 {full} 个，失分单位 {lost} 个，失分合计 {total:.2f}。</p>",
        id=i.id, category=view.category, text=i.text, top=plain_number(i.max), dept=i.department, rule=view.rule,
        full=int((t["lost"] <= 1e-9).sum()), lost=int((t["lost"] > 1e-9).sum()), total=float(t["lost"].sum()),
    )
    units = pd.DataFrame({"单位": t["unit"], "输入值": t["value"], "得分": t["points"], "失分": t["lost"],
                          "说明": t["reason"]})
    if "coef" in t.columns:
        units["指标名次"], units["名次系数"] = t["rank"], t["coef"]
    counts = view.counts.rename(columns={"points": "得分", "units": "单位数"})
    return (
        html_output(head),
        figure_output(view.chart),
        html_output(table_html(counts, caption="得分分布", decimals=2)),
        html_output(table_html(units, caption="各单位得分与说明", decimals=2)),
    )

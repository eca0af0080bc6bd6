"""Figures and tables the notebooks show, built from a scored year without recomputing it.

Every function takes :class:`~kaohe.pipeline.Results` (or its tables) and returns a plotly
figure or a DataFrame with Chinese headers. Unit names and titles go into the figures as
they are: the report's renderer (:func:`kaohe.report.escape_figure`) escapes every text once,
so a name like ``<b>`` is shown as written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..outputs import xlsx
from ..scheme import Scheme
from ..scoring import effective_weights
from ..vocabulary import COMPONENT_NAMES, FONT_STACK, MODE_NAMES, SCOPE_LABELS, SCOPE_NAMES

COMPONENT_COLOURS = {"leader": "#4C78A8", "dept": "#72B7B2", "grassroots": "#F58518", "brand": "#B279A2"}
TOP_COLOUR, OTHER_COLOUR, VETO_COLOUR = "#C8102E", "#7F7F7F", "#000000"
ROLE_COLOURS = ["#4C78A8", "#F58518", "#54A24B"]  # the survey's roles, in the report's palette
VETOED = "一票否决"


def labels(values) -> list[str]:
    return [str(v) for v in values]


def layout(fig: go.Figure, title: str, height: int | None = None, *, legend: bool = True) -> go.Figure:
    """The house style of every kaohe figure: title, CJK font, margins, a legend above on the right."""
    fig.update_layout(
        title={"text": title, "x": 0.01},
        font={"family": FONT_STACK, "size": 13},
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        height=height,
    )
    if legend:
        fig.update_layout(
            legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "right", "x": 1}
        )
    return fig


def contributions(results) -> pd.DataFrame:
    """Each unit's total split into the weighted components that add up to it."""
    t = results.results
    share = effective_weights(results.scheme)
    return pd.DataFrame({
        "unit": t["unit"],
        **{part: share[part] * t[part] for part in share},
        "total": t["total"],
        "grade": display_grade(t),
    })


def display_grade(table: pd.DataFrame) -> pd.Series:
    """The final grade, with 一票否决 shown instead for vetoed units."""
    return table["grade"].where(~table["vetoed"].astype(bool), VETOED)


def total_chart(results) -> go.Figure:
    """Total by unit: the weighted components stacked, a marker at the total coloured by grade."""
    parts = contributions(results).iloc[::-1]
    names = labels(parts["unit"])
    fig = go.Figure()
    for key, name in COMPONENT_NAMES.items():
        fig.add_bar(
            y=names, x=parts[key], name=name, orientation="h", marker_color=COMPONENT_COLOURS[key],
            hovertemplate="%{y}<br>" + name + "（加权）：%{x:.2f}<extra></extra>",
        )
    scheme = results.scheme
    colours = {scheme.top_grade: TOP_COLOUR, scheme.other_grade: OTHER_COLOUR, VETOED: VETO_COLOUR}
    for grade, colour in colours.items():
        rows = parts["grade"].eq(grade)
        if rows.any():
            fig.add_scatter(
                y=[n for n, r in zip(names, rows) if r], x=parts.loc[rows, "total"] + 0.8, mode="markers+text",
                name=grade, marker={"color": colour, "size": 10, "symbol": "diamond"},
                text=[f"{t:.2f}" for t in parts.loc[rows, "total"]], textposition="middle right",
                hovertemplate="%{y}<br>总分：%{text}<extra>%{fullData.name}</extra>",
            )
    fig.update_layout(barmode="stack", xaxis={"title": "总分（各部分按权重折算）", "range": [0, 108]})
    return layout(fig, "总分构成：各单位得分来自哪里", height=max(420, 28 * len(parts) + 120))


def category_heatmap(results) -> go.Figure:
    """Units × categories: points as a share of the category maximum."""
    c = results.categories.assign(share=lambda d: d["points"] / d["max"])
    names = {cat.id: f"{cat.id} {cat.name}" for cat in results.scheme.categories}
    grid = c.pivot(index="unit", columns="category", values="share")
    order = results.results["unit"]
    grid = grid.loc[order, [cat.id for cat in results.scheme.categories]]
    fig = go.Figure(go.Heatmap(
        z=grid.to_numpy() * 100, x=labels(names[k] for k in grid.columns), y=labels(grid.index),
        colorscale="RdYlGn", zmin=50, zmax=100, colorbar={"title": "得分率 %"},
        text=np.vectorize(lambda v: f"{v:.0f}%")(grid.to_numpy() * 100), texttemplate="%{text}",
        hovertemplate="%{y}<br>%{x}<br>得分率：%{z:.1f}%<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    return layout(fig, "各类指标得分率（得分 ÷ 该类满分）", height=max(420, 26 * len(grid) + 140))


def points_lost(results) -> pd.DataFrame:
    """Per indicator: how many units lost points and how many in total, largest first."""
    ind = results.indicators.assign(lost=lambda d: d["max"] - d["points"])
    table = ind.groupby("indicator", sort=False).agg(
        units=("lost", lambda x: int((x > 1e-9).sum())), lost=("lost", "sum"), max=("max", "first")
    ).reset_index()
    texts = {i.id: i.text for i in results.scheme.indicators}
    table["text"] = table["indicator"].map(texts)
    return table.sort_values(["lost", "units"], ascending=False, kind="stable").reset_index(drop=True)


def points_lost_chart(results) -> go.Figure:
    table = points_lost(results)
    table = table[table["lost"] > 1e-9].iloc[::-1]
    fig = go.Figure(go.Bar(
        y=labels(table["indicator"]), x=table["lost"], orientation="h", marker_color="#E45756",
        customdata=np.column_stack([table["units"], labels(table["text"].str.slice(0, 40))]),
        text=[f"{x:.2f} 分 · {u} 个单位" for x, u in zip(table["lost"], table["units"])], textposition="outside",
        cliponaxis=False,
        hovertemplate="指标 %{y}：%{customdata[1]}<br>失分合计 %{x:.2f}，%{customdata[0]} 个单位失分<extra></extra>",
    ))
    top = float(table["lost"].max()) if len(table) else 1.0
    fig.update_layout(xaxis={"title": "条长 = 各单位在该指标上失分的合计（分）；条旁为合计与失分的单位数",
                             "range": [0, top * 1.45]}, yaxis_title="指标")
    fig = layout(fig, "失分集中在哪些指标", height=max(360, 24 * len(table) + 140))
    fig.update_layout(margin={"l": 10, "r": 40, "t": 60, "b": 10})
    return fig


def dept_ranking_chart(results) -> go.Figure:
    """Raw department points against the score after the rank coefficient."""
    d = results.dept.merge(results.results[["unit"]].reset_index(), on="unit").sort_values("index")
    d = d.iloc[::-1]
    names = labels(d["unit"])
    fig = go.Figure()
    fig.add_bar(y=names, x=d["dept_raw"], name="原始分（指标得分合计）", orientation="h", marker_color="#BAB0AC")
    factor = (d["dept"] / d["dept_raw"]).where(d["dept_raw"] > 0, 0.0)
    fig.add_bar(y=names, x=d["dept"], name="乘以名次系数后", orientation="h", marker_color="#72B7B2",
                text=[f"×{f:.2f} → {x:.2f}" for f, x in zip(factor, d["dept"])], textposition="outside",
                cliponaxis=False, customdata=np.column_stack([d["dept_raw"], factor]),
                hovertemplate="%{y}<br>原始分 %{customdata[0]:.2f} × 系数 %{customdata[1]:.2f} = %{x:.2f}<extra></extra>")
    fig.update_layout(barmode="overlay", xaxis={"title": "业务部门评分（条旁：所乘的名次系数 → 折算后的得分）",
                                                 "range": [0, 125]})
    fig.update_traces(opacity=0.9)
    scope = SCOPE_LABELS[results.scheme.dept_ranking.scope]
    return layout(fig, f"业务部门评分：原始分与名次系数（{scope}）", height=max(420, 28 * len(d) + 120))


def grassroots_chart(results) -> go.Figure:
    """基层评分 by unit and role."""
    g = results.grassroots_roles
    order = results.results["unit"].iloc[::-1]  # the first in rank at the top
    fig = go.Figure()
    for role, colour in zip(results.scheme.roles, ROLE_COLOURS * 3):
        r = g[g["role"].eq(role)].set_index("unit").reindex(order)
        fig.add_bar(
            y=labels(order), x=r["score"], name=role, orientation="h", marker_color=colour,
            customdata=r["respondents"].fillna(0),
            hovertemplate="%{y}<br>%{fullData.name}：%{x:.1f}（%{customdata} 人）<extra></extra>",
        )
    totals = results.grassroots.set_index("unit").reindex(order)["grassroots"]
    fig.add_scatter(y=labels(order), x=totals, mode="markers", name="基层评分（按身份权重）",
                    marker={"color": "#000", "size": 8, "symbol": "diamond"},
                    hovertemplate="%{y}<br>基层评分：%{x:.2f}<extra></extra>")
    fig.update_layout(barmode="group", xaxis={"title": "得分", "range": [0, 105]}, bargap=0.25)
    return layout(fig, "基层问卷：各单位分身份得分", height=max(460, 40 * len(order) + 140))


def brand_chart(results) -> go.Figure:
    """Each brand item's score with every review: counted, trimmed, or a self-review."""
    items = results.brand_items.merge(results.results[["unit"]].reset_index(), on="unit").sort_values(["index", "item"])
    key = labels(items["unit"] + " · " + items["item"])
    item_key = dict(zip(items["item"], key))
    reviews = results.brand_reviews.assign(key=lambda d: d["item"].map(item_key))
    fig = go.Figure()
    fig.add_bar(y=key, x=items["score"], name="项目得分", orientation="h", marker_color=COMPONENT_COLOURS["brand"],
                opacity=0.55, customdata=np.column_stack([labels(items["title"]), items["reviews"]]),
                hovertemplate="%{y}：%{customdata[0]}<br>得分 %{x:.2f}（%{customdata[1]} 个互评）<extra></extra>")
    kinds = [
        ("计入的互评", reviews["counted"], "#2E2E2E", "circle"),
        ("去掉的最高/最低分", ~reviews["counted"] & ~reviews["own"], "#E45756", "x"),
        ("自评（不计入）", reviews["own"], "#F58518", "triangle-up"),
    ]
    for name, rows, colour, symbol in kinds:
        r = reviews[rows]
        fig.add_scatter(y=r["key"], x=r["score"], mode="markers", name=name,
                        marker={"color": colour, "symbol": symbol, "size": 7},
                        customdata=labels(r["reviewer"]),
                        hovertemplate="%{y}<br>评分单位 %{customdata}：%{x}<extra></extra>")
    fig.update_layout(xaxis={"title": "得分", "range": [0, 105]},
                      yaxis={"categoryorder": "array", "categoryarray": key[::-1]})
    return layout(fig, "特色品牌工作：项目得分与每条互评", height=max(460, 24 * len(key) + 140))


def year_over_year(current, previous: pd.DataFrame) -> pd.DataFrame:
    """Rank and total movement against the previous year's ``results.csv`` (units in both)."""
    now = current.results[["unit", "rank", "total"]]
    before = previous[["unit", "rank", "total"]].rename(columns={"rank": "rank_prev", "total": "total_prev"})
    table = now.merge(before, on="unit", how="left")
    table["rank_change"] = table["rank_prev"] - table["rank"]
    table["total_change"] = table["total"] - table["total_prev"]
    return table


def year_over_year_chart(table: pd.DataFrame, year: int) -> go.Figure:
    t = table.dropna(subset=["rank_prev"]).iloc[::-1]
    colours = np.where(t["rank_change"] > 0, "#54A24B", np.where(t["rank_change"] < 0, "#E45756", "#7F7F7F"))
    fig = go.Figure(go.Bar(
        y=labels(t["unit"]), x=t["rank_change"], orientation="h", marker_color=colours,
        customdata=np.column_stack([t["rank_prev"].astype(int), t["rank"], t["total_change"]]),
        hovertemplate="%{y}：第%{customdata[0]}名 → 第%{customdata[1]}名<br>总分变化 %{customdata[2]:+.2f}<extra></extra>",
    ))
    fig.update_layout(xaxis_title=f"名次变化（{year - 1} → {year}，正数为上升）")
    return layout(fig, "与上年相比：名次升降", height=max(420, 26 * len(t) + 120))


def key_figures_html(results) -> str:
    """The report's first screen: units, 优秀 and the cut-off, the spread of totals, vetoes and
    the meeting's changes, as a row of figures."""
    from ..report.page import esc

    t, top = results.results, results.scheme.top_grade
    changed = int((t["grade"] != t["proposed_grade"]).sum())
    figures = [
        ("参评单位", f"{len(t)}", "个"),
        (top, f"{int((t['grade'] == top).sum())}", f"个（分数线 {results.cutoff:.2f} 分）"),
        ("最高分", f"{t['total'].max():.2f}", f"中位数 {t['total'].median():.2f}"),
        ("最低分", f"{t['total'].min():.2f}", f"相差 {t['total'].max() - t['total'].min():.2f} 分"),
        ("一票否决", f"{int(t['vetoed'].astype(bool).sum())}", "个"),
        ("会议调整等次", f"{changed}", "个"),
    ]
    tiles = "".join(f'<div class="kaohe-figure"><div class="kaohe-figure-name">{esc(name)}</div>'
                    f'<div class="kaohe-figure-value">{esc(value)}</div><div class="kaohe-figure-note">{esc(note)}</div></div>'
                    for name, value, note in figures)
    return f'<div class="kaohe-figures">{tiles}</div>'


def previous_results(results, data_dir) -> tuple[pd.DataFrame | None, str]:
    """The previous year's ranking (``results.csv`` rows) and where it came from: its outputs
    if scored, else its raw inputs scored now, in memory (nothing is written); ``None`` and
    the reason when there is neither, or its inputs do not validate."""
    from ..pipeline import load_year
    from ..problems import InvalidInputError

    year = results.year - 1
    raw, out = Path(data_dir) / "raw" / str(year), Path(data_dir) / "output" / str(year)
    if (out / "results.csv").is_file():
        return pd.read_csv(out / "results.csv"), f"{year} 年度的考核结果（{year} 年度输出的 results.csv）"
    if (raw / "scheme.yaml").is_file():
        try:
            return load_year(year, data_dir).results, f"{year} 年度的输入（尚未生成输出，按其方案即时计分，不写出任何文件）"
        except InvalidInputError as exc:
            errors = sum(p.is_error for p in exc.problems)
            return None, f"{year} 年度的输入有 {errors} 个错误（kaohe validate {year} 可查看），不作比较。"
    return None, f"没有 {year} 年度的考核结果或输入，不作比较。"


def ranking_table(results) -> pd.DataFrame:
    """The ranking with Chinese headers and 2 decimals, for display."""
    return xlsx.ranking_table(results.results)


def summary(results) -> dict:
    """The facts the report's summary states: 优秀 list, vetoes, ties at the cut-off, overrides."""
    table = results.results
    grades = results.grades.set_index("unit")
    vetoes = results.inputs.vetoes
    clause_text = {c.id: c.text for c in results.scheme.veto_clauses}
    return {
        "year": results.year,
        "title": results.scheme.title,
        "units": len(table),
        "top_grade": results.scheme.top_grade,
        "top": table.loc[table["grade"].eq(results.scheme.top_grade), "unit"].tolist(),
        "cutoff": results.cutoff,
        "vetoes": [
            {"unit": v.unit, "clause": v.clause, "clause_text": clause_text.get(v.clause, ""), "note": v.note}
            for v in vetoes.itertuples()
        ],
        "at_cutoff": [
            {"unit": u, "total": float(table.set_index("unit").loc[u, "total"]),
             "proposed": grades.loc[u, "proposed_grade"]}
            for u in table["unit"] if bool(grades.loc[u, "at_cutoff"])
        ],
        "overrides": [
            {"unit": o.unit, "proposed": grades.loc[o.unit, "proposed_grade"], "grade": o.grade, "reason": o.reason}
            for o in results.inputs.overrides.itertuples()
        ],
    }


def method_tables(scheme: Scheme) -> dict[str, pd.DataFrame]:
    """The method appendix generated from the scheme: settings, indicators, veto clauses, answers."""
    w = scheme.component_weights
    quota = {"share": f"参评单位数的 {scheme.quota.value:.0%}（向下取整），与末位并列者同为优秀",
             "count": f"{scheme.quota.value:g} 个，与末位并列者同为优秀",
             "min_total": f"总分不低于 {scheme.quota.value:g} 分"}[scheme.quota.kind]
    settings = pd.DataFrame([
        ("总分构成", f"共性工作 {scheme.common_weight:.0%} + 特色品牌工作 {scheme.brand_weight:.0%}"),
        ("共性工作构成", f"领导评分 {w['leader']:.0%} + 业务部门评分 {w['dept']:.0%} + 基层评分 {w['grassroots']:.0%}"),
        ("业务部门名次系数", f"1 − {scheme.dept_ranking.step:.0%} ×（名次 − 1），最低为 0"),
        ("排序口径", SCOPE_NAMES[scheme.dept_ranking.scope]),
        ("系数用法", MODE_NAMES[scheme.dept_ranking.mode]),
        ("领导评分去分", _trim_text(scheme.leader_trim)),
        ("品牌互评去分", _trim_text(scheme.brand_trim) + "；自评不计入"),
        ("品牌项目限报", f"每单位 {scheme.max_brand_items} 项"),
        ("基层问卷身份权重", "、".join(f"{r} {v:g}" for r, v in scheme.role_weights.items()) + "（仅在有受访者的身份间归一）"),
        ("优秀名额", quota),
        ("分数线提示", f"与优秀分数线相差 {scheme.near_tie:g} 分以内" if scheme.near_tie else "仅提示并列"),
    ], columns=["项目", "设定"])
    answers = pd.DataFrame([(a.value, a.label, a.points) for a in scheme.answers], columns=["答案", "含义", "分值"])
    indicators = pd.DataFrame([
        (i.id, next(c.name for c in scheme.categories if c.id == i.category), i.text, i.max, i.department,
         rule_text(i.rule))
        for i in scheme.indicators
    ], columns=["编号", "类别", "考核内容", "满分", "评分部门", "计分规则"])
    vetoes = pd.DataFrame([(c.id, c.text) for c in scheme.veto_clauses], columns=["条款", "一票否决内容"])
    return {"settings": settings, "answers": answers, "indicators": indicators, "vetoes": vetoes}


def _trim_text(trim) -> str:
    if trim.trim == 0:
        return "不去分"
    return f"评分多于 {trim.above} 个时去掉 {trim.trim} 个最高分和 {trim.trim} 个最低分"




def rule_text(rule) -> str:
    """An indicator's rule in words, e.g. ``按次扣分（每次扣 0.5 分）`` (:meth:`kaohe.rules.Rule.describe`)."""
    return rule.describe()


def inputs_table(results) -> pd.DataFrame:
    """The input files with their SHA-256, for the appendix."""
    return pd.DataFrame(list(results.inputs.files.items()), columns=["输入文件", "SHA-256"])


def summary_html(results) -> str:
    """The report's opening: year, units, the 优秀 list, vetoes and why, ties, overrides."""
    from ..report.page import esc

    facts = summary(results)
    top = facts["top_grade"]
    parts = [
        f"<p>{esc(facts['year'])} 年度共 <b>{facts['units']}</b> 个单位参加考核。"
        f"考核等次为<b>{esc(top)}</b>的 {len(facts['top'])} 个："
        + "、".join(f"<b>{esc(u)}</b>" for u in facts["top"]) + "。</p>"
    ]
    if facts["vetoes"]:
        items = "".join(
            f"<li><b>{esc(v['unit'])}</b>：第{esc(v['clause'])}项「{esc(v['clause_text'])}」"
            + (f"——{esc(v['note'])}" if v["note"] else "") + "</li>"
            for v in facts["vetoes"]
        )
        parts.append(f"<p>一票否决（保留得分和名次，取消当年评优资格）：</p><ul>{items}</ul>")
    else:
        parts.append("<p>本年度无一票否决单位。</p>")
    if facts["at_cutoff"]:
        items = "".join(
            f"<li><b>{esc(t['unit'])}</b>：总分 {t['total']:.4f}，初步等次 {esc(t['proposed'])}</li>"
            for t in facts["at_cutoff"]
        )
        parts.append(
            f"<p class='kaohe-flag'>请会议关注：以下单位的总分与{esc(top)}分数线（{facts['cutoff']:.4f}）"
            f"并列或相差不足 {results.scheme.near_tie:g} 分。</p><ul>{items}</ul>"
        )
    if facts["overrides"]:
        items = "".join(
            f"<li><b>{esc(o['unit'])}</b>：初步等次 {esc(o['proposed'])} → 最终等次 <b>{esc(o['grade'])}</b>。"
            f"理由：{esc(o['reason'])}</li>"
            for o in facts["overrides"]
        )
        parts.append(f"<p>会议调整的等次：</p><ul>{items}</ul>")
    return "\n".join(parts)


def brand_table(results) -> pd.DataFrame:
    """Brand items with their score and how many reviews were counted or trimmed."""
    items = results.brand_items
    trimmed = items["reviews"] - items["counted"]
    return pd.DataFrame({
        "单位": items["unit"],
        "项目编号": items["item"],
        "项目名称": items["title"],
        "互评数": items["reviews"],
        "去掉的最高/最低分": trimmed,
        "项目得分": items["score"],
    })


def year_over_year_table(table: pd.DataFrame) -> pd.DataFrame:
    """Rank and total movement with Chinese headers; units new this year show blanks."""
    return pd.DataFrame({
        "单位": table["unit"],
        "上年名次": table["rank_prev"].astype("Int64"),
        "本年名次": table["rank"],
        "名次变化": table["rank_change"].astype("Int64"),
        "上年总分": table["total_prev"],
        "本年总分": table["total"],
        "总分变化": table["total_change"],
    })

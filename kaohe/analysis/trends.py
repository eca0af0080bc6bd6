"""Comparing years: rank movement, total and category trends from the published outputs.

:func:`read_outputs` is the one function here that reads files: each year's
``data/output/<year>/results.csv``, ``category_scores.csv`` and the category names from
``manifest.json``, as ``kaohe score`` wrote them (SPEC §3). A year without results is skipped
and noted. Everything else takes the :class:`YearOutputs` and returns a plotly figure or a
DataFrame with Chinese headers, for ``notebooks/compare_years.ipynb``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .charts import labels, layout

RESULT_COLUMNS = ["unit", "leader", "dept", "grassroots", "brand", "total", "rank", "vetoed", "proposed_grade", "grade"]
UP, DOWN, SAME = "#54A24B", "#E45756", "#7F7F7F"


@dataclass(frozen=True)
class YearOutputs:
    """The outputs of the years found, stacked with a ``year`` column.

    ``results``: ``year, unit, leader, dept, grassroots, brand, total, rank, vetoed,
    proposed_grade, grade``; ``categories``: ``year, unit, category, points, max, share``;
    ``category_names``: id → name (from the latest manifest); ``notes``: what was skipped.
    """

    years: list[int]
    missing: list[int]
    results: pd.DataFrame
    categories: pd.DataFrame
    category_names: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def read_outputs(years, data_dir: str | Path = "data") -> YearOutputs:
    """Read the published outputs of ``years`` under ``data_dir/output``; skip and note the
    years without ``results.csv`` (and a missing ``category_scores.csv``)."""
    out = Path(data_dir) / "output"
    found, missing, notes, results, categories, names = [], [], [], [], [], {}
    for year in sorted({int(y) for y in years}):
        folder = out / str(year)
        results_file = folder / "results.csv"
        if not results_file.is_file():
            missing.append(year)
            notes.append(f"{year} 年度没有考核结果（找不到 {results_file.as_posix()}），不参加比较。")
            continue
        found.append(year)
        table = pd.read_csv(results_file, encoding="utf-8", dtype={"unit": str, "vetoed": str, "grade": str})
        table["vetoed"] = table["vetoed"].str.lower().eq("true")
        results.append(table[RESULT_COLUMNS].assign(year=year))
        category_file = folder / "category_scores.csv"
        if category_file.is_file():
            cats = pd.read_csv(category_file, encoding="utf-8", dtype={"unit": str, "category": str})
            categories.append(cats[["unit", "category", "points", "max"]].assign(year=year))
        else:
            notes.append(f"{year} 年度缺少各类指标得分（{category_file.as_posix()}），类别趋势不含该年。")
        manifest = folder / "manifest.json"
        if manifest.is_file():
            scheme = json.loads(manifest.read_text(encoding="utf-8")).get("scheme", {})
            names.update({str(c["id"]): str(c["name"]) for c in scheme.get("categories", [])})
    results = (pd.concat(results, ignore_index=True) if results
               else pd.DataFrame(columns=["year", *RESULT_COLUMNS]))
    categories = (pd.concat(categories, ignore_index=True) if categories
                  else pd.DataFrame(columns=["year", "unit", "category", "points", "max"]))
    categories["share"] = categories["points"] / categories["max"]
    return YearOutputs(
        years=found,
        missing=missing,
        results=results[["year", *RESULT_COLUMNS]],
        categories=categories[["year", "unit", "category", "points", "max", "share"]],
        category_names=names,
        notes=notes,
    )


def overview_text(outputs: YearOutputs) -> str:
    """The opening: which years are compared, how many units, what was skipped."""
    if not outputs.years:
        lines = ["没有找到任何年度的考核结果，无法比较。请先运行 kaohe score 年份。"]
    else:
        units = outputs.results.groupby("year")["unit"].size()
        years = "、".join(f"{y} 年（{units[y]} 个单位）" for y in outputs.years)
        lines = [f"比较的年度：{years}。"]
        if len(outputs.years) < 2:
            lines.append("只有一个年度的结果，只能列出当年名次，无法看出变化。")
    return "\n\n".join(lines + outputs.notes)


def movement(outputs: YearOutputs) -> pd.DataFrame:
    """Per unit: rank and total in every year, and the change from its first to its last year.

    Columns ``unit, rank_<year>…, total_<year>…, rank_change`` (positive = moved up),
    ``total_change``; units ordered by their latest rank.
    """
    r = outputs.results
    ranks = r.pivot(index="unit", columns="year", values="rank")
    totals = r.pivot(index="unit", columns="year", values="total")
    order = _order(outputs)
    ranks, totals = ranks.reindex(order), totals.reindex(order)
    table = pd.DataFrame({"unit": order})
    for y in outputs.years:
        table[f"rank_{y}"] = ranks[y].astype("Int64").to_numpy()
    for y in outputs.years:
        table[f"total_{y}"] = totals[y].to_numpy()
    first_rank, last_rank = _ends(ranks)
    first_total, last_total = _ends(totals)
    compared = (ranks.notna().sum(axis=1) >= 2).to_numpy()  # a unit seen in one year has no change
    table["rank_change"] = pd.array((first_rank - last_rank).where(compared).to_numpy(), dtype="Int64")
    table["total_change"] = (last_total - first_total).where(compared).to_numpy()
    return table


def movement_table(outputs: YearOutputs) -> pd.DataFrame:
    """:func:`movement` with Chinese headers, for display."""
    names = {f"rank_{y}": f"{y}年名次" for y in outputs.years}
    names |= {f"total_{y}": f"{y}年总分" for y in outputs.years}
    names |= {"unit": "单位", "rank_change": "名次变化（正数为上升）", "total_change": "总分变化"}
    return movement(outputs).rename(columns=names)


def _order(outputs: YearOutputs) -> list[str]:
    if outputs.results.empty:
        return []
    latest = outputs.results.sort_values(["year", "rank"], ascending=[False, True], kind="stable")
    return latest.drop_duplicates("unit", keep="first").sort_values(
        ["year", "rank"], ascending=[False, True], kind="stable")["unit"].tolist()


def _ends(wide: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Each row's value in its first and its last year with a value."""
    first = wide.bfill(axis=1).iloc[:, 0] if wide.shape[1] else pd.Series(dtype=float)
    last = wide.ffill(axis=1).iloc[:, -1] if wide.shape[1] else pd.Series(dtype=float)
    return first.astype("float64"), last.astype("float64")


def rank_movement_chart(outputs: YearOutputs) -> go.Figure:
    """A slope chart: one line per unit through its rank in each year (1 at the top),
    green when it moved up from its first to its last year, red when down."""
    table = movement(outputs)
    years = [str(y) for y in outputs.years]
    fig = go.Figure()
    for row in table.itertuples(index=False):
        row = row._asdict()
        ranks = [row[f"rank_{y}"] for y in outputs.years]
        change = row["rank_change"]
        colour = SAME if pd.isna(change) or change == 0 else (UP if change > 0 else DOWN)
        y_values = [None if pd.isna(v) else int(v) for v in ranks]
        seen = [k for k, v in enumerate(y_values) if v is not None]
        ends = {seen[0]: "middle left", seen[-1]: "middle right"}  # the name at both ends
        fig.add_scatter(
            x=years, y=y_values, mode="lines+markers+text", name=str(row["unit"]), line={"color": colour, "width": 2},
            marker={"size": 8}, showlegend=False, connectgaps=False, cliponaxis=False,
            text=[str(row["unit"]) if k in ends else "" for k in range(len(years))],
            textposition=[ends.get(k, "middle right") for k in range(len(years))],
            hovertemplate="%{fullData.name}<br>%{x} 年：第%{y}名<extra></extra>",
        )
    n = int(outputs.results["rank"].max()) if not outputs.results.empty else 1
    fig.update_yaxes(range=[n + 0.5, 0.5], title="名次", dtick=1 if n <= 30 else None)
    fig.update_xaxes(type="category", title="年度", range=[-0.6, len(years) - 0.4])  # room for the names
    return layout(fig, "各单位名次变化（绿色上升，红色下降）", height=max(460, 24 * n + 140), legend=False)


def total_trend_chart(outputs: YearOutputs) -> go.Figure:
    """Total by year, one line per unit; click a name in the legend to hide or show it."""
    r = outputs.results
    fig = go.Figure()
    for unit in _order(outputs):
        u = r[r["unit"].eq(unit)].set_index("year").reindex(outputs.years)
        fig.add_scatter(
            x=[str(y) for y in outputs.years], y=u["total"], mode="lines+markers", name=str(unit),
            customdata=u["rank"], connectgaps=False,
            hovertemplate="%{fullData.name}<br>%{x} 年：总分 %{y:.2f}（第%{customdata}名）<extra></extra>",
        )
    fig.update_xaxes(type="category", title="年度")
    fig.update_yaxes(title="总分")
    fig.update_layout(legend={"title": {"text": "单位（点击可隐藏）"}})
    return layout(fig, "各单位总分变化", height=560, legend=False)


def category_trend(outputs: YearOutputs) -> pd.DataFrame:
    """Per category and year: the mean score rate (points ÷ category maximum) over the units."""
    c = outputs.categories
    table = c.groupby(["category", "year"], sort=False)["share"].mean().rename("share").reset_index()
    table["name"] = table["category"].map(lambda k: _category_label(k, outputs.category_names))
    return table


def category_trend_chart(outputs: YearOutputs) -> go.Figure:
    """Mean score rate of each category by year, one line per category."""
    table = category_trend(outputs)
    fig = go.Figure()
    for name, t in table.groupby("name", sort=False):
        t = t.set_index("year").reindex(outputs.years)
        fig.add_scatter(x=[str(y) for y in outputs.years], y=t["share"] * 100, mode="lines+markers", name=str(name),
                        hovertemplate="%{fullData.name}<br>%{x} 年：平均得分率 %{y:.1f}%<extra></extra>")
    fig.update_xaxes(type="category", title="年度")
    fig.update_yaxes(title="各单位平均得分率 %")
    return layout(fig, "各类指标平均得分率变化", height=460, legend=False)


def category_change(outputs: YearOutputs) -> pd.DataFrame:
    """Units × categories: the change of the score rate from the first to the last year
    compared, in percentage points (blank where a unit lacks either year)."""
    c = outputs.categories
    years = sorted(c["year"].unique()) if not c.empty else []
    if len(years) < 2:
        return pd.DataFrame(index=pd.Index(_order(outputs), name="unit"))
    first, last = years[0], years[-1]
    grid = c.pivot_table(index="unit", columns=["year", "category"], values="share", aggfunc="first")
    change = (grid[last] - grid[first]) * 100
    ids = list(dict.fromkeys(c["category"]))
    change = change.reindex(index=_order(outputs), columns=ids)
    change.columns = [_category_label(k, outputs.category_names) for k in ids]
    change.attrs.update(first=int(first), last=int(last))
    return change


def category_change_chart(outputs: YearOutputs) -> go.Figure:
    """Heatmap of :func:`category_change`: green improved, red fell, in percentage points."""
    change = category_change(outputs)
    values = change.to_numpy(dtype="float64")
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 1.0
    text = np.vectorize(lambda v: "" if np.isnan(v) else f"{round(v) + 0:+d}")(values) if values.size else values
    fig = go.Figure(go.Heatmap(
        z=values, x=labels(change.columns), y=labels(change.index), colorscale="RdYlGn", zmid=0,
        zmin=-limit, zmax=limit, colorbar={"title": "百分点"}, text=text, texttemplate="%{text}",
        hovertemplate="%{y}<br>%{x}<br>得分率变化：%{z:+.1f} 个百分点<extra></extra>",
    ))
    fig.update_yaxes(autorange="reversed")
    span = f"{change.attrs.get('first', '')}→{change.attrs.get('last', '')}"
    return layout(fig, f"各单位各类指标得分率变化（{span}，百分点）", height=max(420, 26 * len(change) + 140), legend=False)


def _category_label(category, names: dict[str, str]) -> str:
    name = names.get(str(category))
    return f"{category} {name}" if name else str(category)

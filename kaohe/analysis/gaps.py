"""How far each unit is from 优秀, and where the points could come from.

A unit short of the cut-off lacks ``cutoff − total`` points of total. Each point an indicator
lost is worth, in the total, the indicator's effective weight: the 共性工作 weight × the
业务部门 weight × the ranking coefficient the unit has on that part (its coefficient on the
total, its category or the indicator, by the scheme's ``dept_ranking.scope``). In
``rank_only`` mode points count through the rank alone; the weight shown is then the same
product, the value of a point had the rank stayed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..pipeline import Results


def indicator_weights(results: "Results") -> pd.DataFrame:
    """Per unit and indicator: points lost, the effective weight of a point in the total, and
    ``worth`` = lost × weight (``unit, indicator, category, text, lost, weight, worth``)."""
    scheme = results.scheme
    table = results.indicators[["unit", "indicator", "category", "points", "max"]].copy()
    base = scheme.common_weight * scheme.component_weights["dept"]
    scope = scheme.dept_ranking.scope
    if scope == "total":
        coef = table["unit"].map(results.dept.set_index("unit")["dept_coef"])
    elif scope == "category":
        coefs = results.categories.set_index(["unit", "category"])["coef"]
        coef = pd.Series(coefs.reindex(pd.MultiIndex.from_frame(table[["unit", "category"]])).to_numpy(), index=table.index)
    else:
        coef = results.indicators["coef"]
    texts = {i.id: i.text for i in scheme.indicators}
    table["text"] = table["indicator"].map(texts)
    table["lost"] = (table["max"] - table["points"]).clip(lower=0)
    table["weight"] = base * coef.astype(float).to_numpy()
    table["worth"] = table["lost"] * table["weight"]
    return table[["unit", "indicator", "category", "text", "lost", "weight", "worth"]]


def gap_to_excellent(results: "Results") -> pd.DataFrame:
    """Per unit, in rank order: ``unit, rank, total, cutoff, gap`` — the points of total it
    lacked to reach the 优秀 cut-off (0 for units proposed 优秀, empty for vetoed units) — and
    ``recoverable`` (all the points its lost indicator points are worth in the total) and
    ``sources``: its indicators by worth, largest first, e.g. ``2.2（0.29）、1.1（0.21）``."""
    table = results.results[["unit", "rank", "total", "vetoed", "proposed_grade"]].copy()
    cutoff = results.cutoff
    top = results.scheme.top_grade
    short = (cutoff - table["total"]).clip(lower=0) if math.isfinite(cutoff) else pd.Series(np.nan, index=table.index)
    gap = short.where(~table["proposed_grade"].eq(top), 0.0)
    table["cutoff"] = cutoff if math.isfinite(cutoff) else np.nan
    table["gap"] = np.where(table["vetoed"].astype(bool), np.nan, gap)
    worth = indicator_weights(results)
    worth = worth[worth["worth"] > 1e-12].sort_values(["unit", "worth", "indicator"], ascending=[True, False, True],
                                                         kind="stable")
    table["recoverable"] = table["unit"].map(worth.groupby("unit")["worth"].sum()).fillna(0.0)
    listed = worth.groupby("unit", sort=False).apply(
        lambda g: "、".join(f"{i}（{w:.2f}）" for i, w in zip(g["indicator"].head(5), g["worth"].head(5))),
        include_groups=False)
    table["sources"] = table["unit"].map(listed).fillna("")
    return table[["unit", "rank", "total", "cutoff", "gap", "recoverable", "sources"]].reset_index(drop=True)


def gap_sources(results: "Results", unit: str) -> pd.DataFrame:
    """One unit's indicators where it lost points, by what the points are worth in the total,
    largest first: ``indicator, text, lost, weight, worth``."""
    worth = indicator_weights(results)
    mine = worth[worth["unit"].eq(unit) & (worth["lost"] > 1e-9)]
    mine = mine.sort_values(["worth", "indicator"], ascending=[False, True], kind="stable")
    return mine[["indicator", "text", "lost", "weight", "worth"]].reset_index(drop=True)

"""What-if that leaves the notebook: single inputs edited, several variants side by side, what
moved each unit, and the comparison written to Excel with Chinese headers.

Every variant is the year's validated inputs scored again (:func:`kaohe.pipeline.score`); the
official results and the files are never changed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..problems import UsageError
from ..analysis.charts import contributions
from ..vocabulary import COMPONENT_NAMES
from .logic import check_unit

if TYPE_CHECKING:
    from ..pipeline import Results

OFFICIAL = "正式结果"


def edit_inputs(results: "Results", *, dept_score: tuple[str, str, float] | None = None,
                veto: tuple[str, str] | None = None, unveto: str | None = None,
                override: tuple[str, str, str] | None = None) -> "Results":
    """The year rescored with one input changed: ``dept_score=(unit, indicator, value)`` (the value
    the department writes: points, a count, a ratio…), ``veto=(unit, clause)``, ``unveto=unit``,
    or ``override=(unit, grade, reason)`` (the meeting's decision)."""
    from ..pipeline import score

    inputs = results.inputs
    if dept_score is not None:
        unit, indicator, value = dept_score
        check_unit(results, unit)
        if indicator not in results.scheme.indicator_ids:
            raise UsageError(f"没有指标「{indicator}」")
        values = inputs.values.copy()
        row = values["unit"].eq(unit) & values["indicator"].eq(indicator)
        values.loc[row, ["value", "number"]] = [str(value), float(value)]
        inputs = replace(inputs, values=values)
    if veto is not None:
        unit, clause = veto
        check_unit(results, unit)
        if clause not in {c.id for c in results.scheme.veto_clauses}:
            raise UsageError(f"没有否决条款「{clause}」")
        added = pd.DataFrame({"unit": [unit], "clause": [clause], "note": ["方案推演"]})
        inputs = replace(inputs, vetoes=pd.concat([inputs.vetoes, added], ignore_index=True))
    if unveto is not None:
        check_unit(results, unveto)
        inputs = replace(inputs, vetoes=inputs.vetoes[inputs.vetoes["unit"].ne(unveto)].reset_index(drop=True))
    if override is not None:
        unit, grade, reason = override
        check_unit(results, unit)
        if grade not in (results.scheme.top_grade, results.scheme.other_grade):
            raise UsageError(f"等次「{grade}」无法识别，应为 {results.scheme.top_grade}、{results.scheme.other_grade} 之一")
        kept = inputs.overrides[inputs.overrides["unit"].ne(unit)]
        added = pd.DataFrame({"unit": [unit], "grade": [grade], "reason": [reason]})
        inputs = replace(inputs, overrides=pd.concat([kept, added], ignore_index=True))
    return score(inputs, results.scheme)


def side_by_side(official: "Results", variants: dict[str, "Results"]) -> pd.DataFrame:
    """The official ranking and every variant's, one row per unit in official rank order, with
    Chinese headers: 单位, then 名次/总分/等次 of the official results and of each variant."""
    table = pd.DataFrame({"单位": official.results["unit"]})
    for name, results in {OFFICIAL: official, **variants}.items():
        r = results.results.set_index("unit").reindex(table["单位"])
        grade = np.where(r["vetoed"].astype(bool), r["grade"] + "（一票否决）", r["grade"])
        table[f"{name}名次"] = r["rank"].to_numpy()
        table[f"{name}总分"] = r["total"].round(2).to_numpy()
        table[f"{name}等次"] = grade
    return table.reset_index(drop=True)


def rank_moves(official: "Results", variant: "Results") -> pd.DataFrame:
    """Each unit whose rank moved: from and to, and how much each weighted component moved its
    total (领导评分 … 特色品牌, in points of total), the largest mover named."""
    before = contributions(official).set_index("unit")
    after = contributions(variant).set_index("unit").reindex(before.index)
    rank_before = official.results.set_index("unit")["rank"]
    rank_after = variant.results.set_index("unit")["rank"].reindex(rank_before.index)
    moved = rank_before.index[rank_before != rank_after]
    rows = []
    for unit in moved:
        parts = {COMPONENT_NAMES[p]: after.at[unit, p] - before.at[unit, p] for p in ("leader", "dept", "grassroots", "brand")}
        main = max(parts, key=lambda k: abs(parts[k]))
        rows.append({"单位": unit, "正式名次": int(rank_before[unit]), "推演名次": int(rank_after[unit]),
                     **{f"{k}变化": round(v, 4) for k, v in parts.items()},
                     "总分变化": round(after.at[unit, "total"] - before.at[unit, "total"], 4),
                     "主要原因": f"{main}（{parts[main]:+.2f}）" if abs(parts[main]) > 1e-9 else "他人名次变化"})
    columns = ["单位", "正式名次", "推演名次", *(f"{COMPONENT_NAMES[p]}变化" for p in ("leader", "dept", "grassroots", "brand")),
               "总分变化", "主要原因"]
    return pd.DataFrame(rows, columns=columns)


def export_what_if(path: str | Path, official: "Results", variants: dict[str, "Results"], *,
                   card_unit: str | None = None) -> Path:
    """Write the comparison to an Excel workbook with Chinese headers: 方案比较 (side by side),
    one 名次变化_<方案> sheet per variant (:func:`rank_moves`) and, with ``card_unit``, that
    unit's 得分卡 (its lost points and reasons). Written as a set (:mod:`kaohe.outputs.staging`)."""
    from ..outputs.staging import staged
    from ..outputs.xlsx import write_sheets
    from .logic import point_reasons

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise UsageError(f"推演结果应写成 .xlsx 工作簿，而不是「{path.name}」")
    sheets = [_sheet("方案比较", side_by_side(official, variants))]
    for name, results in variants.items():
        sheets.append(_sheet(f"名次变化_{name}"[:31], rank_moves(official, results)))
    if card_unit is not None:
        unit = check_unit(official, card_unit)
        reasons = point_reasons(official)
        card = reasons[reasons["unit"].eq(unit)][["indicator", "text", "rule", "value", "points", "max", "lost", "reason"]]
        card.columns = ["指标", "考核内容", "计分规则", "部门填报", "得分", "满分", "失分", "说明"]
        sheets.append(_sheet(f"得分卡_{unit}"[:31], card.reset_index(drop=True)))
    with staged(path.parent) as stage:
        write_sheets(stage / path.name, sheets)
    return path


def _sheet(name: str, table: pd.DataFrame):
    from ..outputs.xlsx import SCORE, TEXT, Sheet

    kinds = [SCORE if pd.api.types.is_float_dtype(table[c]) else TEXT for c in table.columns]
    return Sheet(name, table, kinds)

"""How stable is the ranking? The method readings and a Monte-Carlo on the weights.

Two questions a leader asks before trusting a rank:

1. **Does it depend on how the department-ranking sentence is read?** 第八条（一）2
   「按从高到低排序，依次给予2%的权重差额」 can be read six ways (SPEC §1.2): rank the total,
   each category or each indicator (``scope``), and scale the points or award rank-only
   points (``mode``). :func:`method_ranks` scores the year under each reading.
2. **Does it hang on the exact weights?** 第七条 fixes 25/60/15 and 70/30; a result that
   flips when each weight moves by a few percent rests on a hair's breadth.
   :func:`weight_draws` multiplies every weight by U(1 − spread, 1 + spread), renormalises
   each group to sum 1, and recomputes totals, ranks and the proposed 优秀 set per draw.

The components (leader, dept, grassroots, brand) do not depend on these weights, so they
are computed once; the draws are plain numpy on a draws × units matrix, through the same
formula as the scoring (:func:`kaohe.scoring.combine`), so that a draw gives bit for bit the
totals, ranks and grades of :func:`kaohe.pipeline.score` under the drawn weights.

:func:`stability` puts both together per unit with a verdict (稳定 / 较稳定 / 取决于方法),
and :func:`stability_chart` / :func:`stability_table` draw it for the report.
Everything here is pure: no file is read or written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .charts import OTHER_COLOUR, TOP_COLOUR, VETO_COLOUR, VETOED, labels
from ..pipeline import Results, score
from ..scheme import COMPONENTS, MODES, SCOPES, Quota, Scheme
from ..scoring import TIE_DECIMALS, combine, competition_ranks, excellent_cutoff
from ..inputs import YearInputs
from ..vocabulary import FONT_STACK, MODE_LABELS, SCOPE_LABELS

DRAWS = 1000  # weight draws in the report
SPREAD = 0.2  # each weight × U(0.8, 1.2) before renormalising
SEED = 2019  # the report's seed: the same year gives the same figure every run

PARTS = ("leader", "dept", "grassroots", "brand")  # the components, in the order of the weights
WEIGHTS = (*COMPONENTS, "common", "brand")  # the five weights that are drawn

# Verdict thresholds (a unit's row in :func:`stability`), checked in this order:
METHOD_SPREAD = 3  # 取决于方法: the six readings put it ≥ 3 places apart …
#                    … or disagree on whether it is proposed 优秀
STABLE_SPREAD = 1  # 稳定: the readings, and the central 90% of weight draws, each span ≤ 1 place …
GRADE_AGREEMENT = 0.95  # … and ≥ 95% of weight draws give it the official proposed grade
#                        anything else: 较稳定
STABLE, FAIRLY_STABLE, DEPENDS = "稳定", "较稳定", "取决于方法"
VERDICT_COLOURS = {STABLE: "#54A24B", FAIRLY_STABLE: "#ECA82C", DEPENDS: "#E45756"}

METHOD_COLOUR, WEIGHT_COLOUR, WEIGHT_CORE_COLOUR = "#9ECAE9", "#D4D4D4", "#8C8C8C"


def method_name(scope: str, mode: str) -> str:
    """A reading of the department-ranking sentence in words, e.g. 「按类别排序·只看名次」."""
    return f"{SCOPE_LABELS[scope]}·{MODE_LABELS[mode]}"


# -- 1. the six readings of the department-ranking sentence ---------------------------------


def method_ranks(inputs: YearInputs, scheme: Scheme | None = None) -> pd.DataFrame:
    """Each unit's total, rank and proposed grade under every scope × mode reading (SPEC §1.2).

    The scheme's step and everything else stay as they are. Returns one row per unit and
    reading, units in the order of the units file: ``unit, scope, mode, method, official,
    total, rank, proposed_grade, top`` (``official`` marks the scheme's own reading).
    """
    scheme = scheme or inputs.scheme
    rows = []
    for scope in SCOPES:
        for mode in MODES:
            ranking = replace(scheme.dept_ranking, scope=scope, mode=mode)
            scored = score(inputs, scheme.with_options(dept_ranking=ranking))
            table = scored.totals[["unit", "total", "rank"]].merge(
                scored.grades[["unit", "proposed_grade"]], on="unit", how="left"
            )
            rows.append(table.assign(
                scope=scope,
                mode=mode,
                method=method_name(scope, mode),
                official=ranking == scheme.dept_ranking,
                top=table["proposed_grade"].eq(scheme.top_grade),
            ))
    table = pd.concat(rows, ignore_index=True)
    return table[["unit", "scope", "mode", "method", "official", "total", "rank", "proposed_grade", "top"]]


# -- 2. the Monte-Carlo on the weights ------------------------------------------------------


@dataclass(frozen=True)
class WeightDraws:
    """The outcome of the weight draws: one row per draw, one column per unit.

    ``weights`` (draws × 5: leader, dept, grassroots, common, brand, each group summing to 1),
    ``totals`` (draws × units, full precision), ``ranks`` (competition ranks), ``top``
    (proposed 优秀 by the quota rule, vetoes and ties); ``units`` in the units-file order.
    """

    units: tuple[str, ...]
    weights: np.ndarray
    totals: np.ndarray
    ranks: np.ndarray
    top: np.ndarray
    spread: float
    seed: int | None

    def __len__(self) -> int:
        return len(self.weights)

    def weights_table(self) -> pd.DataFrame:
        """The drawn weights, one row per draw."""
        return pd.DataFrame(self.weights, columns=list(WEIGHTS))

    def scheme(self, draw: int, base: Scheme) -> Scheme:
        """``base`` with the weights of one draw: score it to reproduce that draw in full."""
        w = [float(x) for x in self.weights[draw]]
        return base.with_options(
            component_weights=dict(zip(COMPONENTS, w[:3])), common_weight=w[3], brand_weight=w[4]
        )

    def long(self) -> pd.DataFrame:
        """One row per draw and unit: ``draw, unit, total, rank, top``."""
        n_draws, n_units = self.totals.shape
        return pd.DataFrame({
            "draw": np.repeat(np.arange(n_draws), n_units),
            "unit": np.tile(np.array(self.units, dtype=object), n_draws),
            "total": self.totals.ravel(),
            "rank": self.ranks.ravel(),
            "top": self.top.ravel(),
        })


def weight_draws(inputs: YearInputs, scheme: Scheme | None = None, draws: int = DRAWS,
                 spread: float = SPREAD, seed: int | None = SEED) -> WeightDraws:
    """Totals, ranks and the 优秀 set under ``draws`` random weightings around the scheme's.

    Each of the five weights of 第七条 is multiplied by U(1 − spread, 1 + spread) and each
    group (leader/dept/grassroots; common/brand) renormalised to sum 1. The year is scored
    once; the draws only recombine its components.
    """
    return simulate_weights(score(inputs, scheme), draws=draws, spread=spread, seed=seed)


def simulate_weights(results: Results, draws: int = DRAWS, spread: float = SPREAD,
                     seed: int | None = SEED) -> WeightDraws:
    """:func:`weight_draws` for a year already scored (its components are reused)."""
    if not 0 <= spread < 1:
        raise ValueError(f"权重浮动幅度 spread 应在 0 到 1 之间（不含 1），实际为 {spread!r}")
    if draws < 1:
        raise ValueError(f"抽样次数 draws 至少为 1，实际为 {draws!r}")
    scheme = results.scheme
    table = results.totals
    units = tuple(table["unit"])
    parts = {p: table[p].to_numpy(dtype="float64") for p in PARTS}
    vetoed = table["unit"].isin(set(results.inputs.vetoes["unit"])).to_numpy()

    weights = draw_weights(scheme, draws, spread, seed)
    # a column of draws per weight against a row of units: the formula of score(), draw by draw
    _, totals = combine(parts["leader"], parts["dept"], parts["grassroots"], parts["brand"],
                        {name: weights[:, [k]] for k, name in enumerate(WEIGHTS)})
    rounded = np.round(totals, TIE_DECIMALS)
    return WeightDraws(
        units=units,
        weights=weights,
        totals=totals,
        ranks=competition_ranks(rounded),
        top=top_mask(rounded, vetoed, scheme.quota),
        spread=float(spread),
        seed=seed,
    )


def draw_weights(scheme: Scheme, draws: int, spread: float, seed: int | None) -> np.ndarray:
    """``draws`` × 5 weights: the scheme's, each × U(1 − spread, 1 + spread), renormalised."""
    rng = np.random.default_rng(seed)
    base = np.array([*(scheme.component_weights[c] for c in COMPONENTS), scheme.common_weight, scheme.brand_weight])
    drawn = base * rng.uniform(1 - spread, 1 + spread, size=(draws, len(WEIGHTS)))
    drawn[:, :3] /= drawn[:, :3].sum(axis=1, keepdims=True)
    drawn[:, 3:] /= drawn[:, 3:].sum(axis=1, keepdims=True)
    return drawn


def top_mask(rounded: np.ndarray, vetoed: np.ndarray, quota: Quota) -> np.ndarray:
    """Row-wise proposed 优秀 by the rule of :func:`kaohe.scoring.grades` (第九条, SPEC §1.9).

    The top k non-vetoed units, and any non-vetoed unit tied with the k-th; with a minimum
    total, every non-vetoed unit reaching it. ``rounded`` holds totals rounded to 6 decimals.
    """
    rounded = np.atleast_2d(rounded)
    eligible = ~np.asarray(vetoed, dtype=bool)
    return eligible & (rounded >= excellent_cutoff(rounded, eligible, quota)[:, None])


# -- 3. per unit: ranges, share 优秀 and a verdict -------------------------------------------


def stability(results: Results, draws: int = DRAWS, spread: float = SPREAD, seed: int | None = SEED,
              methods: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per unit, how far its rank moves under the six readings and under the weight draws.

    Columns: ``unit, rank, proposed_grade, vetoed`` (official), ``method_min, method_max``
    (over the six readings, the official one included), ``method_top`` (readings proposing
    优秀), ``weight_min, weight_max`` (over the official weights and every draw),
    ``weight_p5, weight_p95`` (the central 90% of draws), ``top_share`` (share of draws
    proposing 优秀; 0 for a vetoed unit), ``verdict`` and ``reason`` (in Chinese).

    Verdict, first match: 取决于方法 when the readings are ≥ ``METHOD_SPREAD`` places apart
    or disagree on 优秀; 稳定 when the readings and the central 90% of draws each span ≤
    ``STABLE_SPREAD`` place and ≥ ``GRADE_AGREEMENT`` of draws give the official proposed
    grade; otherwise 较稳定. Sorted like ``results.results`` (by official rank).
    """
    scheme = results.scheme
    methods = method_ranks(results.inputs, scheme) if methods is None else methods
    sim = simulate_weights(results, draws=draws, spread=spread, seed=seed)

    official = results.results[["unit", "rank", "proposed_grade", "vetoed"]].reset_index(drop=True)
    by_method = methods.groupby("unit", sort=False).agg(
        method_min=("rank", "min"), method_max=("rank", "max"), method_top=("top", "sum"),
        method_count=("rank", "size"),
    )
    position = pd.Index(sim.units).get_indexer(official["unit"])
    ranks = sim.ranks[:, position]
    table = official.join(by_method, on="unit")
    table["weight_min"] = np.minimum(ranks.min(axis=0), table["rank"])
    table["weight_max"] = np.maximum(ranks.max(axis=0), table["rank"])
    table["weight_p5"] = np.quantile(ranks, 0.05, axis=0, method="inverted_cdf").astype("int64")
    table["weight_p95"] = np.quantile(ranks, 0.95, axis=0, method="inverted_cdf").astype("int64")
    table["top_share"] = sim.top[:, position].mean(axis=0)
    official_top = table["proposed_grade"].eq(scheme.top_grade)
    agreement = table["top_share"].where(official_top, 1 - table["top_share"])
    verdicts = [_verdict(row, agree, scheme.top_grade) for row, agree in zip(table.itertuples(), agreement)]
    table["verdict"] = [v for v, _ in verdicts]
    table["reason"] = [r for _, r in verdicts]
    table.attrs.update(draws=len(sim), spread=float(spread), seed=seed, top_grade=scheme.top_grade)
    return table.drop(columns="method_count")


def _verdict(row, agreement: float, top: str) -> tuple[str, str]:
    method_spread = row.method_max - row.method_min
    split = 0 < row.method_top < row.method_count
    core = row.weight_p95 - row.weight_p5
    if split or method_spread >= METHOD_SPREAD:
        verdict = DEPENDS
    elif method_spread <= STABLE_SPREAD and core <= STABLE_SPREAD and agreement >= GRADE_AGREEMENT:
        verdict = STABLE
    else:
        verdict = FAIRLY_STABLE
    return verdict, _reason(row, split, top)


def _reason(row, split: bool, top: str) -> str:
    """Why, in a leader's words: where the readings and the draws put the unit, and its grade."""
    n = row.method_count
    if row.method_min == row.method_max:
        methods = f"{n} 种排序口径下名次相同"
    else:
        methods = f"{n} 种排序口径下为第{row.method_min}至第{row.method_max}名"
    if split:
        methods += f"，其中 {row.method_top} 种为{top}，{top}与否取决于口径"
    if row.weight_min == row.weight_max:
        weights = "权重浮动时名次不变"
    elif row.weight_p5 == row.weight_p95:
        weights = f"权重浮动时九成情形为第{row.weight_p5}名"
    else:
        weights = f"权重浮动时九成情形为第{row.weight_p5}至第{row.weight_p95}名"
    if row.vetoed:
        weights += f"；一票否决，不参评{top}"
    elif 0 < row.top_share < 1:
        weights += f"，{row.top_share:.0%} 的情形为{top}"
    elif row.top_share == 1:
        weights += f"，始终为{top}"
    return f"{methods}；{weights}"


# -- 4. for the report ----------------------------------------------------------------------


def stability_chart(table: pd.DataFrame) -> go.Figure:
    """Per unit: the range of ranks under the six readings and under the weight draws,
    with the official rank marked (a diamond coloured by the proposed grade)."""
    t = table.iloc[::-1]
    names = labels(t["unit"])
    pad = 0.35  # a range of one place still shows as a short bar
    fig = go.Figure()
    fig.add_bar(
        y=names, base=t["method_min"] - pad, x=t["method_max"] - t["method_min"] + 2 * pad,
        orientation="h", name="不同排序口径（6 种）", marker_color=METHOD_COLOUR, offsetgroup="method",
        customdata=np.column_stack([t["method_min"], t["method_max"]]),
        hovertemplate="%{y}<br>6 种排序口径：第%{customdata[0]}至第%{customdata[1]}名<extra></extra>",
    )
    draws, spread = table.attrs.get("draws", DRAWS), table.attrs.get("spread", SPREAD)
    fig.add_bar(
        y=names, base=t["weight_min"] - pad, x=t["weight_max"] - t["weight_min"] + 2 * pad,
        orientation="h", name=f"权重浮动 ±{spread:.0%}（全部 {draws} 次）", marker_color=WEIGHT_COLOUR,
        offsetgroup="weights",
        customdata=np.column_stack([t["weight_min"], t["weight_max"], t["weight_p5"], t["weight_p95"],
                                    t["top_share"] * 100]),
        hovertemplate=("%{y}<br>权重浮动：第%{customdata[0]}至第%{customdata[1]}名"
                       "（九成情形在第%{customdata[2]}至第%{customdata[3]}名）"
                       "<br>优秀比例 %{customdata[4]:.0f}%<extra></extra>"),
    )
    fig.add_bar(
        y=names, base=t["weight_p5"] - pad, x=t["weight_p95"] - t["weight_p5"] + 2 * pad,
        orientation="h", name="其中九成情形", marker_color=WEIGHT_CORE_COLOUR, offsetgroup="weights",
        hoverinfo="skip",
    )
    top_grade = table.attrs.get("top_grade", "优秀")
    grade = np.where(t["vetoed"].astype(bool), VETOED, np.where(t["proposed_grade"].eq(top_grade), top_grade, "其他"))
    for name, colour in ((top_grade, TOP_COLOUR), ("其他", OTHER_COLOUR), (VETOED, VETO_COLOUR)):
        rows = grade == name
        if rows.any():
            fig.add_scatter(
                y=[n for n, r in zip(names, rows) if r], x=t.loc[rows, "rank"], mode="markers",
                name=f"正式名次（{'初步等次非优秀' if name == '其他' else name}）",
                marker={"color": colour, "size": 11, "symbol": "diamond", "line": {"color": "white", "width": 1}},
                customdata=t.loc[rows, "verdict"],
                hovertemplate="%{y}：正式名次第%{x}名<br>%{customdata}<extra></extra>",
            )
    n = len(table)
    fig.update_layout(
        barmode="group", bargap=0.25,
        xaxis={"range": [0.3, n + 0.7], "dtick": 1 if n <= 30 else None, "side": "top"},
        title={"text": "名次稳定性：各单位名次可能的变动范围（名次 1 为最好）", "x": 0.01},
        font={"family": FONT_STACK, "size": 13},
        template="plotly_white",
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.01, "xanchor": "left", "x": 0},
        height=max(480, 30 * n + 200),
    )
    return fig


STABILITY_HEADERS = {
    "rank": "名次",
    "unit": "单位",
    "grade": "初步等次",
    "methods": "6 种口径下名次",
    "weights": "权重浮动下名次",
    "core": "其中九成情形",
    "top_share": "优秀比例",
    "verdict": "结论",
    "reason": "说明",
}


def stability_table(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`stability` for display: Chinese headers, ranges written 「3–5」, shares in %."""
    def span(lo, hi):
        return [f"{a}" if a == b else f"{a}–{b}" for a, b in zip(lo, hi)]

    return pd.DataFrame({
        "rank": table["rank"],
        "unit": table["unit"],
        "grade": np.where(table["vetoed"].astype(bool), table["proposed_grade"] + "（一票否决）", table["proposed_grade"]),
        "methods": span(table["method_min"], table["method_max"]),
        "weights": span(table["weight_min"], table["weight_max"]),
        "core": span(table["weight_p5"], table["weight_p95"]),
        "top_share": [f"{x:.0%}" for x in table["top_share"]],
        "verdict": table["verdict"],
        "reason": table["reason"],
    }).rename(columns=STABILITY_HEADERS)


def near_cutoff(table: pd.DataFrame, around: int = 2) -> pd.DataFrame:
    """The rows of :func:`stability` for the units whose grade is in doubt: those whose grade the
    readings or the weight draws change, and the ``around`` units each side of the last 优秀
    (vetoed units excluded), in rank order."""
    eligible = ~table["vetoed"].astype(bool)
    top = table.attrs.get("top_grade", "优秀")
    in_doubt = table["verdict"].eq(DEPENDS) | table["top_share"].between(0, 1, inclusive="neither")
    ranks = table.loc[eligible & table["proposed_grade"].eq(top), "rank"]
    last = int(ranks.max()) if len(ranks) else 0
    nearby = eligible & table["rank"].between(last - around + 1, last + around)
    near = table[in_doubt | nearby]
    near.attrs = dict(table.attrs)
    return near


def stability_summary(table: pd.DataFrame) -> str:
    """One paragraph for the report: how many units are 稳定 / 较稳定 / 取决于方法, and which."""
    top = table.attrs.get("top_grade", "优秀")
    counts = table["verdict"].value_counts()
    text = (f"{len(table)} 个单位中，名次稳定的 {counts.get(STABLE, 0)} 个，较稳定的 {counts.get(FAIRLY_STABLE, 0)} 个，"
            f"取决于计分方法的 {counts.get(DEPENDS, 0)} 个")
    depends = table.loc[table["verdict"].eq(DEPENDS), "unit"].tolist()
    text += "：" + "、".join(depends) + "。" if depends else "。"
    close = table.loc[~table["verdict"].eq(DEPENDS) & table["top_share"].between(0, 1, inclusive="neither"), "unit"]
    if len(close):
        text += f"排序口径不影响等次、但在{top}分数线附近随权重浮动而变化的：{'、'.join(close)}。"
    return text


def stability_explanation(table: pd.DataFrame) -> str:
    """How to read the figure and what the verdicts mean, with this run's draws and spread."""
    draws, spread = table.attrs.get("draws", DRAWS), table.attrs.get("spread", SPREAD)
    top = table.attrs.get("top_grade", "优秀")
    return (
        "浅蓝条：按 6 种排序口径（按总分、按类别或按每项指标排序；得分乘系数或只看名次）分别计分时，"
        "该单位名次的范围。\n"
        f"灰条：五项权重（领导、业务部门、基层评分；共性工作、特色品牌工作）各自随机浮动 ±{spread:.0%} "
        f"并重新归一、重复 {draws} 次时名次的范围，深灰为其中九成情形。\n"
        f"菱形：本年度正式名次，红色为初步等次{top}，黑色为一票否决。\n\n"
        f"结论：「{STABLE}」——各种口径下、九成权重情形下名次都相差不超过 {STABLE_SPREAD} 位，"
        f"且至少 {GRADE_AGREEMENT:.0%} 的权重情形等次与正式结果相同；"
        f"「{DEPENDS}」——不同排序口径下名次相差 {METHOD_SPREAD} 位及以上，或{top}与否随口径而变；"
        f"其余为「{FAIRLY_STABLE}」。{top}比例按初步等次（会议调整前）计算，一票否决单位为 0。"
    )

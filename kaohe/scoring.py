"""The scoring rules of SPEC §1 as pure functions of DataFrames and the scheme.

No function here opens a file or prints. Each step takes the tables of the previous one and
returns new tables; :func:`kaohe.pipeline.score` strings them together in order.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .rules import TIE_DECIMALS
from .scheme import COMPONENTS, Quota, Scheme, Trim


def competition_rank(values: pd.Series) -> pd.Series:
    """Competition ranks, best first (1, 2, 2, 4), comparing values rounded to 6 decimals."""
    return values.round(TIE_DECIMALS).rank(method="min", ascending=False).astype("int64")


def competition_ranks(rounded: np.ndarray) -> np.ndarray:
    """Row-wise competition ranks, best first (1, 2, 2, 4), of totals already rounded to
    ``TIE_DECIMALS`` (one row per weight draw in :mod:`kaohe.sensitivity`)."""
    ranks = pd.DataFrame(np.atleast_2d(rounded)).rank(axis=1, method="min", ascending=False)
    return ranks.to_numpy(dtype="int64")


def rank_coefficient(rank: pd.Series, step: float) -> pd.Series:
    """``max(0, 1 − step × (rank − 1))``: 按从高到低排序，依次给予2%的权重差额 (第八条（一）2)."""
    return (1 - step * (rank - 1)).clip(lower=0)


def indicator_points(values: pd.DataFrame, units: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Points of every unit on every indicator by the indicator's rule (SPEC §1.1, :mod:`kaohe.rules`).

    ``values`` has ``unit, indicator, value, number``; returns it with ``category, points, max``.
    """
    table = values[["unit", "indicator", "value", "number"]].reset_index(drop=True)
    by_unit = units.set_index("unit")
    number = table["number"].to_numpy()
    target = table["unit"].map(by_unit["medical_target"]).to_numpy(float)  # for 完成目标 rules
    prior = table["unit"].map(by_unit["medical_prior"]).to_numpy(float)
    category = np.full(len(table), None, dtype=object)
    points, top = np.full(len(table), np.nan), np.full(len(table), np.nan)
    rows_of = table.groupby("indicator", sort=False).indices  # one pass, not one scan per indicator
    for indicator in scheme.indicators:
        rows = rows_of.get(indicator.id, np.array([], dtype=np.intp))
        x = pd.Series(number[rows])
        given = indicator.rule.points(x, indicator.max, pd.Series(target[rows]), pd.Series(prior[rows]))
        points[rows] = given.to_numpy(float)
        category[rows], top[rows] = indicator.category, indicator.max
    table.insert(2, "category", category)
    table["points"], table["max"] = points, top
    return table[["unit", "indicator", "category", "value", "number", "points", "max"]]


def rank_and_scale(points: pd.DataFrame, by: list[str], step: float, mode: str) -> pd.DataFrame:
    """Rank units within each group of ``by`` on ``points`` and apply the rank coefficient.

    ``scaled`` = points × coef in ``scaled`` mode, the part's ``max`` × coef in ``rank_only``.
    """
    out = points.copy()
    if by:
        out["rank"] = out.groupby(by, sort=False)["points"].transform(competition_rank)
    else:
        out["rank"] = competition_rank(out["points"])
    out["rank"] = out["rank"].astype("int64")
    out["coef"] = rank_coefficient(out["rank"], step)
    base = out["points"] if mode == "scaled" else out["max"]
    out["scaled"] = base * out["coef"]
    return out


def category_points(indicators: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """Each unit's points per category of 附件2, with the category maximum."""
    order = [c.id for c in scheme.categories]
    units, unit, category = _unit_major(indicators, "category", order)
    parts = indicators[["points", "max"]][category >= 0]
    sums = parts.groupby((unit * len(order) + category)[category >= 0]).sum()  # units, then categories
    key = sums.index.to_numpy()
    return pd.DataFrame({
        "unit": units[key // len(order)],
        "category": np.asarray(order, dtype=object)[key % len(order)],
        "points": sums["points"].to_numpy(),
        "max": sums["max"].to_numpy(),
    })


def department_scores(indicators: pd.DataFrame, categories: pd.DataFrame, scheme: Scheme):
    """业务部门评分 with the ranking coefficient of 第八条（一）2 in the scheme's scope and mode.

    Returns ``(dept, categories, indicators)``: per unit ``dept_raw, dept_rank, dept_coef,
    dept``, and the category/indicator tables with ``rank, coef, scaled`` in those scopes.
    """
    ranking = scheme.dept_ranking
    unit, units = _factorize(indicators["unit"])
    sums = indicators[["points", "max"]].groupby(unit).sum()  # units in order of appearance
    raw = pd.DataFrame({"unit": units[sums.index], "dept_raw": sums["points"].to_numpy(), "max": sums["max"].to_numpy()})
    if ranking.scope == "total":
        ranked = rank_and_scale(raw.rename(columns={"dept_raw": "points"}), [], ranking.step, ranking.mode)
        dept = pd.DataFrame({
            "unit": ranked["unit"],
            "dept_raw": ranked["points"],
            "dept_rank": ranked["rank"].astype("Int64"),
            "dept_coef": ranked["coef"],
            "dept": ranked["scaled"],
        })
        return dept, categories, indicators
    if ranking.scope == "category":
        categories = rank_and_scale(categories, ["category"], ranking.step, ranking.mode)
        parts = categories
    else:
        indicators = rank_and_scale(indicators, ["indicator"], ranking.step, ranking.mode)
        parts = indicators
    scaled = parts.groupby("unit", sort=False)["scaled"].sum()
    dept = pd.DataFrame({
        "unit": raw["unit"],
        "dept_raw": raw["dept_raw"],
        "dept_rank": pd.array([pd.NA] * len(raw), dtype="Int64"),
        "dept_coef": np.nan,
        "dept": raw["unit"].map(scaled).to_numpy(),
    })
    return dept, categories, indicators


def trimmed(scores: pd.DataFrame, by: str, trim: Trim) -> pd.Series:
    """Which scores count after dropping the ``trim`` highest and lowest of each group.

    Applied only to groups with more than ``trim.above`` scores (去掉一个最高分和一个最低分).
    """
    if trim.trim == 0 or scores.empty:
        return pd.Series(True, index=scores.index)
    group = _factorize(scores[by])[0]
    return pd.Series(_trim_mask(group, scores["score"].to_numpy(dtype=float), trim), index=scores.index)


def _trim_mask(group: np.ndarray, score: np.ndarray, trim: Trim) -> np.ndarray:
    if trim.trim == 0 or len(group) == 0:
        return np.ones(len(group), bool)
    by = pd.Series(score).groupby(group)
    size = by.transform("size").to_numpy()
    # equal scores in row order: which of two equal highest scores is dropped changes nothing
    low = by.rank(method="first", ascending=True, na_option="bottom").to_numpy()
    high = by.rank(method="first", ascending=False, na_option="bottom").to_numpy()
    return ((low > trim.trim) & (high > trim.trim)) | (size <= trim.above)


def leader_scores(leader: pd.DataFrame, trim: Trim) -> pd.DataFrame:
    """市总领导班子成员评分: the mean of the scores a unit received, blanks left out."""
    given = leader.dropna(subset=["score"])
    given = given.assign(counted=trimmed(given, "unit", trim))
    used = given[given["counted"]]
    table = used.groupby("unit", sort=False)["score"].agg(leader="mean", counted="size")
    table["scores"] = given.groupby("unit", sort=False)["score"].size()
    return table.reset_index()[["unit", "leader", "scores", "counted"]]


def grassroots_scores(survey: pd.DataFrame, questions: list[str], scheme: Scheme):
    """基层评分: respondent mean → role mean → weighted mean of the roles present.

    Returns ``(by_role, grassroots)``: ``unit, role, respondents, score`` and ``unit, grassroots``.
    """
    roles = scheme.roles
    units, unit, role = _unit_major(survey, "role", roles)
    score = survey[questions].mean(axis=1, skipna=True)
    groups = score[role >= 0].groupby((unit * len(roles) + role)[role >= 0])  # units in order of appearance, then roles
    key = groups.size().index.to_numpy()
    by_role = pd.DataFrame({
        "unit": units[key // len(roles)],
        "role": np.asarray(roles, dtype=object)[key % len(roles)],
        "respondents": groups.size().to_numpy(),
        "score": groups.mean().to_numpy(),
    })
    weight = by_role["role"].map(scheme.role_weights)
    unit = key // len(roles)  # by number: quicker to group than by name
    weighted = (by_role["score"] * weight).groupby(unit, sort=False).sum()
    total_weight = weight.groupby(unit, sort=False).sum()
    grassroots = (weighted / total_weight).rename("grassroots").set_axis(units[weighted.index].rename("unit")).reset_index()
    return by_role, grassroots


def brand_scores(items: pd.DataFrame, reviews: pd.DataFrame, trim: Trim):
    """特色品牌工作互评: self-reviews left out, trimmed mean per item, mean of a unit's items.

    Returns ``(item_scores, reviews, brand)``: ``unit, item, title, reviews, score``; every
    review with ``own`` and ``counted`` flags; ``unit, brand`` (0 for a unit with no item).
    """
    item = pd.Index(items["item"]).get_indexer(reviews["item"])  # each review's item, by position
    known = item >= 0
    owner = pd.Series(items["unit"].to_numpy(dtype=object)[item], index=reviews.index).where(known)
    reviews = reviews.assign(unit=owner, own=owner.to_numpy() == reviews["reviewer"].to_numpy())
    others = known & ~reviews["own"].to_numpy()
    score = reviews["score"].to_numpy(dtype=float)
    counted = np.zeros(len(reviews), bool)
    counted[others] = _trim_mask(item[others], score[others], trim)
    reviews["counted"] = counted
    mean = pd.Series(score[counted]).groupby(item[counted]).mean()
    item_scores = items.assign(
        reviews=np.bincount(item[others], minlength=len(items)).astype("int64"),
        counted=np.bincount(item[counted], minlength=len(items)).astype("int64"),
        score=mean.reindex(np.arange(len(items))).to_numpy(dtype=float),
    )
    brand = item_scores.groupby("unit", sort=False)["score"].mean().rename("brand").reset_index()
    return item_scores, reviews, brand


def combine(leader, dept, grassroots, brand, weights) -> tuple:
    """``(common, total)``: 共性工作 = 领导 × w + 业务部门 × w + 基层 × w; 总分 = 共性 × w + 品牌 × w (第七条).

    The one place the total is computed. ``weights`` maps leader, dept, grassroots, common and
    brand to numbers, or to arrays of weight draws (:mod:`kaohe.sensitivity`), which broadcast
    over the components; the order of operations is fixed, so every caller gets the same bits.
    """
    common = weights["leader"] * leader + weights["dept"] * dept + weights["grassroots"] * grassroots
    return common, weights["common"] * common + weights["brand"] * brand


def scheme_weights(scheme: Scheme) -> dict[str, float]:
    """The five weights :func:`combine` takes, from the scheme."""
    return {**scheme.component_weights, "common": scheme.common_weight, "brand": scheme.brand_weight}


def effective_weights(scheme: Scheme) -> dict[str, float]:
    """Each component's share of the total: 领导评分 0.7 × 0.25 = 0.175 … 特色品牌 0.3."""
    w = scheme_weights(scheme)
    return {k: w["common"] * w[k] for k in COMPONENTS} | {"brand": w["brand"]}


def total_scores(units: pd.Series, dept, leader, grassroots, brand, scheme: Scheme) -> pd.DataFrame:
    """共性工作 = 25% 领导 + 60% 部门 + 15% 基层; 总分 = 70% 共性 + 30% 品牌 (第七条)."""
    table = pd.DataFrame({"unit": units})
    table = table.merge(leader[["unit", "leader"]], on="unit", how="left")
    table = table.merge(dept, on="unit", how="left")
    table = table.merge(grassroots, on="unit", how="left")
    table = table.merge(brand, on="unit", how="left")
    table["brand"] = table["brand"].fillna(0.0)
    table["common"], table["total"] = combine(table["leader"], table["dept"], table["grassroots"], table["brand"],
                                              scheme_weights(scheme))
    table["rank"] = competition_rank(table["total"])
    return table


def quota_size(quota: Quota, n_units: int) -> int | None:
    """How many units the quota admits (``None`` for a minimum total)."""
    if quota.kind == "share":
        return math.floor(quota.value * n_units + 1e-9)
    if quota.kind == "count":
        return int(quota.value)
    return None


def excellent_cutoff(rounded: np.ndarray, eligible: np.ndarray, quota: Quota) -> np.ndarray:
    """The total a non-vetoed unit needs to be proposed 优秀 (第九条), per row of ``rounded``
    (totals rounded to ``TIE_DECIMALS``; one row, or one per weight draw): the k-th best total
    of the ``eligible`` (non-vetoed) units, the quota's minimum total, or ∞ when none is admitted."""
    rounded = np.atleast_2d(rounded)
    eligible = np.asarray(eligible, dtype=bool)
    k = quota_size(quota, rounded.shape[1])
    if k is None:
        return np.full(len(rounded), float(quota.value))
    if k <= 0 or not eligible.any():
        return np.full(len(rounded), math.inf)
    kth = min(k, int(eligible.sum()))
    candidates = np.where(eligible, rounded, -np.inf)
    return -np.partition(-candidates, kth - 1, axis=1)[:, kth - 1]  # the k-th best eligible total


def grades(totals: pd.DataFrame, vetoes: pd.DataFrame, overrides: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """考核等次 (第九条): the quota's top non-vetoed units are 优秀, ties with the last included.

    Returns ``unit, vetoed, veto_clauses, proposed_grade, grade, at_cutoff, override_reason``;
    ``at_cutoff`` flags units tied at the cut-off (or within ``near_tie`` of it) for the meeting.
    """
    clauses = vetoes.groupby("unit", sort=False)["clause"].agg(lambda c: ";".join(sorted(c, key=_clause_key)))
    table = totals[["unit", "total"]].copy()
    table["vetoed"] = table["unit"].isin(set(vetoes["unit"]))
    veto_clauses = table["unit"].map(clauses).astype(object)
    table["veto_clauses"] = veto_clauses.where(veto_clauses.notna(), "").astype(str)
    k = quota_size(scheme.quota, len(table))
    total = table["total"].round(TIE_DECIMALS)
    cutoff = float(excellent_cutoff(total.to_numpy(), ~table["vetoed"].to_numpy(), scheme.quota)[0])
    top = ~table["vetoed"] & (total >= cutoff)
    table["proposed_grade"] = np.where(top, scheme.top_grade, scheme.other_grade)
    band = ~table["vetoed"] & ((total - cutoff).abs() <= scheme.near_tie + 10 ** -TIE_DECIMALS)
    contested = bool((band & top).any() and (band & ~top).any())  # close calls on both sides
    tied = k is not None and int(top.sum()) > k and math.isfinite(cutoff)
    table["at_cutoff"] = (band & contested) | (top & total.eq(cutoff) & tied)
    decided = overrides.set_index("unit")
    grade = table["unit"].map(decided["grade"]).astype(object)
    reason = table["unit"].map(decided["reason"]).astype(object)
    table["grade"] = grade.where(grade.notna(), table["proposed_grade"]).astype(str)
    table["override_reason"] = reason.where(reason.notna(), "").astype(str)
    table.attrs["cutoff"] = cutoff
    return table.drop(columns="total")


def _clause_key(clause: str):
    return (0, int(clause)) if str(clause).isdigit() else (1, str(clause))


def _unit_major(table: pd.DataFrame, part: str, order: list[str]):
    """``(units, unit code, part code)``: units numbered in order of appearance, parts in ``order``."""
    unit, units = _factorize(table["unit"])
    parts = table[part]
    if isinstance(parts.dtype, pd.CategoricalDtype):
        parts = pd.Categorical(parts, categories=order)  # the same categories: only the codes are read
        part_codes = parts.codes
    else:
        part_codes = pd.Index(order).get_indexer(parts)
    return units, unit.astype(np.int64), part_codes.astype(np.int64)


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize`` of a column: each row's code, and the distinct values in order of appearance
    (a column of categories is factorized on its codes, and its values come back as plain text)."""
    codes, uniques = pd.factorize(values)
    if isinstance(values.dtype, pd.CategoricalDtype):
        return codes, pd.Index(np.asarray(uniques), dtype=values.dtype.categories.dtype)
    return codes, pd.Index(uniques, dtype=values.dtype)

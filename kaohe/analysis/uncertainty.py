"""How sure the ranking is: every source of doubt drawn at once, and how much each explains.

Five sources, each drawn independently per draw (the defaults in :data:`SOURCES`):

- ``weights``: the five weights each × U(1 − 20%, 1 + 20%), renormalised (as in the stability section);
- ``methods``: one of the six readings of 第八条（一）2's 2% rule, at random;
- ``survey``: the respondents of each unit and role resampled with replacement (a bootstrap of
  the random sample of 第八条（一）3), each role's score their mean; a role a unit has fewer than
  ``FEW`` respondents in, whose own answers say nothing of their spread, draws its mean from a
  normal law with the spread of that role's answers in all units, ÷ √n;
- ``brand``: the reviewers of each brand item resampled with replacement, trimmed as the scheme
  says, the item's score their mean;
- ``leader``: the leadership members resampled with replacement (the same members for every
  unit in a draw), trimmed as the scheme says.

Each draw gives every unit's components, put together by :func:`kaohe.scoring.combine`, then
ranks (ties shared) and the 优秀 proposal by the quota (vetoed units never). How much of the
variance of the ranks each source explains is estimated by pick-and-freeze (Saltelli 2010 for
the first-order index, Jansen 1999 for the total index) over two independent sets of draws,
the ranks' variance summed over units — the equivalent, for sources that are blocks of random
draws rather than numbers, of ``SALib``'s Sobol' analysis.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..scheme import MODES, SCOPES, UNCERTAINTY_SOURCES
from ..scoring import TIE_DECIMALS, combine, competition_ranks
from .sensitivity import draw_weights, top_mask

if TYPE_CHECKING:
    from ..pipeline import Results

SOURCES = UNCERTAINTY_SOURCES
SOURCE_NAMES = {"weights": "权重浮动 ±20%", "methods": "2% 规则的六种理解", "survey": "基层问卷抽样",
                "brand": "特色品牌互评", "leader": "领导班子评分"}
SPREAD = 0.2
FEW = 3  # respondents of a unit and role below which their spread is the role's across all units


@dataclass(frozen=True)
class Uncertainty:
    """``units``: ``unit, p_excellent, rank_p05, rank_p50, rank_p95, grassroots_p05, grassroots_p95``;
    ``sources``: ``source, name, first_order, total``."""

    units: pd.DataFrame
    sources: pd.DataFrame
    draws: int
    seed: int | None


def uncertainty(results: "Results", draws: int | None = None, seed: int | None = None, *,
                sources: tuple[str, ...] | None = None, spread: float | None = None) -> Uncertainty:
    """Draw every source of doubt ``draws`` times (seeded, vectorised) and summarise (module docstring).

    Each argument left out is the scheme's setting (``uncertainty:`` in scheme.yaml; by default
    1,000 draws, seed 2019, weights ±20%, all five sources)."""
    settings = results.scheme.uncertainty
    draws = settings.draws if draws is None else draws
    seed = settings.seed if seed is None else seed
    sources = settings.sources if sources is None else tuple(sources)
    spread = settings.weight_spread if spread is None else spread
    unknown = set(sources) - set(SOURCES)
    if unknown:
        raise ValueError(f"未知的不确定性来源：{'、'.join(sorted(unknown))}（可用：{'、'.join(SOURCES)}）")
    rng = np.random.default_rng(seed)
    model = _Model(results, spread)
    a, b = model.draw(draws, rng, sources), model.draw(draws, rng, sources)
    ranks_a, top_a, grassroots_a = model.evaluate(a)
    ranks_b, _, _ = model.evaluate(b)
    units = pd.DataFrame({
        "unit": model.units,
        "p_excellent": top_a.mean(axis=0),
        "rank_p05": np.percentile(ranks_a, 5, axis=0),
        "rank_p50": np.percentile(ranks_a, 50, axis=0),
        "rank_p95": np.percentile(ranks_a, 95, axis=0),
        "grassroots_p05": np.percentile(grassroots_a, 5, axis=0),
        "grassroots_p95": np.percentile(grassroots_a, 95, axis=0),
    })
    order = pd.Index(model.units).get_indexer(results.results["unit"])
    units = units.iloc[order].reset_index(drop=True)
    variance = np.var(np.concatenate([ranks_a, ranks_b]), axis=0).sum()
    rows = []
    for source in sources:
        mixed = {**a, source: b[source]}
        ranks_ab, _, _ = model.evaluate(mixed)
        first = np.mean(ranks_b * (ranks_ab - ranks_a), axis=0).sum() / variance if variance > 0 else 0.0
        total = np.mean((ranks_a - ranks_ab) ** 2, axis=0).sum() / 2 / variance if variance > 0 else 0.0
        rows.append({"source": source, "name": SOURCE_NAMES[source], "first_order": float(first), "total": float(total)})
    return Uncertainty(units, pd.DataFrame(rows), draws, seed)


class _Model:
    """A scored year's components, and how each source redraws them."""

    def __init__(self, results: "Results", spread: float):
        from ..pipeline import score

        scheme = results.scheme
        self.scheme, self.spread = scheme, spread
        totals = results.totals
        self.units = totals["unit"].tolist()
        position = pd.Index(self.units)
        self.vetoed = totals["unit"].isin(set(results.inputs.vetoes["unit"])).to_numpy()
        self.official = {p: totals[p].to_numpy(float) for p in ("leader", "dept", "grassroots", "brand")}
        self.methods = np.array([
            score(results.inputs, scheme.with_options(dept_ranking=replace(scheme.dept_ranking, scope=s, mode=m)))
            .totals.set_index("unit")["dept"].reindex(self.units).to_numpy(float)
            for s in SCOPES for m in MODES
        ])
        # survey: each respondent's mean answer, by unit and role
        survey = results.inputs.survey
        answers = survey[results.inputs.questions].mean(axis=1, skipna=True)
        self.survey = []
        roles = survey["role"].astype(str)
        spread = answers.groupby(roles).std(ddof=1).fillna(0.0)  # each role's spread across all units
        for (unit, role), values in answers.groupby([survey["unit"].astype(str), roles], observed=True, sort=False):
            values = values.dropna().to_numpy(float)
            if len(values) and unit in position:
                self.survey.append((position.get_loc(unit), scheme.role_weights.get(role, 0.0), values,
                                    float(spread.get(role, 0.0))))
        # brand: the other units' reviews of each item
        reviews = results.brand_reviews[~results.brand_reviews["own"]]
        items = results.brand_items
        self.items, self.item_reviews = [], []
        for u, i in zip(items["unit"], items["item"]):
            if u in position:
                rows = reviews[reviews["item"].eq(i)]
                self.items.append((position.get_loc(u), rows["score"].to_numpy(float)))
                self.item_reviews.append(rows[["reviewer", "item", "score"]].reset_index(drop=True))
        # leader: units × members
        leader = results.inputs.leader.pivot_table(index="unit", columns="member", values="score", aggfunc="mean")
        self.leader = leader.reindex(self.units).to_numpy(float)
        self.members = [str(m) for m in leader.columns]

    def draw(self, n: int, rng, sources, record: dict | None = None) -> dict[str, np.ndarray]:
        """``n`` draws of every source in ``sources`` (the others as scored); ``record`` receives
        what was picked (the reading, the members, each item's reviews) for :func:`replay`."""
        record = {} if record is None else record
        state = {}
        state["weights"] = (draw_weights(self.scheme, n, self.spread, rng.integers(2**32))
                            if "weights" in sources else np.tile(self._weights(), (n, 1)))
        if "methods" in sources:
            record["methods"] = rng.integers(len(self.methods), size=n)
            state["methods"] = self.methods[record["methods"]]
        else:
            state["methods"] = np.tile(self.official["dept"], (n, 1))
        state["survey"] = self._survey(n, rng) if "survey" in sources else np.tile(self.official["grassroots"], (n, 1))
        state["brand"] = self._brand(n, rng, record) if "brand" in sources else np.tile(self.official["brand"], (n, 1))
        state["leader"] = self._leader(n, rng, record) if "leader" in sources else np.tile(self.official["leader"], (n, 1))
        return state

    def totals(self, state) -> np.ndarray:
        w = state["weights"]
        names = ("leader", "dept", "grassroots", "common", "brand")
        _, totals = combine(state["leader"], state["methods"], state["survey"], state["brand"],
                            {name: w[:, [k]] for k, name in enumerate(names)})
        return totals

    def evaluate(self, state) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        totals = self.totals(state)
        rounded = np.round(totals, TIE_DECIMALS)
        return competition_ranks(rounded), top_mask(rounded, self.vetoed, self.scheme.quota), state["survey"]

    def _weights(self) -> np.ndarray:
        s = self.scheme
        return np.array([s.component_weights["leader"], s.component_weights["dept"], s.component_weights["grassroots"],
                         s.common_weight, s.brand_weight])

    def _survey(self, n: int, rng) -> np.ndarray:
        weighted = np.zeros((n, len(self.units)))
        weights = np.zeros(len(self.units))
        for unit, weight, values, spread in self.survey:
            if len(values) < FEW:
                mean = values.mean() + rng.normal(0.0, spread / np.sqrt(len(values)), size=n)
            else:
                mean = values[rng.integers(len(values), size=(n, len(values)))].mean(axis=1)
            weighted[:, unit] += weight * mean
            weights[unit] += weight
        drawn = np.divide(weighted, weights, out=np.tile(self.official["grassroots"], (n, 1)), where=weights > 0)
        return drawn

    def _brand(self, n: int, rng, record: dict) -> np.ndarray:
        total = np.zeros((n, len(self.units)))
        count = np.zeros(len(self.units))
        trim = self.scheme.brand_trim
        record["brand"] = []
        for unit, scores in self.items:
            count[unit] += 1
            if not len(scores):
                record["brand"].append(None)
                continue
            chosen = rng.integers(len(scores), size=(n, len(scores)))
            record["brand"].append(chosen)
            picks = np.sort(scores[chosen], axis=1)
            if trim.trim and len(scores) > trim.above:
                picks = picks[:, trim.trim:len(scores) - trim.trim]
            total[:, unit] += picks.mean(axis=1)
        return np.divide(total, count, out=np.zeros_like(total), where=count > 0)

    def _leader(self, n: int, rng, record: dict) -> np.ndarray:
        members = self.leader.shape[1]
        if members == 0:
            return np.tile(self.official["leader"], (n, 1))
        record["leader"] = rng.integers(members, size=(n, members))
        picks = self.leader[:, record["leader"]]  # units × draws × members
        picks = np.moveaxis(picks, 0, 1)  # draws × units × members
        trim = self.scheme.leader_trim
        given = np.sum(~np.isnan(picks), axis=2)
        if trim.trim:
            ordered = np.sort(picks, axis=2)  # NaN last
            keep = np.arange(members)[None, None, :]
            lo, hi = trim.trim, given - trim.trim
            use = (given > trim.above)[..., None]
            mask = np.where(use, (keep >= lo) & (keep < hi[..., None]), keep < given[..., None])
            values = np.where(mask, ordered, np.nan)
        else:
            values = picks
        with np.errstate(invalid="ignore"):
            drawn = np.nanmean(values, axis=2)
        return np.where(np.isnan(drawn), self.official["leader"][None, :], drawn)


def reliability_table(drawn: Uncertainty, results: "Results") -> pd.DataFrame:
    """Per unit, with Chinese headers: the official rank and grade, P(优秀), the 90% rank band
    and the 90% band of its 基层评分; units whose grade is in doubt (0 < P < 1) first, the
    closest calls at the top, then the rest in rank order."""
    units = drawn.units.merge(results.results[["unit", "rank", "grade", "vetoed"]], on="unit")
    p = units["p_excellent"]
    doubt = (p > 0) & (p < 1)
    units = units.assign(_d=~doubt, _c=(p - 0.5).abs()).sort_values(["_d", "_c", "rank"], kind="stable")
    top = results.scheme.top_grade
    return pd.DataFrame({
        "单位": units["unit"],
        "名次": units["rank"],
        "等次": np.where(units["vetoed"].astype(bool), units["grade"] + "（一票否决）", units["grade"]),
        f"{top}的概率": [f"{x:.0%}" for x in units["p_excellent"]],
        "名次范围（九成情形）": [f"{a:.0f}" if a == b else f"{a:.0f}–{b:.0f}" for a, b in zip(units["rank_p05"], units["rank_p95"])],
        "基层评分范围（九成情形）": [f"{a:.1f}–{b:.1f}" for a, b in zip(units["grassroots_p05"], units["grassroots_p95"])],
        "等次是否确定": np.where(doubt[units.index], "不确定", "确定"),
    }).reset_index(drop=True)


def sources_chart(drawn: Uncertainty):
    """How much of the ranks' variance each source explains: first-order and total indices."""
    import plotly.graph_objects as go

    from .charts import layout

    s = drawn.sources.iloc[::-1]
    fig = go.Figure()
    fig.add_bar(y=s["name"], x=s["first_order"], name="单独解释的份额（一阶）", orientation="h", marker_color="#4C78A8")
    fig.add_bar(y=s["name"], x=s["total"], name="含与其他来源交互（总效应）", orientation="h", marker_color="#BAB0AC")
    fig.update_layout(barmode="group", xaxis={"title": "占名次方差的比例", "tickformat": ".0%", "range": [0, 1]})
    return layout(fig, "名次的不确定性来自哪里", height=360)


@dataclass(frozen=True)
class Replay:
    """One draw as the full scorer can score it: the drawn scheme (weights, reading), the
    drawn inputs (the picked members and reviews, each pick a rater of its own), and the total
    of every unit the draw gave (in the order of ``units``)."""

    scheme: object
    inputs: object
    units: list[str]
    totals: np.ndarray


def replay(results: "Results", draws: int = 3, seed: int | None = 2019,
           sources: tuple[str, ...] = ("weights", "methods", "brand", "leader")) -> list[Replay]:
    """The first ``draws`` draws of ``sources`` as inputs for :func:`kaohe.pipeline.score`, to check
    the vectorised draws against the full scorer. The survey is not replayed (a role with fewer
    than ``FEW`` respondents is drawn from a normal law, which no survey file can hold)."""
    if "survey" in sources:
        raise ValueError("survey 来源不能回放为输入文件")
    model = _Model(results, results.scheme.uncertainty.weight_spread)
    record: dict = {}
    state = model.draw(draws, np.random.default_rng(seed), sources, record)
    totals = model.totals(state)
    readings = [(s, m) for s in SCOPES for m in MODES]
    out = []
    for k in range(draws):
        scheme, inputs = results.scheme, results.inputs
        if "weights" in sources:
            w = state["weights"][k]
            scheme = scheme.with_options(component_weights={"leader": w[0], "dept": w[1], "grassroots": w[2]},
                                         common_weight=w[3], brand_weight=w[4])
        if "methods" in sources:
            scope, mode = readings[record["methods"][k]]
            scheme = scheme.with_options(dept_ranking=replace(scheme.dept_ranking, scope=scope, mode=mode))
        if "leader" in sources:
            parts = []
            for j, member in enumerate(record["leader"][k]):
                rows = results.inputs.leader[results.inputs.leader["member"].astype(str).eq(model.members[member])]
                parts.append(rows.assign(member=f"{model.members[member]}#{j}"))
            inputs = replace(inputs, leader=pd.concat(parts, ignore_index=True))
        if "brand" in sources:
            parts = []
            for rows, chosen in zip(model.item_reviews, record["brand"]):
                if chosen is not None:
                    picked = rows.iloc[chosen[k]].reset_index(drop=True)
                    parts.append(picked.assign(reviewer=[f"{r}#{j}" for j, r in enumerate(picked["reviewer"])]))
            inputs = replace(inputs, brand_reviews=pd.concat(parts, ignore_index=True))
        out.append(Replay(scheme, inputs, model.units, totals[k]))
    return out

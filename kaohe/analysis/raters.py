"""Rating quality: each brand reviewer's and each leadership member's leniency, who scores far
from the others, and how well the ratings agree.

A rater's *deviation* on one item (or unit) is its score minus the median of the other raters'
scores on that item; its *leniency* is the median of its deviations (positive: it scores
higher than the others). A rater is flagged — the rule is robust to a few odd scores and
leaves honest noise alone — when both

- its leniency lies more than ``ROBUST_Z`` robust standard deviations (1.4826 × the median
  absolute deviation of all raters' leniencies) from the median leniency, and
- it is at least ``LENIENT_BY`` points from the others;

or, for a brand reviewer, when it scores the items of the units within ``RIVALS`` places of its
own rank at least ``STRATEGIC_BY`` points lower (against the others) than it scores the rest:
marking down one's rivals (strategic 互评). Agreement is Krippendorff's α (interval level,
the ``krippendorff`` package) over raters × items; 1 is full agreement, 0 agreement by chance.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..pipeline import Results

ROBUST_Z = 3.5
LENIENT_BY = 5.0  # points
RIVALS = 3  # places either side of the reviewer's own rank
STRATEGIC_BY = 10.0  # points
KINDS = {"brand": "特色品牌互评", "leader": "领导班子评分"}


def deviations(scores: pd.DataFrame, rater: str, item: str) -> pd.DataFrame:
    """Each score with ``consensus`` (the median of the other raters on the same item) and
    ``deviation`` = score − consensus; items with one rater have no consensus (NaN)."""
    table = scores[[rater, item, "score"]].dropna(subset=["score"]).reset_index(drop=True)
    consensus = np.full(len(table), np.nan)
    for rows in table.groupby(item, sort=False).indices.values():
        values = table["score"].to_numpy(float)[rows]
        if len(rows) < 2:
            continue
        for k, row in enumerate(rows):
            consensus[row] = np.median(np.delete(values, k))
    return table.assign(consensus=consensus, deviation=table["score"] - consensus)


def agreement(scores: pd.DataFrame, rater: str, item: str) -> float:
    """Krippendorff's α (interval) of the raters × items matrix; NaN with too little to compare."""
    import krippendorff

    grid = scores.pivot_table(index=rater, columns=item, values="score", aggfunc="mean")
    if grid.shape[0] < 2 or grid.notna().sum(axis=0).max() < 2:
        return float("nan")
    return float(krippendorff.alpha(reliability_data=grid.to_numpy(float), level_of_measurement="interval"))


def raters(results: "Results") -> pd.DataFrame:
    """Every brand reviewer and leadership member: ``rater, kind (brand | leader), scores,
    leniency, flagged, reason`` (the reason in Chinese, empty when not flagged). The
    agreement of each kind is in ``.attrs["agreement"]`` ({"brand": α, "leader": α})."""
    reviews = results.brand_reviews[~results.brand_reviews["own"]]
    brand = deviations(reviews, "reviewer", "item").merge(
        reviews[["reviewer", "item", "unit"]].drop_duplicates(["reviewer", "item"]), on=["reviewer", "item"])
    leader = deviations(results.inputs.leader, "member", "unit")
    parts = [_rated(brand, "reviewer", "brand"), _rated(leader, "member", "leader")]
    table = pd.concat(parts, ignore_index=True)
    _flag_far(table)
    _flag_rivals(table, brand, results.results.set_index("unit")["rank"])
    table.attrs["agreement"] = {"brand": agreement(reviews, "reviewer", "item"),
                                "leader": agreement(results.inputs.leader, "member", "unit")}
    return table[["rater", "kind", "scores", "leniency", "flagged", "reason"]]


def _rated(table: pd.DataFrame, rater: str, kind: str) -> pd.DataFrame:
    by = table.groupby(rater, sort=False)
    return pd.DataFrame({
        "rater": by.size().index.astype(str),
        "kind": kind,
        "scores": by.size().to_numpy(),
        "leniency": by["deviation"].median().to_numpy(),
        "flagged": False,
        "reason": "",
    })


def _flag_far(table: pd.DataFrame) -> None:
    for kind, rows in table.groupby("kind").groups.items():
        leniency = table.loc[rows, "leniency"]
        centre = leniency.median()
        spread = 1.4826 * (leniency - centre).abs().median()
        z = (leniency - centre) / spread if spread > 0 else pd.Series(0.0, index=rows)
        far = (z.abs() > ROBUST_Z) & (leniency.abs() >= LENIENT_BY)
        for row in far[far].index:
            way = "高" if table.at[row, "leniency"] > 0 else "低"
            table.loc[row, ["flagged", "reason"]] = True, (
                f"{KINDS[kind]}：评分一贯比其他评分人{way} {abs(table.at[row, 'leniency']):.1f} 分（中位数）")


def _flag_rivals(table: pd.DataFrame, brand: pd.DataFrame, rank: pd.Series) -> None:
    """A reviewer who marks down the units ranked near its own (strategic 互评)."""
    own = brand["reviewer"].map(rank)
    rival = (brand["unit"].map(rank) - own).abs() <= RIVALS
    for reviewer, rows in brand.groupby("reviewer", sort=False).groups.items():
        near, far = brand.loc[rows][rival[rows]], brand.loc[rows][~rival[rows]]
        if len(near) < 2 or len(far) < 2:
            continue
        gap = far["deviation"].median() - near["deviation"].median()
        if gap >= STRATEGIC_BY and near["deviation"].median() <= -LENIENT_BY:
            row = table.index[(table["kind"] == "brand") & (table["rater"] == str(reviewer))][0]
            first, last = int(max(1, own[rows].iloc[0] - RIVALS)), int(own[rows].iloc[0] + RIVALS)
            reason = (f"特色品牌互评：对名次相近单位（第{first}–{last}名）的项目评分比其他评分人低 "
                      f"{-near['deviation'].median():.1f} 分，对其余单位只差 {far['deviation'].median():+.1f} 分，疑为压低对手")
            table.loc[row, "flagged"] = True
            table.loc[row, "reason"] = "；".join(r for r in (table.at[row, "reason"], reason) if r)

"""Which indicators tell the units apart: notes for next year's scheme.

An indicator on which (almost) every unit has full marks ranks no one; one whose points
correlate negatively with the rest of its category measures something the category's other
indicators do not (or the opposite of it). Both are listed in the method appendix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from ..pipeline import Results

FULL_SHARE = 0.9  # of the units with full marks, from which an indicator tells too few apart
NEGATIVE = -0.2  # the correlation with the rest of the category below which it is noted


def indicator_discrimination(results: "Results") -> pd.DataFrame:
    """Per indicator: ``indicator, category, text, full_share`` (units with full marks),
    ``rest_correlation`` (Pearson, with the sum of the category's other indicators; NaN when
    either does not vary) and ``note`` in Chinese (empty when nothing is to be said)."""
    table = results.indicators
    points = table.pivot(index="unit", columns="indicator", values="points")
    full = (table["max"] - table["points"]).le(1e-9).groupby(table["indicator"]).mean()
    rows = []
    for indicator in results.scheme.indicators:
        others = [i.id for i in results.scheme.indicators if i.category == indicator.category and i.id != indicator.id]
        mine = points[indicator.id]
        rest = points[others].sum(axis=1) if others else None
        varies = rest is not None and mine.std() > 1e-9 and rest.std() > 1e-9
        r = float(np.corrcoef(mine, rest)[0, 1]) if varies else float("nan")
        share = float(full[indicator.id])
        notes = []
        if share >= FULL_SHARE:
            notes.append(f"{share:.0%} 的单位得满分，区分不出单位")
        if r < NEGATIVE:
            notes.append(f"与本类其他指标负相关（r = {r:.2f}）")
        rows.append({"indicator": indicator.id, "category": indicator.category, "text": indicator.text,
                     "full_share": share, "rest_correlation": r, "note": "；".join(notes)})
    return pd.DataFrame(rows)


def discrimination_notes(results: "Results") -> pd.DataFrame:
    """The indicators with a note, with Chinese headers, for the method appendix."""
    table = indicator_discrimination(results)
    noted = table[table["note"] != ""]
    return pd.DataFrame({"指标": noted["indicator"], "考核内容": noted["text"],
                         "满分单位占比": [f"{x:.0%}" for x in noted["full_share"]],
                         "与本类其他指标的相关": [f"{x:.2f}" if x == x else "" for x in noted["rest_correlation"]],
                         "供下年修订方案参考": noted["note"]}).reset_index(drop=True)

"""The rule kinds of SPEC §1.1: how an indicator's input value becomes points.

Each kind is one class holding everything about it: the settings ``scheme.yaml`` gives it
(:meth:`Rule.read`, :meth:`Rule.settings`), how a department's value is checked
(:meth:`Rule.check`), its points (:meth:`Rule.points`), the words that explain lost points
(:meth:`Rule.reason`), its description in the method appendix (:meth:`Rule.describe`), the
Excel data validation of its template column (:meth:`Rule.cell`) and the values of the
synthetic sample year (:meth:`Rule.sample`). Adding a kind is adding a class to
:data:`RULES`, a paragraph to SPEC §1.1 and a test in ``tests/test_rules.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from .problems import Code
from .vocabulary import percent, plain_number

if TYPE_CHECKING:  # the scheme reader, which passes itself to Rule.read
    from .scheme import _Parser

TIE_DECIMALS = 6  # values are compared rounded to this many decimals, as totals are
EPS = 1e-9


@dataclass(frozen=True)
class Cell:
    """What a template column accepts: an Excel data-validation rule with its messages."""

    type: str
    operator: str | None
    formula1: str | None
    formula2: str | None
    prompt: str
    error: str


@dataclass(frozen=True)
class Check:
    """Cells of an indicator column that break its rule: a mask, a problem code, its fields
    (a field may be a function of the cell's value)."""

    mask: pd.Series
    code: Code
    fields: dict


class Rule:
    """An indicator's rule kind. Subclasses set the class attributes and the methods."""

    kind: ClassVar[str]  # as written in scheme.yaml
    name: ClassVar[str]  # in Chinese, as the report and the templates say it
    given: ClassVar[str]  # what the department writes in the cell
    ratio: ClassVar[bool] = False  # whether the value is a share, written 85% or 0.85
    header_hint: ClassVar[str] = ""  # after the maximum in a template's header, e.g. ，填发现次数
    number_format: ClassVar[str | None] = None  # of the template's cells

    # -- the scheme ---------------------------------------------------------------------------
    @classmethod
    def read(cls, raw: dict, reader: "_Parser", where: str, top: float) -> "Rule":
        """The rule from its ``scheme.yaml`` mapping; problems go to ``reader``."""
        return cls()

    def settings(self) -> dict[str, Any]:
        """The rule as written in ``scheme.yaml``."""
        return {"kind": self.kind}

    # -- the input ----------------------------------------------------------------------------
    def check(self, number: pd.Series, as_percent: pd.Series, top: float) -> list[Check]:
        """What is wrong with the numbers of a column (``as_percent``: the cell was written with %)."""
        checks = self.limits(number, top)
        if not self.ratio:
            checks.append(Check(as_percent, Code.PERCENT_NOT_ALLOWED, {"what": self.given}))
        return checks

    def limits(self, number: pd.Series, top: float) -> list[Check]:
        return []

    def cell(self, indicator_id: str, top: float) -> Cell:
        raise NotImplementedError

    # -- the points ---------------------------------------------------------------------------
    def points(self, x: pd.Series, top: float, target: pd.Series, prior: pd.Series) -> pd.Series:
        """Points of the values ``x`` on an indicator worth ``top``; ``target`` and ``prior`` are
        the units' 参保基数 and 上年参保数 (NaN where none)."""
        raise NotImplementedError

    def reason(self, x: float, top: float, target: float = math.nan, prior: float = math.nan) -> str:
        """Why a value got its points, e.g. ``按次扣分：发现 2 次，每次扣 0.5 分``."""
        raise NotImplementedError

    def describe(self) -> str:
        """The rule in words for the method appendix, e.g. ``按次扣分（每次扣 0.5 分）``."""
        return self.name

    # -- the synthetic sample -----------------------------------------------------------------
    def sample(self, quality: np.ndarray, top: float, target: np.ndarray, rng) -> np.ndarray:
        """Plausible values for units of ``quality`` in [0, 1] (better units lose less);
        ``target``: their 参保基数."""
        raise NotImplementedError

    def losing(self, value: float, top: float, threshold: float) -> float:
        """A value like ``value`` that loses points (``threshold``: the unit's target)."""
        raise NotImplementedError

    def written(self, values: np.ndarray, as_percent: np.ndarray) -> np.ndarray:
        """The values as a department writes them in its file (``as_percent``: the rows that write 85%)."""
        return values.astype(int)


def _range(number: pd.Series, what: str, low=None, high=None, integer=False) -> list[Check]:
    checks = []
    if low is not None:
        checks.append(Check(number < low, Code.BELOW_MIN, {"what": what, "low": _g(low)}))
    if high is not None:
        checks.append(Check(number > high, Code.ABOVE_MAX, {"what": what, "high": _g(high)}))
    if integer:
        checks.append(Check(number.notna() & (number != np.floor(number)), Code.NOT_INTEGER, {"what": what}))
    return checks


def _step(top: float) -> float:
    return 0.5 if top >= 5 else 0.1


@dataclass(frozen=True)
class Manual(Rule):
    """直接评分: the department gives the points."""

    kind: ClassVar[str] = "manual"
    name: ClassVar[str] = "直接评分"
    given: ClassVar[str] = "得分"

    def limits(self, number, top):
        return [Check(number < 0, Code.SCORE_NEGATIVE, {}), Check(number > top, Code.ABOVE_FULL_MARKS, {"max": _g(top)})]

    def cell(self, indicator_id, top):
        return Cell("decimal", "between", "0", _g(top), f"填写部门给出的得分：0 到 {_g(top)} 分之间，可带小数。",
                    f"指标 {indicator_id} 的得分应在 0 到 {_g(top)} 分之间。")

    def points(self, x, top, target, prior):
        return x

    def reason(self, x, top, target=math.nan, prior=math.nan):
        return "直接评分"

    def sample(self, quality, top, target, rng):
        share = np.clip(0.7 + 0.32 * quality + rng.normal(0, 0.06, len(quality)), 0.55, 1)
        return np.round(share * top / _step(top)) * _step(top)

    def losing(self, value, top, threshold):
        return min(value, top - _step(top))

    def written(self, values, as_percent):
        return values


@dataclass(frozen=True)
class Deduction(Rule):
    """按次扣分: ``per`` points off for each problem found, down to 0."""

    per: float = 0.0
    kind: ClassVar[str] = "deduction"
    name: ClassVar[str] = "按次扣分"
    given: ClassVar[str] = "发现次数"
    header_hint: ClassVar[str] = "，填发现次数"

    @classmethod
    def read(cls, raw, reader, where, top):
        return cls(per=reader.number(raw, "per", f"{where}.rule.per", 0, low=EPS))

    def settings(self):
        return {"kind": self.kind, "per": self.per}

    def limits(self, number, top):
        return _range(number, self.given, low=0, integer=True)

    def cell(self, indicator_id, top):
        return Cell("whole", "greaterThanOrEqual", "0", None,
                    f"填写发现的次数（0 或正整数），不是得分。每次扣 {_g(self.per)} 分，扣完为止（满分 {_g(top)} 分）。",
                    f"指标 {indicator_id} 应填发现的次数：0 或正整数。")

    def points(self, x, top, target, prior):
        return (top - self.per * x).clip(lower=0)

    def reason(self, x, top, target=math.nan, prior=math.nan):
        if x == 0:
            return "按次扣分：未发现问题"
        text = f"按次扣分：发现 {plain_number(x)} 次，每次扣 {plain_number(self.per)} 分"
        return text + ("，扣完为止" if self.per * x > top + EPS else "")

    def describe(self):
        return f"{self.name}（每次扣 {self.per:g} 分）"

    def sample(self, quality, top, target, rng):
        return rng.poisson(0.6 * (1 - quality))

    def losing(self, value, top, threshold):
        return max(value, 1)


@dataclass(frozen=True)
class Checklist(Rule):
    """缺项扣分: ``per`` points off for each of ``n`` items missing; all ``n`` missing gives 0."""

    per: float = 0.0
    n: int = 1
    kind: ClassVar[str] = "checklist"
    name: ClassVar[str] = "缺项扣分"
    given: ClassVar[str] = "缺少项数"
    header_hint: ClassVar[str] = "，填缺少项数"

    @classmethod
    def read(cls, raw, reader, where, top):
        return cls(per=reader.number(raw, "per", f"{where}.rule.per", 0, low=EPS),
                   n=int(reader.number(raw, "n", f"{where}.rule.n", 1, low=1, integer=True)))

    def settings(self):
        return {"kind": self.kind, "per": self.per, "n": self.n}

    def limits(self, number, top):
        return _range(number, self.given, low=0, high=self.n, integer=True)

    def cell(self, indicator_id, top):
        return Cell("whole", "between", "0", str(self.n),
                    f"填写缺少的项数（0 到 {self.n} 的整数），不是得分。每缺一项扣 {_g(self.per)} 分，"
                    f"{self.n} 项全缺得 0 分（满分 {_g(top)} 分）。",
                    f"指标 {indicator_id} 应填缺少的项数：0 到 {self.n} 的整数。")

    def points(self, x, top, target, prior):
        return (top - self.per * x).clip(lower=0).where(x < self.n, 0.0)

    def reason(self, x, top, target=math.nan, prior=math.nan):
        if x == 0:
            return "缺项扣分：无缺项"
        if x >= self.n:
            return f"缺项扣分：{self.n} 项全缺，不得分"
        return f"缺项扣分：缺 {plain_number(x)} 项，每项扣 {plain_number(self.per)} 分"

    def describe(self):
        return f"{self.name}（共 {self.n} 项，每缺一项扣 {self.per:g} 分）"

    def sample(self, quality, top, target, rng):
        return rng.binomial(self.n, 0.15 * (1 - quality))

    def losing(self, value, top, threshold):
        return max(value, 1)


@dataclass(frozen=True)
class Band:
    """Points given when a ratio reaches ``min``."""

    min: float
    points: float


@dataclass(frozen=True)
class Bands(Rule):
    """比例分档: the points of the highest band the ratio reaches (``bands`` highest first)."""

    bands: tuple[Band, ...] = ()
    kind: ClassVar[str] = "bands"
    name: ClassVar[str] = "比例分档"
    given: ClassVar[str] = "比例"
    ratio: ClassVar[bool] = True
    header_hint: ClassVar[str] = "，填比例"
    number_format: ClassVar[str | None] = "0.0%"

    @classmethod
    def read(cls, raw, reader, where, top):
        where = f"{where}.rule.bands"
        listed = raw.get("bands")
        if not isinstance(listed, list) or not listed:
            reader.error(where, listed, Code.BANDS_EMPTY)
            return cls()
        bands = []
        for i, b in enumerate(listed):
            if not isinstance(b, dict) or not {"min", "points"} <= set(b):
                reader.error(f"{where}[{i}]", b, Code.BAND_INCOMPLETE)
                continue
            bands.append(Band(reader.number(b, "min", f"{where}[{i}].min", 0, low=0, high=1),
                              reader.number(b, "points", f"{where}[{i}].points", 0, low=0, high=top)))
        mins = [b.min for b in bands]
        if len(set(mins)) != len(mins):
            reader.error(where, None, Code.BANDS_REPEATED)
        ordered = sorted(bands, key=lambda b: b.min)
        if any(a.points > b.points for a, b in zip(ordered, ordered[1:])):
            reader.error(where, None, Code.BANDS_DECREASING)
        return cls(bands=tuple(sorted(bands, key=lambda b: -b.min)))

    def settings(self):
        return {"kind": self.kind, "bands": [{"min": b.min, "points": b.points} for b in self.bands]}

    def check(self, number, as_percent, top):
        bare = number.gt(1) & ~as_percent
        return [
            Check(bare, Code.RATIO_WITHOUT_PERCENT, {"fraction": lambda v: _g(_fraction(v))}),
            Check((number.lt(0) | number.gt(1)) & ~bare, Code.RATIO_OUT_OF_RANGE, {}),
        ]

    def cell(self, indicator_id, top):
        steps = "、".join(f"达到 {_g(b.min * 100)}% 得 {_g(b.points)} 分" for b in self.bands)
        return Cell("decimal", "between", "0", "1", f"填写比例，如 85%（0% 到 100%），不是得分。{steps}，否则 0 分。",
                    f"指标 {indicator_id} 应填 0% 到 100% 之间的比例。")

    def points(self, x, top, target, prior):
        points = pd.Series(0.0, index=x.index)
        for band in sorted(self.bands, key=lambda b: b.min):
            points = points.mask(x.round(TIE_DECIMALS) >= band.min, band.points)
        return points

    def reason(self, x, top, target=math.nan, prior=math.nan):
        ascending = sorted(self.bands, key=lambda b: b.min)
        reached = [b for b in ascending if round(x, TIE_DECIMALS) >= b.min]
        if not reached:
            return f"比例 {percent(x)} 未达 {percent(ascending[0].min)} 档"
        above = [b for b in ascending if b.min > reached[-1].min]
        text = f"比例 {percent(x)} 达 {percent(reached[-1].min)} 档"
        return text + (f"，未达 {percent(above[0].min)} 档" if above else "（最高档）")

    def describe(self):
        return f"{self.name}（" + "；".join(f"≥{b.min:.0%} 得 {b.points:g} 分" for b in self.bands) + "）"

    def sample(self, quality, top, target, rng):
        return np.clip(np.rint(100 * (0.55 + 0.45 * quality + rng.normal(0, 0.12, len(quality)))), 0, 100) / 100

    def losing(self, value, top, threshold):
        return min(value, round(self.bands[0].min - 0.05, 2))

    def written(self, values, as_percent):
        cells = values.astype(object)
        cells[as_percent] = np.char.add(np.rint(values[as_percent] * 100).astype(int).astype(str), "%")
        return cells


@dataclass(frozen=True)
class Target(Rule):
    """完成目标: ``max × min(1, done ÷ target)``, the target being the unit's 参保基数, or its
    上年参保数 where that is smaller; a target of 0 gives full points."""

    kind: ClassVar[str] = "target"
    name: ClassVar[str] = "完成目标"
    given: ClassVar[str] = "完成数"
    header_hint: ClassVar[str] = "，填完成数"

    def limits(self, number, top):
        return _range(number, self.given, low=0)

    def cell(self, indicator_id, top):
        return Cell("decimal", "greaterThanOrEqual", "0", None,
                    f"填写实际完成数（不小于 0），不是得分。得分 = {_g(top)} × min(1, 完成数 ÷ 目标)，"
                    "目标取单位名单中的参保基数与上年参保数中较小者。",
                    f"指标 {indicator_id} 应填实际完成数：不小于 0 的数。")

    def points(self, x, top, target, prior):
        threshold = np.fmin(target, prior)  # the prior counts only where the unit has one
        return (top * (x / threshold).clip(upper=1)).where(threshold > 0, top)

    def reason(self, x, top, target=math.nan, prior=math.nan):
        uses_prior = not math.isnan(prior) and prior < target
        threshold = prior if uses_prior else target
        if not threshold > 0:
            return "完成目标：目标为 0，得满分"
        text = f"完成 {plain_number(x)}，目标 {plain_number(threshold)}"
        if uses_prior:
            text += f"（取上年参保数；参保基数 {plain_number(target)}）"
        return text + ("，已完成" if x >= threshold else "")

    def describe(self):
        return f"{self.name}（目标取参保基数与上年参保数的较小者）"

    def sample(self, quality, top, target, rng):  # the actual count, 80%–120% of the target
        share = 0.8 + 0.4 * np.clip(quality + rng.normal(0, 0.15, len(quality)), 0, 1)
        return np.rint(target * share)

    def losing(self, value, top, threshold):
        return np.floor(0.9 * threshold)


RULES: dict[str, type[Rule]] = {r.kind: r for r in (Manual, Deduction, Checklist, Bands, Target)}
RULE_KINDS = tuple(RULES)
RULE_NAMES = {kind: rule.name for kind, rule in RULES.items()}  # the Chinese word of each kind
RULE_KEYS = ("kind", "per", "n", "bands")  # every setting a rule may have in scheme.yaml


def _g(x) -> str:
    return f"{x:g}"



def _fraction(text) -> float:
    from .inputs import parse_numbers

    number, _ = parse_numbers(pd.Series([str(text)]))
    return float(number.iloc[0]) / 100

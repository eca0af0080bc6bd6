"""The exploration widgets: ipywidgets controls wired to the functions of :mod:`.logic`.

Each widget keeps its last result as an attribute (``.card``, ``.result``, ``.view``) so that
what an analyst sees can be checked; nothing is computed here that :mod:`.logic` does not.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
import numpy as np

from ..pipeline import Results
from ..problems import KaoheError, Problem, SchemeError
from ..report.page import esc, format_html
from ..scheme import Quota, Scheme, Trim
from ..scoring import quota_size
from ..vocabulary import MODE_NAMES, SCOPE_NAMES, percent
from .whatif import export_what_if
from .logic import (
    QUOTA_NAMES,
    VARIANT,
    IndicatorView,
    UnitCard,
    WhatIf,
    card_outputs,
    check_unit,
    indicator_outputs,
    indicator_view,
    load_variant,
    point_reasons,
    save_variant,
    saved_variants,
    unit_card,
    variant_scheme,
    variants_folder,
    what_if,
    what_if_outputs,
)


# -- the widgets: controls wired to the functions above ------------------------------------


WIDE = {"description_width": "initial"}


class ScoreCardWidget(widgets.VBox):
    """Pick a unit (``.unit``) → its score card in ``.output``; the last card is ``.card``."""

    def __init__(self, results: Results, unit: str | None = None):
        w = widgets
        super().__init__()
        self.results = results
        self.reasons = point_reasons(results)
        table = results.results
        options = [(f"第{r}名　{u}", str(u)) for u, r in zip(table["unit"], table["rank"])]
        self.unit = w.Dropdown(options=options, value=check_unit(results, unit) if unit else options[0][1],
                               description="单位", style=WIDE)
        self.output = w.Output()
        self.card: UnitCard | None = None
        self.children = [self.unit, self.output]
        self.unit.observe(self.refresh, names="value")
        self.refresh()

    def refresh(self, *_):
        self.card = unit_card(self.results, self.unit.value, self.reasons)
        self.output.outputs = card_outputs(self.card)


class IndicatorWidget(widgets.VBox):
    """Pick an indicator (``.indicator``) → its distribution in ``.output``; last view ``.view``."""

    def __init__(self, results: Results, indicator: str | None = None):
        w = widgets
        super().__init__()
        self.results = results
        self.reasons = point_reasons(results)
        options = [(f"{i.id}　{i.text[:30]}", i.id) for i in results.scheme.indicators]
        self.indicator = w.Dropdown(options=options, value=indicator or options[0][1], description="指标",
                                    style=WIDE, layout={"width": "640px"})
        self.output = w.Output()
        self.view: IndicatorView | None = None
        self.children = [self.indicator, self.output]
        self.indicator.observe(self.refresh, names="value")
        self.refresh()

    def refresh(self, *_):
        self.view = indicator_view(self.results, self.indicator.value, self.reasons)
        self.output.outputs = indicator_outputs(self.view)


class WhatIfWidget(widgets.VBox):
    """Scheme controls → the ranking recomputed live against the official one.

    Controls: ``leader, dept, grassroots`` (weights within common work), ``common, brand``,
    ``step, scope, mode``, ``leader_trim, leader_trim_above, brand_trim, brand_trim_above``,
    ``quota_kind, quota_value``; buttons ``reset`` and ``save`` (to ``save_path`` or the
    default under ``data/output/<year>/``). State: ``.what`` (:class:`WhatIf`, ``None`` when
    the settings cannot be scored), ``.problems``, ``.saved`` (the last saved path).
    """

    def __init__(self, results: Results, data_dir: str | Path = "data"):
        w = widgets
        super().__init__()
        self.official = results
        self.data_dir = Path(data_dir)
        self.what: WhatIf | None = None
        self.problems: list[Problem] = []
        self.saved: Path | None = None
        self._holding = False
        s, n = results.scheme, len(results.results)

        def weight(name):
            return w.FloatSlider(min=0, max=1, step=0.01, description=name, readout_format=".2f", style=WIDE,
                                 continuous_update=False)

        self.leader, self.dept, self.grassroots = weight("领导评分"), weight("业务部门评分"), weight("基层评分")
        self.common, self.brand = weight("共性工作"), weight("特色品牌工作")
        self.weights = w.HTML()
        self.step = w.FloatSlider(min=0, max=max(0.2, s.dept_ranking.step), step=0.005, readout_format=".3f",
                                  description="名次系数步长", style=WIDE, continuous_update=False)
        self.scope = w.Dropdown(options=[(v, k) for k, v in SCOPE_NAMES.items()], description="排序口径", style=WIDE)
        self.mode = w.Dropdown(options=[(v, k) for k, v in MODE_NAMES.items()], description="系数用法", style=WIDE)

        def trim(name):
            return w.BoundedIntText(min=0, max=max(10, s.leader_trim.trim, s.brand_trim.trim), description=name, style=WIDE, layout={"width": "190px"})

        def above(name):
            return w.BoundedIntText(min=0, max=max(200, n), description=name, style=WIDE, layout={"width": "230px"})

        self.leader_trim, self.leader_trim_above = trim("领导评分去掉最高/最低各"), above("（评分多于几个时）")
        self.brand_trim, self.brand_trim_above = trim("品牌互评去掉最高/最低各"), above("（互评多于几个时）")
        self.quota_kind = w.Dropdown(options=[(v, k) for k, v in QUOTA_NAMES.items()], description="优秀名额",
                                     style=WIDE)
        self.quota_value = w.BoundedFloatText(min=0, max=100, step=0.01, description="", layout={"width": "110px"})
        self.reset = w.Button(description="恢复正式方案", icon="undo")
        self.save_path = w.Text(placeholder=f"默认：{self.default_folder.as_posix()}/{VARIANT}-时间.yaml",
                                description="保存到", style=WIDE, layout={"width": "520px"})
        self.save = w.Button(description="保存方案变体", icon="save", button_style="primary")
        self.saved_list = w.Dropdown(description="已保存的变体", style=WIDE, layout={"width": "520px"})
        self.load = w.Button(description="载入", icon="folder-open")
        units = [str(u) for u in results.results["unit"]]
        self.edit_unit = w.Dropdown(options=units, description="单项修改：单位", style=WIDE)
        self.edit_indicator = w.Dropdown(options=s.indicator_ids, description="指标", style=WIDE, layout={"width": "160px"})
        self.edit_value = w.Text(description="填报值", style=WIDE, layout={"width": "170px"})
        self.edit_score = w.Button(description="改这一项", icon="pencil")
        self.edit_veto = w.Dropdown(options=[("不否决", "")] + [(f"第{c.id}项", c.id) for c in s.veto_clauses],
                                    description="一票否决", style=WIDE, layout={"width": "220px"})
        self.edit_grade = w.Dropdown(options=[("不调整", ""), (s.top_grade, s.top_grade), (s.other_grade, s.other_grade)],
                                     description="会议调整等次", style=WIDE, layout={"width": "230px"})
        self.apply_unit = w.Button(description="应用到该单位", icon="check")
        self.clear_edits = w.Button(description="撤销单项修改", icon="undo")
        self.edits: list[dict] = []  # the single inputs changed, in order (kaohe.explore.whatif.edit_inputs)
        self._edited = None  # the inputs with the edits applied
        self.export = w.Button(description="导出到 Excel", icon="file-excel-o",
                               tooltip="把正式结果与当前推演的名次对比、名次变化的原因写成 Excel 工作簿")
        self.exported: Path | None = None
        self.status = w.HTML()
        self.output = w.Output()
        self.children = [
            w.HTML("<b>共性工作内的权重</b>（自动归一，使三者之和为 1）"),
            w.HBox([self.leader, self.dept, self.grassroots]),
            w.HTML("<b>总分权重</b>（自动归一）"),
            w.HBox([self.common, self.brand]),
            self.weights,
            w.HTML("<b>业务部门名次系数</b>"),
            w.HBox([self.step, self.scope, self.mode]),
            w.HTML("<b>去掉最高分、最低分</b>"),
            w.HBox([self.leader_trim, self.leader_trim_above]),
            w.HBox([self.brand_trim, self.brand_trim_above]),
            w.HBox([self.quota_kind, self.quota_value, self.reset]),
            w.HBox([self.save_path, self.save]),
            w.HBox([self.saved_list, self.load]),
            w.HTML("<b>单项修改</b>（只在推演中生效，不改文件）"),
            w.HBox([self.edit_unit, self.edit_indicator, self.edit_value, self.edit_score]),
            w.HBox([self.edit_veto, self.edit_grade, self.apply_unit, self.clear_edits]),
            self.export,
            self.status,
            self.output,
        ]
        self.reset_to_official()
        for control in self.controls:
            if control is not self.quota_kind:  # a new kind first sets its value, then refreshes
                control.observe(self.refresh, names="value")
        self.quota_kind.observe(self._quota_kind_changed, names="value")
        self.reset.on_click(lambda _: self.reset_to_official())
        self.save.on_click(lambda _: self.save_scheme())
        self.load.on_click(lambda _: self.load_saved())
        self.export.on_click(lambda _: self.export_excel())
        self.edit_score.on_click(lambda _: self.edit_dept_score())
        self.apply_unit.on_click(lambda _: self.edit_unit_status())
        self.clear_edits.on_click(lambda _: self.undo_edits())
        self.list_saved()

    @property
    def controls(self) -> list:
        return [self.leader, self.dept, self.grassroots, self.common, self.brand, self.step, self.scope,
                self.mode, self.leader_trim, self.leader_trim_above, self.brand_trim, self.brand_trim_above,
                self.quota_kind, self.quota_value]

    @property
    def default_folder(self) -> Path:
        return variants_folder(self.official.year, self.data_dir)

    @property
    def variant(self) -> Scheme | None:
        """The scheme the controls describe (``None`` while they cannot be scored)."""
        return None if self.what is None else self.what.scheme

    @contextmanager
    def _hold(self):
        """Change several controls, then recompute once."""
        holding, self._holding = self._holding, True
        try:
            yield
        finally:
            self._holding = holding
        self.refresh()

    def reset_to_official(self):
        self.show_scheme(self.official.scheme)

    def show_scheme(self, s: Scheme):
        """Set every control to the settings of ``s`` (the official scheme or a saved variant)."""
        with self._hold():
            for control, key in ((self.leader, "leader"), (self.dept, "dept"), (self.grassroots, "grassroots")):
                control.value = s.component_weights[key]
            self.common.value, self.brand.value = s.common_weight, s.brand_weight
            self.step.value, self.scope.value, self.mode.value = s.dept_ranking.step, s.dept_ranking.scope, s.dept_ranking.mode
            self.leader_trim.value, self.leader_trim_above.value = s.leader_trim.trim, s.leader_trim.above
            self.brand_trim.value, self.brand_trim_above.value = s.brand_trim.trim, s.brand_trim.above
            self.quota_kind.value = s.quota.kind
            self._quota_kind_changed(value=s.quota.value)

    def _quota_kind_changed(self, *_, value=None):
        """A new quota kind: its range, and ``value`` (else the official value, or a default for the kind)."""
        kind, s, n = self.quota_kind.value, self.official.scheme, len(self.official.results)
        if value is None and kind == s.quota.kind:
            value = s.quota.value
        elif value is None:
            value = {"share": 0.3, "count": quota_size(Quota(), n) or 1,
                     "min_total": float(np.floor(self.official.cutoff))
                     if math.isfinite(self.official.cutoff) else 90.0}[kind]
        with self._hold():
            self.quota_value.max = {"share": 1, "count": n, "min_total": 100}[kind]
            self.quota_value.step = {"share": 0.01, "count": 1, "min_total": 0.5}[kind]
            self.quota_value.value = value

    def scheme_from_controls(self) -> Scheme:
        """The variant scheme of the current control values (:func:`variant_scheme`)."""
        return variant_scheme(
            self.official.scheme,
            component_weights={"leader": self.leader.value, "dept": self.dept.value,
                               "grassroots": self.grassroots.value},
            common_weight=self.common.value,
            brand_weight=self.brand.value,
            step=self.step.value,
            scope=self.scope.value,
            mode=self.mode.value,
            leader_trim=Trim(self.leader_trim.value, self.leader_trim_above.value),
            brand_trim=Trim(self.brand_trim.value, self.brand_trim_above.value),
            quota=Quota(self.quota_kind.value, self.quota_value.value),
        )

    def refresh(self, *_):
        if self._holding:
            return
        try:
            self.what, self.problems = what_if(self.official, self.scheme_from_controls(), self._edited), []
        except SchemeError as e:
            self.what, self.problems = None, [p for p in e.problems if p.is_error]
        if self.what is not None:
            s = self.what.scheme
            w = s.component_weights
            self.weights.value = esc(
                f"实际权重：领导 {percent(w['leader'])}、业务部门 {percent(w['dept'])}、基层 {percent(w['grassroots'])}；"
                f"共性工作 {percent(s.common_weight)}、特色品牌 {percent(s.brand_weight)}"
            )
        self.output.outputs = what_if_outputs(self.what, self.problems)

    def save_scheme(self) -> Path | None:
        """Save the current variant (the ``save`` button); the message goes to ``.status``."""
        if self.what is None:
            self.status.value = "<span style='color:#C8102E'>当前设定无法计分，未保存。</span>"
            return None
        try:
            path = save_variant(self.what.scheme, self.data_dir, self.save_path.value.strip() or None,
                                official=self.official.scheme)
        except (KaoheError, OSError) as e:
            self.status.value = format_html("<span style='color:#C8102E'>未保存：{e}</span>", e=str(e))
            return None
        self.saved = path
        self.status.value = format_html("已保存方案变体：<code>{p}</code>", p=str(path))
        self.list_saved()
        return path

    def _edit(self, **change) -> None:
        from .whatif import edit_inputs

        try:
            base = self.official if self._edited is None else replace(self.official, inputs=self._edited)
            edited = edit_inputs(base, **change)
        except (KaoheError, ValueError) as e:
            self.status.value = format_html("<span style='color:#C8102E'>未修改：{e}</span>", e=str(e))
            return
        self.edits.append(change)
        self._edited = edited.inputs
        self.status.value = format_html("已修改 {n} 项输入（只在推演中生效）", n=len(self.edits))
        self.refresh()

    def edit_dept_score(self) -> None:
        """The ``edit_score`` button: the chosen unit's value on the chosen indicator."""
        text = self.edit_value.value.strip().removesuffix("%")
        try:
            value = float(text) / (100 if self.edit_value.value.strip().endswith("%") else 1)
        except ValueError:
            self.status.value = format_html("<span style='color:#C8102E'>「{v}」不是数字</span>", v=self.edit_value.value)
            return
        self._edit(dept_score=(self.edit_unit.value, self.edit_indicator.value, value))

    def edit_unit_status(self) -> None:
        """The ``apply_unit`` button: the chosen unit's veto and the meeting's grade."""
        unit = self.edit_unit.value
        vetoed = unit in set((self._edited or self.official.inputs).vetoes["unit"])
        if self.edit_veto.value:
            self._edit(veto=(unit, self.edit_veto.value))
        elif vetoed:
            self._edit(unveto=unit)
        if self.edit_grade.value:
            self._edit(override=(unit, self.edit_grade.value, "方案推演中的会议调整"))

    def undo_edits(self) -> None:
        self.edits, self._edited = [], None
        self.status.value = "已撤销全部单项修改"
        self.refresh()

    def export_excel(self, path: str | Path | None = None) -> Path | None:
        """The comparison of the official results and the current variant, with the score card of
        the unit chosen under 单项修改, as an Excel workbook (the ``export`` button;
        :func:`kaohe.explore.whatif.export_what_if`), by default
        ``data/variants/<year>/方案推演-<时间>.xlsx``."""
        if self.what is None:
            self.status.value = "<span style='color:#C8102E'>当前设定无法计分，未导出。</span>"
            return None
        target = Path(path) if path else self.default_folder / f"方案推演-{datetime.now():%Y%m%d-%H%M%S}.xlsx"
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.exported = export_what_if(target, self.official, {"当前推演": self.what.results},
                                           card_unit=self.edit_unit.value)
        except (KaoheError, OSError) as e:
            self.status.value = format_html("<span style='color:#C8102E'>未导出：{e}</span>", e=str(e))
            return None
        self.status.value = format_html("已导出：<code>{p}</code>", p=str(self.exported))
        return self.exported

    def list_saved(self):
        """Fill the list of saved variants of the year (:func:`saved_variants`)."""
        paths = saved_variants(self.official.year, self.data_dir)
        self.saved_list.options = [(p.name, str(p)) for p in reversed(paths)] or [("（还没有保存的方案变体）", "")]
        self.load.disabled = not paths

    def load_saved(self) -> Scheme | None:
        """Load the chosen saved variant into the controls (the ``load`` button)."""
        if not self.saved_list.value:
            return None
        try:
            scheme = load_variant(self.saved_list.value, self.official)
        except KaoheError as e:
            self.status.value = format_html("<span style='color:#C8102E'>未载入：{e}</span>", e=str(e))
            return None
        self.show_scheme(scheme)
        self.status.value = format_html("已载入方案变体：<code>{p}</code>", p=Path(self.saved_list.value).name)
        return scheme


def score_card_widget(results: Results, unit: str | None = None) -> ScoreCardWidget:
    """The unit score card: a unit picker wired to :func:`unit_card`."""
    return ScoreCardWidget(results, unit)


def what_if_widget(results: Results, data_dir: str | Path = "data") -> WhatIfWidget:
    """What-if: scheme controls wired to :func:`what_if`, with a button to :func:`save_variant`."""
    return WhatIfWidget(results, data_dir)


def indicator_widget(results: Results, indicator: str | None = None) -> IndicatorWidget:
    """The indicator view: an indicator picker wired to :func:`indicator_view`."""
    return IndicatorWidget(results, indicator)

"""The yearly run as one story: load → validate → points → ranking → components → totals → grades → write."""

from __future__ import annotations

import os
import pickle
import re
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import as_file
from pathlib import Path

import pandas as pd

from .resources import FEEDBACK_NOTEBOOK, REPORT_NOTEBOOK, notebook as shipped_notebook
from .outputs.staging import locked, staged, write_text
from .outputs.tables import OUTPUT_TABLES, write_outputs
from .problems import Problem, UsageError
from .scheme import Scheme
from .scoring import (
    brand_scores,
    category_points,
    department_scores,
    grades,
    grassroots_scores,
    indicator_points,
    leader_scores,
    total_scores,
)
from .inputs import YearInputs, read_year
from .workflow.workspace import find_data_dir

RESULT_COLUMNS = [
    "unit", "leader", "dept_raw", "dept_rank", "dept_coef", "dept", "grassroots", "common",
    "brand", "total", "rank", "vetoed", "veto_clauses", "proposed_grade", "grade",
]
YEAR = re.compile(r"^[0-9]{4}$")  # ASCII digits only: no path, no full-width forms


@dataclass
class Results:
    """A scored year with every intermediate table, so a notebook can draw any step."""

    year: int
    scheme: Scheme
    inputs: YearInputs
    indicators: pd.DataFrame  # unit, indicator, category, value, number, points, max (+ rank, coef, scaled)
    categories: pd.DataFrame  # unit, category, points, max (+ rank, coef, scaled)
    dept: pd.DataFrame  # unit, dept_raw, dept_rank, dept_coef, dept
    leader: pd.DataFrame  # unit, leader, scores, counted
    grassroots_roles: pd.DataFrame  # unit, role, respondents, score
    grassroots: pd.DataFrame  # unit, grassroots
    brand_items: pd.DataFrame  # unit, item, title, reviews, counted, score
    brand_reviews: pd.DataFrame  # reviewer, item, score, unit, own, counted
    brand: pd.DataFrame  # unit, brand
    totals: pd.DataFrame  # unit, components, common, total, rank
    grades: pd.DataFrame  # unit, vetoed, veto_clauses, proposed_grade, grade, at_cutoff, override_reason
    results: pd.DataFrame  # the results.csv table, sorted by rank
    warnings: list[Problem] = field(default_factory=list)

    @property
    def units(self) -> pd.DataFrame:
        return self.inputs.units

    @property
    def cutoff(self) -> float:
        """The total a non-vetoed unit needs to be proposed 优秀."""
        return self.grades.attrs.get("cutoff", float("nan"))

    def __repr__(self) -> str:
        top = int((self.results["grade"] == self.scheme.top_grade).sum())
        vetoed = int(self.results["vetoed"].astype(bool).sum())
        sample = "，示例数据" if self.inputs.sample else ""
        return (f"<kaohe.Results {self.year}：{len(self.results)} 个单位，{self.scheme.top_grade} {top} 个"
                f"（分数线 {self.cutoff:.2f}），一票否决 {vetoed} 个，警告 {len(self.warnings)} 条{sample}>")

    def chinese(self, name: str) -> pd.DataFrame:
        """A copy of one of the tables above (``results``, ``indicators``, ``grassroots_roles``…)
        with Chinese headers, for showing or saving; the tables themselves keep their English names."""
        from .outputs.xlsx import HEADERS
        from .vocabulary import MORE_HEADERS

        tables = ("results", "indicators", "categories", "dept", "leader", "grassroots_roles", "grassroots",
                  "brand_items", "brand_reviews", "brand", "totals", "grades", "units")
        if name not in tables:
            raise UsageError(f"没有结果表「{name}」，可用：{'、'.join(tables)}")
        return getattr(self, name).rename(columns={**MORE_HEADERS, **HEADERS})

    def warnings_table(self) -> pd.DataFrame:
        """The warnings of the inputs as a table with Chinese headers (级别, 文件, 行, 列, 值, 问题)."""
        from .problems import problems_table

        return problems_table(self.warnings).reset_index(drop=True)


def score(inputs: YearInputs, scheme: Scheme | None = None) -> Results:
    """Score validated inputs by SPEC §1 (optionally under another scheme, for what-if)."""
    scheme = scheme or inputs.scheme
    units = inputs.units["unit"]
    indicators = indicator_points(inputs.values, inputs.units, scheme)
    categories = category_points(indicators, scheme)
    dept, categories, indicators = department_scores(indicators, categories, scheme)
    leader = leader_scores(inputs.leader, scheme.leader_trim)
    by_role, grassroots = grassroots_scores(inputs.survey, inputs.questions, scheme)
    item_scores, reviews, brand = brand_scores(inputs.brand_items, inputs.brand_reviews, scheme.brand_trim)
    totals = total_scores(units, dept, leader, grassroots, brand, scheme)
    graded = grades(totals, inputs.vetoes, inputs.overrides, scheme)
    results = _results_table(totals, graded, units)
    return Results(
        year=inputs.year,
        scheme=scheme,
        inputs=inputs,
        indicators=indicators,
        categories=categories,
        dept=dept,
        leader=leader,
        grassroots_roles=by_role,
        grassroots=grassroots,
        brand_items=item_scores,
        brand_reviews=reviews,
        brand=brand,
        totals=totals,
        grades=graded,
        results=results,
        warnings=list(inputs.warnings),
    )


def _results_table(totals: pd.DataFrame, graded: pd.DataFrame, units: pd.Series) -> pd.DataFrame:
    table = totals.merge(graded, on="unit", how="left")
    table["_order"] = table["unit"].map({u: k for k, u in enumerate(units.tolist())})
    table = table.sort_values(["rank", "_order"], kind="stable").reset_index(drop=True)
    return table[RESULT_COLUMNS]


def year_paths(year, data_dir: str | Path = "data") -> tuple[Path, Path]:
    """``data/raw/<year>`` and ``data/output/<year>``; a year must be four digits."""
    text = str(year)
    if not YEAR.fullmatch(text):
        raise UsageError(f"年份「{text}」无效：应为四位数字，如 2019")
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise UsageError(f"数据目录 {data_dir.as_posix()} 是一个文件，不是文件夹：--data-dir 应指向内含 raw/ 与 output/ 的文件夹")
    if not data_dir.is_dir():
        raise UsageError(f"找不到数据目录 {data_dir.as_posix()}/：--data-dir 应指向内含 raw/ 与 output/ 的文件夹")
    raw = data_dir / "raw" / text
    if not raw.is_dir():
        raise UsageError(f"找不到 {text} 年度的输入文件夹 {raw.as_posix()}/")
    return raw, data_dir / "output" / text


def load_year(year, data_dir: str | Path | None = None, *, scored: str | Path | None = None) -> Results:
    """Read, validate and score one year: the single call a notebook needs.

    ``data_dir`` defaults to ``./data``, or ``../data`` in a workspace's ``notebooks/`` folder.
    ``scored`` names the pickle ``kaohe run`` leaves for its report notebook: the same year,
    already scored, so the notebook does not score it twice.
    """
    if scored:
        results = pickle.loads(Path(scored).read_bytes())
        if not isinstance(results, Results) or results.year != int(year):
            raise UsageError(f"{scored} 不是 {year} 年度的计分结果")
        return results
    raw, _ = year_paths(year, find_data_dir(data_dir))
    return score(read_year(raw, int(year)))


HISTORY = "历史"  # in data/output/<year>/: reports moved aside when later results no longer match them
REPORT_FILES = ("report.html", "report.ipynb")
MADE_FROM_TABLES = (*REPORT_FILES, "通报.docx")  # moved to 历史/ with the report when the tables change
FAILED_NOTEBOOK = "出错的报告.ipynb"  # a report notebook that stopped on an error, kept for inspection


@dataclass
class Written:
    """What a command put in ``data/output/<year>/``: its files, and where an old report went."""

    folder: Path
    files: list[Path]
    history: Path | None = None  # the folder under 历史/ the previous report was moved to


def score_year(year, data_dir: str | Path = "data") -> tuple[Results, Written]:
    """``kaohe score``: load and score a year, then replace its output tables as one set.

    Only kaohe's own outputs are replaced. When the new tables differ from the old ones, the
    report made from the old ones (report.html, report.ipynb) moves to ``历史/<时间>/`` in
    the same step, so that a report never sits beside results it was not made from.
    """
    _, out = year_paths(year, data_dir)
    with locked(out.parent, str(year), f" {year} 年度的结果"):
        results = load_year(year, data_dir)
        with staged(out) as stage:
            names = [p.name for p in write_outputs(results, stage)]
            history = _retire_report(stage, out)
    return results, Written(out, [out / name for name in names], history)


def run_year(year, data_dir: str | Path = "data", *, notebook: str | Path | None = None,
             progress=lambda step: None) -> tuple[Results, Written]:
    """``kaohe run``: score the year, execute the report notebook, publish ``report.html``.

    The tables and the report are written into a staging folder inside ``data/output/<year>/``
    and put in place as one set; a failing step (invalid input, a notebook cell error, Ctrl-C)
    leaves the previous outputs untouched and nothing behind (no temporary folder: the scored
    year the notebook is handed stays in the staging folder). A notebook that fails is kept as
    ``出错的报告.ipynb`` for inspection. The notebook is the shipped ``annual_report.ipynb``
    unless another is given.
    """
    if notebook is None:
        with as_file(shipped_notebook(REPORT_NOTEBOOK)) as path:
            return run_year(year, data_dir, notebook=path, progress=progress)
    from .report.notebook import NotebookError, execute_notebook, publish_html, started_kernel

    notebook = Path(notebook)
    _, out = year_paths(year, data_dir)
    with locked(out.parent, str(year), f" {year} 年度的结果"), staged(out) as stage:
        scratch = stage / ".report"  # hidden: not one of the outputs
        scratch.mkdir()
        # the report's kernel starts first and boots while the year is checked and scored
        with started_kernel(scratch, notebook) as kernel:
            progress("校验输入并计分")
            results = load_year(year, data_dir)
            scored = scratch / "results.pickle"
            scored.write_bytes(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
            progress("写出结果表")
            names = [p.name for p in write_outputs(results, stage)]
            progress("执行报告笔记本（papermill）")
            parameters = {"year": int(year), "data_dir": str(Path(data_dir).resolve()), "scored": str(scored)}
            try:
                executed = execute_notebook(notebook, scratch / "report.ipynb", parameters, cwd=scratch,
                                            kernel=kernel)
            except NotebookError as exc:
                kept = _keep_failed(scratch / "report.ipynb", out)
                raise NotebookError(str(exc).replace(str(scratch / "report.ipynb"), kept.as_posix())) from exc
        progress("发布 HTML 报告（nbconvert）")
        os.replace(executed, stage / "report.ipynb")
        publish_html(stage / "report.ipynb", stage / "report.html", f"{results.scheme.title}　考核结果")
        names += list(REPORT_FILES)
        history = _retire_report(stage, out)
    return results, Written(out, [out / name for name in names], history)


def feedback_year(year, data_dir: str | Path = "data", *, unit: str | None = None,
                  progress=lambda done, total, unit: None) -> tuple[Results, Written]:
    """``kaohe feedback``: one offline page per unit (``单位反馈/<单位>.html``), or for ``unit`` alone.

    Each page is ``unit_feedback.ipynb`` run by papermill for that unit on one kernel started
    once, and published like the report; the pages are put in place as one set (a failing
    unit leaves the old pages as they were). ``progress(done, total, unit)`` is called
    before each unit.
    """
    from .explore.logic import check_unit
    from .report.feedback import FOLDER, page_name
    from .report.notebook import execute_notebook, publish_html, started_kernel

    _, out = year_paths(year, data_dir)
    with as_file(shipped_notebook(FEEDBACK_NOTEBOOK)) as notebook, \
            locked(out.parent, str(year), f" {year} 年度的结果"), staged(out) as stage:
        scratch = stage / ".feedback"  # hidden: not one of the outputs
        scratch.mkdir()
        with started_kernel(scratch, notebook) as kernel:
            results = load_year(year, data_dir)
            units = results.results["unit"].tolist() if unit is None else [check_unit(results, unit)]
            _distinct_pages(units, page_name)
            scored = scratch / "results.pickle"
            scored.write_bytes(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL))
            (stage / FOLDER).mkdir()
            for done, name in enumerate(units):
                progress(done, len(units), name)
                parameters = {"year": int(year), "data_dir": str(Path(data_dir).resolve()), "scored": str(scored),
                              "unit": name}
                executed = execute_notebook(notebook, scratch / "page.ipynb", parameters, cwd=scratch, kernel=kernel)
                publish_html(executed, stage / FOLDER / page_name(name), f"{name}　{results.scheme.title}结果反馈")
        files = [out / FOLDER / page_name(name) for name in units]
    return results, Written(out, files)


def _distinct_pages(units: list[str], page_name) -> None:
    seen: dict[str, str] = {}
    for name in units:
        page = page_name(name).lower()
        if page in seen:
            raise UsageError(f"单位「{seen[page]}」与「{name}」的反馈页文件名相同（{page_name(name)}），请在单位名单中区分它们")
        seen[page] = name


def _retire_report(stage, out: Path) -> Path | None:
    """If the staged tables differ from those in ``out``, have its report moved to 历史/<时间>/
    with the set; returns that folder (``None`` when the report stays or there is none)."""
    reports = [name for name in MADE_FROM_TABLES if (out / name).is_file()]
    tables = [f"{name}.csv" for name in OUTPUT_TABLES]
    if not reports or all(_same_file(stage / t, out / t) for t in tables):
        return None
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    folder = next(f for k in range(1, 1000) if not (f := out / HISTORY / (stamp if k == 1 else f"{stamp}-{k}")).exists())
    for name in reports:
        stage.move(name, (folder / name).relative_to(out).as_posix())
    return folder


def _same_file(a: Path, b: Path) -> bool:
    return b.is_file() and a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


def _keep_failed(executed: Path, out: Path) -> Path:
    """Keep a failed report notebook beside the outputs (``出错的报告.ipynb``) for inspection."""
    kept = out / FAILED_NOTEBOOK
    if executed.is_file():
        write_text(kept, executed.read_text(encoding="utf-8"))
    return kept

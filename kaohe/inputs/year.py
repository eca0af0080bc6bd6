"""A year's inputs: read and checked (SPEC §2) into clean, typed tables.

Every problem of every file is collected first (file, spreadsheet row, column, value, code,
level and a Chinese message); :func:`read_year` raises one
:class:`~kaohe.problems.InvalidInputError` carrying them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..problems import Code, Problem, SchemeError
from ..scheme import Scheme, load_scheme
from . import checks
from .context import Context


@dataclass
class YearInputs:
    """A year's inputs after validation: every table clean, every unit a canonical name."""

    year: int
    scheme: Scheme
    units: pd.DataFrame  # unit, medical_target, medical_prior, group
    values: pd.DataFrame  # unit, indicator, value (as given), number
    leader: pd.DataFrame  # unit, member, score (NaN where blank)
    survey: pd.DataFrame  # respondent, unit, sub_union, role, then one points column per question
    questions: list[str]
    brand_items: pd.DataFrame  # unit, item, title
    brand_reviews: pd.DataFrame  # reviewer, item, score
    vetoes: pd.DataFrame  # unit, clause, note
    overrides: pd.DataFrame  # unit, grade, reason
    files: dict[str, str] = field(default_factory=dict)  # input file → SHA-256
    warnings: list[Problem] = field(default_factory=list)
    sample: bool = False  # the files say they are synthetic sample data (示例数据): the outputs say so too


def read_year(year_dir: str | Path, year: int | None = None) -> YearInputs:
    """Read and validate every input of one year's folder ``data/raw/<year>/``.

    The story of SPEC §2: the files present, then each table checked in turn — the units
    first, since every other table names them. Raises :class:`InvalidInputError` listing every
    error and warning when any error is found.
    """
    year_dir = Path(year_dir)
    scheme = load_scheme(year_dir / "scheme.yaml")
    if year is not None and scheme.year != year:
        raise SchemeError(
            [Problem.of(Code.YEAR_MISMATCH, "scheme.yaml", None, "year", scheme.year, year=year)]
        )
    ctx = Context(year_dir, scheme)
    checks.files_present(ctx)
    units = checks.units(ctx)
    values = checks.dept_scores(ctx, units)
    leader = checks.leader_scores(ctx, units)
    survey, questions = checks.survey(ctx, units)
    items = checks.brand_items(ctx, units)
    reviews = checks.brand_reviews(ctx, items)
    vetoes = checks.vetoes(ctx)
    overrides = checks.overrides(ctx, vetoes)
    ctx.flush_counts()
    ctx.log.raise_if_errors()
    return YearInputs(
        year=scheme.year,
        scheme=scheme,
        units=units,
        values=values,
        leader=leader,
        survey=survey,
        questions=questions,
        brand_items=items,
        brand_reviews=reviews,
        vetoes=vetoes,
        overrides=overrides,
        files=dict(sorted(ctx.files.items())),
        warnings=ctx.log.warnings,
        sample=ctx.sample,
    )


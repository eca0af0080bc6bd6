"""Hypothesis strategies for random valid years, built directly as :class:`YearInputs` tables.

:func:`schemes` draws a small scheme mapping (random indicator system with every rule kind,
weights, ranking scope and mode, trims, role weights, quota); :func:`years` draws the clean
tables of one year for it, optionally with *clones* (units whose every input copies another
unit's, so that totals and department points tie). :func:`shuffled` and :func:`renamed`
change row order and unit names; :func:`write_year` writes a year as the input files of
SPEC §2 so that it can go through :func:`kaohe.load_year`.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from hypothesis import strategies as st

from kaohe.scheme import MODES, RULE_KINDS, SCOPES, parse_scheme
from kaohe.inputs import YearInputs

YEAR = 2030
DEPARTMENTS = ("宣教部", "经济部", "保障部")
ROLES = ("职工", "工会主席", "管理者")
CLAUSES = ("1", "2", "3")
PERS = (0.25, 0.33, 0.5, 1.0, 2.0, 5.0)
BAND_MINS = (0.0, 0.3, 0.5, 0.6, 0.8, 1.0)
STEPS = (0.0, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0)
LEADER_SCORES = (60, 80, 85, 90, 100)

cjk_names = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=6)
any_names = st.one_of(cjk_names, st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=8))


def _grid(top: float) -> list[float]:
    """Quarter steps of an indicator's maximum (exact in binary for multiples of 0.5)."""
    return [top * q / 4 for q in range(5)]


def _fmt(x: float) -> str:
    """A number as an analyst would type it, and as it reads back exactly."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


@st.composite
def _rule(draw, kind: str, top: float) -> dict:
    if kind == "deduction":
        return {"kind": kind, "per": draw(st.sampled_from(PERS))}
    if kind == "checklist":
        return {"kind": kind, "n": draw(st.integers(1, 5)), "per": draw(st.sampled_from(PERS))}
    if kind == "bands":
        mins = sorted(draw(st.lists(st.sampled_from(BAND_MINS), min_size=1, max_size=3, unique=True)))
        points = sorted(draw(st.lists(st.sampled_from(_grid(top)), min_size=len(mins), max_size=len(mins))))
        return {"kind": kind, "bands": [{"min": m, "points": p} for m, p in zip(mins, points)]}
    return {"kind": kind}


@st.composite
def _quota(draw) -> dict:
    kind = draw(st.sampled_from(("share", "count", "min_total")))
    if kind == "share":
        return {"share": draw(st.integers(0, 100)) / 100}
    if kind == "count":
        return {"count": draw(st.integers(0, 14))}
    return {"min_total": draw(st.one_of(st.integers(0, 100), st.floats(0, 100)))}


@st.composite
def schemes(draw, *, scope=None, mode=None, need_manual=False) -> dict:
    """A valid ``scheme.yaml`` mapping: 1–8 indicators in 1–4 categories summing to 100."""
    m = draw(st.integers(1, 8))
    cuts = sorted(draw(st.lists(st.integers(1, 199), min_size=m - 1, max_size=m - 1, unique=True)))
    maxima = [h / 2 for h in np.diff([0, *cuts, 200]).tolist()]  # multiples of 0.5, sum exactly 100
    n_cat = draw(st.integers(1, min(m, 4)))
    splits = sorted(draw(st.lists(st.integers(1, max(1, m - 1)), min_size=n_cat - 1, max_size=n_cat - 1, unique=True)))
    bounds = [0, *splits, m]
    manual_at = draw(st.integers(0, m - 1)) if need_manual else None
    categories = []
    for c in range(n_cat):
        indicators = []
        for k, i in enumerate(range(bounds[c], bounds[c + 1])):
            kind = "manual" if i == manual_at else draw(st.sampled_from(RULE_KINDS))
            indicators.append({
                "id": f"{c + 1}.{k + 1}",
                "text": f"指标{c + 1}.{k + 1}",
                "max": maxima[i],
                "department": draw(st.sampled_from(DEPARTMENTS)),
                "rule": draw(_rule(kind, maxima[i])),
            })
        categories.append({
            "id": str(c + 1),
            "name": f"类别{c + 1}",
            "max": sum(maxima[bounds[c]:bounds[c + 1]]),
            "indicators": indicators,
        })
    common = draw(st.integers(0, 100))
    a, b = sorted(draw(st.lists(st.integers(0, 100), min_size=2, max_size=2)))
    leader_trim, brand_trim = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    return {
        "year": YEAR,
        "title": "性质测试年度",
        "weights": {"common": common / 100, "brand": (100 - common) / 100},
        "common_weights": {"leader": a / 100, "dept": (b - a) / 100, "grassroots": (100 - b) / 100},
        "dept_ranking": {
            "step": draw(st.sampled_from(STEPS)),
            "scope": scope or draw(st.sampled_from(SCOPES)),
            "mode": mode or draw(st.sampled_from(MODES)),
        },
        # trim_above ≥ 2 × trim: a smaller trim_above lets trimming drop every score of an item
        # (or unit) and scoring then fails; the scheme does not reject that yet
        "leader": {"trim": leader_trim, "trim_above": draw(st.integers(2 * leader_trim, 2 * leader_trim + 4))},
        "brand": {"max_items": 2, "trim": brand_trim,
                  "trim_above": draw(st.integers(2 * brand_trim, 2 * brand_trim + 4))},
        # role weights > 0: a unit whose respondents all have a weight-0 role gets no grassroots score
        "survey": {"roles": {r: draw(st.integers(1, 3)) for r in ROLES}},
        "grades": {"quota": draw(_quota()), "near_tie": draw(st.sampled_from((0, 0.05, 0.5)))},
        "veto_clauses": [{"id": c, "text": f"否决条款{c}"} for c in CLAUSES],
        "categories": categories,
    }


@st.composite
def _indicator_value(draw, indicator, target: float) -> tuple[str, float]:
    """One unit's input on one indicator: the text as typed and its number."""
    rule, top = indicator.rule, indicator.max
    if rule.kind == "manual":
        x = draw(st.one_of(st.sampled_from(_grid(top)), st.floats(0, top, allow_subnormal=False)))
        return _fmt(x), float(x)
    if rule.kind == "deduction":
        x = draw(st.integers(0, int(top / rule.per) + 2))
        return str(x), float(x)
    if rule.kind == "checklist":
        x = draw(st.integers(0, rule.n))
        return str(x), float(x)
    if rule.kind == "bands":
        p = draw(st.one_of(st.sampled_from([0, 30, 50, 60, 80, 100]), st.integers(0, 100)))
        return (f"{p}%" if draw(st.booleans()) else _fmt(p / 100)), p / 100
    x = draw(st.integers(0, int(2 * target)))
    return str(x), float(x)


@st.composite
def years(draw, *, min_units=1, max_units=9, min_clones=0, max_clones=3, scheme=None, **scheme_options) -> YearInputs:
    """A random valid year as the clean tables :func:`kaohe.score` takes."""
    scheme = parse_scheme(scheme if scheme is not None else draw(schemes(**scheme_options)))
    n = draw(st.integers(min_units, max_units))
    base = [f"单位{i + 1:02d}" for i in range(n)]
    members = [f"领导{k + 1}" for k in range(draw(st.integers(1, 4)))]
    questions = [f"Q{k + 1}" for k in range(draw(st.integers(1, 3)))]
    points = {a.value: a.points for a in scheme.answers}

    units, values, leader, survey, items, reviews = [], [], [], [], [], []
    for unit in base:
        target = draw(st.integers(1, 40)) * 50.0
        prior = draw(st.one_of(st.none(), st.integers(0, 2000)))
        units.append((unit, target, np.nan if prior is None else float(prior), ""))
        for indicator in scheme.indicators:
            values.append((unit, indicator.id, *draw(_indicator_value(indicator, target))))
        given = draw(st.integers(0, len(members) - 1))  # every unit has at least one leader score
        for k, member in enumerate(members):
            score = draw(st.one_of(st.sampled_from(LEADER_SCORES), st.integers(0, 200).map(lambda x: x / 2)))
            blank = k != given and draw(st.booleans())
            leader.append((unit, member, np.nan if blank else float(score)))
        for _ in range(draw(st.integers(1, 3))):
            role = draw(st.sampled_from(ROLES))
            answered = draw(st.integers(0, len(questions) - 1))
            answers = [
                draw(st.sampled_from(sorted(points))) if q == answered or draw(st.booleans()) else None
                for q in range(len(questions))
            ]
            survey.append((unit, f"{unit}基层工会", role, *[np.nan if a is None else points[a] for a in answers]))
        if n >= 2:  # an item needs a review by another unit
            for j in range(draw(st.integers(0, 2))):
                item = f"P{len(items) + 1}"
                items.append((unit, item, f"{unit}的品牌{j + 1}"))
                others = [u for u in base if u != unit]
                reviewers = {draw(st.sampled_from(others))} | set(draw(st.lists(st.sampled_from(base), max_size=n)))
                for reviewer in sorted(reviewers):
                    reviews.append((reviewer, item, float(draw(st.integers(0, 100)))))

    clones = draw(st.lists(st.sampled_from(base), min_size=min_clones, max_size=max_clones))
    names = list(base)
    for k, source in enumerate(clones):
        clone = f"单位{n + k + 1:02d}"
        names.append(clone)
        units.append((clone, *next(u for u in units if u[0] == source)[1:]))
        values += [(clone, *v[1:]) for v in values if v[0] == source]
        leader += [(clone, *r[1:]) for r in leader if r[0] == source]
        survey += [(clone, f"{clone}基层工会", *r[2:]) for r in survey if r[0] == source]
        copies = {i[1]: f"{i[1]}-{k + 1}" for i in items if i[0] == source}
        items += [(clone, copies[i[1]], i[2]) for i in items if i[0] == source]
        reviews += [(clone if r[0] == source else r[0], copies[r[1]], r[2]) for r in reviews if r[1] in copies]

    vetoed = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names)))
    vetoes = [
        (unit, clause, "说明")
        for unit in vetoed
        for clause in draw(st.lists(st.sampled_from(CLAUSES), min_size=1, max_size=2, unique=True))
    ]
    overridden = draw(st.lists(st.sampled_from(names), unique=True, max_size=2))
    overrides = [
        (unit, scheme.other_grade if unit in vetoed else draw(st.sampled_from((scheme.top_grade, scheme.other_grade))),
         "会议决定")
        for unit in overridden
    ]

    survey_table = pd.DataFrame(survey, columns=["unit", "sub_union", "role", *questions])
    survey_table.insert(0, "respondent", np.arange(2, len(survey_table) + 2))
    return YearInputs(
        year=YEAR,
        scheme=scheme,
        units=pd.DataFrame(units, columns=["unit", "medical_target", "medical_prior", "group"]),
        values=pd.DataFrame(values, columns=["unit", "indicator", "value", "number"]),
        leader=pd.DataFrame(leader, columns=["unit", "member", "score"]),
        survey=survey_table,
        questions=questions,
        brand_items=pd.DataFrame(items, columns=["unit", "item", "title"]),
        brand_reviews=pd.DataFrame(reviews, columns=["reviewer", "item", "score"]).astype({"score": float}),
        vetoes=pd.DataFrame(vetoes, columns=["unit", "clause", "note"]),
        overrides=pd.DataFrame(overrides, columns=["unit", "grade", "reason"]),
    )


TABLES = ("units", "values", "leader", "survey", "brand_items", "brand_reviews", "vetoes", "overrides")
UNIT_COLUMNS = {"brand_reviews": "reviewer"}


def shuffled(inputs: YearInputs, seed: int, *, keep_index: bool = False) -> YearInputs:
    """The same year with the rows of every table in a random order."""
    rng = np.random.default_rng(seed)

    def shuffle(table: pd.DataFrame) -> pd.DataFrame:
        out = table.iloc[rng.permutation(len(table))]
        return out if keep_index else out.reset_index(drop=True)

    return replace(inputs, **{name: shuffle(getattr(inputs, name)) for name in TABLES})


def renamed(inputs: YearInputs, mapping: dict[str, str]) -> YearInputs:
    """The same year with every unit renamed by ``mapping``, in every table."""
    def rename(name: str) -> pd.DataFrame:
        table = getattr(inputs, name)
        column = UNIT_COLUMNS.get(name, "unit")
        return table.assign(**{column: table[column].map(mapping)})

    return replace(inputs, **{name: rename(name) for name in TABLES})


def write_year(inputs: YearInputs, data_dir: Path) -> Path:
    """Write ``inputs`` as the files of SPEC §2 under ``data_dir/raw/<year>``; return ``data_dir``."""
    folder = Path(data_dir) / "raw" / str(inputs.year)
    (folder / "dept_scores").mkdir(parents=True)
    (folder / "scheme.yaml").write_text(
        yaml.safe_dump(inputs.scheme.raw, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    units = inputs.units
    _write(folder / "units.csv", ["单位", "参保基数", "上年参保数"],
           zip(units["unit"], units["medical_target"].map(_cell), units["medical_prior"].map(_cell)))
    departments = {i.id: i.department for i in inputs.scheme.indicators}
    values = inputs.values.assign(department=inputs.values["indicator"].map(departments))
    for department, part in values.groupby("department", sort=False):
        wide = _wide(part, "indicator", "value")
        _write(folder / "dept_scores" / f"{department}.csv", ["单位", *wide.columns], wide.reset_index().to_numpy())
    leader = _wide(inputs.leader, "member", "score").map(_cell)
    _write(folder / "leader_scores.csv", ["单位", *leader.columns], leader.reset_index().to_numpy())
    answers = {a.points: (str(a.value), a.label) for a in inputs.scheme.answers}
    survey = inputs.survey
    rows = []
    for k, row in enumerate(survey[["unit", "sub_union", "role", *inputs.questions]].itertuples(index=False)):
        cells = ["" if pd.isna(p) else answers[p][k % 3 == 0] for p in row[3:]]  # some typed as 满意 etc.
        rows.append([*row[:3], *cells])
    _write(folder / "survey.csv", ["单位", "基层工会", "身份", *inputs.questions], rows, encoding="utf-8-sig")
    _write(folder / "brand_items.csv", ["单位", "项目编号", "项目名称"], inputs.brand_items.to_numpy())
    reviews = inputs.brand_reviews
    _write(folder / "brand_reviews.csv", ["评分单位", "项目编号", "得分"],
           zip(reviews["reviewer"], reviews["item"], reviews["score"].map(_cell)))
    if len(inputs.vetoes):
        _write(folder / "vetoes.csv", ["单位", "否决条款", "说明"], inputs.vetoes.to_numpy())
    if len(inputs.overrides):
        _write(folder / "grade_overrides.csv", ["单位", "等次", "理由"], inputs.overrides.to_numpy())
    return Path(data_dir)


def _wide(table: pd.DataFrame, columns: str, values: str) -> pd.DataFrame:
    """Long → wide, units in the order they first appear, columns in their first order."""
    wide = table.pivot(index="unit", columns=columns, values=values)
    return wide.reindex(index=table["unit"].unique(), columns=table[columns].unique())


def _cell(x) -> str:
    return "" if pd.isna(x) else _fmt(x)


def _write(path: Path, header, rows, encoding: str = "utf-8") -> None:
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)

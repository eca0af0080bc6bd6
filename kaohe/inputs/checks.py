"""The checks of SPEC §2, one function per input table, in the order the SPEC gives them.

Each takes the year's :class:`~kaohe.inputs.context.Context` (and the tables checked before it)
and returns the clean table: every unit a canonical name, every number a float; every problem
goes to the context's log with its cell. :func:`kaohe.inputs.year.read_year` calls them in turn.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..problems import WARNING, Code
from ..scheme import Indicator
from .context import Context, column_numbers
from ..vocabulary import TABLE_NAMES
from .files import TABLE_SUFFIXES, RawTable, fold, table_files

TABLES = ("units", "dept_scores", "leader_scores", "survey", "brand_items", "brand_reviews", "vetoes", "grade_overrides")  # as checked
OTHER_FORMATS = {".xls": "Excel 97-2003 工作簿", ".xlsm": "启用宏的 Excel 工作簿", ".xlsb": "Excel 二进制工作簿",
                 ".ods": "OpenDocument 表格", ".et": "WPS 表格", ".numbers": "Numbers 表格"}
KNOWN_SUFFIXES = {*TABLE_SUFFIXES, *OTHER_FORMATS, ".txt", ".tsv"}
FILE_ALIASES = {  # what a file may be called instead of its table's name
    "unit": "units", "单位": "units", "考核单位": "units",
    "leader": "leader_scores", "leaders": "leader_scores", "领导班子评分": "leader_scores",
    "问卷": "survey", "基层评分": "survey", "surveys": "survey",
    "品牌项目": "brand_items", "特色品牌": "brand_items",
    "互评": "brand_reviews", "互评表": "brand_reviews",
    "veto": "vetoes", "否决": "vetoes",
    "override": "grade_overrides", "overrides": "grade_overrides", "调整等次": "grade_overrides",
}
INDICATOR_HEADER = re.compile(r"^(\d+(?:\.\d+)+)")


# -- the files -------------------------------------------------------------------------------


def files_present(ctx: Context):
    """Every entry of the year folder and of dept_scores/ is a table kaohe reads, or a problem:
    a name close to an expected one (``Vetoes.CSV``, ``一票否决.csv``, ``veto.csv``) or another
    format (``.xls``, ``.ods``) is an error, since the table would otherwise go unread; any
    other file is a warning."""
    expected = {name for stem in TABLES if stem != "dept_scores" for name in table_files(stem)}
    for entry in _entries(ctx.dir):
        name = entry.name
        if name == "scheme.yaml" or (name == "dept_scores" and entry.is_dir()):
            continue
        if name in expected:
            if not entry.is_file():
                not_a_table(ctx, name, entry)
            continue
        stem, suffix = _stem_and_suffix(name)
        meant = _meant_table(stem)
        if meant is None:
            ctx.log.warning(Code.FILE_UNKNOWN, name, name=name)
        elif suffix in OTHER_FORMATS and _is_table_name(stem, meant):
            other_format(ctx, name, suffix, stem)
        elif not entry.is_file() and _is_table_name(stem, meant) and suffix in TABLE_SUFFIXES:
            not_a_table(ctx, name, entry)
        else:
            ctx.log.error(Code.FILE_NEAR_NAME, name, name=name, meant=meant)
    folder = ctx.dir / "dept_scores"
    for entry in _entries(folder) if folder.is_dir() else []:
        name = f"dept_scores/{entry.name}"
        stem, suffix = _stem_and_suffix(entry.name)
        if suffix in TABLE_SUFFIXES and entry.is_file():
            continue
        if suffix in OTHER_FORMATS:
            other_format(ctx, name, suffix, stem)
        elif suffix in TABLE_SUFFIXES:
            not_a_table(ctx, name, entry)
        else:
            ctx.log.warning(Code.FILE_NOT_A_TABLE, name, name=entry.name)


def other_format(ctx: Context, name: str, suffix: str, stem: str):
    ctx.log.error(Code.FILE_OTHER_FORMAT, name, format=OTHER_FORMATS[suffix], suffix=suffix, stem=stem)


def not_a_table(ctx: Context, name: str, entry: Path):
    what = "是失效的快捷方式（链接）" if entry.is_symlink() and not entry.exists() else "是一个文件夹"
    ctx.log.error(Code.FILE_NOT_A_FILE, name, name=name, what=what)


# -- units -----------------------------------------------------------------------------------


def units(ctx: Context) -> pd.DataFrame:
    table = ctx.read("units")
    empty = pd.DataFrame({"unit": pd.Series(dtype=str), "medical_target": [], "medical_prior": [], "group": []})
    if table is None or not ctx.require(table, ["unit"]):
        return empty
    frame = table.frame
    names = frame["unit"]
    folded = table.map("unit", fold)
    blank = folded.eq("")
    ctx.report(table, blank, "unit", Code.UNIT_BLANK)
    dup = folded.duplicated() & ~blank
    ctx.report(table, dup, "unit", Code.UNIT_LISTED_TWICE)
    ok = ~blank & ~dup
    ctx.known = dict(zip(folded[ok], names[ok]))
    ctx.position = {name: k for k, name in enumerate(names[ok])}
    ctx.names = np.array([*names[ok], None], dtype=object)
    needs_target = any(i.rule.kind == "target" for i in ctx.scheme.indicators)
    target = pd.Series(np.nan, index=frame.index)
    if "medical_target" in frame:
        target = ctx.numbers(table, "medical_target", low=0, required=needs_target)
    elif needs_target:
        ctx.require(table, ["medical_target"])
    prior = ctx.numbers(table, "medical_prior", low=0) if "medical_prior" in frame else target * np.nan
    if needs_target:
        ctx.report(table, target.eq(0) & ok, "medical_target", Code.TARGET_ZERO)
        ids = "、".join(i.id for i in ctx.scheme.indicators if i.rule.kind == "target")
        ctx.report(table, prior.eq(0) & ok, "unit", Code.PRIOR_ZERO, level=WARNING, ids=ids)
    group = frame["group"] if "group" in frame else pd.Series("", index=frame.index)
    return pd.DataFrame(
        {"unit": names[ok], "medical_target": target[ok], "medical_prior": prior[ok], "group": group[ok]}
    ).reset_index(drop=True)


# -- department scores -----------------------------------------------------------------------


def dept_scores(ctx: Context, units: pd.DataFrame) -> pd.DataFrame:
    folder = ctx.dir / "dept_scores"
    columns = ["unit", "indicator", "value", "number", "file", "row", "column"]
    if not folder.is_dir():
        ctx.log.error(Code.DEPT_FOLDER_MISSING, "dept_scores/")
        return pd.DataFrame(columns=columns)
    paths = [p for p in _entries(folder) if p.is_file() and _stem_and_suffix(p.name)[1] in TABLE_SUFFIXES]
    if not paths:
        ctx.log.error(Code.DEPT_FOLDER_EMPTY, "dept_scores/")
    indicators = {i.id: i for i in ctx.scheme.indicators}
    ids = list(indicators)
    parts, sources = [], []
    for path in paths:
        table = ctx.read_path(path)
        if table is None or not ctx.require(table, ["unit"]):
            continue
        found = {}
        for column in table.columns:
            if column == "unit":
                continue
            match = INDICATOR_HEADER.match(column)
            if match and match.group(1) in indicators:
                found[column] = match.group(1)
            else:
                ctx.log.warning(Code.UNKNOWN_INDICATOR, table.name, None, column, column)
        duplicate_ids = pd.Series(list(found.values())).duplicated()
        for column, dup in zip(list(found), duplicate_ids):
            if dup:
                ctx.log.error(Code.INDICATOR_TWO_COLUMNS, table.name, None, column, column, indicator=found[column])
        at = ctx.unit_rows(table)
        rows = np.flatnonzero(at >= 0)  # those of a unit on the list
        for column, indicator_id in found.items():
            number = indicator_values(ctx, table, column, indicators[indicator_id], at >= 0)
            parts.append(pd.DataFrame({
                "_u": at[rows], "_i": ids.index(indicator_id), "_p": len(sources),
                "row": table.rows[rows], "value": table.column(column, rows).array, "number": number.to_numpy()[rows],
            }, copy=False))
            sources.append((table.name, column))
    if not parts:
        return pd.DataFrame(columns=columns[:4])
    values = pd.concat(parts, ignore_index=True)
    names = units["unit"].to_numpy(dtype=object)
    # (unit, indicator) as one integer: duplicates, gaps and the order without hashing text
    key = values["_u"].to_numpy() * len(ids) + values["_i"].to_numpy()
    dup = pd.Series(key).duplicated(keep="first").to_numpy()
    if dup.any():
        files, columns_of = (np.asarray([s[k] for s in sources], dtype=object) for k in (0, 1))
        first = values.groupby(key)[["_p", "row"]].transform("first")[dup]
        again = values[dup]
        ctx.report_records(
            pd.DataFrame({
                "file": files[again["_p"]], "row": again["row"], "column": columns_of[again["_p"]],
                "value": again["value"], "unit": names[again["_u"]], "indicator": np.asarray(ids, dtype=object)[again["_i"]],
                "first_file": files[first["_p"]], "first_row": first["row"],
            }),
            Code.INDICATOR_SCORED_TWICE,
        )
    values, key = values[~dup], key[~dup]
    present = np.zeros(len(units) * len(ids), bool)
    present[key] = True
    missing = np.flatnonzero(~present)
    if len(missing):
        indicator = np.asarray(ids, dtype=object)[missing % len(ids)]
        department = np.array([indicators[i].department for i in ids], dtype=object)[missing % len(ids)]
        ctx.report_records(
            pd.DataFrame({"file": "dept_scores/" + department, "row": None, "column": indicator, "value": None,
                          "unit": units["unit"].to_numpy()[missing // len(ids)], "indicator": indicator,
                          "department": department}),
            Code.SCORE_MISSING,
        )
    values = values.iloc[np.argsort(key, kind="stable")]
    return pd.DataFrame({
        "unit": names[values["_u"].to_numpy()],
        "indicator": np.asarray(ids, dtype=object)[values["_i"].to_numpy()],
        "value": values["value"].to_numpy(),
        "number": values["number"].to_numpy(),
    })


def indicator_values(ctx: Context, table: RawTable, column: str, indicator: Indicator, listed) -> pd.Series:
    """Parse one indicator column and check it by its rule (:meth:`kaohe.rules.Rule.check`);
    errors name the cell (of a ``listed`` unit, for a missing value)."""
    blank = table.blank(column)
    ctx.report(table, blank & listed, column, Code.SCORE_BLANK, indicator=indicator.id)
    number, percent = column_numbers(table, column)
    bad = number.isna() & ~blank
    ctx.not_numbers(table, bad, column)
    number = number.where(~bad)
    wrong = pd.Series(False, index=number.index)
    for check in indicator.rule.check(number, percent, indicator.max):
        ctx.report(table, check.mask, column, check.code, **check.fields)
        wrong |= check.mask
    return number.where(~wrong)


# -- leadership scores -----------------------------------------------------------------------


def leader_scores(ctx: Context, units: pd.DataFrame) -> pd.DataFrame:
    empty = pd.DataFrame({"unit": pd.Series(dtype=str), "member": pd.Series(dtype=str), "score": []})
    table = ctx.read("leader_scores")
    if table is None or not ctx.require(table, ["unit"]):
        return empty
    members = [c for c in table.columns if c != "unit" and not ctx.not_data(table, c, "领导班子成员的评分", "领导评分")]
    if not members:
        ctx.log.error(Code.NO_LEADER_COLUMNS, table.name)
        return empty
    unit = ctx.unit_names(table)
    ctx.duplicates(table, unit, "unit", "单位")
    keep = unit.notna() & ~unit.duplicated()
    parts = []
    for member in members:
        score = ctx.numbers(table, member, low=0, high=100, what="评分")
        blank = table.blank(member) & keep
        ctx.report(table, blank, member, Code.LEADER_BLANK, level=WARNING, shown="unit", member=member)
        parts.append(pd.DataFrame({"unit": unit, "member": member, "score": score})[keep])
    leader = pd.concat(parts, ignore_index=True)
    ctx.missing_units(units, unit[keep], table, Code.UNIT_WITHOUT_LEADER_ROW)
    scored = leader.loc[leader["score"].notna(), "unit"]
    ctx.report(table, keep & ~unit.isin(scored), "unit", Code.UNIT_WITHOUT_LEADER_SCORES)
    return leader


# -- grassroots survey -----------------------------------------------------------------------


def survey(ctx: Context, units: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    table = ctx.read("survey")
    base = ["respondent", "unit", "sub_union", "role"]
    if table is None or not ctx.require(table, ["unit", "role"]):
        return pd.DataFrame(columns=base), []
    questions = [c for c in table.columns if c not in ("unit", "sub_union", "role")
                 and not ctx.not_data(table, c, "问卷题目的答案", "基层评分")]
    if not questions:
        ctx.log.error(Code.NO_QUESTIONS, table.name)
    unit_at = ctx.unit_rows(table)
    listed = unit_at >= 0
    roles = {fold(r): r for r in ctx.scheme.roles}

    def role_of(text):
        return roles.get(fold(text))

    known_role = table.map("role", lambda u: role_of(u) is not None)
    ctx.report(table, ~known_role, "role", Code.UNKNOWN_ROLE, roles="、".join(ctx.scheme.roles))
    scale = {}
    for answer in ctx.scheme.answers:
        scale[fold(answer.label)] = answer.points
        scale[str(answer.value)] = answer.points
    labels = "、".join(f"{a.value}（{a.label}）" for a in ctx.scheme.answers)
    answered = np.zeros(len(table.rows), bool)
    points = {}  # question → (codes, the points of each distinct answer: NaN if blank or not on the scale)
    for question in questions:
        codes, texts = table.codes(question)
        value = np.array([_answer_points(t, scale) for t in texts], dtype=float)
        if (value < 0).any():
            ctx.report(table, (value < 0)[codes], question, Code.UNKNOWN_ANSWER, labels=labels)
        answered |= (value >= 0)[codes]
        points[question] = codes, np.where(value >= 0, value, np.nan)
    respondent = listed & known_role
    ctx.report(table, respondent & ~answered, "unit", Code.NOTHING_ANSWERED, level=WARNING)
    rows = np.flatnonzero(respondent & answered)
    answers = np.empty((len(questions), len(rows)))  # a row per question: the block pandas would make of them
    every = len(rows) == len(table.rows)  # no respondent left out: no need to pick the rows
    for k, (codes, value) in enumerate(points.values()):
        answers[k] = value[codes if every else codes[rows]]
    # unit and role as categories: a million answers name a few hundred units and three roles
    names = pd.Index(ctx.names[:-1])
    role_at = table.map("role", lambda u: ctx.scheme.roles.index(role_of(u)) if role_of(u) else -1, rows).to_numpy()
    survey = pd.concat([
        pd.DataFrame({
            "respondent": table.rows[rows],
            "unit": pd.Categorical.from_codes(unit_at[rows], categories=names) if names.is_unique
            else table.map_texts("unit", ctx.canonical_names, rows).array,
            "sub_union": table.column("sub_union", rows).array if "sub_union" in table.columns else "",
            "role": pd.Categorical.from_codes(role_at, categories=ctx.scheme.roles),
        }, copy=False),
        pd.DataFrame(answers.T, columns=questions, copy=False),
    ], axis=1)
    weighted = table.map("role", lambda u: ctx.scheme.role_weights.get(role_of(u), 0) > 0).to_numpy()
    surveyed = ctx.units_named(table, "unit", rows)
    ctx.missing_units(units[units["unit"].isin(surveyed)], ctx.units_named(table, "unit", rows[weighted[rows]]),
                       table, Code.ROLES_WEIGHTLESS)
    ctx.missing_units(units, surveyed, table, Code.NO_SURVEY)
    return survey, questions


# -- brand work ------------------------------------------------------------------------------


def brand_items(ctx: Context, units: pd.DataFrame) -> pd.DataFrame:
    empty = pd.DataFrame({"unit": pd.Series(dtype=str), "item": pd.Series(dtype=str), "title": pd.Series(dtype=str)})
    table = ctx.read("brand_items")
    if table is None or not ctx.require(table, ["unit", "item"]):
        return empty
    frame = table.frame
    unit = ctx.unit_names(table)
    item = table.map_texts("item", ctx.folded)
    ctx.report(table, item.eq(""), "item", Code.ITEM_BLANK)
    dup = ctx.duplicates(table, item.where(item.ne("")), "item", "项目编号")
    title = frame["title"] if "title" in frame else pd.Series("", index=frame.index)
    ctx.report(table, title.eq("") & item.ne(""), "title", Code.TITLE_BLANK, level=WARNING,
                shown="item" if "title" not in frame else None)
    ok = unit.notna() & item.ne("") & ~dup
    items = pd.DataFrame({"unit": unit, "item": item, "title": title})[ok]
    nth = items.groupby("unit").cumcount() + 1
    limit = ctx.scheme.max_brand_items
    ctx.report(table, nth[nth > limit].index, "item", Code.TOO_MANY_ITEMS, limit=limit)
    ctx.missing_units(units, items["unit"], table, Code.NO_BRAND_ITEMS, level=WARNING)
    return items.reset_index(drop=True)


def brand_reviews(ctx: Context, items: pd.DataFrame) -> pd.DataFrame:
    empty = pd.DataFrame({"reviewer": pd.Series(dtype=str), "item": pd.Series(dtype=str), "score": []})
    table = ctx.read("brand_reviews")
    if table is None or not ctx.require(table, ["reviewer", "item", "score"]):
        return empty
    reviewer = ctx.unit_rows(table, "reviewer")
    listed = reviewer >= 0
    codes, texts = table.codes("item")
    folded = pd.Index(ctx.folded(texts))  # the item of each distinct text
    item = pd.Index(items["item"]).get_indexer(folded)[codes]  # each review's row in items (−1: none)
    ctx.report(table, item < 0, "item", Code.UNKNOWN_ITEM)
    score = ctx.numbers(table, "score", low=0, high=100, required=True, what="得分")
    keys = pd.DataFrame({"reviewer": reviewer, "item": folded.factorize()[0][codes]})
    dup = keys.duplicated() & listed
    ctx.report(table, dup, "item", Code.REVIEW_TWICE)
    owner = np.append(items["unit"].map(ctx.position).to_numpy(dtype=np.int64), -1)[item]
    own = (owner == reviewer) & listed
    ctx.report(table, own, "reviewer", Code.SELF_REVIEW, level=WARNING)
    rows = np.flatnonzero(listed & (item >= 0) & score.notna() & ~dup)
    reviewed = np.bincount(item[rows[~own[rows]]], minlength=len(items)) > 0
    unreviewed = items[~reviewed]
    ctx.report_records(
        pd.DataFrame({"file": table.name, "row": None, "column": table.header("item"), "value": unreviewed["item"],
                      "unit": unreviewed["unit"]}),
        Code.ITEM_NOT_REVIEWED,
    )
    return pd.DataFrame({
        "reviewer": table.map_texts("reviewer", ctx.canonical_names, rows).array,
        "item": folded.array.take(codes[rows]),
        "score": score.to_numpy()[rows],
    }, copy=False)


# -- vetoes and the meeting's decisions ------------------------------------------------------


def vetoes(ctx: Context) -> pd.DataFrame:
    empty = pd.DataFrame({"unit": pd.Series(dtype=str), "clause": pd.Series(dtype=str), "note": pd.Series(dtype=str)})
    table = ctx.read("vetoes", required=False)
    if table is None or not ctx.require(table, ["unit", "clause"]):
        return empty
    frame = table.frame
    unit = ctx.unit_names(table)
    clauses = {c.id for c in ctx.scheme.veto_clauses}
    clause = table.map("clause", fold).str.removeprefix("第").str.removesuffix("项").str.removesuffix("条")
    clause = clause.where(~clause.str.fullmatch(r"\d+\.0"), clause.str[:-2])
    bad = ~clause.isin(clauses)
    ctx.report(table, bad, "clause", Code.UNKNOWN_CLAUSE, clauses="、".join(sorted(clauses)))
    note = frame["note"] if "note" in frame else pd.Series("", index=frame.index)
    keys = pd.DataFrame({"unit": unit, "clause": clause})
    dup = keys.duplicated() & unit.notna()
    ctx.report(table, dup, "clause", Code.CLAUSE_TWICE)
    ok = unit.notna() & ~bad & ~dup
    return pd.DataFrame({"unit": unit, "clause": clause, "note": note})[ok].reset_index(drop=True)


def overrides(ctx: Context, vetoes: pd.DataFrame) -> pd.DataFrame:
    empty = pd.DataFrame({"unit": pd.Series(dtype=str), "grade": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
    table = ctx.read("grade_overrides", required=False)
    if table is None or not ctx.require(table, ["unit", "grade"]):
        return empty
    frame = table.frame
    unit = ctx.unit_names(table)
    grades = {fold(g): g for g in (ctx.scheme.top_grade, ctx.scheme.other_grade)}
    grade = table.map("grade", lambda u: grades.get(fold(u)))
    ctx.report(table, grade.isna(), "grade", Code.UNKNOWN_GRADE, grades="、".join(grades.values()))
    reason = frame["reason"] if "reason" in frame else pd.Series("", index=frame.index)
    ctx.report(table, reason.eq("") & unit.notna(), "reason", Code.OVERRIDE_WITHOUT_REASON,
                shown="unit" if "reason" not in frame else None)
    dup = ctx.duplicates(table, unit, "unit", "单位")
    vetoed = unit.isin(set(vetoes["unit"])) & grade.eq(ctx.scheme.top_grade)
    ctx.report(table, vetoed, "grade", Code.OVERRIDE_VETOED, top=ctx.scheme.top_grade)
    ok = unit.notna() & grade.notna() & ~dup & ~vetoed & reason.ne("")
    return pd.DataFrame({"unit": unit, "grade": grade, "reason": reason})[ok].reset_index(drop=True)


def _entries(folder: Path) -> list[Path]:
    """The entries of a folder as they are named (the same on every system), less hidden files
    and Office's lock files (``~$…``, a workbook open in Excel)."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith((".", "~$")))


def _stem_and_suffix(name: str) -> tuple[str, str]:
    """``Vetoes.CSV`` → (``Vetoes``, ``.csv``); ``vetoes.csv.csv`` → (``vetoes``, ``.csv``)."""
    stem, suffix = name, ""
    while True:
        base, dot, ext = stem.rpartition(".")
        if not dot or f".{ext.lower()}" not in KNOWN_SUFFIXES:
            return stem, suffix
        stem, suffix = base, suffix or f".{ext.lower()}"


def _meant_table(stem: str) -> str | None:
    """The input table a file name most likely stands for: ``Vetoes``, ``veto``, ``一票否决`` → ``vetoes``."""
    key = fold(stem).lower().replace("-", "_").replace(" ", "_")
    if key in FILE_ALIASES:
        return FILE_ALIASES[key]
    chinese = {name: table for table, name in TABLE_NAMES.items()}
    if key in chinese:
        return chinese[key]
    stems = [t for t in TABLES if t != "dept_scores"]
    if key in stems:
        return key
    close = difflib.get_close_matches(key, stems, n=1, cutoff=0.75)
    return close[0] if close else None


def _is_table_name(stem: str, table: str) -> bool:
    """Whether ``stem`` is exactly one of the table's names (``vetoes`` or ``一票否决``)."""
    return stem.lower() == table or stem == TABLE_NAMES.get(table)


def _answer_points(text: str, scale: dict[str, float]) -> float:
    """Points of one answer; NaN for blank, −1 for an answer not on the scale."""
    if text is None or text == "":
        return np.nan
    key = fold(text)
    if key in scale:
        return scale[key]
    try:
        number = float(key)
    except ValueError:
        return -1.0
    if number.is_integer() and str(int(number)) in scale:
        return scale[str(int(number))]
    return -1.0

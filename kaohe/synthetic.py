"""Seeded synthetic years: the committed sample data and the large benchmark years.

:func:`make_year` builds every input table of SPEC §2 for a scheme and a list of units,
vectorised with numpy so that 100,000 units take seconds; :func:`write_year` writes them the
way the federation office receives them (department workbooks, a GB18030 survey export, …),
each file labelled 示例数据 in a leading ``#`` line. ``python -m kaohe.synthetic`` regenerates
``data/raw/2019`` (on the real scheme and units) and ``data/raw/2018`` (a synthetic prior year).

With ``scenario=True`` the year tells a story for the report: one vetoed unit that would
otherwise rank high, a near-tie at the 优秀 cut-off settled by the meeting, one unit that loses
points on every rule kind, a few self-reviews and blank or label answers to be warned about.
"""

from __future__ import annotations

import argparse
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from . import pipeline
from .inputs.files import read_table
from .problems import ProblemLog
from .scheme import Scheme, load_scheme
from .scoring import quota_size
from .inputs import YearInputs, parse_numbers

LABEL = "示例数据：由 kaohe.synthetic 以随机种子 {seed} 生成的合成数据，不代表任何单位的真实考核情况"
CHINESE_HEADERS = {"unit": "单位", "sub_union": "基层工会", "role": "身份", "item": "项目编号", "title": "项目名称"}
CHINESE_TABLES = ("survey", "brand_items")
ENCODINGS = {"survey": "gb18030", "brand_items": "utf-8-sig"}  # as Excel and a web form save them
XLSX_TABLES = ("dept_scores", "leader_scores")
FIXED_TIME = datetime(2020, 1, 1)
NEAR_TIE = 0.03  # the gap placed between the last 优秀 and the first 良好 unit
SHIPPED_YEARS = Path(__file__).parent / "years"  # where `python -m kaohe.synthetic` regenerates the shipped sample

SUB_UNIONS = np.array(["第一基层工会", "第二基层工会", "第三基层工会", "第四基层工会"])
TITLE_WORDS = np.array(["“匠心”", "“暖心”", "“同心”", "“越工”", "“红色”", "“书香”", "“智慧”", "“娘家人”"])
TITLE_THEMES = np.array(
    ["劳模工匠培育", "职工书屋建设", "女职工关爱", "困难职工帮扶", "职工技能竞赛", "网上工会宣传", "职工文体活动", "工会服务驿站"]
)
TITLE_ENDS = np.array(["工程", "行动", "品牌", "计划"])


@dataclass
class _Year:
    """A synthetic year as numbers, before it is dressed as input tables."""

    values: np.ndarray  # unit × indicator: points, counts, ratios or actual counts
    percent: np.ndarray  # unit: band ratios typed as "85%"
    leader: np.ndarray  # unit × member, NaN where blank
    resp_unit: np.ndarray
    resp_role: np.ndarray
    resp_sub: np.ndarray
    answers: np.ndarray  # respondent × question: 0 blank, k = k-th answer option from the worst
    as_label: np.ndarray  # respondent: answered in words (满意) instead of numbers
    item_unit: np.ndarray
    item_no: np.ndarray
    item_title: np.ndarray
    review_item: np.ndarray
    reviewer: np.ndarray
    review_score: np.ndarray
    vetoes: list[tuple[int, str, str]]
    overrides: list[tuple[int, str, str]]


def make_units(n: int, seed: int) -> pd.DataFrame:
    """``n`` synthetic units 示例单位00001… with 医疗互助 targets 200–7000; about half have a prior."""
    rng = np.random.default_rng(seed)
    digits = np.char.zfill(np.arange(1, n + 1).astype(str), max(5, len(str(n))))
    target = rng.integers(4, 141, n) * 50
    prior = np.where(rng.random(n) < 0.5, np.rint(target * rng.uniform(0.8, 1.1, n)), np.nan)
    prior = pd.array(prior, dtype="Int64")
    return pd.DataFrame({"unit": np.char.add("示例单位", digits), "medical_target": target, "medical_prior": prior})


def make_year(
    scheme: Scheme,
    units: pd.DataFrame,
    seed: int,
    *,
    respondents_per_unit: int = 20,
    leaders: int = 7,
    questions: int = 10,
    reviews_per_item: int | None = None,
    items_per_unit: int | None = None,
    scenario: bool = True,
) -> dict[str, pd.DataFrame]:
    """Every input table of SPEC §2 for ``units`` under ``scheme``, as it will be written.

    Each unit has a hidden quality that all its scores follow, so the parts of the year agree.
    ``reviews_per_item=None`` gives 6–12 reviews per brand item, ``items_per_unit=None`` 1–2
    items per unit (at most the scheme's limit either way).
    """
    rng = np.random.default_rng(seed)
    n = len(units)
    quality = rng.beta(4, 2, n)
    year = _Year(
        values=_indicator_values(scheme, units, quality, rng),
        percent=rng.random(n) < 0.4,
        leader=_leader_scores(quality, leaders, rng),
        **_survey(scheme, quality, respondents_per_unit, questions, rng),
        **_brand(scheme, quality, reviews_per_item, items_per_unit, rng),
        vetoes=[],
        overrides=[],
    )
    if scenario:
        _build_scenario(scheme, units, year, questions, rng)
    return _tables(scheme, units, year, questions)


def _threshold(units: pd.DataFrame) -> np.ndarray:
    target = units["medical_target"].to_numpy(float)
    prior = units["medical_prior"].to_numpy(float, na_value=np.nan)
    return np.where(np.isnan(prior), target, np.fmin(target, prior))


def _indicator_values(scheme: Scheme, units: pd.DataFrame, quality: np.ndarray, rng) -> np.ndarray:
    target = units["medical_target"].to_numpy(float)
    columns = [ind.rule.sample(quality, ind.max, target, rng).astype(float) for ind in scheme.indicators]
    return np.column_stack(columns)


def _leader_scores(quality: np.ndarray, leaders: int, rng) -> np.ndarray:
    n = len(quality)
    scores = np.clip(np.round(80 + 17 * quality[:, None] + rng.normal(0, 2.5, (n, leaders)), 1), 60, 99.5)
    blank = rng.random((n, leaders)) < 0.03
    blank[blank.all(axis=1), 0] = False  # every unit is scored by someone
    return np.where(blank, np.nan, scores)


def _survey(scheme: Scheme, quality: np.ndarray, per_unit: int, questions: int, rng) -> dict:
    """Respondents of each unit: the first few cover every role, the rest are mostly 职工."""
    n, roles = len(quality), len(scheme.roles)
    counts = rng.integers(round(0.8 * per_unit), round(1.2 * per_unit) + 1, n)
    unit = np.repeat(np.arange(n), counts)
    position = np.arange(len(unit)) - np.repeat(np.cumsum(counts) - counts, counts)
    others = (1 - 0.8) / max(roles - 1, 1)
    drawn = rng.choice(roles, len(unit), p=[0.8] + [others] * (roles - 1)) if roles > 1 else np.zeros(len(unit), int)
    role = np.where(position < roles, position, drawn)
    options = len(scheme.answers)
    mean = (options - 1) * (0.45 + 0.5 * quality[unit])
    answers = 1 + np.clip(np.rint(mean[:, None] + rng.normal(0, 0.8, (len(unit), questions))), 0, options - 1)
    answers[rng.random(answers.shape) < 0.05] = 0
    blank = np.flatnonzero((position >= roles) & (role == 0))[:1]  # a 职工 among others of the same unit
    answers[blank] = 0
    return {
        "resp_unit": unit,
        "resp_role": role,
        "resp_sub": unit * len(SUB_UNIONS) + rng.integers(0, len(SUB_UNIONS), len(unit)),
        "answers": answers.astype(np.int8),
        "as_label": rng.random(len(unit)) < 0.1,
    }


def _brand(scheme: Scheme, quality: np.ndarray, reviews_per_item: int | None, items_per_unit: int | None,
           rng) -> dict:
    """1–2 items per unit, each reviewed by distinct other units, plus a few self-reviews."""
    n = len(quality)
    if items_per_unit is None:
        counts = np.minimum(1 + (rng.random(n) < 0.6), scheme.max_brand_items)
    else:
        counts = np.full(n, min(items_per_unit, scheme.max_brand_items))
    unit = np.repeat(np.arange(n), counts)
    number = 1 + np.arange(len(unit)) - np.repeat(np.cumsum(counts) - counts, counts)
    items = len(unit)
    titles = rng.integers(0, len(TITLE_WORDS) * len(TITLE_THEMES) * len(TITLE_ENDS), items)
    most = min(12 if reviews_per_item is None else reviews_per_item, n - 1)
    many = rng.integers(min(6, most), most + 1, items) if reviews_per_item is None else np.full(items, most)
    # k distinct offsets in 1..n-1: sorted draws from 1..n-k plus 0..k-1, then shuffled
    offsets = np.sort(rng.integers(1, n - most + 1, (items, most)), axis=1) + np.arange(most)
    offsets = rng.permuted(offsets, axis=1)
    item, slot = np.nonzero(np.arange(most) < many[:, None])
    reviewer = (unit[item] + offsets[item, slot]) % n
    own = rng.choice(items, min(items, max(3, items // 500)), replace=False)
    item = np.concatenate([item, own])
    reviewer = np.concatenate([reviewer, unit[own]])
    merit = 70 + 25 * quality[unit] + rng.normal(0, 4, items)
    score = np.clip(np.rint(merit[item] + rng.normal(0, 6, len(item)) + 8 * (reviewer == unit[item])), 60, 98)
    order = np.lexsort((item, reviewer))  # as collected: one review form per reviewing unit
    return {
        "item_unit": unit,
        "item_no": number,
        "item_title": titles,
        "review_item": item[order],
        "reviewer": reviewer[order],
        "review_score": score[order],
    }


def _build_scenario(scheme: Scheme, units: pd.DataFrame, year: _Year, questions: int, rng) -> None:
    """Plant the sample's story in ``year``: a unit losing on every rule kind, a high-ranked
    vetoed unit, and the last 优秀 and first 良好 units less than 0.1 apart, which the meeting
    settles by a grade override. The totals come from the real scorer, :func:`kaohe.pipeline.score`."""
    threshold = _threshold(units)
    loser = rng.integers(len(threshold))
    for j, ind in enumerate(scheme.indicators):
        year.values[loser, j] = ind.rule.losing(year.values[loser, j], ind.max, threshold[loser])

    totals = pipeline.score(_inputs(scheme, units, year, questions)).totals["total"].to_numpy()
    order = np.argsort(-totals, kind="stable")
    vetoed = order[1]
    clause = scheme.veto_clauses[min(1, len(scheme.veto_clauses) - 1)].id
    year.vetoes.append((vetoed, clause, f"{scheme.year}年度受到所在系统党委通报批评"))

    eligible = order[order != vetoed]
    k = quota_size(scheme.quota, len(units))
    if k is None:  # a minimum total rather than a share or a count
        k = int((totals[eligible] >= scheme.quota.value).sum())
    k = min(max(k, 1), len(eligible) - 1)
    last, first_out = eligible[k - 1], eligible[k]
    weight = scheme.common_weight * scheme.component_weights["leader"]
    steps = np.floor((totals[last] - totals[first_out] - NEAR_TIE) / (0.1 * weight))
    year.leader[last] = np.round(year.leader[last] - steps / 10, 1)
    year.overrides.append(
        (first_out, scheme.top_grade, f"总分与拟评{scheme.top_grade}的最后一名相差不足0.1分，经市总相关会议审议，同意评为{scheme.top_grade}")
    )


def _inputs(scheme: Scheme, units: pd.DataFrame, year: _Year, questions: int) -> YearInputs:
    """``year`` as the clean tables :func:`kaohe.validate.read_year` gives once it is written,
    to score it in memory (a ``value`` is its number as text)."""
    names = units["unit"].to_numpy(str)
    n, m = year.values.shape
    members, asked = _members(year), _question_names(questions)
    options = sorted(scheme.answers, key=lambda a: a.value)
    points = np.array([np.nan] + [a.points for a in options])[year.answers]
    survey = pd.DataFrame({
        "respondent": np.arange(1, len(points) + 1),
        "unit": names[year.resp_unit],
        "sub_union": _sub_unions(names)[year.resp_sub],
        "role": np.array(scheme.roles)[year.resp_role],
        **dict(zip(asked, points.T)),
    })
    items = _brand_items(names, year)
    return YearInputs(
        year=scheme.year,
        scheme=scheme,
        units=pd.DataFrame({
            "unit": names,
            "medical_target": units["medical_target"].to_numpy(float),
            "medical_prior": units["medical_prior"].to_numpy(float, na_value=np.nan),
            "group": "",
        }),
        values=pd.DataFrame({
            "unit": np.repeat(names, m),
            "indicator": np.tile(scheme.indicator_ids, n),
            "value": year.values.ravel().astype(str),
            "number": year.values.ravel(),
        }),
        leader=pd.DataFrame({"unit": np.repeat(names, len(members)), "member": np.tile(members, n),
                             "score": year.leader.ravel()}),
        survey=survey[~np.isnan(points).all(axis=1)].reset_index(drop=True),  # silent respondents left out
        questions=asked,
        brand_items=items,
        brand_reviews=pd.DataFrame({"reviewer": names[year.reviewer], "item": items["item"].to_numpy()[year.review_item],
                                    "score": year.review_score.astype(float)}),
        vetoes=_decisions(year.vetoes, names, ["unit", "clause", "note"]),
        overrides=_decisions(year.overrides, names, ["unit", "grade", "reason"]),
    )


def _members(year: _Year) -> list[str]:
    return [f"领导{k}" for k in range(1, year.leader.shape[1] + 1)]


def _question_names(questions: int) -> list[str]:
    return [f"问题{q + 1}" for q in range(questions)]


def _sub_unions(names: np.ndarray) -> np.ndarray:
    """Every unit's 基层工会 names, unit by unit; ``_Year.resp_sub`` indexes into it."""
    return np.char.add(np.repeat(names, len(SUB_UNIONS)), np.tile(SUB_UNIONS, len(names)))


def _brand_items(names: np.ndarray, year: _Year) -> pd.DataFrame:
    """The brand items as ``unit, item, title``, item ids P<unit number>-<k>."""
    width = max(2, len(str(len(names))))
    unit_no = np.char.zfill((year.item_unit + 1).astype(str), width)
    item_ids = np.char.add(np.char.add(np.char.add("P", unit_no), "-"), year.item_no.astype(str))
    words, themes, ends = np.unravel_index(year.item_title, (len(TITLE_WORDS), len(TITLE_THEMES), len(TITLE_ENDS)))
    titles = np.char.add(np.char.add(TITLE_WORDS[words], TITLE_THEMES[themes]), TITLE_ENDS[ends])
    return pd.DataFrame({"unit": names[year.item_unit], "item": item_ids, "title": titles})


def _decisions(records: list[tuple[int, str, str]], names: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """Vetoes or grade overrides, recorded by unit position, as a text table naming the units."""
    table = pd.DataFrame(records, columns=columns, dtype=object)
    table[columns[0]] = names[table[columns[0]].to_numpy(int)]
    return table.astype(str)


def _tables(scheme: Scheme, units: pd.DataFrame, year: _Year, questions: int) -> dict[str, pd.DataFrame]:
    names = units["unit"].to_numpy(str)
    tables = {}
    for department in scheme.departments:
        table = {"unit": names}
        for j, ind in enumerate(scheme.indicators):
            if ind.department != department:
                continue
            table[ind.id] = ind.rule.written(year.values[:, j], year.percent)
        tables[f"dept_scores/{department}"] = pd.DataFrame(table)

    tables["leader_scores"] = pd.DataFrame({"unit": names, **dict(zip(_members(year), year.leader.T))})

    options = sorted(scheme.answers, key=lambda a: a.value)
    cells = np.array([np.nan] + [a.value for a in options] + [a.label for a in options], dtype=object)
    answer_cells = cells[year.answers + len(options) * (year.as_label[:, None] & (year.answers > 0))]
    tables["survey"] = pd.DataFrame(
        {
            "unit": pd.Categorical.from_codes(year.resp_unit, names),
            "sub_union": pd.Categorical.from_codes(year.resp_sub, _sub_unions(names)),
            "role": pd.Categorical.from_codes(year.resp_role, scheme.roles),
            **dict(zip(_question_names(questions), answer_cells.T)),
        }
    )

    items = _brand_items(names, year)
    tables["brand_items"] = items
    tables["brand_reviews"] = pd.DataFrame(
        {
            "reviewer": names[year.reviewer],
            "item": items["item"].to_numpy()[year.review_item],
            "score": year.review_score.astype(int),
        }
    )
    tables["vetoes"] = _decisions(year.vetoes, names, ["unit", "clause", "note"])
    tables["grade_overrides"] = _decisions(year.overrides, names, ["unit", "grade", "reason"])
    return tables


def write_year(tables: dict[str, pd.DataFrame], folder: str | Path, *, label: str, fmt: str = "mixed") -> list[Path]:
    """Write the tables of :func:`make_year` into ``folder``, each file opened by ``# label``.

    ``fmt="mixed"`` writes them as the office receives them: department and leadership scores
    as ``.xlsx`` (label in A1, header in row 2), the survey as a GB18030 CSV with CRLF line ends
    (Chinese Excel), brand items as UTF-8 with BOM, the rest as UTF-8. ``fmt="csv"`` writes
    everything as UTF-8 CSV (fast, for the large benchmark years). The survey and brand items
    use Chinese headers (单位, 身份, 项目编号 …), the others English ones.
    """
    if fmt not in ("mixed", "csv"):
        raise ValueError(f"unknown format {fmt!r}")
    folder = Path(folder)
    paths = []
    for key, table in tables.items():
        kind = key.split("/")[0]
        if kind in CHINESE_TABLES:
            table = table.rename(columns=CHINESE_HEADERS)
        stem = folder / key
        stem.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "mixed" and kind in XLSX_TABLES:
            path = stem.parent / f"{stem.name}.xlsx"
            _write_xlsx(table, path, label)
        else:
            path = stem.parent / f"{stem.name}.csv"
            encoding = ENCODINGS.get(kind, "utf-8") if fmt == "mixed" else "utf-8"
            _write_csv(table, path, label, encoding, "\r\n" if encoding == "gb18030" else "\n")
        paths.append(path)
    return paths


def _write_csv(table: pd.DataFrame, path: Path, label: str, encoding: str = "utf-8", newline: str = "\n") -> None:
    with open(path, "w", encoding=encoding, newline="") as f:
        f.write(f"# {label}{newline}")
        table.to_csv(f, index=False, lineterminator=newline)


def _write_xlsx(table: pd.DataFrame, path: Path, label: str) -> None:
    """One sheet: the label in A1, the header in row 2; timestamps fixed so reruns are identical."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        table.to_excel(writer, sheet_name=path.stem[:31], index=False, startrow=1)
        writer.sheets[path.stem[:31]].cell(row=1, column=1, value=f"# {label}")
        writer.book.properties.creator = "kaohe.synthetic"
        writer.book.properties.title = "示例数据"
    path.write_bytes(_freeze_zip(buffer.getvalue()))


def _freeze_zip(data: bytes) -> bytes:
    """The xlsx with the save time that openpyxl stamps (core.xml and zip entries) made fixed."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), content)
            fixed = zipfile.ZipInfo(entry.filename, FIXED_TIME.timetuple()[:6])
            target.writestr(fixed, content, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def read_units(path: str | Path) -> pd.DataFrame:
    """A units file read as :func:`kaohe.validate.read_year` reads it: ``unit`` as text,
    ``medical_target`` and ``medical_prior`` as numbers (NaN where blank or absent)."""
    path = Path(path)
    log = ProblemLog()
    table = read_table(path, path.name, log)
    log.raise_if_errors()
    frame = table.frame
    blank = pd.Series("", index=frame.index)
    numbers = {c: parse_numbers(frame.get(c, blank))[0] for c in ("medical_target", "medical_prior")}
    return pd.DataFrame({"unit": frame["unit"], **numbers})


def write_samples(years_dir: str | Path) -> list[Path]:
    """Regenerate the shipped sample in ``years_dir`` (the package's ``years/``): ``2019`` on the
    real scheme and units (which are left untouched), and ``2018``, a synthetic prior year on
    the same indicator system."""
    current, previous = Path(years_dir) / "2019", Path(years_dir) / "2018"
    units = read_units(current / "units.csv")
    tables = make_year(load_scheme(current / "scheme.yaml"), units, 2019)
    paths = write_year(tables, current, label=LABEL.format(seed=2019))

    previous.mkdir(parents=True, exist_ok=True)
    text = (current / "scheme.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^year: 2019$", "year: 2018", text)
    text = re.sub(r"(?m)^(title: )2019", r"\g<1>2018", text)
    header = "# 示例数据：2018年度为合成的示例年度，沿用2019年度考核方案（附件2指标体系），仅年份不同。\n"
    (previous / "scheme.yaml").write_text(header + text, encoding="utf-8")
    units = make_units(len(units), 2018).assign(unit=units["unit"].to_numpy())
    label = "示例数据：2018年度沿用2019年的单位名单，参保基数和上年参保数为 kaohe.synthetic 以随机种子 2018 生成的合成数据"
    _write_csv(units, previous / "units.csv", label)
    tables = make_year(load_scheme(previous / "scheme.yaml"), units, 2018)
    paths += [previous / "scheme.yaml", previous / "units.csv"]
    return paths + write_year(tables, previous, label=LABEL.format(seed=2018))


def write_large_year(
    n_units: int,
    out: str | Path,
    *,
    seed: int,
    scheme_path: str | Path,
    fmt: str = "csv",
    respondents_per_unit: int = 20,
    reviews_per_item: int | None = None,
    items_per_unit: int | None = None,
) -> list[Path]:
    """A benchmark year of ``n_units`` synthetic units on a copy of ``scheme_path``, without scenario.

    ``reviews_per_item`` and ``items_per_unit`` fix the brand review load (default: 6–12
    reviews of 1–2 items per unit, as in :func:`make_year`).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    label = LABEL.format(seed=seed)
    text = Path(scheme_path).read_text(encoding="utf-8")
    (out / "scheme.yaml").write_text(f"# {label}（考核方案复制自 {Path(scheme_path).as_posix()}）\n{text}", encoding="utf-8")
    units = make_units(n_units, seed)
    _write_csv(units, out / "units.csv", label)
    scheme = load_scheme(scheme_path)
    tables = make_year(scheme, units, seed, respondents_per_unit=respondents_per_unit,
                       reviews_per_item=reviews_per_item, items_per_unit=items_per_unit, scenario=False)
    return [out / "scheme.yaml", out / "units.csv"] + write_year(tables, out, label=label, fmt=fmt)


def main(argv: list[str] | None = None) -> int:
    """``python -m kaohe.synthetic``: the committed sample, or with ``--units`` a large year."""
    parser = argparse.ArgumentParser(
        prog="python -m kaohe.synthetic",
        description="生成示例数据（合成数据，不代表任何单位的真实考核情况）。"
        "不带参数时重新生成随包提供的 2019 与 2018 年度示例输入文件（kaohe/years/）"
        "（不改动 2019 年的 scheme.yaml 与 units.csv）；给出 --units 时生成用于性能测试的大规模年度。",
    )
    parser.add_argument("--years-dir", default=str(SHIPPED_YEARS), metavar="DIR",
                        help="示例年度所在的文件夹，其下 2019/、2018/（默认为包内的 kaohe/years/）")
    parser.add_argument("--units", type=int, metavar="N", help="生成 N 个合成单位的大规模年度（需同时给出 --out）")
    parser.add_argument("--out", metavar="DIR", help="大规模年度的输出文件夹")
    parser.add_argument(
        "--fmt", choices=("csv", "mixed"), default="csv",
        help="大规模年度的文件格式：csv 全部为 UTF-8 CSV（默认）；mixed 与示例年度相同（含 .xlsx，较慢）",
    )
    parser.add_argument("--seed", type=int, default=2019, help="大规模年度的随机种子（默认 2019）")
    parser.add_argument("--respondents", type=int, default=20, help="大规模年度每个单位的问卷人数（约数，默认 20）")
    parser.add_argument("--items", type=int, help="大规模年度每个单位的特色品牌项目数（默认随机 1–2 项）")
    parser.add_argument("--reviews", type=int, help="大规模年度每个品牌项目的互评数（默认随机 6–12 条）")
    args = parser.parse_args(argv)
    if args.units is None:
        paths = write_samples(args.years_dir)
    elif args.out is None or args.units < 2:
        parser.error("大规模年度需要 --out 输出文件夹，且 --units 至少为 2")
    else:
        paths = write_large_year(
            args.units,
            args.out,
            seed=args.seed,
            scheme_path=Path(args.years_dir) / "2019" / "scheme.yaml",
            fmt=args.fmt,
            respondents_per_unit=args.respondents,
            reviews_per_item=args.reviews,
            items_per_unit=args.items,
        )
    print(f"已写入 {len(paths)} 个文件")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

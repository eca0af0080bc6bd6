"""``kaohe sample``: the random draw of 单建 grassroots unions for the questionnaire
(考核办法 第八条（一）3), reproducible from a seed and the roster alone."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Border

from ..outputs.staging import staged
from ..inputs.files import ROW, fold, fold_series, read_table, sha256
from ..pipeline import year_paths
from ..problems import Code, InvalidInputError, Problem, ProblemLog, UsageError
from ..inputs import closest
from .common import THIN, OutputExistsError, outside_raw, read_units, year_scheme, titled_sheet

STANDALONE_HEADERS = {"单建", "是否单建", "单建工会", "standalone"}
YES = {"是", "y", "yes", "true", "1", "√"}
NO = {"否", "n", "no", "false", "0", "×"}
SAMPLE_HEADERS = {"number": "序号", "unit": "单位", "sub_union": "基层工会", "eligible": "可抽单建工会数"}


def read_roster(path: Path, units: list[str]) -> pd.DataFrame:
    """The roster of grassroots unions: ``unit`` (canonical name), ``sub_union``, ``standalone``.

    Columns 单位, 基层工会 and optionally 单建 (是/否; without it every union is 单建). An
    unknown unit suggests the closest name; blanks, unreadable flags and repeated unions are
    errors. Raises :class:`InvalidInputError` listing every problem.
    """
    roster, log = _parse_roster(path, units)
    log.raise_if_errors()
    return roster


def _parse_roster(path: Path, units: list[str]) -> tuple[pd.DataFrame, ProblemLog]:
    """The roster's valid rows and the problems of the others."""
    log = ProblemLog()
    name = Path(path).name
    table = read_table(Path(path), name, log)
    if table is None:
        raise InvalidInputError(log.problems)
    frame = table.frame.rename(columns={c: "standalone" for c in table.frame.columns if c in STANDALONE_HEADERS})
    headers = {("standalone" if k in STANDALONE_HEADERS else k): v for k, v in table.headers.items()}
    for column, chinese in (("unit", "单位"), ("sub_union", "基层工会")):
        if column not in frame:
            log.error(Code.ROSTER_COLUMN_MISSING, name, None, column, chinese=chinese)
    log.raise_if_errors()

    def problem(index, column, code, **fields):
        log.error(code, name, int(frame.at[index, ROW]), headers.get(column, column), frame.at[index, column], **fields)

    known = {fold(u): u for u in units}
    folded = fold_series(frame["unit"])
    unit = folded.map(known)
    for index in folded.index[folded.eq("")]:
        problem(index, "unit", Code.UNIT_BLANK)
    for index in unit.index[unit.isna() & folded.ne("")]:
        suggestion = closest(folded[index], list(known))
        hint = f"，是否为「{known[suggestion]}」？" if suggestion else ""
        problem(index, "unit", Code.UNKNOWN_UNIT, hint=hint)
    sub_union = frame["sub_union"]
    for index in sub_union.index[sub_union.eq("")]:
        problem(index, "sub_union", Code.SUB_UNION_BLANK)
    if "standalone" in frame:
        flag = fold_series(frame["standalone"]).str.lower()
        standalone = flag.isin(YES)
        for index in flag.index[~flag.isin(YES | NO)]:
            problem(index, "standalone", Code.STANDALONE_UNKNOWN)
    else:
        standalone = pd.Series(True, index=frame.index)
    key = pd.DataFrame({"unit": unit, "sub_union": fold_series(sub_union)})
    repeated = key.duplicated() & unit.notna() & key["sub_union"].ne("")
    first_row = frame[ROW].groupby([key["unit"], key["sub_union"]]).transform("first")
    for index in repeated.index[repeated]:
        problem(index, "sub_union", Code.SUB_UNION_TWICE, first=int(first_row[index]))
    ok = unit.notna() & sub_union.ne("") & ~repeated
    if "standalone" in frame:
        ok &= flag.isin(YES | NO)
    roster = pd.DataFrame({"unit": unit, "sub_union": sub_union, "standalone": standalone.astype(bool),
                           ROW: frame[ROW]})
    return roster[ok].reset_index(drop=True), log


def check_eligible(roster: pd.DataFrame, units: list[str], per_unit: int, name: str = "名册") -> list[Problem]:
    """A problem for each unit with fewer 单建 unions in the roster than are to be drawn."""
    counts = roster[roster["standalone"]].groupby("unit").size()
    problems = []
    for unit in units:
        n = int(counts.get(unit, 0))
        if n < per_unit:
            have = f"只有 {n} 个单建工会" if n else "没有单建工会"
            problems.append(Problem.of(Code.TOO_FEW_ELIGIBLE, name, None, "单位", unit, have=have, per_unit=per_unit))
    return problems


def draw_sample(roster: pd.DataFrame, units: list[str], per_unit: int, seed: int) -> pd.DataFrame:
    """Draw ``per_unit`` 单建 unions of every unit at random (考核办法 第八条（一）3).

    Each unit's eligible unions are sorted by name and drawn with a numpy Generator seeded by
    ``seed`` and the unit's name, so the list depends only on the seed and the roster's
    content — not on row order, nor on the other units. Returns ``number, unit, sub_union,
    eligible`` in the order of the unit list, each unit's unions by name.
    """
    eligible = roster[roster["standalone"]]
    rows = []
    for unit in units:
        pool = sorted(eligible.loc[eligible["unit"] == unit, "sub_union"], key=lambda s: (fold(s), s))
        rng = np.random.default_rng([int(seed), _name_key(unit)])
        picked = sorted(rng.choice(len(pool), size=per_unit, replace=False).tolist())
        rows += [{"unit": unit, "sub_union": pool[k], "eligible": len(pool)} for k in picked]
    table = pd.DataFrame(rows, columns=["unit", "sub_union", "eligible"])
    table.insert(0, "number", range(1, len(table) + 1))
    return table


def _name_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")


@dataclass
class Sample:
    """What ``kaohe sample`` drew and wrote."""

    year: int
    table: pd.DataFrame  # number, unit, sub_union, eligible
    per_unit: int
    seed: int
    pool: int  # 单建 unions in the roster
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        """The drawn list and the files written, for the terminal."""
        lines = [f"从名册的 {self.pool} 个单建工会中为 {self.table['unit'].nunique()} 个考核单位"
                 f"各抽取 {self.per_unit} 个（随机种子 {self.seed}）：", ""]
        lines.append(self.table.rename(columns=SAMPLE_HEADERS).to_string(index=False))
        lines += ["", "抽样名单已写入："] + [f"  {path.as_posix()}" for path in self.files]
        return "\n".join(lines)


def sample_year(year, roster: str | Path, per_unit: int, seed: int, data_dir: str | Path = "data",
                out: str | Path | None = None, *, force: bool = False) -> Sample:
    """``kaohe sample``: draw the survey's 单建 unions and write the list as ``.xlsx`` and ``.csv``.

    ``out`` (default ``data/templates/<year>/基层问卷抽样名单.xlsx``) names the workbook; the CSV
    goes beside it with the same stem. Every roster problem and every unit with too few
    eligible unions is reported at once (:class:`InvalidInputError`); nothing is written then.
    """
    raw, _ = year_paths(year, data_dir)
    scheme = year_scheme(raw, str(year))
    units = read_units(raw)
    roster = Path(roster)
    if not roster.is_file():
        raise UsageError(f"找不到名册文件 {roster.as_posix()}")
    if per_unit < 1:
        raise UsageError(f"每单位抽取数应为正整数，而不是 {per_unit}")
    if seed < 0:
        raise UsageError(f"随机种子应为非负整数，而不是 {seed}")
    xlsx = Path(out) if out else Path(data_dir) / "templates" / str(year) / "基层问卷抽样名单.xlsx"
    if xlsx.suffix.lower() not in (".xlsx", ".csv"):
        raise UsageError(f"抽样名单文件 {xlsx.as_posix()} 应以 .xlsx 结尾（同名 .csv 一并写出）")
    xlsx = outside_raw(xlsx.with_suffix(".xlsx"), data_dir)
    csv = xlsx.with_suffix(".csv")

    table, log = _parse_roster(roster, units)
    problems = log.problems + check_eligible(table, units, per_unit, roster.name)
    if any(p.is_error for p in problems):
        raise InvalidInputError(problems)
    drawn = draw_sample(table, units, per_unit, seed)
    sample = Sample(scheme.year, drawn, per_unit, seed, int(table["standalone"].sum()))

    existing = [p.as_posix() for p in (xlsx, csv) if p.exists()]
    if existing and not force:
        raise OutputExistsError(f"{'、'.join(existing)} 已存在，未做任何改动。如需重新抽样并覆盖，请加 --force")
    comments = [
        f"# {scheme.year}年度基层问卷抽样名单（考核办法第八条（一）3：在各考核单位随机抽取单建工会，"
        f"对{'、'.join(scheme.roles)}进行问卷调查）",
        f"# 每单位抽取 {per_unit} 个单建工会，随机种子 {seed}；名册 {roster.name}（{sample.pool} 个单建工会，"
        f"SHA-256 {sha256(roster)}）；同一名册、种子与抽取数再次运行得到相同名单",
    ]
    with staged(xlsx.parent) as stage:
        _sample_workbook(drawn, comments).save(stage / xlsx.name)
        _sample_csv(drawn, comments, stage / csv.name)
    sample.files = [xlsx, csv]
    return sample


def _sample_workbook(table: pd.DataFrame, comments: list[str]) -> Workbook:
    headers = list(SAMPLE_HEADERS.values())
    book, sheet, top = titled_sheet("抽样名单", comments, headers)
    for offset, record in enumerate(table[list(SAMPLE_HEADERS)].itertuples(index=False), start=1):
        for column, value in enumerate(record, start=1):
            cell = sheet.cell(row=top + offset, column=column, value=value)
            cell.border = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
    for letter, width in zip("ABCD", (6, 24, 36, 14)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{top + 1}"
    sheet.print_title_rows = f"{top}:{top}"
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return book


def _sample_csv(table: pd.DataFrame, comments: list[str], path: Path) -> None:
    """UTF-8 with BOM, so that Excel opens the Chinese text correctly; kaohe reads it too."""
    body = table[list(SAMPLE_HEADERS)].rename(columns=SAMPLE_HEADERS).to_csv(index=False, lineterminator="\n")
    path.write_text("\n".join(comments) + "\n" + body, encoding="utf-8-sig", newline="")

"""``kaohe new-year``: starts ``data/raw/<year>/`` from the previous year's scheme and unit list —
the one deliberate write into ``data/raw/``, and only into a new folder."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from ..outputs.staging import staged
from ..inputs.files import find_table
from ..problems import KaoheError, ProblemLog, UsageError
from ..scheme import Scheme, dump_scheme, load_scheme, scheme_to_dict
from .common import OutputExistsError, check_year, year_scheme

@dataclass
class NewYear:
    """What ``kaohe new-year`` created."""

    year: int
    previous: int
    folder: Path
    files: list[Path]
    title: str
    comments_kept: bool
    notes: list[str]
    target_indicators: list[str]  # indicators whose prior-year count goes into 上年参保数

    def summary(self) -> str:
        """What was created and what the analyst edits next, for the terminal."""
        folder, units = self.folder.as_posix(), self.files[1].name
        kept = "，注释保留" if self.comments_kept else ""
        prior = (f"（可取 {self.previous} 年度指标 {'、'.join(self.target_indicators)} 的完成数）"
                 if self.target_indicators else "")
        lines = [
            f"已新建 {self.year} 年度输入文件夹 {folder}/（复制自 {self.previous} 年度）：",
            f"  scheme.yaml  年份改为 {self.year}，标题改为「{self.title}」{kept}",
            f"  {units}  单位名单原样复制",
            *[f"提示：{note}" for note in self.notes],
            "",
            "接下来：",
            f"  1. 按 {self.year} 年度考核办法核对 {folder}/scheme.yaml：指标文字、满分、计分规则、评分部门、权重、"
            "优秀名额、来源 source；",
            f"  2. 更新 {folder}/{units}：考核单位名单、参保基数，上年参保数{prior}；",
            f"  3. 运行 kaohe template {self.year} 生成空白输入表并发出填写，kaohe sample {self.year} 抽取基层问卷对象；",
            f"  4. 收回的表格放入 {folder}/ 后运行 kaohe validate {self.year}。",
        ]
        return "\n".join(lines)


def new_year(year, previous, data_dir: str | Path = "data") -> NewYear:
    """``kaohe new-year``: create ``data/raw/<year>/`` from the previous year's scheme and units.

    The scheme keeps every comment and setting; only ``year`` and the year in ``title``
    change. The units file is copied unchanged. An existing folder is never touched
    (:class:`OutputExistsError`); the new folder appears at once, complete, or not at all.
    """
    year, previous = check_year(year), check_year(previous)
    if year == previous:
        raise UsageError(f"新年度 {year} 与来源年度 {previous} 相同")
    raw = Path(data_dir) / "raw"
    source, target = raw / previous, raw / year
    if not source.is_dir():
        raise UsageError(f"找不到来源年度 {previous} 的输入文件夹 {source.as_posix()}/")
    if os.path.lexists(target):
        raise OutputExistsError(
            f"{target.as_posix()}/ 已存在，未做任何改动：new-year 只新建年度文件夹，不覆盖已有文件"
        )
    old = year_scheme(source, previous)
    log = ProblemLog()
    units = find_table(source, "units", log)
    log.raise_if_errors()
    text, new_title, comments_kept, notes = renew_scheme_text(
        (source / "scheme.yaml").read_text(encoding="utf-8-sig"), old, int(year)
    )
    with staged(target, whole=True) as stage:
        (stage / "scheme.yaml").write_text(text, encoding="utf-8")
        shutil.copyfile(units, stage / units.name)
        renewed = load_scheme(stage / "scheme.yaml")
        if scheme_to_dict(renewed) != scheme_to_dict(replace(old, year=int(year), title=new_title)):
            raise KaoheError("新年度方案与上年方案不一致（程序错误），未新建文件夹")
        if os.path.lexists(target):
            raise OutputExistsError(f"{target.as_posix()}/ 已存在，未做任何改动")
    return NewYear(
        year=int(year), previous=int(previous), folder=target,
        files=[target / "scheme.yaml", target / units.name], title=new_title,
        comments_kept=comments_kept, notes=notes,
        target_indicators=[i.id for i in old.indicators if i.rule.kind == "target"],
    )


def renew_scheme_text(text: str, scheme: Scheme, year: int) -> tuple[str, str, bool, list[str]]:
    """The previous year's ``scheme.yaml`` text with ``year`` and the title's year changed.

    Edits the two top-level lines in place so that every comment survives; when they are not
    plain one-line entries, falls back to :func:`~kaohe.scheme.dump_scheme` (comments lost).
    Returns the text, the new title, whether comments were kept, and notes for the analyst.
    """
    old_year = str(scheme.year)
    title = scheme.title.replace(old_year, str(year))
    notes = [] if title != scheme.title else [f"方案标题中没有年份 {old_year}，未改动，请手动修改 title"]
    header = (f"# 由 kaohe new-year 从 {old_year} 年度方案复制：year 与 title 已改为 {year} 年度；"
              f"其余内容（指标、分值、计分规则、权重、名额、来源 source）请按 {year} 年度考核办法核对修改。\n")
    year_line = re.compile(r"^year:[ \t]*\d{4}[ \t]*(#.*)?$", re.M)
    title_line = re.compile(r"^title:.*$", re.M)
    titles = title_line.findall(text)
    plain = (
        len(year_line.findall(text)) == 1
        and len(titles) == 1
        and _yaml_line(titles[0]) == {"title": scheme.title}
    )
    if plain:
        new_title_line = yaml.safe_dump({"title": title}, allow_unicode=True, width=10000).strip()
        body = year_line.sub(lambda m: f"year: {year}" + (f"  {m.group(1)}" if m.group(1) else ""), text)
        body = title_line.sub(lambda m: new_title_line, body)
        return header + body, title, True, notes
    renewed = replace(scheme, year=year, title=title)
    notes.append("原方案的 year 或 title 不是单行写法，已按标准格式重写方案，原有注释未保留")
    return header + dump_scheme(renewed), title, False, notes


def _yaml_line(line: str):
    try:
        return yaml.safe_load(line)
    except yaml.YAMLError:
        return None

"""A workspace: the folder an analyst works in, made by ``kaohe init`` (SPEC §4).

::

    DIR/
      说明.txt
      data/raw/2019/      the real 2019 scheme.yaml (附件2) and units.csv (附件3); --sample: every input
      data/raw/2018/      --sample only: a synthetic prior year
      data/output/        what kaohe writes
      notebooks/          explore.ipynb, compare_years.ipynb (they find ../data themselves)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..problems import KaoheError, UsageError
from ..resources import REAL_FILES, SAMPLE_YEARS, WORKSPACE_NOTEBOOKS, copy_resource, notebook, year_folder
from ..outputs.staging import staged

GUIDE = "说明.txt"
DATA = "data"


class WorkspaceExistsError(KaoheError):
    """``kaohe init`` was given a folder that already holds something; nothing was changed."""


@dataclass
class Workspace:
    """What ``kaohe init`` made."""

    folder: Path
    sample: bool
    files: list[Path] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"已新建工作区 {self.folder.as_posix()}/（{len(self.files)} 个文件）："]
        lines.append("  data/raw/2019/      2019年度考核方案（附件2）与考核单位名单（附件3）"
                     + ("，以及示例数据（合成）" if self.sample else ""))
        if self.sample:
            lines.append("  data/raw/2018/      2018年度示例数据（合成，用于历年比较）")
        lines.append("  data/output/        计分结果与报告写在这里")
        lines.append("  notebooks/          explore.ipynb（交互分析）、compare_years.ipynb（历年比较）")
        lines.append(f"  {GUIDE}")
        lines.append("")
        lines.append("下一步：")
        lines.append(f"  cd {_quoted(self.folder)}")
        if self.sample:
            lines.append("  kaohe run 2019      用示例数据计分并生成报告 data/output/2019/report.html")
        else:
            lines.append("  kaohe template 2019 生成空白表格，收回后放入 data/raw/2019/，再运行 kaohe run 2019")
        return "\n".join(lines)


def init_workspace(folder: str | Path, *, sample: bool = False) -> Workspace:
    """Make a new workspace in ``folder``, which must not exist or be empty (nothing is ever
    overwritten). ``sample`` adds the synthetic 2019 inputs and the synthetic 2018 year."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise WorkspaceExistsError(f"{folder.as_posix()} 已存在且是一个文件，未做任何改动；请另选一个新文件夹")
    if folder.is_dir() and any(folder.iterdir()):
        raise WorkspaceExistsError(
            f"文件夹 {folder.as_posix()}/ 不是空的，未做任何改动：kaohe init 只在新的或空的文件夹中建立工作区，"
            "不覆盖已有文件"
        )
    with staged(folder, whole=True) as stage:
        files = []
        for year in SAMPLE_YEARS if sample else (2019,):
            names = None if sample else REAL_FILES[year]
            files += copy_resource(year_folder(year), stage / DATA / "raw" / str(year), names=names)
        (stage / DATA / "output").mkdir(parents=True)
        for name in WORKSPACE_NOTEBOOKS:
            files += copy_resource(notebook(name), stage / "notebooks" / name)
        guide = stage / GUIDE
        guide.write_text(guide_text(sample), encoding="utf-8-sig", newline="\r\n")  # Notepad reads it as it is
        files.append(guide)
    return Workspace(folder, sample, [folder / f.relative_to(stage) for f in files])


def guide_text(sample: bool) -> str:
    """The short 说明.txt of a new workspace."""
    sample_line = (
        "data/raw/2019/ 中除 scheme.yaml 与 units.csv 外的文件、以及 data/raw/2018/ 全部是示例数据"
        "（程序生成的合成数据，不代表任何单位的真实情况），正式使用前请换成当年收回的表格。\n"
        if sample else ""
    )
    return (
        "kaohe 考核工作区\n"
        "================\n\n"
        "data/raw/<年份>/   当年的输入文件（kaohe 只读不写）。2019 年的 scheme.yaml（考核方案）与 units.csv\n"
        "                   （考核单位及参保基数）逐字取自《2019年度重点工作考核办法》附件2、附件3。\n"
        f"{sample_line}"
        "data/output/<年份>/ 计分结果（results.xlsx 等）与领导报告 report.html。\n"
        "notebooks/         在 JupyterLab 中打开 explore.ipynb（单位得分卡、方案推演）或 compare_years.ipynb（历年比较）。\n\n"
        "常用命令（在本文件夹中，于 Anaconda Prompt、PowerShell 或终端里运行）：\n"
        "  kaohe validate 2019     校验输入，列出全部问题\n"
        "  kaohe score 2019        计分并写出结果表\n"
        "  kaohe run 2019          计分并生成报告 data/output/2019/report.html\n"
        "  kaohe template 2019     生成发给各部门填写的空白表格\n"
        "  kaohe new-year 2020 --from 2019   以上一年为起点新建年度\n"
        "  kaohe --help            查看全部命令\n"
    )


def find_data_dir(data_dir: str | Path | None = None) -> Path:
    """The data folder: ``data_dir`` when given; else ``./data``, or ``../data`` when run from
    the workspace's ``notebooks/`` folder."""
    if data_dir is not None:
        return Path(data_dir)
    for candidate in (Path(DATA), Path(os.pardir) / DATA):
        if (candidate / "raw").is_dir():
            return candidate
    raise UsageError(f"找不到数据目录 {DATA}/（当前文件夹与上一级都没有 {DATA}/raw/）：请在工作区中运行，或指定 data_dir")


def _quoted(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if " " in text else text

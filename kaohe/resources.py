"""The files that ship inside the package, found with :mod:`importlib.resources`.

- ``notebooks/``: the yearly report (``annual_report.ipynb``, run by ``kaohe run``) and the
  analysts' notebooks (``explore.ipynb``, ``compare_years.ipynb``, copied by ``kaohe init``);
- ``years/2019/``: the real 2019 scheme (附件2) and units (附件3), and the synthetic 2019 sample
  inputs beside them; ``years/2018/``: a synthetic prior year. Every synthetic file says
  示例数据 in its first line.
"""

from __future__ import annotations

import shutil
from importlib.resources import as_file, files
from importlib.resources.abc import Traversable
from pathlib import Path

REPORT_NOTEBOOK = "annual_report.ipynb"
FEEDBACK_NOTEBOOK = "unit_feedback.ipynb"  # one unit's page, run by kaohe feedback
WORKSPACE_NOTEBOOKS = ("explore.ipynb", "compare_years.ipynb")
REAL_FILES = {2019: ("scheme.yaml", "units.csv")}  # from the 2019 assessment method, not synthetic
SAMPLE_YEARS = (2019, 2018)


def notebook(name: str) -> Traversable:
    """One of the shipped notebooks (use :func:`importlib.resources.as_file` for a path)."""
    return files("kaohe") / "notebooks" / name


def year_folder(year: int) -> Traversable:
    """The shipped inputs of a year (2019: real scheme and units, synthetic rest; 2018: synthetic)."""
    return files("kaohe") / "years" / str(year)


def copy_resource(source: Traversable, target: Path, *, names=None) -> list[Path]:
    """Copy a shipped file, or a folder with everything in it (only ``names`` at its top, if
    given), to ``target``; returns the files written."""
    target = Path(target)
    if source.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        with as_file(source) as path:
            shutil.copyfile(path, target)
        return [target]
    written = []
    for child in sorted(source.iterdir(), key=lambda c: c.name):
        if names is not None and child.name not in names:
            continue
        if child.name.startswith((".", "__")):
            continue
        written += copy_resource(child, target / child.name)
    return written

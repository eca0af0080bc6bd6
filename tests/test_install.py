"""The wheel, as an analyst installs it: built from the project's files alone, installed into a
new virtual environment outside the checkout, then ``kaohe init --sample`` and ``kaohe run 2019``
in a folder whose path has Chinese characters and a space.

Slow (the environment gets every dependency from the package index or pip's cache), so it runs
once, in its own temporary folders; it needs ``git`` to list the project's files.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GIT = shutil.which("git")

pytestmark = pytest.mark.skipif(
    GIT is None or not (ROOT / ".git").exists(), reason="安装测试跳过：需要 git 仓库以列出项目文件"
)


def run(args, cwd, timeout=900) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                          env={**env, "PYTHONIOENCODING": "utf-8"}, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, args))} 失败：\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the project's tracked files (as a clean clone has them)."""
    source = tmp_path_factory.mktemp("clone") / "kaohe"
    listed = subprocess.run([GIT, "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, listed.decode("utf-8").split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", dist, source], cwd=source)
    (built,) = dist.glob("kaohe-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A new virtual environment with the wheel and its dependencies installed; returns its scripts folder."""
    folder = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", folder], cwd=folder.parent)
    scripts = folder / ("Scripts" if os.name == "nt" else "bin")
    run([scripts / "python", "-m", "pip", "install", "--quiet", wheel], cwd=folder.parent)
    return scripts


def test_the_wheel_carries_the_notebooks_the_template_and_the_sample_years(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("kaohe/notebooks/annual_report.ipynb", "kaohe/notebooks/explore.ipynb",
                 "kaohe/notebooks/compare_years.ipynb", "kaohe/templates/kaohe_report/index.html.j2",
                 "kaohe/years/2019/scheme.yaml", "kaohe/years/2019/units.csv", "kaohe/years/2019/survey.csv",
                 "kaohe/years/2019/dept_scores/宣教部.xlsx", "kaohe/years/2018/leader_scores.xlsx",
                 "kaohe/notebooks/unit_feedback.ipynb", "kaohe/inputs/checks.py", "kaohe/outputs/notice.py",
                 "kaohe/__main__.py"):
        assert name in names, name
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/"))]


def test_init_and_run_from_the_installed_wheel(venv, tmp_path):
    workspace = tmp_path / "考核 2019"
    done = run([venv / "kaohe", "init", "--sample", workspace], cwd=tmp_path)
    assert "已新建工作区" in done.stdout
    done = run([venv / "kaohe", "run", "2019"], cwd=workspace)
    assert done.stderr == ""
    assert "[4/4] 发布 HTML 报告（nbconvert）" in done.stdout
    out = workspace / "data/output/2019"
    assert {"results.csv", "results.xlsx", "report.html", "report.ipynb", "manifest.json"} <= {p.name for p in out.iterdir()}
    assert "Plotly.newPlot" in (out / "report.html").read_text(encoding="utf-8")
    # the package that ran is the installed one, not this checkout
    where = run([venv / "python", "-c", "import kaohe, sys; print(kaohe.__file__)"], cwd=tmp_path).stdout.strip()
    assert Path(where).is_relative_to(venv.parent) and not Path(where).is_relative_to(ROOT)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) >= {"scheme.yaml", "units.csv", "survey.csv"}
    # the office's paper from the installed package: the 通报 and one unit's feedback page
    done = run([venv / "kaohe", "notice", "2019"], cwd=workspace)
    assert "通报草稿已写入" in done.stdout and (out / "通报.docx").stat().st_size > 10_000
    done = run([venv / "kaohe", "feedback", "2019", "--unit", "市直机关"], cwd=workspace)
    assert "[1/1] 市直机关" in done.stdout and (out / "单位反馈/市直机关.html").is_file()


def test_python_m_kaohe_from_the_installed_wheel(venv, tmp_path):
    done = run([venv / "python", "-m", "kaohe", "--version"], cwd=tmp_path)
    assert done.stdout.startswith("kaohe ")
    done = run([venv / "python", "-m", "kaohe", "init", tmp_path / "ws"], cwd=tmp_path)
    assert (tmp_path / "ws/data/raw/2019/scheme.yaml").is_file()

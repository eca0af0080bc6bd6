"""``kaohe init``: a workspace made from the files the package ships, in any folder; the
notebooks there find ``../data`` themselves; ``python -m kaohe``; consoles without Chinese."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import kaohe
from conftest import SAMPLE_RAW
from kaohe import report
from kaohe.cli import main

REAL = ["data/raw/2019/scheme.yaml", "data/raw/2019/units.csv"]


def files_in(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def python_m_kaohe(args, cwd, **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kaohe", *args], cwd=cwd, capture_output=True,
                          env={**os.environ, **env}, timeout=300)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ws") / "考核 工作区"
    assert main(["init", "--sample", str(folder)]) == 0
    return folder


def test_init_writes_the_real_2019_scheme_and_units_and_nothing_synthetic(tmp_path, capsys):
    folder = tmp_path / "新 工作区"
    assert main(["init", str(folder)]) == 0
    assert files_in(folder) == sorted(REAL + ["notebooks/compare_years.ipynb", "notebooks/explore.ipynb", "说明.txt"])
    assert (folder / "data/output").is_dir()
    for name in REAL:
        assert (folder / name).read_bytes() == (SAMPLE_RAW / Path(name).relative_to("data/raw")).read_bytes()
    guide = (folder / "说明.txt").read_text(encoding="utf-8-sig")
    assert "附件2" in guide and "示例数据" not in guide
    out = capsys.readouterr().out
    assert "已新建工作区" in out and "kaohe template 2019" in out


def test_init_sample_writes_both_sample_years_which_say_they_are_synthetic(workspace):
    shipped = {f"data/raw/{p}" for p in files_in(SAMPLE_RAW)}
    assert set(files_in(workspace)) == shipped | {"notebooks/compare_years.ipynb", "notebooks/explore.ipynb", "说明.txt"}
    for name in shipped - set(REAL):
        path = workspace / name
        if path.suffix == ".csv" or path.suffix == ".yaml":
            first = path.read_bytes().decode("gb18030" if "survey" in name else "utf-8-sig").splitlines()[0]
            assert "示例数据" in first, name
    assert "示例数据" in (workspace / "说明.txt").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("existing", ["a file inside", "the folder is a file"])
def test_init_refuses_anything_that_exists_and_changes_nothing(tmp_path, capsys, existing):
    folder = tmp_path / "已有"
    if existing == "a file inside":
        folder.mkdir()
        (folder / "我的表格.xlsx").write_bytes(b"mine")
    else:
        folder.write_bytes(b"mine")
    before = files_in(tmp_path)
    assert main(["init", "--sample", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("kaohe: ") and "未做任何改动" in err
    assert files_in(tmp_path) == before
    assert (folder / "我的表格.xlsx" if folder.is_dir() else folder).read_bytes() == b"mine"


def test_init_takes_an_empty_folder(tmp_path):
    folder = tmp_path / "空"
    folder.mkdir()
    assert main(["init", str(folder)]) == 0
    assert "说明.txt" in files_in(folder)
    assert [p.name for p in tmp_path.iterdir()] == ["空"]  # no staging folder left beside it


def test_load_year_finds_the_data_from_the_notebooks_folder(workspace, monkeypatch):
    monkeypatch.chdir(workspace / "notebooks")
    assert len(kaohe.load_year(2019).results) == 22
    monkeypatch.chdir(workspace)
    assert len(kaohe.load_year(2019).results) == 22


def test_load_year_outside_a_workspace_says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(kaohe.UsageError, match="找不到数据目录 data/"):
        kaohe.load_year(2019)


def test_the_workspace_explore_notebook_runs_as_it_is(workspace, tmp_path):
    """Opened from DIR/notebooks with its own parameters: it finds ../data and shows its widgets."""
    import nbformat

    executed = report.execute_notebook(workspace / "notebooks/explore.ipynb", tmp_path / "explore.ipynb",
                                       cwd=workspace / "notebooks")
    nb = nbformat.read(executed, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs) == 3
    assert not list((workspace / "data/output").iterdir())  # exploring writes nothing


def test_python_m_kaohe_is_the_kaohe_command(tmp_path):
    done = python_m_kaohe(["init", str(tmp_path / "ws")], cwd=tmp_path, PYTHONIOENCODING="utf-8")
    assert done.returncode == 0, done.stderr.decode()
    assert "已新建工作区" in done.stdout.decode("utf-8")
    done = python_m_kaohe(["scroe", "2019"], cwd=tmp_path, PYTHONIOENCODING="utf-8")
    assert done.returncode == 2
    assert done.stderr.decode("utf-8").splitlines() == [
        "用法：kaohe [-h] [--version] 命令 ...",
        "kaohe: 用法错误：没有命令「scroe」（可用的命令：validate、score、run、notice、feedback、template、sample、new-year、init），"
        "是否应为「score」？",
    ]


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_a_console_that_cannot_show_chinese_gets_escapes_not_a_traceback(workspace, tmp_path, encoding):
    for args, code in ((["--help"], 0), (["validate", "2019"], 0), (["validate", "2031"], 2), (["scroe"], 2)):
        done = python_m_kaohe(args, cwd=workspace, PYTHONIOENCODING=encoding)
        out, err = done.stdout.decode(encoding), done.stderr.decode(encoding)
        assert done.returncode == code, (args, err)
        assert "Traceback" not in err and "UnicodeEncodeError" not in err
        assert "\\u" in out + err  # Chinese shown as escapes
    done = python_m_kaohe(["validate", "2019"], cwd=workspace, PYTHONIOENCODING=encoding)
    assert "2019 \\u5e74\\u5ea6\\u8f93\\u5165\\u6821\\u9a8c\\u901a\\u8fc7" in done.stdout.decode(encoding)  # 年度输入校验通过


def test_invalid_input_on_an_ascii_console_is_listed_and_exits_1(tmp_path):
    folder = tmp_path / "ws"
    assert main(["init", "--sample", str(folder)]) == 0
    units = folder / "data/raw/2019/units.csv"
    units.write_text(units.read_text(encoding="utf-8") + "新单位,abc,\n", encoding="utf-8")
    done = python_m_kaohe(["score", "2019"], cwd=folder, PYTHONIOENCODING="ascii")
    err = done.stderr.decode("ascii")
    assert done.returncode == 1 and "Traceback" not in err
    assert "units.csv" in err and "abc" in err

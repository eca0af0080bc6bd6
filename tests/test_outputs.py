"""The output folder (issue: never lose what a user made): a command replaces only its own
outputs, as one set; a report that no longer matches the results moves to 历史/; one kaohe at
a time per year; Ctrl-C or SIGTERM leaves the old set and nothing behind."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from kaohe.cli import main
from tiny_year import FILES, write_tiny_year

YEAR = "2030"
HOLD_THE_LOCK = """
import sys, time
from kaohe.outputs.staging import locked
with locked(sys.argv[1], sys.argv[2], " 测试"):
    print("holding", flush=True)
    time.sleep(60)
"""


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(folder.rglob("*"))
    }


def change_a_score(data: Path) -> None:
    leader = FILES["leader_scores.csv"].replace("乙,80,84,82", "乙,90,94,92")
    (data / "raw" / YEAR / "leader_scores.csv").write_text(leader, encoding="utf-8")


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    """The tiny year after ``kaohe run``: the tables and the report (made once, copied per test)."""
    data = write_tiny_year(tmp_path_factory.mktemp("ran") / "data")
    assert main(["run", YEAR, "--data-dir", str(data)]) == 0
    return data


@pytest.fixture
def data(ran, tmp_path) -> Path:
    copy = tmp_path / "数据 目录"
    subprocess.run([sys.executable, "-c", "import shutil, sys; shutil.copytree(sys.argv[1], sys.argv[2])",
                    str(ran), str(copy)], check=True)
    return copy


def test_score_with_unchanged_results_keeps_the_report(data, capsys):
    before = tree(data / "output")
    assert main(["score", YEAR, "--data-dir", str(data)]) == 0
    assert "历史" not in capsys.readouterr().out
    assert tree(data / "output") == before  # the report too, byte for byte


def test_score_with_changed_results_moves_the_report_to_history(data, capsys):
    out = data / "output" / YEAR
    old_report = (out / "report.html").read_bytes()
    change_a_score(data)
    assert main(["score", YEAR, "--data-dir", str(data)]) == 0
    (history,) = (out / "历史").iterdir()
    assert f"已移至 {history.as_posix()}/" in capsys.readouterr().out
    assert len(history.name) == len("20270105-093000") and history.name[8] == "-"
    assert sorted(p.name for p in history.iterdir()) == ["report.html", "report.ipynb"]
    assert (history / "report.html").read_bytes() == old_report
    assert not (out / "report.html").exists()  # no report beside results it was not made from


def test_files_kaohe_did_not_write_are_never_removed(data):
    out = data / "output" / YEAR
    (out / "我的备注.docx").write_bytes(b"mine")
    (out / "留档").mkdir()
    (out / "留档" / "方案变体.yaml").write_text("year: 2030\n", encoding="utf-8")
    (data / "output" / "说明.txt").write_text("mine", encoding="utf-8")
    change_a_score(data)
    assert main(["score", YEAR, "--data-dir", str(data)]) == 0
    assert main(["run", YEAR, "--data-dir", str(data)]) == 0
    assert (out / "我的备注.docx").read_bytes() == b"mine"
    assert (out / "留档" / "方案变体.yaml").is_file() and (data / "output" / "说明.txt").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder


def test_a_second_kaohe_on_the_same_year_is_refused_with_a_chinese_message(data, capsys):
    before = tree(data / "output" / YEAR)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(data / "output"), YEAR],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        change_a_score(data)
        assert main(["score", YEAR, "--data-dir", str(data)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"kaohe: 另一个 kaohe（进程 {holder.pid}，") and "未做任何改动" in err
        assert tree(data / "output" / YEAR) == before
    finally:
        holder.kill()
        holder.wait()
    assert main(["score", YEAR, "--data-dir", str(data)]) == 0  # the lock of an ended process is taken over


def kaohe_process(data: Path, tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "TMPDIR": str(tmp), "TEMP": str(tmp), "TMP": str(tmp)}
    return subprocess.Popen([sys.executable, "-m", "kaohe", "run", YEAR, "--data-dir", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, encoding="utf-8")


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_leaves_the_old_set_and_nothing_behind(data, tmp_path, stop):
    """Stopped while the report notebook runs: exit 130, one Chinese line, no traceback; the old
    outputs byte for byte; no staging folder, no file in the temp folder, no kernel."""
    change_a_score(data)
    before = tree(data / "output")
    tmp = tmp_path / "temp"
    tmp.mkdir()
    run = kaohe_process(data, tmp)
    for line in run.stdout:
        if line.startswith("[3/4]"):
            break
    time.sleep(0.2)  # into the notebook
    kernels = psutil.Process(run.pid).children(recursive=True)
    assert kernels, "the report kernel runs"
    run.send_signal(stop)
    out, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert err.strip() == "kaohe: 已中断，未写出任何结果；已有的结果保持不变。"
    assert tree(data / "output") == before
    assert list(tmp.iterdir()) == []
    gone, alive = psutil.wait_procs(kernels, timeout=10)
    assert not alive, "no kernel left"


def test_a_run_uses_no_temporary_folder(data, tmp_path):
    tmp = tmp_path / "temp"
    tmp.mkdir()
    change_a_score(data)
    run = kaohe_process(data, tmp)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err
    assert list(tmp.iterdir()) == []
    assert (data / "output" / YEAR / "历史").is_dir()  # the old report, made from other results

"""A run interrupted while writing its outputs leaves the old outputs or the new ones, never a mix.

The tiny year is scored once (the "old" outputs); one leader score is then changed so that a
second run would write different tables, and that run is made to fail at each step of writing
and of putting the new set in place. After every failure the output folder is byte for byte the
old one and no staging folder (``.kaohe-new-…``) is left behind.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kaohe.outputs.staging
import kaohe.outputs.tables
import kaohe.pipeline
from kaohe.cli import main
from kaohe.outputs.staging import OutputError
from kaohe.pipeline import score_year
from tiny_year import FILES, write_tiny_year

YEAR = "2030"
CSVS = ["results.csv", "indicator_scores.csv", "category_scores.csv", "brand_scores.csv"]


class Interrupted(Exception):
    """Stands for whatever stops a run half-way: a bug, a full disk, a crash of a library."""


def tree(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else ""
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def data(tmp_path) -> Path:
    """The tiny year scored once; its inputs then changed, so that a new run writes other tables."""
    data = write_tiny_year(tmp_path / "data")
    score_year(YEAR, data)
    leader = FILES["leader_scores.csv"].replace("乙,80,84,82", "乙,90,94,92")
    (data / "raw" / YEAR / "leader_scores.csv").write_text(leader, encoding="utf-8")
    return data


def assert_old_outputs_only(data: Path, before: dict[str, str]) -> None:
    assert tree(data / "output") == before, "the previous outputs, complete and unchanged"
    assert [p.name for p in (data / "output").iterdir()] == [YEAR], "no staging or set-aside folder"


def new_outputs_differ(data: Path, before: dict[str, str]) -> None:
    """A run without faults replaces the outputs, all of them (the changed leader score shows)."""
    score_year(YEAR, data)
    after = tree(data / "output")
    assert after["2030/results.csv"] != before["2030/results.csv"]
    assert set(after) == set(before)
    assert [p.name for p in (data / "output").iterdir()] == [YEAR]


# -- failures while writing -------------------------------------------------------------------


@pytest.mark.parametrize("failing", [1, 2, 3, 4])
def test_a_csv_writer_failing_half_way_leaves_the_old_outputs(data, monkeypatch, failing):
    before = tree(data / "output")
    real, calls = kaohe.outputs.tables.write_csv, []

    def write_csv(table, path):
        calls.append(path.name)
        if len(calls) == failing:
            raise Interrupted(f"写到第 {failing} 个文件时中断")
        real(table, path)

    monkeypatch.setattr(kaohe.outputs.tables, "write_csv", write_csv)
    with pytest.raises(Interrupted):
        score_year(YEAR, data)
    assert_old_outputs_only(data, before)
    monkeypatch.undo()
    new_outputs_differ(data, before)


def test_the_workbook_writer_failing_after_the_csv_files_leaves_the_old_outputs(data, monkeypatch):
    before = tree(data / "output")
    written = []

    def write_workbook(results, path):
        written.extend(sorted(p.name for p in Path(path).parent.iterdir()))
        Path(path).write_bytes(b"PK\x03\x04 half a workbook")
        raise Interrupted("写 results.xlsx 时中断")

    monkeypatch.setattr(kaohe.outputs.tables, "write_workbook", write_workbook)
    with pytest.raises(Interrupted):
        score_year(YEAR, data)
    assert written == sorted(CSVS), "the four tables were already written to the staging folder"
    assert_old_outputs_only(data, before)


def test_the_manifest_failing_last_leaves_the_old_outputs(data, monkeypatch):
    before = tree(data / "output")

    def dumps(*args, **kwargs):
        raise Interrupted("写 manifest.json 时中断")

    monkeypatch.setattr(kaohe.outputs.tables.json, "dumps", dumps)
    with pytest.raises(Interrupted):
        score_year(YEAR, data)
    assert_old_outputs_only(data, before)


def test_ctrl_c_while_writing_leaves_the_old_outputs(data, monkeypatch):
    before = tree(data / "output")

    def write_workbook(results, path):
        raise KeyboardInterrupt

    monkeypatch.setattr(kaohe.outputs.tables, "write_workbook", write_workbook)
    with pytest.raises(KeyboardInterrupt):
        score_year(YEAR, data)
    assert_old_outputs_only(data, before)


def disk_full(_, path):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def score_on_a_full_disk(data, capsys) -> str:
    """``kaohe score`` with a writer patched to find the disk full: exit 1 and the Chinese message."""
    assert main(["score", YEAR, "--data-dir", str(data)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith(f"kaohe: 写出 {(data / 'output' / YEAR).as_posix()}/ 时出错：磁盘空间不足（")
    return err


def test_a_full_disk_is_a_chinese_message_and_exit_1(data, monkeypatch, capsys):
    before = tree(data / "output")
    monkeypatch.setattr(kaohe.outputs.tables, "write_csv", disk_full)
    err = score_on_a_full_disk(data, capsys)
    assert err.rstrip().endswith("；已有的结果保持不变")
    assert_old_outputs_only(data, before)


def test_a_first_run_that_fails_leaves_no_output_folder(tmp_path, monkeypatch):
    data = write_tiny_year(tmp_path / "data")

    def write_workbook(results, path):
        raise Interrupted("中断")

    monkeypatch.setattr(kaohe.outputs.tables, "write_workbook", write_workbook)
    with pytest.raises(Interrupted):
        score_year(YEAR, data)
    assert not (data / "output").exists()  # neither the year's folder nor data/output is left


# -- failures while the new set is put in place ---------------------------------------------


def failing_replace(monkeypatch, failing: int, error: BaseException):
    """``os.replace`` failing on its ``failing``-th call; returns the list of calls."""
    real, calls = os.replace, []

    def replace(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == failing:
            raise error
        return real(src, dst)

    monkeypatch.setattr(kaohe.outputs.staging.os, "replace", replace)
    return calls


def test_permission_denied_half_way_puts_the_old_set_back(data, monkeypatch, capsys):
    """Excel holding results.xlsx open: its replacement fails; every file is the old one again."""
    before = tree(data / "output")
    calls = failing_replace(monkeypatch, 9, OSError(errno.EACCES, "Permission denied", "results.xlsx"))
    assert main(["score", YEAR, "--data-dir", str(data)]) == 1
    assert "没有写入权限" in capsys.readouterr().err
    assert len(calls) > 9  # the steps taken were undone
    assert_old_outputs_only(data, before)
    monkeypatch.undo()
    new_outputs_differ(data, before)


def test_whichever_step_fails_the_outputs_are_the_old_set_or_the_new(data, monkeypatch):
    """Six outputs: six set aside, then six put in, each step failing once."""
    old = tree(data / "output")
    for failing in range(1, 13):
        failing_replace(monkeypatch, failing, Interrupted("中断"))
        try:
            score_year(YEAR, data)
        except Interrupted:
            pass
        monkeypatch.undo()
        assert tree(data / "output") == old, failing
        assert [p.name for p in (data / "output").iterdir()] == [YEAR]
    new_outputs_differ(data, old)


def ended_process_id() -> int:
    """The id of a process that has run and ended (a kaohe killed mid-write, say)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_a_process_killed_while_putting_its_set_in_place_is_undone_by_the_next(data):
    """What a power cut leaves: a staging folder whose journal says results.csv was set aside."""
    out = data / "output" / YEAR
    before = tree(out)
    stage = out / f".kaohe-new-{ended_process_id()}-crashed"
    (stage / ".old").mkdir(parents=True)
    os.replace(out / "results.csv", stage / ".old" / "results.csv")
    (stage / "results.csv").write_text("half", encoding="utf-8")
    (stage / ".journal.json").write_text(json.dumps({"finished": False, "steps": [["aside", "results.csv"]]}),
                                         encoding="utf-8")
    assert kaohe.outputs.staging.recover(out) == [stage]
    assert tree(out) == before  # the old set, complete
    new_outputs_differ(data, {f"{YEAR}/{k}": v for k, v in before.items()} | {YEAR: ""})


def test_the_staging_folder_of_a_running_process_is_left_alone(data):
    out = data / "output" / YEAR
    running = out / f".kaohe-new-{os.getppid()}-busy"
    running.mkdir()
    score_year(YEAR, data)
    assert running.is_dir()


def test_output_error_is_a_kaohe_error():
    assert issubclass(OutputError, kaohe.KaoheError)

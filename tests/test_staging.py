"""The one way kaohe replaces files (kaohe.outputs.staging): all of a set or none of it."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from kaohe.outputs import staging
from kaohe.outputs.staging import BusyError, OutputError, locked, staged, write_text


class Interrupted(Exception):
    pass


def listing(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_files_replace_their_namesakes_and_other_files_stay(tmp_path):
    folder = tmp_path / "输出 文件夹"
    folder.mkdir()
    (folder / "a.csv").write_text("old a", encoding="utf-8")
    (folder / "分析人员的笔记.txt").write_text("mine", encoding="utf-8")
    with staged(folder) as stage:
        (stage / "a.csv").write_text("new a", encoding="utf-8")
        (stage / "sub").mkdir()
        (stage / "sub" / "b.xlsx").write_bytes(b"new b")
    assert listing(folder) == ["a.csv", "sub", "sub/b.xlsx", "分析人员的笔记.txt"]
    assert (folder / "a.csv").read_text(encoding="utf-8") == "new a"
    assert (folder / "分析人员的笔记.txt").read_text(encoding="utf-8") == "mine"


def test_a_failure_while_writing_changes_nothing_and_leaves_no_staging_folder(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "a.csv").write_text("old", encoding="utf-8")
    with pytest.raises(Interrupted):
        with staged(folder) as stage:
            (stage / "a.csv").write_text("half", encoding="utf-8")
            raise Interrupted
    assert listing(folder) == ["a.csv"] and (folder / "a.csv").read_text(encoding="utf-8") == "old"


def test_a_whole_folder_is_made_at_once_and_never_over_one_that_holds_something(tmp_path):
    target = tmp_path / "新 年度"
    with staged(target, whole=True) as stage:
        (stage / "scheme.yaml").write_text("year: 2020", encoding="utf-8")
    assert listing(tmp_path) == ["新 年度", "新 年度/scheme.yaml"]
    with pytest.raises(OutputError):
        with staged(target, whole=True) as stage:
            (stage / "other.yaml").write_text("x", encoding="utf-8")
    assert listing(tmp_path) == ["新 年度", "新 年度/scheme.yaml"]  # untouched, no staging folder left


def test_a_file_can_be_moved_aside_with_the_set(tmp_path):
    folder = tmp_path / "2019"
    folder.mkdir()
    (folder / "report.html").write_text("old report", encoding="utf-8")
    (folder / "results.csv").write_text("old", encoding="utf-8")
    with staged(folder) as stage:
        (stage / "results.csv").write_text("new", encoding="utf-8")
        stage.move("report.html", "历史/20270101-000000/report.html")
    assert listing(folder) == ["results.csv", "历史", "历史/20270101-000000", "历史/20270101-000000/report.html"]
    assert (folder / "历史/20270101-000000/report.html").read_text(encoding="utf-8") == "old report"


def test_a_full_disk_is_a_chinese_output_error_and_the_old_files_stay(tmp_path):
    target = tmp_path / "2019"
    target.mkdir()
    (target / "old.csv").write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="磁盘空间不足") as caught:
        with staged(target):
            raise OSError(errno.ENOSPC, "No space left on device", "results.xlsx")
    assert "已有的结果保持不变" in str(caught.value)
    assert listing(tmp_path) == ["2019", "2019/old.csv"]


HOLD_THE_LOCK = """
import sys, time
from kaohe.outputs.staging import locked
with locked(sys.argv[1], "2019", " 2019 年度的结果"):
    print("holding", flush=True)
    time.sleep(60)
"""


def test_a_second_writer_is_refused_while_another_holds_the_lock(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_LOCK, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(BusyError, match=rf"另一个 kaohe（进程 {holder.pid}，.* 开始）正在处理 2019 年度的结果，未做任何改动"):
            with locked(tmp_path, "2019", " 2019 年度的结果"):
                pass
    finally:
        holder.kill()
        holder.wait()
    # the holder was killed and left its lock: it has ended, so the lock is taken over
    assert (tmp_path / ".kaohe-2019.lock").exists()
    with locked(tmp_path, "2019", " 2019 年度的结果") as lock:
        assert str(os.getpid()) in lock.read_text(encoding="utf-8")
    assert not lock.exists()

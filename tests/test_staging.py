"""The one way kaohe replaces files (kaohe.staging): all of a set or none of it."""

from __future__ import annotations

import errno

import pytest

from kaohe import staging
from kaohe.staging import OutputError, staged, write_text


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


def test_a_whole_folder_is_swapped_in_and_the_old_one_removed(tmp_path):
    target = tmp_path / "2019"
    target.mkdir()
    (target / "old.csv").write_text("old", encoding="utf-8")
    with staged(target, whole=True) as stage:
        (stage / "new.csv").write_text("new", encoding="utf-8")
    assert listing(target) == ["new.csv"]
    assert listing(tmp_path) == ["2019", "2019/new.csv"]  # no folder left aside


def test_a_full_disk_is_a_chinese_output_error_and_the_old_files_stay(tmp_path):
    target = tmp_path / "2019"
    target.mkdir()
    (target / "old.csv").write_text("old", encoding="utf-8")
    with pytest.raises(OutputError, match="磁盘空间不足") as caught:
        with staged(target, whole=True):
            raise OSError(errno.ENOSPC, "No space left on device", "results.xlsx")
    assert "已有的结果保持不变" in str(caught.value)
    assert listing(tmp_path) == ["2019", "2019/old.csv"]


def test_write_text_writes_the_whole_file_or_nothing(tmp_path, monkeypatch):
    path = tmp_path / "报告 2019.html"
    write_text(path, "第一版\n")
    assert path.read_bytes() == "第一版\n".encode("utf-8")

    def failing(src, dst):
        raise OSError(errno.EACCES, "Permission denied", str(dst))

    monkeypatch.setattr(staging.os, "replace", failing)
    with pytest.raises(OutputError, match="没有写入权限"):
        write_text(path, "第二版\n")
    assert path.read_text(encoding="utf-8") == "第一版\n"
    assert listing(tmp_path) == ["报告 2019.html"]

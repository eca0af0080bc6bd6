"""Writing outputs so that nothing is ever half-written: the one place where kaohe replaces files.

Everything a command writes goes first into a hidden staging folder; only when all of it is
written does it take the place of the old files, as a set. A failure on the way (an error,
a full disk, Ctrl-C) removes the staging folder and leaves the old files as they were.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .problems import KaoheError


class OutputError(KaoheError):
    """The outputs could not be written or put in place (disk full, no permission); the previous ones stay."""


@contextmanager
def staged(target: str | Path, *, whole: bool = False) -> Iterator[Path]:
    """Yield an empty hidden folder to write into; on success its files reach ``target``.

    ``whole=False``: each file written in the staging folder (sub-folders too) replaces its
    namesake in the folder ``target``; the other files of ``target`` stay.
    ``whole=True``: the staging folder replaces the folder ``target`` as a whole, in two
    renames (old aside, new in; the old one goes back if the second fails, and is deleted only
    afterwards; a run killed between the two renames is repaired by the next one).

    On any exception the staging folder is removed and ``target`` is left as it was; an
    ``OSError`` becomes :class:`OutputError` with the reason in Chinese.
    """
    target = Path(target)
    home = target.parent if whole else target
    try:
        home.mkdir(parents=True, exist_ok=True)
        if whole:
            _recover(target)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-" if whole else ".kaohe-new-", dir=home))
    except OSError as exc:
        raise OutputError(f"无法在 {home.as_posix()}/ 中写出结果：{reason(exc)}") from exc
    try:
        yield stage
        if whole:
            os.chmod(stage, 0o755)  # mkdtemp makes it private to its owner
            _swap(stage, target)
        else:
            _move_files(stage, target)
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"写出 {target.as_posix()}/ 时出错：{reason(exc)}；已有的结果保持不变") from exc
        raise
    if not whole:
        shutil.rmtree(stage, ignore_errors=True)


def write_text(path: str | Path, text: str) -> Path:
    """Write one text file (UTF-8, LF line ends) through :func:`staged`: all of it or nothing."""
    path = Path(path)
    with staged(path.parent) as stage:
        (stage / path.name).write_text(text, encoding="utf-8", newline="\n")
    return path


def _move_files(stage: Path, target: Path) -> None:
    files = sorted(p for p in stage.rglob("*") if p.is_file())
    for path in files:
        destination = target / path.relative_to(stage)
        destination.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, destination)


def _swap(stage: Path, target: Path) -> None:
    old = target.parent / f".{target.name}.old-{stage.name.rsplit('-', 1)[-1]}"
    had_old = target.exists()
    if had_old:
        os.replace(target, old)
    try:
        os.replace(stage, target)
    except BaseException:
        if had_old:
            os.replace(old, target)
        raise
    if had_old:
        shutil.rmtree(old, ignore_errors=True)


def _recover(target: Path) -> None:
    """Put back the folder that a run killed between the two renames of the swap left aside."""
    if target.exists():
        return
    aside = sorted(target.parent.glob(f".{target.name}.old-*"), key=lambda p: p.stat().st_mtime)
    if aside:
        os.replace(aside[-1], target)


_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有写入权限",
            errno.EPERM: "没有写入权限", errno.EROFS: "文件系统只读", errno.EEXIST: "已有同名的文件",
            errno.ENOTDIR: "路径中有同名的文件而不是文件夹"}


def reason(exc: OSError) -> str:
    """Why an ``OSError`` happened, in Chinese, with the file it names."""
    text = _REASONS.get(exc.errno, exc.strerror or type(exc).__name__)
    return f"{text}（{exc.filename}）" if exc.filename else text

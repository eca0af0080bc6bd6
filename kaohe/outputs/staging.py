"""Writing outputs so that nothing is ever half-written or lost: the one place where kaohe replaces files.

Everything a command writes goes first into a hidden staging folder; only when all of it is
written does it take the place of the old files, as a set. A failure on the way (an error,
a full disk, Ctrl-C) removes the staging folder and leaves the old files as they were; a
process killed while the set was being put in place leaves a journal, from which the next
command puts the old set back. Files that kaohe did not write are never touched.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

import psutil

from ..problems import KaoheError

STAGE_PREFIX = ".kaohe-new-"  # + the process id and a random part: ".kaohe-new-1234-ab12cd34"
JOURNAL = ".journal.json"  # in a staging folder: what has been put in place so far
OLD = ".old"  # in a staging folder: the files it replaces, kept until the set is in place


class OutputError(KaoheError):
    """The outputs could not be written or put in place (disk full, no permission); the previous ones stay."""


class Stage(os.PathLike):
    """A staging folder: write into ``stage / "name"``; what is written there (hidden names,
    starting with ".", excepted) replaces its namesake in the target folder when the block ends.
    :meth:`move` asks for a file of the target to be moved elsewhere in it, in the same set."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.moves: list[tuple[str, str]] = []

    def __truediv__(self, name) -> Path:
        return self.folder / name

    def __fspath__(self) -> str:
        return str(self.folder)

    def move(self, name: str, to: str) -> None:
        """Move the target's file ``name`` to ``to`` (both relative to the target) with the set."""
        self.moves.append((name, to))


@contextmanager
def staged(target: str | Path, *, whole: bool = False) -> Iterator[Stage]:
    """Yield an empty hidden folder to write into; on success its files reach ``target``.

    ``whole=False``: each file written in the staging folder (sub-folders too) replaces its
    namesake in the folder ``target``, all of them as one set; the other files of ``target``
    stay. ``whole=True``: the staging folder becomes the folder ``target``, which must not
    hold anything (new workspaces and year folders).

    On any exception the staging folder is removed and ``target`` is left as it was; an
    ``OSError`` becomes :class:`OutputError` with the reason in Chinese.
    """
    target = Path(target)
    home = target.parent if whole else target
    made = not home.exists()  # a folder made here is removed again if nothing reaches it
    try:
        home.mkdir(parents=True, exist_ok=True)
        recover(home)
        stage = Stage(Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=home)).resolve())
    except OSError as exc:
        raise OutputError(f"无法在 {home.as_posix()}/ 中写出结果：{reason(exc)}") from exc
    try:
        yield stage
        if whole:
            os.chmod(stage, 0o755)  # mkdtemp makes it private to its owner
            if target.is_dir() and not any(target.iterdir()):
                target.rmdir()
            os.rename(stage, target)
        else:
            _put_in_place(stage, target)
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        if made:
            with suppress(OSError):
                home.rmdir()  # only if empty
        if isinstance(exc, OSError):
            raise OutputError(f"写出 {target.as_posix()}/ 时出错：{reason(exc)}；已有的结果保持不变") from exc
        raise


class BusyError(KaoheError):
    """Another kaohe is writing the same outputs; nothing was done."""


@contextmanager
def locked(folder: str | Path, name: str, what: str) -> Iterator[Path]:
    """Hold the lock file ``folder/.kaohe-NAME.lock`` for the block: a second kaohe writing
    the same outputs meanwhile is refused with :class:`BusyError` (a lock left by a process
    that no longer runs is taken over)."""
    folder = Path(folder)
    lock = folder / f".kaohe-{name}.lock"
    made = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        while True:
            try:
                handle = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
                break
            except FileExistsError:
                holder = _holder(lock)
                if holder is not None:
                    raise BusyError(
                        f"另一个 kaohe（进程 {holder['pid']}，{holder['started']} 开始）正在处理{what}，未做任何改动；"
                        f"请等它结束后再运行。如确认没有其他 kaohe 在运行，可删除 {lock.as_posix()} 后重试"
                    ) from None
                lock.unlink(missing_ok=True)  # left by a process that has ended
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            json.dump({"pid": os.getpid(), "started": datetime.now().strftime("%Y-%m-%d %H:%M:%S")}, f)
    except OSError as exc:
        raise OutputError(f"无法在 {folder.as_posix()}/ 中写出结果：{reason(exc)}") from exc
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)
        if made:
            with suppress(OSError):
                folder.rmdir()  # only if nothing was written there


def _holder(lock: Path) -> dict | None:
    """Who holds ``lock``: its process id and start time, or ``None`` when that process has ended."""
    try:
        holder = json.loads(lock.read_text(encoding="utf-8"))
        pid = int(holder["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        # being written this very moment, or not kaohe's: held, unless it is old
        try:
            young = datetime.now().timestamp() - lock.stat().st_mtime < 60
        except OSError:
            return None
        return {"pid": "?", "started": "刚刚"} if young else None
    return holder if psutil.pid_exists(pid) else None


def write_text(path: str | Path, text: str) -> Path:
    """Write one text file (UTF-8, LF line ends) through :func:`staged`: all of it or nothing."""
    return write_bytes(path, text.encode("utf-8"))  # as written: "\n" stays LF on every system


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write one file through :func:`staged`: all of it or nothing."""
    path = Path(path)
    with staged(path.parent) as stage:
        (stage / path.name).write_bytes(data)
    return path


def _put_in_place(stage: Stage, target: Path) -> None:
    """Put the staged files in place as one set: the moves, the old files aside, the new ones in.

    Each step is written to the journal before it is taken, so that a failure (here, by
    undoing the steps taken) or a killed process (by :func:`recover`) brings back the old set.
    """
    folder = stage.folder
    new = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                 if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))
    moves = [("move", name, to) for name, to in stage.moves if (target / name).exists()]
    moved = {name for _, name, _ in moves}
    steps = moves + [("aside", name) for name in new if (target / name).exists() and name not in moved]
    steps += [("put", name) for name in new]
    done: list[list[str]] = []
    try:
        for step in steps:
            done.append(list(step))
            _write_journal(folder, done, finished=False)
            _take(step, folder, target)
        _write_journal(folder, done, finished=True)
    except BaseException:
        _undo(done, folder, target)
        raise
    shutil.rmtree(folder, ignore_errors=True)


def _ends(step, folder: Path, target: Path) -> tuple[Path, Path]:
    """Where a step moves a file from and to: ("aside", name), ("move", name, to), ("put", name)."""
    kind, name = step[0], step[1]
    if kind == "aside":
        return target / name, folder / OLD / name
    if kind == "move":
        return target / name, target / step[2]
    return folder / name, target / name


def _take(step, folder: Path, target: Path) -> None:
    _replace(*_ends(step, folder, target))


def _undo(done, folder: Path, target: Path) -> None:
    """Undo the steps taken, last first (a step that did not happen is skipped)."""
    for step in reversed(done):
        moved_from, moved_to = _ends(step, folder, target)
        if moved_to.exists():
            _replace(moved_to, moved_from)


def _replace(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    os.replace(source, destination)


def _write_journal(folder: Path, done, *, finished: bool) -> None:
    (folder / JOURNAL).write_text(json.dumps({"finished": finished, "steps": done}, ensure_ascii=False),
                                  encoding="utf-8")


def recover(folder: Path) -> list[Path]:
    """Clean up the staging folders in ``folder`` that kaohe processes no longer running left
    behind; where one was putting its set in place, the old set is put back. Returns them."""
    cleaned = []
    for stage in sorted(folder.glob(f"{STAGE_PREFIX}*")):
        pid = stage.name.removeprefix(STAGE_PREFIX).split("-", 1)[0]
        if not stage.is_dir() or (pid.isdigit() and (int(pid) == os.getpid() or psutil.pid_exists(int(pid)))):
            continue  # still being written, by this process or another
        journal = stage / JOURNAL
        if journal.is_file():
            state = json.loads(journal.read_text(encoding="utf-8"))
            if not state["finished"]:
                _undo(state["steps"], stage, folder)
        shutil.rmtree(stage, ignore_errors=True)
        cleaned.append(stage)
    return cleaned


_REASONS = {errno.ENOSPC: "磁盘空间不足", errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
            errno.EROFS: "文件系统只读", errno.EEXIST: "已有同名的文件", errno.ENOTDIR: "路径中有同名的文件而不是文件夹"}


def reason(exc: OSError) -> str:
    """Why an ``OSError`` happened, in Chinese, with the file it names."""
    text = _REASONS.get(exc.errno, exc.strerror or type(exc).__name__)
    return f"{text}（{exc.filename}）" if exc.filename else text

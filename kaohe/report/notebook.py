"""Running a report notebook and publishing it as one offline HTML file.

A report is a notebook whose cells call kaohe and draw (:mod:`kaohe.report.page`). This module
runs it with papermill on the project's own kernel, keeps the executed notebook for audit, and
turns it into a single self-contained HTML page: plotly.js embedded once, no code, no request
to any other host, every unit name shown as text.

From code::

    report.render_report("notebooks/年度报告.ipynb", "data/output/2019/报告.html",
                         {"title": "2019年度考核报告", "year": 2019})
"""

from __future__ import annotations

import ast
import difflib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from importlib.resources import files
from pathlib import Path
from typing import Any

from ..outputs.staging import write_text
from ..problems import KaoheError
KERNEL_NAME = "kaohe"
KERNEL_DISPLAY_NAME = "Python (kaohe)"
TEMPLATE_NAME = "kaohe_report"
TEMPLATES_DIR = files("kaohe") / "templates"  # nbconvert's template folder, shipped in the package
KERNEL_QUIET = "--log-level=ERROR"  # no start-up warnings from the kernel on kaohe's stderr


_TYPE_LABELS = {
    "str": "文本 str",
    "int": "整数 int",
    "float": "数值 float",
    "bool": "布尔值 bool",
    "list": "列表 list",
    "dict": "字典 dict",
    "NoneType": "空值 None",
}
_CHECKED_TYPES = {"str", "int", "float", "bool", "list", "dict"}


class NotebookError(KaoheError):
    """A report notebook could not be run or published; nothing was published."""


class NotebookParameterError(NotebookError):
    """The parameters given to a report notebook do not match its ``parameters`` cell."""

    def __init__(self, notebook: str, messages: list[str]):
        self.notebook = notebook
        self.messages = list(messages)
        lines = "\n".join(f"  - {m}" for m in self.messages)
        super().__init__(f"笔记本 {notebook} 的参数有误，未执行：\n{lines}")


def ensure_kernel() -> str:
    """Make sure the ``kaohe`` kernelspec exists and runs this environment's Python.

    Same as ``python -m ipykernel install --sys-prefix --name kaohe
    --display-name "Python (kaohe)"``, done only when the spec is missing or points elsewhere.
    """
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    def current() -> str | None:
        try:
            spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        except NoSuchKernel:
            return None
        return spec.argv[0] if spec.argv else ""

    if _same_path(current(), sys.executable):
        return KERNEL_NAME
    install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY_NAME, prefix=sys.prefix)
    found = current()
    if not _same_path(found, sys.executable):
        raise NotebookError(
            f"内核「{KERNEL_NAME}」已装入 {sys.prefix}，但 Jupyter 先找到的同名内核运行的是 "
            f"{found}，而不是 {sys.executable}；请用 `jupyter kernelspec list` 查看并删除那个内核"
        )
    return KERNEL_NAME


def _same_path(a: str | None, b: str) -> bool:
    return a is not None and os.path.abspath(a) == os.path.abspath(b)


def check_parameters(input_path: str | Path, parameters: Mapping[str, Any]) -> None:
    """Refuse parameters that the notebook's ``parameters`` cell does not declare, or whose
    type differs from the declared one (annotation, ``# type:`` comment, or the default's type).

    papermill itself only warns and injects them anyway.
    """
    import papermill

    input_path = Path(input_path)
    try:
        declared = papermill.inspect_notebook(str(input_path))
    except ValueError as e:  # papermill needs the notebook's kernelspec to read the cell
        raise NotebookError(
            f"读不出笔记本 {input_path.name} 的参数：{e}；"
            f"请在 Jupyter 中为它选择内核「{KERNEL_DISPLAY_NAME}」后保存"
        ) from e
    messages = []
    if parameters and not declared:
        messages.append(
            "笔记本没有声明参数（没有标记为 parameters 的单元，或其中没有赋值），"
            f"不能接受参数：{'、'.join(parameters)}"
        )
    else:
        for name, value in parameters.items():
            if name not in declared:
                messages.append(_unknown_parameter(name, list(declared)))
                continue
            expected = _declared_type(declared[name])
            if expected is not None and not _fits(value, expected):
                messages.append(
                    f"参数「{name}」应为{_TYPE_LABELS.get(expected, expected)}，"
                    f"实际为{_TYPE_LABELS.get(type(value).__name__, type(value).__name__)}："
                    f"{value!r}"
                )
    if messages:
        raise NotebookParameterError(input_path.name, messages)


def _unknown_parameter(name: str, known: list[str]) -> str:
    message = f"未知参数「{name}」（笔记本的参数有：{'、'.join(known)}）"
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        message += f"，是否应为「{close[0]}」？"
    return message


def _declared_type(param: Mapping[str, str]) -> str | None:
    """The simple type a parameter is declared with, or None when it is not checked."""
    declared = param["inferred_type_name"].strip()
    if declared not in ("None", ""):  # an annotation or a "# type:" comment
        base = declared.split("[", 1)[0].strip()
        return base if base in _CHECKED_TYPES else None  # Optional[…], Path…: not checked
    try:
        default = ast.literal_eval(param["default"])
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None  # an expression such as Path("data"): not checked
    base = {"tuple": "list"}.get(type(default).__name__, type(default).__name__)
    return base if base in _CHECKED_TYPES else None


def _fits(value: Any, expected: str) -> bool:
    if expected == "bool":
        return isinstance(value, bool)
    if expected == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if expected == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == "str":
        return isinstance(value, str)
    if expected == "list":
        return isinstance(value, (list, tuple))
    if expected == "dict":
        return isinstance(value, Mapping)
    return True


def execute_notebook(
    input_path: str | Path,
    output_ipynb: str | Path,
    parameters: Mapping[str, Any] | None = None,
    cwd: str | Path | None = None,
    kernel=None,
) -> Path:
    """Run a report notebook with papermill on the ``kaohe`` kernel; the executed notebook
    (with any error) is written to ``output_ipynb`` for audit.

    ``kernel`` is a kernel already started by :func:`started_kernel` (in ``cwd``), else
    papermill starts one. Unknown or ill-typed parameters are refused before anything runs
    (:class:`NotebookParameterError`); a failing cell raises :class:`NotebookError`.
    """
    import papermill
    from nbclient.exceptions import DeadKernelError

    input_path, output_ipynb = Path(input_path), Path(output_ipynb)
    parameters = dict(parameters or {})
    if not input_path.is_file():
        raise NotebookError(f"找不到报告笔记本 {input_path}")
    check_parameters(input_path, parameters)
    ensure_kernel()
    output_ipynb.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(input_path),
            str(output_ipynb),
            parameters=parameters,
            kernel_name=KERNEL_NAME,
            cwd=None if cwd is None else str(cwd),
            progress_bar=False,
            log_output=False,
            store_widget_state=False,
            # papermill rewrites the whole notebook (plotly.js included, ~5 MB) at the
            # start and end of every cell otherwise; it is written once at the end, or
            # with the failing cell when one fails
            request_save_on_cell_execute=False,
            **({} if kernel is None else {"km": kernel}),
        )
    except papermill.PapermillExecutionError as e:
        first_line = next((ln for ln in e.source.splitlines() if ln.strip()), "")
        raise NotebookError(
            f"笔记本 {input_path.name} 运行失败，报告未发布：代码单元 In [{e.exec_count}]"
            f"（{first_line.strip()}）出错 {e.ename}: {e.evalue}。"
            f"出错的笔记本已保存为 {output_ipynb}"
        ) from e
    except DeadKernelError as e:
        raise NotebookError(f"笔记本 {input_path.name} 运行时内核意外退出，报告未发布") from e
    return output_ipynb


@contextmanager
def started_kernel(cwd: str | Path, notebook: str | Path | None = None) -> Iterator[Any]:
    """Start the ``kaohe`` kernel now and shut it down when the block ends.

    The kernel boots in its own process, and imports the modules that ``notebook`` imports,
    while the caller goes on (``kaohe run`` checks and scores the year meanwhile); pass the
    manager to :func:`execute_notebook`. It listens on this computer's loopback address only
    (TCP on 127.0.0.1, which every system has); its own log is kept to errors.
    """
    from jupyter_client import AsyncKernelManager, BlockingKernelClient
    from jupyter_core.utils import run_sync

    ensure_kernel()
    manager = AsyncKernelManager(kernel_name=KERNEL_NAME, ip="127.0.0.1")
    warm = None
    try:
        run_sync(manager.start_kernel)(cwd=str(cwd), extra_arguments=[KERNEL_QUIET])
        modules = _imported_modules(notebook) if notebook else []
        if modules:
            warm = BlockingKernelClient()
            warm.load_connection_info(manager.get_connection_info())
            warm.start_channels(iopub=False, stdin=False, hb=False, control=False)
            warm.execute(_WARM_UP.format(modules=modules), silent=True, store_history=False)
        yield manager
    finally:
        if warm is not None:
            warm.stop_channels()
        with suppress(Exception):
            run_sync(manager.shutdown_kernel)(now=True)


_WARM_UP = """\
import importlib as _importlib
for _name in {modules!r}:
    try:
        _importlib.import_module(_name)
    except Exception:
        pass
del _importlib, _name
"""


def _imported_modules(notebook: str | Path) -> list[str]:
    """The modules the code cells of ``notebook`` import (``from a import b`` gives ``a``
    and ``a.b``, which may be a submodule), in order."""
    modules: dict[str, None] = {}
    # plain JSON: nbformat would validate the notebook against its schema, which costs a second
    for cell in json.loads(Path(notebook).read_text(encoding="utf-8")).get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        try:
            tree = ast.parse(source if isinstance(source, str) else "".join(source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, ast.Import):
                modules.update(dict.fromkeys(alias.name for alias in node.names))
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                modules[node.module] = None
                modules.update(dict.fromkeys(f"{node.module}.{alias.name}" for alias in node.names))
    return list(modules)


def publish_html(
    executed_ipynb: str | Path, html_path: str | Path, title: str | None = None
) -> Path:
    """Write an executed notebook as one offline HTML page, atomically.

    The page title is ``title``, else the notebook's ``metadata.title``, else its ``title``
    parameter, else the file name. A notebook that stopped on an error is not published.
    """
    import nbformat

    executed_ipynb, html_path = Path(executed_ipynb), Path(html_path)
    nb = nbformat.read(executed_ipynb, as_version=4)
    if _failed(nb):
        raise NotebookError(f"笔记本 {executed_ipynb} 含有出错的单元，不发布报告")
    nb.metadata["title"] = str(title or _title_of(nb) or executed_ipynb.stem)
    nb.metadata.pop("widgets", None)
    body, _ = html_exporter().from_notebook_node(
        nb, resources={"metadata": {"name": executed_ipynb.stem}}
    )
    write_text(html_path, body)
    return html_path


def render_report(
    input_path: str | Path,
    html_path: str | Path,
    parameters: Mapping[str, Any] | None = None,
    *,
    title: str | None = None,
    cwd: str | Path | None = None,
) -> Path:
    """Run a report notebook and publish it: ``报告.html`` with ``报告.ipynb`` beside it."""
    html_path = Path(html_path)
    executed = execute_notebook(input_path, html_path.with_suffix(".ipynb"), parameters, cwd)
    return publish_html(executed, html_path, title)


def _failed(nb) -> bool:
    if nb.metadata.get("papermill", {}).get("exception"):
        return True
    return any(
        o.get("output_type") == "error"
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )


def _title_of(nb) -> str | None:
    return nb.metadata.get("title") or nb.metadata.get("papermill", {}).get(
        "parameters", {}
    ).get("title")


def html_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        language_code="zh",
    )

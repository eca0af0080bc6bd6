"""Publishing a report notebook as one offline HTML file.

A report is a notebook whose cells call kaohe and draw. This module runs it with papermill on
the project's own kernel, keeps the executed notebook for audit, and turns it into a single
self-contained HTML page: plotly.js embedded once, no code, no request to any other host,
every unit name shown as text.

In a report notebook::

    from kaohe import report
    report.setup_notebook()                 # first cell: plotly.js once, figure renderer
    report.show_heading(f"{unit_name} 考核结果")
    report.show_table(scores)
    fig.show()                              # or leave ``fig`` as the cell's last line

From code::

    report.render_report("notebooks/年度报告.ipynb", "data/output/2019/报告.html",
                         {"title": "2019年度考核报告", "year": 2019})
"""

from __future__ import annotations

import ast
import difflib
import html
import itertools
import json
import numbers
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from importlib.resources import files
from pathlib import Path
from typing import Any

import markupsafe

from kaohe.problems import KaoheError
from kaohe.staging import write_text
from kaohe.vocabulary import FONT_STACK

KERNEL_NAME = "kaohe"
KERNEL_DISPLAY_NAME = "Python (kaohe)"
TEMPLATE_NAME = "kaohe_report"
TEMPLATES_DIR = files("kaohe") / "templates"  # nbconvert's template folder, shipped in the package
KERNEL_QUIET = "--log-level=ERROR"  # no start-up warnings from the kernel on kaohe's stderr


FIGURE_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,  # plotly.js 4 shows a "Share chart" (upload) button by default
    "typesetMath": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["sendChartToCloud", "sendDataToCloud", "select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
FIGURE_HEIGHT = 450
_figure_ids = itertools.count(1)  # div ids kaohe-figure-1, -2…; reset by setup_notebook

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


def setup_notebook() -> None:
    """Prepare a report notebook; call it once, in the first cell.

    Embeds plotly.js once as this cell's output, makes every later figure render as a bare
    ``<div>`` plus ``Plotly.newPlot`` (no plotly.js copy, no MathJax, no plotly logo) with all
    its text escaped, gives charts the CJK font, and sets pandas to escape HTML.
    """
    _skip_slow_iri_checker()
    import pandas as pd
    import plotly.io as pio
    from IPython.display import HTML, display
    from plotly.offline import get_plotlyjs

    global _figure_ids
    _figure_ids = itertools.count(1)

    pio.renderers[KERNEL_NAME] = _report_renderer()
    pio.renderers.default = KERNEL_NAME
    pio.templates[KERNEL_NAME] = {
        "layout": {
            "font": {"family": FONT_STACK},
            "hoverlabel": {"font": {"family": FONT_STACK}},
        }
    }
    pio.templates.default = f"plotly_white+{KERNEL_NAME}"

    pd.set_option("display.max_rows", 1000)
    pd.set_option("display.max_columns", None)
    pd.set_option("display.html.use_mathjax", False)
    pd.set_option("styler.format.escape", "html")

    plotly_js = get_plotlyjs().replace("</script", "<\\/script")
    display(HTML(f'<script type="text/javascript">{plotly_js}</script>'))


def _skip_slow_iri_checker() -> None:
    """Keep jsonschema from importing ``rfc3987_syntax`` in the report's kernel.

    ``pio.renderers`` imports nbformat, hence jsonschema, which imports ``rfc3987_syntax``
    (installed with jupyter-events) for its "iri" format checker; that module builds a Lark
    grammar at import time, 1–4 s of every report run. A report validates no IRIs, so the
    import is refused (jsonschema skips the checker on ImportError). Only done when
    jsonschema has not been imported yet, i.e. never in a process that already relies on it.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)


def esc(value: Any) -> str:
    """The value as HTML text: ``<img src=x>`` shows as those characters and runs nothing."""
    return "" if value is None else str(markupsafe.escape(str(value)))


def heading_html(text: Any, level: int = 2) -> str:
    """An escaped ``<hN>`` heading."""
    if level not in range(1, 7):
        raise ValueError(f"标题级别应为 1 到 6，实际为 {level!r}")
    return f"<h{level}>{esc(text)}</h{level}>"


def text_html(text: Any) -> str:
    """Escaped paragraphs: each blank-line-separated block is one ``<p>``, lines keep breaks."""
    blocks = [b.strip() for b in str(text).split("\n\n")]
    return "\n".join(
        "<p>" + "<br>".join(esc(line) for line in b.splitlines()) + "</p>" for b in blocks if b
    )


def format_html(template: str, /, **values: Any) -> str:
    """``template.format(**values)`` with every value escaped except plain numbers.

    The template is written by the notebook's author and is trusted; the values are data, and
    data never goes into a template (markup already built from data is shown with
    :func:`show_markup`). Numbers keep their format specs, e.g.
    ``format_html("<b>{unit}</b> {score:.2f}", ...)``.
    """
    safe = {
        k: v if isinstance(v, numbers.Real) and not isinstance(v, bool) else esc(v)
        for k, v in values.items()
    }
    return template.format(**safe)


def table_html(
    df,
    *,
    caption: str | None = None,
    index: bool = False,
    decimals: int | None = None,
    na_rep: str = "",
) -> str:
    """A DataFrame as an escaped HTML table (cells, headers and index all escaped)."""
    float_format = None if decimals is None else (lambda x: f"{x:.{decimals}f}")
    table = df.to_html(
        escape=True,
        index=index,
        na_rep=na_rep,
        float_format=float_format,
        border=0,
        classes="kaohe-table",
    )
    if caption is not None:  # to_html has no caption; it goes right after <table …>
        table = table.replace(">", f">\n  <caption>{esc(caption)}</caption>", 1)
    return table


def show_heading(text: Any, level: int = 2) -> None:
    """Display an escaped heading."""
    _display_html(heading_html(text, level))


def show_text(text: Any) -> None:
    """Display plain text as escaped paragraphs."""
    _display_html(text_html(text))


def show_html(template: str, /, **values: Any) -> None:
    """Display ``format_html(template, **values)``."""
    _display_html(format_html(template, **values))


def show_markup(markup: str) -> None:
    """Display HTML that is already escaped (built with :func:`esc`, such as
    :func:`kaohe.charts.summary_html`), as it is: never read as a template."""
    _display_html(markup)


def show_table(df, **options: Any) -> None:
    """Display a DataFrame as an escaped table; options as for :func:`table_html`."""
    _display_html(table_html(df, **options))


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def _report_renderer():
    import plotly.io as pio
    from plotly.io._base_renderers import MimetypeRenderer

    class ReportRenderer(MimetypeRenderer):
        """Each figure as ``<div>`` + ``Plotly.newPlot``, text escaped, plotly.js not copied."""

        def to_mimebundle(self, fig_dict):
            markup = pio.to_html(
                escape_figure(fig_dict),
                config=FIGURE_CONFIG,
                include_plotlyjs=False,
                include_mathjax=False,
                full_html=False,
                div_id=f"kaohe-figure-{next(_figure_ids)}",
                default_width="100%",
                default_height=FIGURE_HEIGHT,
                validate=False,
            )
            return {"text/html": markup}

    return ReportRenderer()


def escape_figure(fig_dict: Mapping) -> dict:
    """A copy of a plotly figure dict whose text is escaped for plotly's label markup.

    plotly.js reads ``<b>``, ``<br>``, ``<a href>``… in every label, tick, legend and hover
    text and decodes ``&lt;``; escaping ``& < >`` makes a unit name show exactly as written.
    Template strings (``hovertemplate``, ``texttemplate``…) are the author's and stay as they
    are; the values they pull in are escaped with the data.
    """
    return _escape_tree(dict(fig_dict), key="")


def _escape_tree(node, key):
    import numpy as np

    if isinstance(node, str):
        return node if key.endswith("template") else html.escape(node, quote=False)  # quotes need none in labels
    if isinstance(node, Mapping):
        return {k: _escape_tree(v, k) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [_escape_tree(v, key) for v in node]
    if isinstance(node, np.ndarray) and node.dtype.kind in "OUS":
        return [_escape_tree(v, key) for v in node.tolist()]
    return node




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
    body, _ = _exporter().from_notebook_node(
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


def _exporter():
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

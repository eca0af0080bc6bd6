"""What a report notebook shows: headings, text, tables and figures as safe HTML.

In a report notebook::

    from kaohe import report
    report.setup_notebook()                 # first cell: plotly.js once, figure renderer
    report.show_heading(f"{unit_name} 考核结果")
    report.show_table(scores)
    fig.show()                              # or leave ``fig`` as the cell's last line

Every text is escaped once (:func:`esc`); a figure's labels are escaped for plotly's label
markup (:func:`escape_figure`), so a unit name shows exactly as written.
"""

from __future__ import annotations

import html
import itertools
import numbers
import sys
from collections.abc import Mapping
from typing import Any

import markupsafe

from ..vocabulary import FONT_STACK
from .notebook import KERNEL_NAME

# plotly.js's own words (the toolbar, dates, numbers) in Chinese: the zh-CN locale is given in
# the figure's config, so no locale script is loaded from anywhere
ZH_CN = {
    "dictionary": {
        "Download plot as a png": "下载图片（PNG）", "Download plot as a PNG": "下载图片（PNG）", "Download plot": "下载图片", "Zoom": "缩放", "Pan": "平移",
        "Box Select": "框选", "Lasso Select": "套索选择", "Zoom in": "放大", "Zoom out": "缩小",
        "Autoscale": "自动缩放", "Reset axes": "还原坐标轴", "Reset view": "还原视图", "Reset": "还原",
        "Toggle Spike Lines": "显示/隐藏辅助线", "Show closest data on hover": "悬停时显示最近的数据",
        "Compare data on hover": "悬停时比较数据", "Toggle show closest data on hover": "切换悬停显示方式",
        "Double-click to zoom back out": "双击还原", "Taking snapshot - this may take a few seconds": "正在生成图片……",
        "Snapshot succeeded": "图片已生成", "Error": "出错", "trace": "系列", "Click to enter Plot title": "点击输入标题",
    },
    "format": {
        "days": ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
        "shortDays": ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
        "months": ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
        "shortMonths": ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
        "date": "%Y-%m-%d", "decimal": ".", "thousands": ",",
    },
}
FIGURE_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,  # plotly.js 4 shows a "Share chart" (upload) button by default
    "typesetMath": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["sendChartToCloud", "sendDataToCloud", "select2d", "lasso2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
    "locale": "zh-CN",
    "locales": {"zh-CN": ZH_CN},
}
FIGURE_HEIGHT = 450
_figure_ids = itertools.count(1)  # div ids kaohe-figure-1, -2…; reset by setup_notebook

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

"""The report: what a report notebook shows (:mod:`.page`) and how it is run and published
(:mod:`.notebook`). Report notebooks say ``from kaohe import report`` and use the names below."""

from .notebook import (
    KERNEL_NAME,
    NotebookError,
    NotebookParameterError,
    check_parameters,
    ensure_kernel,
    execute_notebook,
    html_exporter,
    publish_html,
    render_report,
    started_kernel,
)
from .page import (
    FIGURE_CONFIG,
    esc,
    escape_figure,
    format_html,
    heading_html,
    setup_notebook,
    show_heading,
    show_html,
    show_markup,
    show_table,
    show_text,
    table_html,
    text_html,
)

__all__ = [
    "FIGURE_CONFIG", "KERNEL_NAME", "NotebookError", "NotebookParameterError", "check_parameters", "ensure_kernel",
    "esc", "escape_figure", "execute_notebook", "format_html", "html_exporter", "heading_html", "publish_html", "render_report",
    "setup_notebook", "show_heading", "show_html", "show_markup", "show_table", "show_text", "started_kernel",
    "table_html", "text_html",
]

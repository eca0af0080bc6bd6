"""Publishing a report notebook as one offline HTML page (kaohe.report)."""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from plotly.offline import get_plotlyjs

from kaohe import report
from kaohe.problems import KaoheError

DEMO = Path(__file__).parent / "notebooks" / "demo_report.ipynb"


class _Tags(HTMLParser):
    """Every tag with its attributes, and the text of each inline script."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(text: str) -> _Tags:
    tags = _Tags()
    tags.feed(text)
    return tags


def without_plotly_js(text: str) -> str:
    bundle = get_plotlyjs()
    assert text.count(bundle) == 1
    return text.replace(bundle, "")


def plotly_js_signature() -> str:
    """The bundle's banner line, e.g. ``* plotly.js v4.1.1``; it occurs once per copy."""
    signature = re.search(r"\* plotly\.js v[\d.]+", get_plotlyjs()).group()
    assert get_plotlyjs().count(signature) == 1
    return signature


def test_plotly_js_is_embedded_exactly_once(demo_report):
    assert demo_report.text().count(plotly_js_signature()) == 1


def test_every_figure_is_drawn_by_an_inline_script(demo_report):
    text = demo_report.text()
    for n in range(1, demo_report.figures + 1):
        assert f'id="kaohe-figure-{n}"' in text
        assert re.search(rf'Plotly\.newPlot\(\s*"kaohe-figure-{n}"', text)
    assert "kaohe-figure-4" not in text


def test_nothing_is_loaded_from_another_host(demo_report):
    tags = parse(demo_report.text())
    sources = [
        (tag, a.get("src") or a.get("href"))
        for tag, a in tags.tags
        if tag in ("script", "link", "img", "iframe", "source", "audio", "video", "embed")
    ]
    assert [s for s in sources if s[0] != "script" or s[1]] == []  # no <script src=>, <link>…
    rest = without_plotly_js(demo_report.text()).lower()
    assert "http://" not in rest and "https://" not in rest and "//cdn" not in rest
    assert "cdn" not in rest
    assert "require.js" not in rest and "requirejs" not in rest and "require(" not in rest


def test_no_mathjax_mermaid_or_widget_manager(demo_report):
    scripts = parse(without_plotly_js(demo_report.text())).scripts
    assert len(scripts) == 2 + demo_report.figures  # the emptied bundle tag, one per figure, the fit for print
    for script in scripts:
        lowered = script.lower()
        assert "mathjax" not in lowered
        assert "mermaid" not in lowered
        assert "widget" not in lowered
    text = demo_report.text()
    assert "text/x-mathjax-config" not in text
    assert "application/vnd.jupyter.widget-state+json" not in text
    assert "application/vnd.jupyter.widget-view+json" not in text


def test_page_is_chinese_with_title_and_cjk_fonts(demo_report):
    text = demo_report.text()
    assert '<html lang="zh">' in text
    assert f"<title>{demo_report.title}</title>" in text
    assert '"Noto Sans CJK SC"' in text and '"Microsoft YaHei"' in text
    assert '"PingFang SC"' in text and '"SimSun", sans-serif' in text


def test_code_and_prompts_are_hidden(demo_report):
    text = demo_report.text()
    for code in ("report.setup_notebook()", "import pandas", "px.bar(", "unit_name: str ="):
        assert code not in text
    for prompt in ("jp-InputPrompt", "jp-OutputPrompt", "In&nbsp;[", "Out["):
        assert prompt not in text
    assert "jp-CodeMirrorEditor" not in text and 'class="highlight' not in text


def test_unit_names_are_escaped_text_everywhere(demo_report):
    text = demo_report.text()
    assert "<img" not in text
    assert "<b>工会" not in text
    assert text.count("&lt;img src=x onerror=alert(1)&gt;") >= 4  # text, caption, table, chart
    assert not any(tag == "img" for tag, _ in parse(text).tags)


def test_executed_notebook_is_kept_beside_the_report(demo_report):
    assert demo_report.ipynb == demo_report.html.with_name("报告.ipynb")
    nb = nbformat.read(demo_report.ipynb, as_version=4)
    assert nb.metadata.papermill.parameters["unit_name"] == demo_report.hostile_name
    assert nb.metadata.kernelspec.name == report.KERNEL_NAME
    assert "widgets" not in nb.metadata
    assert not list(demo_report.html.parent.glob(".*.tmp"))


def test_title_falls_back_to_the_title_parameter(demo_report, tmp_path):
    html = report.publish_html(demo_report.ipynb, tmp_path / "again.html")
    assert f"<title>{demo_report.title}</title>" in html.read_text(encoding="utf-8")
    html = report.publish_html(demo_report.ipynb, tmp_path / "again.html", title="别的<标题>")
    assert "<title>别的&lt;标题&gt;</title>" in html.read_text(encoding="utf-8")


def failing_notebook(path):
    nb = new_notebook(
        cells=[
            new_code_cell('title: str = "出错示例"', metadata={"tags": ["parameters"]}),
            new_code_cell("from kaohe import report\nreport.setup_notebook()"),
            new_code_cell('raise ValueError("故意出错")'),
            new_code_cell('report.show_text("不应执行到这里")'),
        ],
        metadata={"kernelspec": {"name": "kaohe", "display_name": "Python (kaohe)",
                                 "language": "python"}},
    )
    nbformat.write(nb, path)
    return path


def test_a_cell_error_fails_the_run_and_publishes_nothing(tmp_path):
    notebook = failing_notebook(tmp_path / "bad.ipynb")
    html = tmp_path / "out" / "报告.html"
    with pytest.raises(report.NotebookError) as caught:
        report.render_report(notebook, html, {"title": "出错示例"})
    message = str(caught.value)
    assert "bad.ipynb 运行失败，报告未发布" in message
    # In [4]: the audit notebook's count, after papermill's injected-parameters cell
    assert "代码单元 In [4]（raise ValueError(\"故意出错\")）出错 ValueError: 故意出错" in message
    assert isinstance(caught.value, KaoheError)
    assert not html.exists()
    assert not list(html.parent.glob("*.html")) and not list(html.parent.glob(".*.tmp"))
    kept = nbformat.read(html.with_suffix(".ipynb"), as_version=4)  # kept for audit
    assert kept.metadata.papermill.exception is True
    with pytest.raises(report.NotebookError, match="含有出错的单元，不发布报告"):
        report.publish_html(html.with_suffix(".ipynb"), html)
    assert not html.exists()


def test_unknown_and_ill_typed_parameters_are_refused_before_running(tmp_path):
    html = tmp_path / "报告.html"
    with pytest.raises(report.NotebookParameterError) as caught:
        report.render_report(DEMO, html, {"unit": "机关工会", "title": 2019})
    assert caught.value.messages == [
        "未知参数「unit」（笔记本的参数有：title、unit_name），是否应为「unit_name」？",
        "参数「title」应为文本 str，实际为整数 int：2019",
    ]
    assert str(caught.value).startswith("笔记本 demo_report.ipynb 的参数有误，未执行：")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("declaration", "good", "bad"),
    [
        ("year: int = 2019", 2020, "2020"),
        ("year = 2019", 2020, True),
        ("ratio: float = 0.5", 1, "0.5"),
        ("ratio = 0.5", 2, None),
        ("flag = False", True, 0),
        ("names: list[str] = []", ["甲"], "甲"),
        ("name = '甲'", "乙", 1),
        ("limits = {'a': 1}", {"b": 2}, [1]),
    ],
)
def test_parameter_types_come_from_annotation_or_default(tmp_path, declaration, good, bad):
    notebook = tmp_path / "p.ipynb"
    nbformat.write(
        new_notebook(cells=[new_code_cell(declaration, metadata={"tags": ["parameters"]})],
                     metadata={"kernelspec": {"name": "kaohe", "language": "python",
                                              "display_name": "Python (kaohe)"}}),
        notebook,
    )
    name = declaration.split("=")[0].split(":")[0].strip()
    report.check_parameters(notebook, {name: good})
    with pytest.raises(report.NotebookParameterError, match=f"参数「{name}」应为"):
        report.check_parameters(notebook, {name: bad})


def test_untyped_parameters_accept_anything(tmp_path):
    notebook = tmp_path / "p.ipynb"
    nbformat.write(
        new_notebook(cells=[new_code_cell("data_dir = None\nwhen = make_date()\n"
                                          "limit: Optional[int] = 5",
                                          metadata={"tags": ["parameters"]})],
                     metadata={"kernelspec": {"name": "kaohe", "language": "python",
                                              "display_name": "Python (kaohe)"}}),
        notebook,
    )
    report.check_parameters(notebook, {"data_dir": "data/raw", "when": 3, "limit": None})


def test_a_notebook_without_parameters_cell_takes_no_parameters(tmp_path):
    notebook = tmp_path / "p.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")],
                                metadata={"kernelspec": {"name": "kaohe", "language": "python",
                                                         "display_name": "Python (kaohe)"}}),
                   notebook)
    report.check_parameters(notebook, {})
    with pytest.raises(report.NotebookParameterError, match="没有标记为 parameters 的单元"):
        report.check_parameters(notebook, {"x": 2})


def test_ensure_kernel_installs_this_python_once():
    from jupyter_client.kernelspec import KernelSpecManager

    assert report.ensure_kernel() == "kaohe"
    assert report.ensure_kernel() == "kaohe"
    spec = KernelSpecManager().get_kernel_spec("kaohe")
    assert spec.argv[0] == sys.executable
    assert spec.display_name == "Python (kaohe)"


def test_esc_and_text_helpers_escape_data():
    hostile = '<img src=x onerror=alert(1)> & "引号"'
    assert report.esc(hostile) == "&lt;img src=x onerror=alert(1)&gt; &amp; &#34;引号&#34;"  # markupsafe's quote
    assert report.esc(None) == ""
    assert report.heading_html("<b>单位</b>", 3) == "<h3>&lt;b&gt;单位&lt;/b&gt;</h3>"
    assert report.text_html("甲<br>\n乙\n\n丙") == "<p>甲&lt;br&gt;<br>乙</p>\n<p>丙</p>"
    assert (
        report.format_html("<b>{unit}</b> {score:.1f}", unit="<i>甲</i>", score=9.25)
        == "<b>&lt;i&gt;甲&lt;/i&gt;</b> 9.2"
    )


def test_table_html_escapes_cells_headers_index_and_caption():
    import pandas as pd

    hostile = "<img src=x onerror=alert(1)>"
    df = pd.DataFrame({hostile: [hostile, 1.5]}, index=pd.Index([hostile, "乙"], name=hostile))
    table = report.table_html(df, index=True, caption=hostile, decimals=2)
    assert "<img" not in table
    assert table.count("&lt;img src=x onerror=alert(1)&gt;") == 5
    assert "<caption>&lt;img" in table and "1.50" in table


def test_escape_figure_escapes_labels_but_keeps_templates():
    import numpy as np

    fig = {
        "data": [
            {
                "x": np.array(["<b>甲</b>", "乙 & 丙"], dtype=object),
                "y": np.array([1.0, 2.0]),
                "name": "<a href='x'>链接</a>",
                "hovertemplate": "单位=%{x}<br>得分=%{y}<extra></extra>",
            }
        ],
        "layout": {"title": {"text": "<i>标题</i>"}, "font": {"family": '"Noto Sans CJK SC"'}},
    }
    escaped = report.escape_figure(fig)
    trace = escaped["data"][0]
    assert trace["x"] == ["&lt;b&gt;甲&lt;/b&gt;", "乙 &amp; 丙"]
    assert trace["y"] is fig["data"][0]["y"]
    assert trace["name"] == "&lt;a href='x'&gt;链接&lt;/a&gt;"
    assert trace["hovertemplate"] == fig["data"][0]["hovertemplate"]
    assert escaped["layout"]["title"]["text"] == "&lt;i&gt;标题&lt;/i&gt;"
    assert escaped["layout"]["font"]["family"] == '"Noto Sans CJK SC"'
    assert fig["data"][0]["name"] == "<a href='x'>链接</a>"  # the input is not changed

"""The yearly report (issue 3): ``kaohe run`` executes notebooks/annual_report.ipynb with
papermill and publishes one offline ``report.html`` beside the executed ``report.ipynb``.

Each notebook runs once per test run: the tiny year with a hostile unit name (in process), the
2019 sample year (the installed command, after scoring 2018 into the same data folder) and one
run stopped by a failing cell are module fixtures shared by the tests below.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell

from conftest import HOSTILE_NAME
from kaohe import report
from kaohe.vocabulary import FONT_STACK
from kaohe.cli import main
from kaohe.pipeline import load_year
from test_cli import shell, tree
from test_publish import parse, plotly_js_signature, without_plotly_js
from conftest import SAMPLE_RAW
from tiny_year import FILES, SCHEME, write_tiny_year

ANNUAL_REPORT = SAMPLE_RAW.parent / "notebooks" / "annual_report.ipynb"
HOSTILE_TITLE = "<img src=y onerror=alert(2)>品牌"
BRACED_NOTE = "文件{2019}第3号 {0} {unit} {:%}"  # data that str.format would take for fields
RENAMED = "甲"  # the tiny year's vetoed unit, renamed to HOSTILE_NAME in every input file
SECTIONS = ["概况", "考核排名", "总分构成", "各类指标得分率", "失分分布", "业务部门评分",
            "基层问卷", "特色品牌", "与上年比较", "排名稳定性", "结果可靠性", "评分质量", "附录"]
MAX_BYTES = 6 * 1024 * 1024
FAILING_CELL = 'raise RuntimeError("故意出错")'


@dataclass
class Run:
    """One ``kaohe run YEAR`` and what it left in ``data_dir/output/YEAR``."""

    data_dir: Path
    year: int
    code: int
    out: str
    err: str

    @property
    def output(self) -> Path:
        return self.data_dir / "output" / str(self.year)

    @property
    def html(self) -> Path:
        return self.output / "report.html"

    @cached_property
    def text(self) -> str:
        return self.html.read_text(encoding="utf-8")

    @cached_property
    def notebook(self):
        return nbformat.read(self.output / "report.ipynb", as_version=4)

    @cached_property
    def results(self) -> pd.DataFrame:
        return pd.read_csv(self.output / "results.csv")

    @property
    def figures(self) -> int:
        """Figures in the executed notebook: outputs drawn by ``Plotly.newPlot``."""
        return sum(
            "Plotly.newPlot(" in o.get("data", {}).get("text/html", "")
            for c in self.notebook.cells if c.cell_type == "code"
            for o in c.outputs
        )

    @property
    def title(self) -> str:
        """The page's ``<title>``, as text."""
        return html.unescape(re.search(r"<title>(.*?)</title>", self.text.split("</head>")[0]).group(1))

    @property
    def scheme_title(self) -> str:
        manifest = json.loads((self.output / "manifest.json").read_text(encoding="utf-8"))
        return manifest["scheme"]["title"]

    def section(self, keyword: str) -> str:
        """The HTML from the ``<h2>`` holding ``keyword`` to the next ``<h2>``."""
        start = re.search(rf"<h2[^>]*>[^<]*{keyword}", self.text).start()
        end = self.text.find("<h2", start + 1)
        return self.text[start:] if end < 0 else self.text[start:end]


def kaohe(argv) -> tuple[int, str, str]:
    """``kaohe argv`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code
    return code, out.getvalue(), err.getvalue()


def hostile_files() -> dict[str, str]:
    """The tiny year with 甲 renamed in every file (as unit and as reviewer), one hostile title."""
    files = {name: re.sub(rf"^{RENAMED},", f"{HOSTILE_NAME},", text, flags=re.M)
             for name, text in FILES.items()}
    files["brand_items.csv"] = files["brand_items.csv"].replace("甲的品牌", HOSTILE_TITLE)
    files["vetoes.csv"] = files["vetoes.csv"].replace("班子成员被纪委立案审查", BRACED_NOTE)
    for name, text in files.items():
        assert not re.search(rf"^{RENAMED},", text, re.M), name
        assert HOSTILE_NAME in text, name
    return files


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Run:
    data = write_tiny_year(tmp_path_factory.mktemp("tiny") / "data", files=hostile_files())
    run = Run(data, 2030, *kaohe(["run", "2030", "--data-dir", data]))
    assert run.code == 0, run.err
    return run


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory) -> Run:
    """2018 scored first (its results.csv is what the comparison reads), then ``kaohe run 2019``."""
    data = tmp_path_factory.mktemp("sample") / "data"
    shutil.copytree(SAMPLE_RAW, data / "raw")
    code, _, err = kaohe(["score", "2018", "--data-dir", data])
    assert code == 0, err
    done = shell(["run", "2019", "--data-dir", str(data)], cwd=data.parent)
    run = Run(data, 2019, done.returncode, done.stdout, done.stderr)
    assert run.code == 0, run.err
    return run


@pytest.fixture(params=["tiny", "sample"])
def published(request) -> Run:
    return request.getfixturevalue(f"{request.param}_run")


def notebook_with_failing_cell(folder: Path) -> Path:
    """A copy of the annual report with a failing cell just before the ranking table."""
    nb = nbformat.read(ANNUAL_REPORT, as_version=4)
    at = next(k for k, c in enumerate(nb.cells) if "ranking_table" in c.source)
    nb.cells.insert(at, new_code_cell(FAILING_CELL))
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / ANNUAL_REPORT.name)
    return folder / ANNUAL_REPORT.name


@pytest.fixture(scope="module")
def failed_run(tiny_run, tmp_path_factory) -> tuple[Run, dict]:
    """``kaohe run 2030 --notebook <copy with a failing cell>`` over a copy of the tiny year's outputs."""
    root = tmp_path_factory.mktemp("failed")
    data = root / "data"
    shutil.copytree(tiny_run.data_dir, data)
    before = tree(data / "output")
    notebook = notebook_with_failing_cell(root / "notebooks")
    run = Run(data, 2030, *kaohe(["run", "2030", "--data-dir", data, "--notebook", notebook]))
    return run, before


# -- the notebook's sections -------------------------------------------------------------------


def test_the_ten_sections_are_present_in_order(published):
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", published.text, re.S)
    found = [next(k for k, h in enumerate(headings) if keyword in h) for keyword in SECTIONS]
    assert found == sorted(found), headings  # other sections may come between, not reorder these
    assert found[0] == 0 and found[-1] == len(headings) - 1  # 概况 first, 附录 last
    assert published.text.count("<h1") == 1


def test_the_comparison_draws_a_chart_when_last_years_results_exist(sample_run):
    section = sample_run.section("与上年比较")
    assert len(re.findall(r'Plotly\.newPlot\(\s*"kaohe-figure-\d+"', section)) == 1
    assert "上年名次" in section and "名次变化" in section
    assert "不作比较" not in section


def test_the_comparison_says_so_when_last_year_has_no_results(tiny_run, sample_run):
    section = tiny_run.section("与上年比较")
    assert "没有 2029 年度的考核结果或输入，不作比较。" in section
    assert "Plotly.newPlot" not in section and "<table" not in section
    assert tiny_run.figures == sample_run.figures - 1  # the same charts but the comparison


# -- kaohe run: progress, outputs, failures --------------------------------------------------


def test_run_prints_progress_and_the_paths_it_wrote(sample_run):
    lines = sample_run.out.splitlines()
    steps = [line for line in lines if re.match(r"\[\d/4\] ", line)]
    assert steps == [
        "[1/4] 校验输入并计分……",
        "[2/4] 写出结果表……",
        "[3/4] 执行报告笔记本（papermill）……",
        "[4/4] 发布 HTML 报告（nbconvert）……",
    ]
    written = lines[lines.index("已写出：") + 1:]
    assert [Path(w.strip()) for w in written] == [
        sample_run.output / name for name in (
            "results.csv", "indicator_scores.csv", "category_scores.csv", "brand_scores.csv",
            "results.xlsx", "manifest.json", "report.html", "report.ipynb",
        )
    ]
    assert sorted(p.name for p in sample_run.output.iterdir()) == sorted(Path(w).name for w in written)
    assert sorted(p.name for p in (sample_run.data_dir / "output").iterdir()) == ["2018", "2019"]


def test_the_kernel_talks_over_local_sockets_without_warnings(sample_run):
    assert "Kernel is running over TCP" not in sample_run.err
    assert sample_run.err.strip() == ""


def test_the_kernel_started_early_imports_what_the_notebook_imports(tmp_path):
    """While the year is scored, the early kernel imports the notebook's modules (so the first
    cell does not wait for them), without defining any of the notebook's names."""
    probe = ("import sys\nprint('kaohe.analysis.charts' in sys.modules, 'csv' in sys.modules,"
             " 'c' in globals(), 'Path' in globals())")
    nb = nbformat.v4.new_notebook(cells=[
        new_code_cell(probe),
        new_code_cell("import json\nfrom pathlib import Path\nimport kaohe.analysis.charts as c"),
        nbformat.v4.new_markdown_cell("import no_such_module"),
        new_code_cell("x = 1\nif x:\n    import csv"),
    ])
    nbformat.write(nb, tmp_path / "n.ipynb")
    with report.started_kernel(tmp_path, tmp_path / "n.ipynb") as kernel:
        executed = report.execute_notebook(tmp_path / "n.ipynb", tmp_path / "out.ipynb", cwd=tmp_path, kernel=kernel)
    first = nbformat.read(executed, as_version=4).cells[0].outputs[0]["text"]
    assert first.split() == ["True", "True", "False", "False"]


def test_a_kernel_started_early_runs_the_notebook_in_its_folder_and_is_shut_down(tmp_path):
    code = "import os\nprint(os.getcwd())"
    nbformat.write(nbformat.v4.new_notebook(cells=[new_code_cell(code)]), tmp_path / "probe.ipynb")
    with report.started_kernel(tmp_path, tmp_path / "probe.ipynb") as kernel:
        executed = report.execute_notebook(tmp_path / "probe.ipynb", tmp_path / "out.ipynb",
                                           cwd=tmp_path, kernel=kernel)
        assert kernel.has_kernel
    assert nbformat.read(executed, as_version=4).cells[0].outputs[0]["text"].strip() == str(tmp_path.resolve())
    assert not kernel.has_kernel


def test_an_invalid_year_leaves_no_kernel_running(tiny_run, tmp_path):
    psutil = pytest.importorskip("psutil")
    data = tmp_path / "data"
    shutil.copytree(tiny_run.data_dir / "raw", data / "raw")
    (data / "raw/2030/units.csv").write_text("unit\n", encoding="utf-8")
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    code, _, err = kaohe(["run", "2030", "--data-dir", data])
    assert code == 1, err
    assert {p.pid for p in psutil.Process().children(recursive=True)} <= before


def test_the_executed_notebook_is_kept_beside_the_report(published):
    nb = published.notebook
    parameters = dict(nb.metadata.papermill.parameters)
    scored = Path(parameters.pop("scored"))
    assert parameters == {"year": published.year, "data_dir": str(published.data_dir.resolve())}
    assert scored.name == "results.pickle" and not scored.exists()  # handed over, then cleaned up
    assert nb.metadata.kernelspec.name == report.KERNEL_NAME
    assert not nb.metadata.papermill.get("exception")
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o.output_type == "error"]
    assert "widgets" not in nb.metadata
    assert not list(published.output.glob(".*"))


def test_a_cell_error_fails_the_run_and_leaves_previous_outputs_untouched(failed_run):
    run, before = failed_run
    assert run.code == 1
    assert run.err.startswith(
        "kaohe: 笔记本 annual_report.ipynb 运行失败，报告未发布："
        f"代码单元 In [5]（{FAILING_CELL}）出错 RuntimeError: 故意出错。"
    )
    assert "[3/4] 执行报告笔记本（papermill）……" in run.out and "已写出" not in run.out
    after = tree(run.data_dir / "output")
    assert after.pop("2030/出错的报告.ipynb")  # the failed notebook, kept for inspection
    assert after == before  # byte for byte, and no staging folder


def test_a_cell_error_keeps_the_failed_notebook_where_the_message_says(failed_run):
    run, _ = failed_run
    saved = re.search(r"出错的笔记本已保存为 (\S+)", run.err).group(1)
    assert Path(saved).is_file()


def test_an_invalid_year_exits_1_with_the_problems_and_leaves_outputs_untouched(tiny_run, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny_run.data_dir, data)
    before = tree(data / "output")
    dept = data / "raw/2030/dept_scores/宣教部.csv"
    dept.write_text(dept.read_text(encoding="utf-8").replace("乙,36,1", "乙,45,1"), encoding="utf-8")
    code, out, err = kaohe(["run", "2030", "--data-dir", data])
    assert code == 1
    assert re.search(r"^错误\s+dept_scores/宣教部\.csv\s+3\s+1\.1\s+45\s+得分 45 超过该指标满分 40$", err, re.M)
    assert "输入数据有 1 个错误，未写出任何结果；已有的结果保持不变。" in err
    assert "[2/4]" not in out
    assert tree(data / "output") == before


def test_unknown_or_ill_typed_parameters_are_refused_before_running(tmp_path):
    executed = tmp_path / "report.ipynb"
    with pytest.raises(report.NotebookParameterError) as caught:
        report.execute_notebook(ANNUAL_REPORT, executed, {"yaer": 2019, "data_dir": 2019})
    assert caught.value.messages == [
        "未知参数「yaer」（笔记本的参数有：year、data_dir、scored），是否应为「year」？",
        "参数「data_dir」应为文本 str，实际为整数 int：2019",
    ]
    assert str(caught.value).startswith("笔记本 annual_report.ipynb 的参数有误，未执行：\n  - 未知参数「yaer」")
    for year in ("2019", 2019.0, True):
        with pytest.raises(report.NotebookParameterError, match="参数「year」应为整数 int"):
            report.check_parameters(ANNUAL_REPORT, {"year": year})
    report.check_parameters(ANNUAL_REPORT, {"year": 2019, "data_dir": "data"})
    assert list(tmp_path.iterdir()) == []


# -- the published HTML -------------------------------------------------------------------------


def test_plotly_js_is_embedded_exactly_once(published):
    assert published.text.count(plotly_js_signature()) == 1
    without_plotly_js(published.text)  # the whole bundle, exactly once
    for n in range(1, published.figures + 1):
        assert re.search(rf'Plotly\.newPlot\(\s*"kaohe-figure-{n}"', published.text)


def test_nothing_is_loaded_from_another_host(published):
    rest = without_plotly_js(published.text)
    tags = parse(published.text).tags
    sources = [(tag, a.get("src") or a.get("href")) for tag, a in tags
               if tag in ("script", "link", "img", "iframe", "source", "audio", "video", "embed")]
    assert [s for s in sources if s[0] != "script" or s[1]] == []
    assert not [(t, a) for t, a in tags if any(v and re.match(r"\s*(https?:)?//", v) for v in a.values())]
    assert "http://" not in rest and "https://" not in rest


def test_no_require_js_mathjax_or_widget_manager(published):
    rest = without_plotly_js(published.text)
    lowered = rest.lower()
    assert "require.js" not in lowered and "requirejs" not in lowered and "require(" not in lowered
    for script in parse(rest).scripts:
        assert "mathjax" not in script.lower() and "widget" not in script.lower()
    assert "text/x-mathjax-config" not in rest
    assert "@jupyter-widgets" not in rest and "widget-manager" not in lowered
    assert "application/vnd.jupyter.widget-state+json" not in rest
    assert "application/vnd.jupyter.widget-view+json" not in rest


def test_no_code_is_shown(published):
    cells = published.text.split('<div class="jp-Cell ')[1:]
    code_cells = [c for c in cells if c.startswith("jp-CodeCell")]
    assert len(code_cells) == sum(c.cell_type == "code" for c in published.notebook.cells)
    for cell in code_cells:
        assert "jp-mod-noInput" in cell.split(">", 1)[0]
        assert "jp-InputArea" not in cell and "jp-InputPrompt" not in cell
    for code in ("report.setup_notebook()", "kaohe.load_year", "charts.total_chart", "import pandas"):
        assert code not in published.text
    assert "jp-OutputPrompt" not in published.text and 'class="highlight' not in published.text


def test_page_is_chinese_with_the_scheme_title_and_cjk_fonts(published):
    head = published.text.split("</head>")[0]
    assert '<html lang="zh">' in head
    assert published.title.startswith(published.scheme_title)
    if published.year == 2030:
        assert published.scheme_title == SCHEME["title"]
    assert f"<h1>{report.esc(published.title)}</h1>" in published.text
    stack = re.search(r"--kaohe-font:([^;]*);", head).group(1)
    assert " ".join(stack.split()) == FONT_STACK  # the page and the charts name the same fonts
    assert FONT_STACK.startswith('"Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei"')
    assert "font-family: var(--kaohe-font);" in head


def test_report_is_under_6_mb(published, capsys):
    size = published.html.stat().st_size
    with capsys.disabled():
        print(f"\n{published.year} report.html: {size / 1024 / 1024:.2f} MB "
              f"({size:,} bytes, {published.figures} figures)")
    assert size < MAX_BYTES


def test_the_hostile_name_and_title_are_escaped_text(tiny_run):
    text = tiny_run.text
    assert "<img" not in text and not any(tag == "img" for tag, _ in parse(text).tags)
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&lt;img src=y onerror=alert(2)&gt;品牌" in text
    assert HOSTILE_NAME in tiny_run.results["unit"].tolist()


# -- in a real browser, offline ---------------------------------------------------------------


@pytest.fixture
def browse(request):
    """Open a published report in headless Chromium, every non-``file:`` request refused."""
    pytest.importorskip("playwright", reason="浏览器测试跳过：没有安装 playwright（pip install playwright）")
    from test_browser import DRAWN_FIGURES  # that module skips itself without playwright

    offline = request.getfixturevalue("offline_page")

    def open_report(run: Run):
        offline.page.goto(run.html.as_uri(), wait_until="load")
        offline.page.wait_for_function(f"({DRAWN_FIGURES})() >= {run.figures}", timeout=60_000)
        return offline

    return open_report


def test_in_a_browser_every_chart_draws_offline_and_the_results_show(browse, published):
    opened = browse(published)
    page = opened.page
    drawn = page.locator(".js-plotly-plot").filter(has=page.locator("svg.main-svg"))
    assert drawn.count() == published.figures
    assert page.locator(".js-plotly-plot .main-svg").count() >= published.figures
    assert opened.blocked == []
    assert opened.console_errors == []
    assert opened.page_errors == []
    assert opened.dialogs == []

    assert page.title() == published.title
    assert page.locator("h1").inner_text() == published.title
    assert published.scheme_title in page.locator("main").inner_text()

    ranking = page.locator("table.kaohe-table").first
    rows = [r.locator("td").all_inner_texts() for r in ranking.locator("tbody tr").all()]
    grade_of = {row[1]: row[-1] for row in rows}
    assert list(grade_of) == published.results["unit"].tolist()
    top = published.results.loc[published.results["grade"].eq("优秀"), "unit"].tolist()
    assert top
    summary = page.locator("main p").filter(has_text="考核等次为").inner_text()
    changed = set(published.results.loc[published.results["grade"] != published.results["proposed_grade"], "unit"])
    for unit in top:
        assert grade_of[unit] == ("优秀（会议调整，原为良好）" if unit in changed else "优秀")  # the meeting's change marked
        assert unit in summary
    assert page.evaluate("document.querySelectorAll('img').length") == 0


def test_in_a_browser_the_hostile_name_shows_as_text(browse, tiny_run):
    opened = browse(tiny_run)
    page = opened.page
    units = page.locator("table.kaohe-table").first.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert HOSTILE_NAME in units  # the ranking table
    vetoed = page.locator("main li").filter(has_text="严重违法违纪").inner_text()
    assert vetoed.startswith(f"{HOSTILE_NAME}：第1项「严重违法违纪」")  # the summary
    assert HOSTILE_NAME in page.locator("#kaohe-figure-1 .ytick text").all_text_contents()
    assert HOSTILE_NAME in page.locator("#kaohe-figure-2 .ytick text").all_text_contents()
    assert page.locator(".js-plotly-plot .ytick tspan, .js-plotly-plot .ytick a").count() == 0
    assert page.get_by_text(HOSTILE_TITLE, exact=True).count() == 1  # the brand table
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert opened.dialogs == [] and opened.page_errors == [] and opened.console_errors == []
    assert opened.blocked == []


def test_text_with_braces_reaches_the_report_as_text(tiny_run):
    """A veto note such as 文件{2019}第3号 is data, never a format string, in every output."""
    page = (tiny_run.data_dir / "output/2030/report.html").read_text(encoding="utf-8")
    assert html.escape(BRACED_NOTE, quote=False) in page
    notebook = (tiny_run.data_dir / "output/2030/report.ipynb").read_text(encoding="utf-8")
    assert json.dumps(html.escape(BRACED_NOTE, quote=False), ensure_ascii=False)[1:-1] in notebook



def test_the_comparison_scores_last_year_in_memory_when_only_its_inputs_exist(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE_RAW, data / "raw")
    code, _, err = kaohe(["run", "2019", "--data-dir", data])
    assert code == 0, err
    run = Run(data, 2019, code, "", err)
    section = run.section("与上年比较")
    assert "2018 年度的输入（尚未生成输出，按其方案即时计分，不写出任何文件）" in section
    assert "上年名次" in section and len(re.findall(r'Plotly\.newPlot\(\s*"kaohe-figure-\d+"', section)) == 1
    assert not (data / "output" / "2018").exists()  # nothing written for last year


def test_the_report_opens_with_its_key_figures_and_who_made_it(sample_run):
    text = html.unescape(re.sub(r"<[^>]+>", " ", sample_run.html.read_text(encoding="utf-8")))
    results = load_year(2019, sample_run.data_dir)
    for name in ("参评单位", "一票否决", "会议调整等次", "最高分", "最低分"):
        assert name in text
    assert f"分数线 {results.cutoff:.2f} 分" in text
    assert "绍兴市总工会办公室" in text and "编制" in text and "由 kaohe" not in text
    assert "示例数据：本报告由合成的示例数据生成" in text


PRINTED_PAGES = "20"  # the sample year's report printed on A4, every chart at the paper's width


def test_printed_on_a4_every_chart_fits_the_page(browse, sample_run):
    opened = browse(sample_run)
    page = opened.page
    page.set_viewport_size({"width": 700, "height": 1000})  # A4's printable width at 96 dpi
    page.emulate_media(media="print")
    page.wait_for_timeout(800)
    widths = page.evaluate("[...document.querySelectorAll('.plotly-graph-div')].map(d => d.getBoundingClientRect().right)")
    assert widths and max(widths) <= 700
    assert page.evaluate("document.documentElement.scrollWidth") <= 700
    assert page.locator(".modebar-container").first.is_hidden()  # no toolbar on paper
    pdf = sample_run.output / "打印.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Pages:\s+(\d+)", info).group(1) == PRINTED_PAGES  # README「输出」
    pdf.unlink()


def test_a_real_year_never_says_sample(tiny_run):
    """The tiny year's files carry no 示例数据 line: neither the report nor results.xlsx says so."""
    import openpyxl

    assert "示例数据" not in tiny_run.text
    title = openpyxl.load_workbook(tiny_run.output / "results.xlsx").worksheets[0].cell(1, 1).value
    assert title == "示例年度考核（测试用）结果"

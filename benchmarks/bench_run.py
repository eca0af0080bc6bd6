"""The 22-unit sample year: ``kaohe validate``, ``kaohe score`` and ``kaohe run`` wall time,
and ``kaohe run`` against the floor of the tools it is built on.

Times ``kaohe validate YEAR`` and ``kaohe score YEAR`` (fresh processes), then ``kaohe run YEAR`` (a fresh process, on a temporary copy of the data, with the previous
year scored first so the report draws every chart) against the floor: a fresh process that
runs, with papermill on the same ``kaohe`` kernel, a notebook that only imports pandas and
plotly, embeds plotly.js once the same way and shows as many trivial figures as the report
has, then converts it with nbconvert and the same exporter. Prints both wall times, the
ratio (target ≤ 1.3), the report size (target < 6 MB), and where ``kaohe run`` spends its
time (its progress steps, the notebook's slowest cells).

    .venv/bin/python benchmarks/bench_run.py            # 3 interleaved rounds, the shipped 2019 sample
    .venv/bin/python benchmarks/bench_run.py --repeat 5 --year 2019
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

SAMPLE_YEARS = Path(str(files("kaohe") / "years"))  # the shipped sample inputs, copied before use
TEMPLATES_DIR = Path(str(files("kaohe") / "templates"))
KERNEL = "kaohe"
RATIO_TARGET = 1.3
SIZE_TARGET = 6 * 1024 * 1024
EXPORTER = {  # kaohe.report.html_exporter(); checked to be the same before timing
    "template_name": "kaohe_report",
    "exclude_input": True,
    "exclude_input_prompt": True,
    "exclude_output_prompt": True,
    "exclude_anchor_links": True,
    "language_code": "zh",
}
FLOOR_SETUP = '''\
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from IPython.display import HTML, display
from plotly.offline import get_plotlyjs

display(HTML('<script type="text/javascript">' + get_plotlyjs().replace("</script", "<\\\\/script") + "</script>"))


def show(fig):
    display(HTML(pio.to_html(fig, include_plotlyjs=False, include_mathjax=False, full_html=False,
                             config={"displaylogo": False}, validate=False)))
'''
FLOOR_FIGURE = 'show(go.Figure(go.Bar(x=["甲", "乙", "丙"], y=[1, 3, 2])))'


def kaohe_command() -> list[str]:
    script = Path(sys.executable).parent / "kaohe"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kaohe"]


def timed(command: str, year: int, data: Path) -> float:
    """``kaohe COMMAND YEAR`` in a fresh process: its wall time."""
    start = time.perf_counter()
    subprocess.run(kaohe_command() + [command, str(year), "--data-dir", str(data)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def timed_run(year: int, data: Path) -> tuple[float, list[tuple[float, str]]]:
    """``kaohe run`` in a fresh process: wall time and the time each progress line appeared."""
    start = time.perf_counter()
    proc = subprocess.Popen(kaohe_command() + ["run", str(year), "--data-dir", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
    steps = []
    for line in proc.stdout:
        if re.match(r"\[\d/\d\] ", line):
            steps.append((time.perf_counter() - start, line.strip()))
    err = proc.stderr.read()
    if proc.wait() != 0:
        sys.exit(f"kaohe run {year} 失败：\n{err}")
    return time.perf_counter() - start, steps


def timed_floor(notebook: Path, out: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "_floor", str(notebook), str(out)], capture_output=True,
                          text=True, encoding="utf-8")  # the kernel's start-up warnings are kept out of the report
    if done.returncode != 0:
        sys.exit(f"下限笔记本运行失败：\n{done.stderr}")
    return time.perf_counter() - start


def floor(notebook: Path, out: Path) -> None:
    """The floor, in this fresh process: papermill on the kaohe kernel, then nbconvert."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    executed = out / "floor.ipynb"
    papermill.execute_notebook(str(notebook), str(executed), parameters={"year": 2019},
                               kernel_name=KERNEL, cwd=str(notebook.parent), progress_bar=False,
                               log_output=False, store_widget_state=False)
    nb = nbformat.read(executed, as_version=4)
    nb.metadata["title"] = "floor"
    exporter = HTMLExporter(extra_template_basedirs=[str(TEMPLATES_DIR)], **EXPORTER)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": "floor"}})
    (out / "floor.html").write_text(body, encoding="utf-8")


def floor_notebook(path: Path, figures: int) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    cells = [new_code_cell("year = 2019", metadata={"tags": ["parameters"]}), new_code_cell(FLOOR_SETUP)]
    cells += [new_code_cell(FLOOR_FIGURE) for _ in range(figures)]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": KERNEL, "language": "python",
                                                            "display_name": "Python (kaohe)"}})
    nbformat.write(nb, path)
    return path


def figures_in(executed: Path) -> int:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    return sum(
        "Plotly.newPlot(" in "".join(o.get("data", {}).get("text/html", ""))
        for c in nb["cells"] if c["cell_type"] == "code"
        for o in c.get("outputs", [])
    )


def slowest_cells(executed: Path, n: int = 5) -> tuple[list[tuple[float, str]], float]:
    nb = json.loads(executed.read_text(encoding="utf-8"))
    cells = [(c["metadata"].get("papermill", {}).get("duration") or 0.0,
              next((ln for ln in "".join(c["source"]).splitlines() if ln.strip()), ""))
             for c in nb["cells"] if c["cell_type"] == "code"]
    return sorted(cells, reverse=True)[:n], sum(d for d, _ in cells)


def check_same_exporter() -> None:
    from kaohe import report

    exporter = report.html_exporter()
    different = {k: (getattr(exporter, k), v) for k, v in EXPORTER.items() if getattr(exporter, k) != v}
    if different or not any(Path(d) == TEMPLATES_DIR for d in exporter.extra_template_basedirs):
        sys.exit(f"基准的 nbconvert 设置与 kaohe.report.html_exporter() 不一致：{different}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="kaohe run 与同一套工具的下限耗时之比")
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--data-dir", type=Path, help="源数据目录，内含 raw/（只读，复制到临时目录；默认随包提供的示例年度）")
    parser.add_argument("--repeat", type=int, default=3, help="交替运行的轮数（取中位数）")
    args = parser.parse_args(argv)

    from kaohe import report

    check_same_exporter()
    report.ensure_kernel()
    with tempfile.TemporaryDirectory(prefix="bench_run-") as tmp:
        tmp = Path(tmp)
        data = tmp / "data"
        shutil.copytree(args.data_dir / "raw" if args.data_dir else SAMPLE_YEARS, data / "raw")
        previous = args.year - 1
        if (data / "raw" / str(previous)).is_dir():
            subprocess.run(kaohe_command() + ["score", str(previous), "--data-dir", str(data)],
                           check=True, stdout=subprocess.DEVNULL)
        out = data / "output" / str(args.year)

        # warm-up (disk cache, bytecode) and the figure count for the floor
        timed_run(args.year, data)
        figures = figures_in(out / "report.ipynb")
        notebook = floor_notebook(tmp / "floor_report.ipynb", figures)
        (tmp / "floor").mkdir()
        timed_floor(notebook, tmp / "floor")

        runs, floors, steps, validates, scores = [], [], [], [], []
        for _ in range(args.repeat):
            validates.append(timed("validate", args.year, data))
            scores.append(timed("score", args.year, data))
            wall, marks = timed_run(args.year, data)
            runs.append(wall)
            steps.append(marks)
            floors.append(timed_floor(notebook, tmp / "floor"))

        size = (out / "report.html").stat().st_size
        floor_size = (tmp / "floor" / "floor.html").stat().st_size
        cells, in_kernel = slowest_cells(out / "report.ipynb")

    run_t, floor_t = statistics.median(runs), statistics.median(floors)
    ratio = run_t / floor_t
    for name, times in (("validate", validates), ("score", scores)):
        print(f"kaohe {name} {args.year}：{statistics.median(times):.2f} s（中位数；各轮 {', '.join(f'{t:.2f}' for t in times)}）")
    print(f"kaohe run {args.year}：{run_t:.2f} s（中位数；各轮 {', '.join(f'{t:.2f}' for t in runs)}）")
    print(f"下限（papermill + nbconvert，{figures} 个简单图表，plotly.js 嵌入一次）："
          f"{floor_t:.2f} s（各轮 {', '.join(f'{t:.2f}' for t in floors)}）")
    print(f"比值：{ratio:.2f}（目标 ≤ {RATIO_TARGET}）{'达标' if ratio <= RATIO_TARGET else '未达标'}")
    print(f"report.html：{size / 1024 / 1024:.2f} MB（{size:,} 字节；目标 < 6 MB）"
          f"{'达标' if size < SIZE_TARGET else '未达标'}；下限页面 {floor_size / 1024 / 1024:.2f} MB")
    print("\nkaohe run 各步骤开始时刻（最后一轮）：")
    for t, line in steps[-1]:
        print(f"  {t:6.2f} s  {line}")
    print(f"  {runs[-1]:6.2f} s  结束")
    print(f"\n报告笔记本各单元在内核中共耗时 {in_kernel:.2f} s；最慢的单元：")
    for duration, first_line in cells:
        print(f"  {duration:6.2f} s  {first_line}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "_floor":
        floor(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(main())

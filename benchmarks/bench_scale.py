"""``kaohe score`` on a large year, against the floor of reading the same files with pandas.

The large case users have: 1,000 units and an online-survey export of 1,000,000 answers
(about 90 MB of CSV). A synthetic year on the shipped 2019 scheme is generated in a temporary
folder (UTF-8 CSV; 2 brand items per unit with 10 reviews each), then each of these runs in a
fresh process, interleaved, the fastest of ``--repeat`` rounds kept:

- 读取下限 (floor): plain ``pandas.read_csv`` of every input file, nothing else;
- ``kaohe score`` end to end: validate, score, write every output, print the ranking;

with the peak memory of each process, and where ``kaohe score`` spends its time (import,
read and validate, score, each output). Targets: ``kaohe score`` ≤ 2.0× the floor, peak
memory < 1.5 GB. Printed, never asserted.

    .venv/bin/python benchmarks/bench_scale.py
    .venv/bin/python benchmarks/bench_scale.py --units 1000 --respondents 1000 --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

SCHEME = Path(str(files("kaohe") / "years" / "2019" / "scheme.yaml"))
YEAR = 2019
RATIO_TARGET = 2.0
MEMORY_TARGET = 1.5e9

PEAK = """
def peak_memory():
    try:
        import resource
    except ImportError:  # Windows
        import psutil
        return psutil.Process().memory_info().peak_wset
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024
"""

FLOOR = """
import json, sys
from pathlib import Path
import pandas as pd
for path in sorted(Path(sys.argv[1]).rglob("*.csv")):
    pd.read_csv(path, skiprows=1)  # the first line is the 示例数据 label
""" + PEAK + """
print(json.dumps({"peak": peak_memory()}))
"""

SCORE = """
import contextlib, io, json, sys
from kaohe.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["score", sys.argv[1], "--data-dir", sys.argv[2]])
""" + PEAK + """
print(json.dumps({"code": code, "peak": peak_memory()}))
"""

STAGES = """
import json, sys, tempfile, time
from pathlib import Path
start = time.perf_counter()
from kaohe.outputs import write_workbook
from kaohe.outputs import write_csv
from kaohe.outputs import output_tables
from kaohe.pipeline import score
from kaohe.inputs import read_year
stages = {"导入 kaohe": time.perf_counter() - start}
start = time.perf_counter()
inputs = read_year(sys.argv[1], int(sys.argv[2]))
stages["读取并校验"] = time.perf_counter() - start
start = time.perf_counter()
results = score(inputs)
stages["计分"] = time.perf_counter() - start
with tempfile.TemporaryDirectory() as out:
    for name, table in output_tables(results).items():
        start = time.perf_counter()
        write_csv(table, Path(out) / f"{name}.csv")
        stages[f"写 {name}.csv"] = time.perf_counter() - start
    start = time.perf_counter()
    write_workbook(results, Path(out) / "results.xlsx")
    stages["写 results.xlsx"] = time.perf_counter() - start
print(json.dumps(stages, ensure_ascii=False))
"""


def measure(script: str, *args: str) -> tuple[float, dict]:
    """Run a Python ``script`` in a fresh process: its wall seconds and the JSON it printed last."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          encoding="utf-8", env={**os.environ, "PYTHONUTF8": "1"})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"基准进程失败（退出码 {done.returncode}）：\n{done.stderr}")
    return seconds, json.loads(done.stdout.strip().splitlines()[-1])


def generate(data_dir: Path, args) -> dict:
    from kaohe.synthetic import write_large_year

    start = time.perf_counter()
    paths = write_large_year(
        args.units, data_dir / "raw" / str(YEAR), seed=args.seed, scheme_path=SCHEME, fmt="csv",
        respondents_per_unit=args.respondents, items_per_unit=2, reviews_per_item=10,
    )
    survey = data_dir / "raw" / str(YEAR) / "survey.csv"
    with open(survey, encoding="utf-8") as f:
        rows = sum(1 for _ in f) - 2  # the label and the header
    return {
        "生成秒数": time.perf_counter() - start,
        "输入 MB": sum(p.stat().st_size for p in paths) / 1e6,
        "问卷 MB": survey.stat().st_size / 1e6,
        "问卷行数": rows,
    }


def bench(args) -> dict:
    with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        print(f"…… 生成 {args.units:,} 个单位的合成年度", file=sys.stderr, flush=True)
        row = {"单位数": args.units, **generate(data_dir, args)}
        raw = data_dir / "raw" / str(YEAR)
        floors, scores = [], []
        for k in range(args.repeat):  # interleaved, so that a busy machine hurts both alike
            print(f"…… 第 {k + 1}/{args.repeat} 轮", file=sys.stderr, flush=True)
            floors.append(measure(FLOOR, str(raw)))
            scores.append(measure(SCORE, str(YEAR), str(data_dir)))
        _, stages = measure(STAGES, str(raw), str(YEAR))
        floor, score = min(floors, key=lambda m: m[0]), min(scores, key=lambda m: m[0])
        row.update({
            "读取下限 秒": floor[0],
            "读取下限 各轮": [m[0] for m in floors],
            "读取下限 峰值内存 MB": floor[1]["peak"] / 1e6,
            "kaohe score 秒": score[0],
            "kaohe score 各轮": [m[0] for m in scores],
            "kaohe score 峰值内存 MB": score[1]["peak"] / 1e6,
            "倍数": score[0] / floor[0],
            "各阶段 秒": stages,
            "输出 MB": sum(p.stat().st_size for p in (data_dir / "output" / str(YEAR)).iterdir()) / 1e6,
        })
    return row


def report(row: dict) -> str:
    ratio, peak = row["倍数"], row["kaohe score 峰值内存 MB"] * 1e6
    rounds = ", ".join(f"{t:.2f}" for t in row["kaohe score 各轮"])
    floor_rounds = ", ".join(f"{t:.2f}" for t in row["读取下限 各轮"])
    stages = "，".join(f"{k} {v:.2f}" for k, v in row["各阶段 秒"].items())
    return "\n".join([
        f"== {row['单位数']:,} 个单位，问卷 {row['问卷行数']:,} 行（{row['问卷 MB']:.0f} MB），输入共 {row['输入 MB']:.0f} MB，"
        f"输出 {row['输出 MB']:.1f} MB（生成用时 {row['生成秒数']:.1f} 秒）",
        f"  读取下限（pandas.read_csv 每个输入文件）：{row['读取下限 秒']:.2f} 秒（各轮 {floor_rounds}），"
        f"峰值内存 {row['读取下限 峰值内存 MB']:.0f} MB",
        f"  kaohe score 端到端：{row['kaohe score 秒']:.2f} 秒（各轮 {rounds}），"
        f"峰值内存 {row['kaohe score 峰值内存 MB']:.0f} MB",
        f"  各阶段（秒，进程内）：{stages}",
        f"  目标 ≤ {RATIO_TARGET} 倍读取下限：{ratio:.2f} 倍 {'达到' if ratio <= RATIO_TARGET else '未达到'}；"
        f"峰值内存 < {MEMORY_TARGET / 1e9:.1f} GB：{peak / 1e9:.2f} GB {'达到' if peak < MEMORY_TARGET else '未达到'}",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kaohe score 的大规模基准：合成年度，对比只用 pandas 读取输入文件的下限。")
    parser.add_argument("--units", type=int, default=1000, help="单位数（默认 1000）")
    parser.add_argument("--respondents", type=int, default=1000, help="每单位问卷人数（约数，默认 1000，共约 100 万行）")
    parser.add_argument("--repeat", type=int, default=3, help="交替测量的轮数，各取最快一次（默认 3）")
    parser.add_argument("--seed", type=int, default=2019, help="随机种子（默认 2019）")
    parser.add_argument("--json", metavar="文件", help="另存全部数字为 JSON")
    args = parser.parse_args(argv)
    row = bench(args)
    print(report(row))
    if args.json:
        Path(args.json).write_text(json.dumps(row, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

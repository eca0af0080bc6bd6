"""How ``kaohe score`` scales with the number of units, against the floor of reading the inputs.

For each size, generates a synthetic year on the 2019 scheme (UTF-8 CSV; 50 survey
respondents per unit on average, 2 brand items per unit with 10 reviews each) in a temporary
data folder, then measures, each in a fresh process (wall time; peak memory = the process's
``ru_maxrss`` from ``os.wait4``):

- 读取下限 (floor): ``pd.read_csv`` of every input file, nothing else;
- ``kaohe score`` end to end: validate, score, write every output, print the ranking;
- the scoring step alone: :func:`kaohe.score` on validated inputs, timed in the process,
  its peak allocation measured with ``tracemalloc`` on a second call;

and where ``kaohe score`` spends its time (read and validate, score, each output). Targets:
the 10,000-unit year within 2× the floor and under 1 GiB; 100,000 units within 12× the time
of 10,000.

    .venv/bin/python benchmarks/bench_scale.py                      # 100, 10,000, 100,000 units
    .venv/bin/python benchmarks/bench_scale.py --sizes 100 10000 --repeat 3
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "data" / "raw" / "2019" / "scheme.yaml"
YEAR = 2019
GIB = 1 << 30

FLOOR = """
import sys, time
from pathlib import Path
import pandas as pd
start = time.perf_counter()
for path in sorted(Path(sys.argv[1]).rglob("*")):
    if path.suffix == ".csv":
        pd.read_csv(path, skiprows=1)  # the first line is the 示例数据 label
    elif path.suffix == ".xlsx":
        pd.read_excel(path, skiprows=1)
print(time.perf_counter() - start)
"""

SCORING = """
import gc, json, sys, time, tracemalloc
import kaohe
from kaohe.validate import read_year
inputs = read_year(sys.argv[1], int(sys.argv[2]))
gc.collect()
start = time.perf_counter()
kaohe.score(inputs)
seconds = time.perf_counter() - start
gc.collect()
tracemalloc.start()
kaohe.score(inputs)
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"seconds": seconds, "peak": peak}))
"""

STAGES = """
import json, sys, tempfile, time
start = time.perf_counter()
from kaohe.excel import write_workbook
from kaohe.io import write_csv
from kaohe.pipeline import manifest_data, output_tables, score
from kaohe.validate import read_year
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
        write_csv(table, f"{out}/{name}.csv")
        stages[f"写 {name}.csv"] = time.perf_counter() - start
    start = time.perf_counter()
    write_workbook(results, f"{out}/results.xlsx")
    stages["写 results.xlsx"] = time.perf_counter() - start
print(json.dumps(stages, ensure_ascii=False))
"""


def measure(argv: list[str], *, capture: bool = False) -> tuple[float, int, str]:
    """Run ``argv`` in a fresh process: (wall seconds, peak RSS in bytes, its stdout if captured)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, tempfile.TemporaryFile("w+", encoding="utf-8") as err:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out if capture else subprocess.DEVNULL, stderr=err,
                                   env={**os.environ, "PYTHONUTF8": "1"})
        _, status, usage = os.wait4(process.pid, 0)  # the rusage of this child alone
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            err.seek(0)
            raise RuntimeError(f"{' '.join(argv)} 失败（退出码 {process.returncode}）：\n{err.read()}")
        out.seek(0)
        return seconds, usage.ru_maxrss * 1024, out.read()


def kaohe_command() -> list[str]:
    script = Path(sys.executable).parent / "kaohe"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kaohe.cli"]


def generate(n_units: int, data_dir: Path, args) -> dict:
    from kaohe.synthetic import write_large_year

    start = time.perf_counter()
    paths = write_large_year(
        n_units, data_dir / "raw" / str(YEAR), seed=args.seed, scheme_path=SCHEME, fmt="csv",
        respondents_per_unit=args.respondents, items_per_unit=args.items, reviews_per_item=args.reviews,
    )
    survey = data_dir / "raw" / str(YEAR) / "survey.csv"
    return {
        "生成秒数": time.perf_counter() - start,
        "输入 MB": sum(p.stat().st_size for p in paths) / 1e6,
        "问卷行数": sum(1 for _ in open(survey, encoding="utf-8")) - 2,
    }


def bench(n_units: int, args) -> dict:
    with tempfile.TemporaryDirectory(prefix="kaohe-bench-") as tmp:
        data_dir = Path(tmp) / "data"
        row = {"单位数": n_units, **generate(n_units, data_dir, args)}
        raw = data_dir / "raw" / str(YEAR)
        floors, ends, scorings = [], [], []
        for _ in range(args.repeat):  # interleaved, so that a busy machine hurts every measurement alike
            seconds, rss, out = measure([sys.executable, "-c", FLOOR, str(raw)], capture=True)
            floors.append((seconds, rss, float(out)))
            ends.append(measure(kaohe_command() + ["score", str(YEAR), "--data-dir", str(data_dir)]))
            _, _, out = measure([sys.executable, "-c", SCORING, str(raw), str(YEAR)], capture=True)
            scorings.append(json.loads(out))
        _, _, out = measure([sys.executable, "-c", STAGES, str(raw), str(YEAR)], capture=True)
        floor, end, scoring = min(floors), min(ends), min(scorings, key=lambda s: s["seconds"])
        row.update({
            "读取下限 秒": floor[0],
            "读取下限（不含启动）秒": floor[2],
            "读取下限 峰值内存 MB": floor[1] / 1e6,
            "kaohe score 秒": end[0],
            "kaohe score 峰值内存 MB": end[1] / 1e6,
            "倍数（score ÷ 读取下限）": end[0] / floor[0],
            "计分步骤 秒": scoring["seconds"],
            "计分步骤 峰值分配 MB": scoring["peak"] / 1e6,
            "计分步骤 ÷ 读取下限": scoring["seconds"] / floor[0],
            "各阶段 秒": json.loads(out),
            "输出 MB": sum(p.stat().st_size for p in (data_dir / "output" / str(YEAR)).iterdir()) / 1e6,
        })
    return row


def report(rows: list[dict]) -> str:
    lines = []
    for row in rows:
        lines.append(f"\n== {row['单位数']:,} 个单位（问卷 {row['问卷行数']:,} 行，输入 {row['输入 MB']:.1f} MB，"
                     f"输出 {row['输出 MB']:.1f} MB；生成用时 {row['生成秒数']:.1f} 秒）")
        lines.append(f"  读取下限（pd.read_csv 每个输入文件）：{row['读取下限 秒']:.2f} 秒"
                     f"（其中读取 {row['读取下限（不含启动）秒']:.2f} 秒），峰值内存 {row['读取下限 峰值内存 MB']:.0f} MB")
        lines.append(f"  kaohe score 端到端：{row['kaohe score 秒']:.2f} 秒，峰值内存 {row['kaohe score 峰值内存 MB']:.0f} MB，"
                     f"为读取下限的 {row['倍数（score ÷ 读取下限）']:.2f} 倍")
        lines.append(f"  计分步骤（kaohe.score）：{row['计分步骤 秒']:.2f} 秒，峰值分配 {row['计分步骤 峰值分配 MB']:.0f} MB，"
                     f"为读取下限的 {row['计分步骤 ÷ 读取下限']:.2f} 倍")
        stages = "，".join(f"{k} {v:.2f}" for k, v in row["各阶段 秒"].items())
        lines.append(f"  各阶段（秒）：{stages}")
    sizes = {row["单位数"]: row for row in rows}
    lines.append("\n目标：")
    if 10_000 in sizes:
        row = sizes[10_000]
        ratio, peak = row["倍数（score ÷ 读取下限）"], row["kaohe score 峰值内存 MB"] * 1e6
        lines.append(f"  10,000 个单位端到端 ≤ 2 倍读取下限：{ratio:.2f} 倍 {'达到' if ratio <= 2 else '未达到'}；"
                     f"峰值内存 < 1 GiB：{peak / GIB:.2f} GiB {'达到' if peak < GIB else '未达到'}")
    if 10_000 in sizes and 100_000 in sizes:
        growth = sizes[100_000]["kaohe score 秒"] / sizes[10_000]["kaohe score 秒"]
        lines.append(f"  100,000 个单位用时 ≤ 12 倍 10,000 个单位：{growth:.1f} 倍 {'达到' if growth <= 12 else '未达到'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="kaohe score 的规模基准：合成年度，对比只读取输入文件的下限。")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 10_000, 100_000], metavar="N",
                        help="单位数（默认 100 10000 100000；100,000 个单位需要几分钟）")
    parser.add_argument("--repeat", type=int, default=1, help="每项测量重复次数，取最快一次（默认 1）")
    parser.add_argument("--respondents", type=int, default=50, help="每单位问卷人数（约数，默认 50）")
    parser.add_argument("--items", type=int, default=2, help="每单位特色品牌项目数（默认 2）")
    parser.add_argument("--reviews", type=int, default=10, help="每个项目的互评数（默认 10）")
    parser.add_argument("--seed", type=int, default=2019, help="随机种子（默认 2019）")
    parser.add_argument("--json", metavar="文件", help="另存全部数字为 JSON")
    args = parser.parse_args(argv)
    # kaohe's modules as bytecode, as an installed package's are: an editable install never
    # writes it where PYTHONDONTWRITEBYTECODE is set, and each run would compile them again
    compileall.compile_dir(ROOT / "kaohe", quiet=1)
    rows = []
    for n in args.sizes:
        print(f"…… {n:,} 个单位", file=sys.stderr, flush=True)
        rows.append(bench(n, args))
    print(report(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

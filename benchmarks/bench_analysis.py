"""The analysis of a scored year on the 22-unit sample: ``kaohe.uncertainty`` with 1,000 draws
(target ≤ 3 s) and ``kaohe.raters``, in-process, after scoring once.

    .venv/bin/python benchmarks/bench_analysis.py            # 3 rounds, the shipped 2019 sample
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

SAMPLE_YEARS = Path(str(files("kaohe") / "years"))
TARGET = 3.0  # seconds for 1,000 draws


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="kaohe.uncertainty 与 kaohe.raters 的用时")
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    import kaohe

    with tempfile.TemporaryDirectory(prefix="bench_analysis-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(SAMPLE_YEARS / str(args.year), data / "raw" / str(args.year))
        results = kaohe.load_year(args.year, data)
    timings = {"uncertainty": [], "raters": []}
    for k in range(args.repeat):
        started = time.perf_counter()
        kaohe.uncertainty(results, draws=args.draws, seed=2019 + k)
        timings["uncertainty"].append(time.perf_counter() - started)
        started = time.perf_counter()
        kaohe.raters(results)
        timings["raters"].append(time.perf_counter() - started)
    best = statistics.median(timings["uncertainty"])
    print(f"== {args.year} 年度，{len(results.results)} 个单位")
    print(f"  kaohe.uncertainty（{args.draws} 次抽样，五个来源，含 Sobol 型指数）：{best:.2f} 秒"
          f"（各轮 {', '.join(f'{t:.2f}' for t in timings['uncertainty'])}）  目标 ≤ {TARGET:g} 秒："
          f"{'达到' if best <= TARGET else '未达到'}")
    print(f"  kaohe.raters：{statistics.median(timings['raters']):.2f} 秒")
    return 0


if __name__ == "__main__":
    sys.exit(main())

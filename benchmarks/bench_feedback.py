"""``kaohe feedback``: the time per unit page on the 22-unit sample year (target ≤ 2 s per unit).

Copies the shipped sample year to a temporary folder, runs ``kaohe feedback YEAR`` in a fresh
process (kernel start, scoring, one papermill run and one nbconvert page per unit) and prints
the wall time, the time per unit and the page sizes.

    .venv/bin/python benchmarks/bench_feedback.py            # 3 rounds, the shipped 2019 sample
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

SAMPLE_YEARS = Path(str(files("kaohe") / "years"))
TARGET = 2.0  # seconds per unit


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="kaohe feedback 每个单位的用时")
    parser.add_argument("--year", type=int, default=2019)
    parser.add_argument("--repeat", type=int, default=3, help="运行轮数（取中位数）")
    args = parser.parse_args(argv)
    kaohe = Path(sys.executable).parent / "kaohe"
    times = []
    with tempfile.TemporaryDirectory(prefix="bench_feedback-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(SAMPLE_YEARS / str(args.year), data / "raw" / str(args.year))
        for k in range(args.repeat):
            print(f"…… 第 {k + 1}/{args.repeat} 轮", flush=True)
            started = time.perf_counter()
            subprocess.run([str(kaohe), "feedback", str(args.year), "--data-dir", str(data)], check=True,
                           capture_output=True)
            times.append(time.perf_counter() - started)
        pages = sorted((data / "output" / str(args.year) / "单位反馈").iterdir())
    best = statistics.median(times)
    per_unit = best / len(pages)
    print(f"== kaohe feedback {args.year}：{len(pages)} 个单位")
    print(f"  端到端（新进程，含启动内核与计分）：{best:.2f} 秒（各轮 {', '.join(f'{t:.2f}' for t in times)}）")
    print(f"  每个单位：{per_unit:.2f} 秒  目标 ≤ {TARGET:g} 秒：{'达到' if per_unit <= TARGET else '未达到'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The exploration widgets driven in-process on the 22-unit sample year: the time from a
control's change to the widget's new output, per interaction (target: median ≤ 0.3 s).

Drives the what-if widget (weights, the step, the scope, the quota), the score card (every
unit) and the indicator view (every indicator), as an analyst clicking through them would.

    .venv/bin/python benchmarks/bench_widgets.py
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from importlib.resources import files
from pathlib import Path

SAMPLE_YEARS = Path(str(files("kaohe") / "years"))
TARGET = 0.3


def timed(change) -> float:
    started = time.perf_counter()
    change()
    return time.perf_counter() - started


def main() -> int:
    import kaohe
    from kaohe import explore

    with tempfile.TemporaryDirectory(prefix="bench_widgets-") as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(SAMPLE_YEARS / "2019", data / "raw" / "2019")
        results = kaohe.load_year(2019, data)
        what = explore.what_if_widget(results, data)
        card = explore.score_card_widget(results)
        view = explore.indicator_widget(results)
        times = {"方案推演": [], "单位得分卡": [], "单项指标": []}
        for value in (0.03, 0.04, 0.05, 0.02):
            times["方案推演"].append(timed(lambda v=value: setattr(what.step, "value", v)))
        for value in (0.3, 0.2, 0.25):
            times["方案推演"].append(timed(lambda v=value: setattr(what.leader, "value", v)))
        for scope in ("category", "indicator", "total"):
            times["方案推演"].append(timed(lambda v=scope: setattr(what.scope, "value", v)))
        times["方案推演"].append(timed(lambda: setattr(what.quota_kind, "value", "count")))
        times["方案推演"].append(timed(what.reset.click))
        for unit in results.results["unit"]:
            times["单位得分卡"].append(timed(lambda u=unit: setattr(card.unit, "value", u)))
        for indicator in results.scheme.indicator_ids:
            times["单项指标"].append(timed(lambda i=indicator: setattr(view.indicator, "value", i)))
    print("== 交互控件（进程内，22 个单位）")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name}：{len(values)} 次操作，中位数 {median:.3f} 秒，最慢 {max(values):.3f} 秒  目标中位数 ≤ {TARGET:g} 秒："
              f"{'达到' if median <= TARGET else '未达到'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

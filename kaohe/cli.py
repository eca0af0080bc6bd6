"""The ``kaohe`` command: thin wrappers that call one library function and turn errors into exit codes.

Exit 0 on success, 1 on invalid input (every problem printed as a table), 2 on wrong usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from .problems import InvalidInputError, KaoheError, UsageError, problems_table

EXIT_INVALID = 1
EXIT_USAGE = 2

RANKING_COLUMNS = {
    "rank": "名次",
    "unit": "单位",
    "leader": "领导评分",
    "dept": "业务部门评分",
    "grassroots": "基层评分",
    "brand": "特色品牌",
    "total": "总分",
    "grade": "等次",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: 用法错误：{message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kaohe",
        description="绍兴市总工会年度重点工作考核：校验输入、计分排名、生成报告。",
    )
    parser.add_argument("--version", action="version", version=f"kaohe {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    commands.required = True

    def year_command(name, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("year", metavar="年份", help="考核年度，如 2019")
        sub.add_argument("--data-dir", default="data", metavar="目录",
                         help="数据目录，内含 raw/ 与 output/（默认 ./data）")
        return sub

    year_command("validate", "校验该年度的输入文件，列出全部问题")
    year_command("score", "校验并计分，写出 data/output/年份/ 下的结果表，并显示排名")
    run = year_command("run", "校验、计分，运行年度报告笔记本并发布 report.html（主任务）")
    run.add_argument("--notebook", metavar="文件", help="报告笔记本（默认 notebooks/annual_report.ipynb）")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _east_asian_display()
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "score":
            return _score(args)
        if args.command == "run":
            return _run(args)
    except UsageError as exc:
        print(f"kaohe: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidInputError as exc:
        print_problems(exc.problems, file=sys.stderr)
        errors = sum(p.is_error for p in exc.problems)
        print(f"\n输入数据有 {errors} 个错误，未写出任何结果；已有的结果保持不变。", file=sys.stderr)
        return EXIT_INVALID
    except KaoheError as exc:
        print(f"kaohe: {exc}", file=sys.stderr)
        return EXIT_INVALID
    parser.error(f"未知命令 {args.command}")
    return EXIT_USAGE


def _validate(args) -> int:
    from .pipeline import year_paths
    from .validate import read_year

    raw, _ = year_paths(args.year, args.data_dir)
    inputs = read_year(raw, int(args.year))
    if inputs.warnings:
        print_problems(inputs.warnings)
        print()
    print(f"{args.year} 年度输入校验通过：{len(inputs.units)} 个单位，{len(inputs.files)} 个文件，"
          f"{len(inputs.warnings)} 条警告。")
    return 0


def _score(args) -> int:
    from .pipeline import score_year

    results, out = score_year(args.year, args.data_dir)
    if results.warnings:
        print(f"提示：输入中有 {len(results.warnings)} 条警告，可用 kaohe validate {args.year} 查看。")
    print(f"{results.scheme.title}\n")
    print(ranking_text(results.results))
    print(f"\n结果已写入 {Path(out).as_posix()}/")
    return 0


def _run(args) -> int:
    from .pipeline import run_year

    steps = iter(range(1, 5))

    def progress(step: str) -> None:
        print(f"[{next(steps)}/4] {step}……", flush=True)

    results, paths = run_year(args.year, args.data_dir, notebook=args.notebook, progress=progress)
    if results.warnings:
        print(f"提示：输入中有 {len(results.warnings)} 条警告，可用 kaohe validate {args.year} 查看。")
    print(f"\n{results.scheme.title}\n")
    print(ranking_text(results.results))
    print("\n已写出：")
    for path in paths:
        print(f"  {Path(path).as_posix()}")
    return 0


def ranking_text(results: pd.DataFrame) -> str:
    """The ranking table as aligned text for the terminal (2 decimals, Chinese headers)."""
    table = results[list(RANKING_COLUMNS)].copy()
    for column in ("leader", "dept", "grassroots", "brand", "total"):
        table[column] = table[column].map(lambda x: f"{x:.2f}")
    vetoed = results["vetoed"].astype(bool)
    table.loc[vetoed, "grade"] = table.loc[vetoed, "grade"] + "（一票否决）"
    return table.rename(columns=RANKING_COLUMNS).to_string(index=False)


def print_problems(problems, file=None) -> None:
    table = problems_table(problems)
    print(table.to_string(index=False), file=file or sys.stdout)


def _east_asian_display() -> None:
    pd.set_option("display.unicode.east_asian_width", True)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 80)
    pd.set_option("display.max_rows", 500)


def _version() -> str:
    from . import __version__

    return __version__


if __name__ == "__main__":
    sys.exit(main())

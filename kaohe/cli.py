"""The ``kaohe`` command: thin wrappers that call one library function and turn errors into exit codes.

Exit 0 on success, 1 on invalid input (every problem printed as a table), 2 on wrong usage.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import re
import signal
import sys
from pathlib import Path

import pandas as pd

from .problems import InvalidInputError, KaoheError, UsageError, problems_table

EXIT_INVALID = 1
EXIT_USAGE = 2
RANKING_ROWS = 100  # a longer ranking is cut in the terminal: printing 100,000 rows helps no one


EXIT_INTERRUPTED = 130  # as a shell reports a program stopped with Ctrl-C


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its own words in Chinese: usage, section titles, help, errors (with a
    suggestion for a mistyped command)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示本帮助并退出")

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: 用法错误：{_chinese_error(message)}\n")


_ARGPARSE_ERRORS = [  # argparse's own messages (Python 3.11–3.14) → Chinese
    (re.compile(r"argument (?P<arg>.+?): invalid choice: '(?P<value>.*?)'(?: \(choose from (?P<choices>.*)\))?$"),
     "invalid_choice"),
    (re.compile(r"the following arguments are required: (?P<args>.*)$"), "缺少必需的参数：{args}"),
    (re.compile(r"unrecognized arguments: (?P<args>.*)$"), "无法识别的参数：{args}"),
    (re.compile(r"argument (?P<arg>.+?): expected one argument$"), "{arg} 后面需要一个值"),
    (re.compile(r"argument (?P<arg>.+?): ignored explicit argument '(?P<value>.*)'$"), "{arg} 不接受值「{value}」"),
    (re.compile(r"ambiguous option: (?P<arg>\S+) could match (?P<choices>.*)$"), "选项 {arg} 不明确，可能是：{choices}"),
    (re.compile(r"argument (?P<arg>.+?): (?P<reason>.*)$"), "{arg}：{reason}"),
]


def _chinese_error(message: str) -> str:
    for pattern, template in _ARGPARSE_ERRORS:
        match = pattern.match(message)
        if not match:
            continue
        if template == "invalid_choice":
            choices = re.findall(r"'([^']*)'", match["choices"] or "")
            text = f"没有命令「{match['value']}」（可用的命令：{'、'.join(choices)}）"
            close = difflib.get_close_matches(match["value"], choices, n=1)
            return text + (f"，是否应为「{close[0]}」？" if close else "")
        return template.format(**match.groupdict())
    return message


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="kaohe",
        description="绍兴市总工会年度重点工作考核：校验输入、计分排名、生成报告。",
    )
    parser.add_argument("--version", action="version", version=f"kaohe {_version()}", help="显示版本号并退出")
    commands = parser.add_subparsers(dest="command", metavar="命令", parser_class=_Parser)
    commands.required = True

    def year_command(name, help_text):
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("year", metavar="年份", help="考核年度，如 2019")
        sub.add_argument("--data-dir", default="data", metavar="目录",
                         help="数据目录，内含 raw/ 与 output/（默认 ./data）")
        return sub

    validate = year_command("validate", "校验该年度的输入文件，列出全部问题")
    validate.add_argument("--problems", metavar="文件.xlsx",
                          help="另把问题清单（文件、行、列、值、问题、级别）写成 Excel 工作簿，便于发回各部门修改；有错误时也写出")
    year_command("score", "校验并计分，写出 data/output/年份/ 下的结果表，并显示排名")
    run = year_command("run", "校验、计分，运行年度报告笔记本并发布 report.html（主任务）")
    run.add_argument("--notebook", metavar="文件", help="报告笔记本（默认为随包提供的年度报告笔记本 annual_report.ipynb）")

    notice = year_command("notice", "按最终考核结果起草通报 data/output/年份/通报.docx（GB/T 9704 版式，待填处标【待填】）")
    notice.add_argument("--template", metavar="文件.docx", help="用自己的通报模板（如带红头的 .docx）代替默认模板；可用的域见 README「通报」")
    notice.add_argument("--write-template", metavar="文件.docx", help="只把默认通报模板写到该文件，供修改后用 --template 使用")

    feedback = year_command("feedback", "为每个考核单位生成一页考核结果反馈 data/output/年份/单位反馈/单位.html（可打印，不列其他单位）")
    feedback.add_argument("--unit", metavar="单位", help="只生成这个单位的反馈页")

    template = year_command("template", "按该年度方案和单位名单生成空白输入表（各业务部门评分表、领导评分表、问卷表、特色品牌表），供发出填写")
    template.add_argument("--out", metavar="目录", help="输出文件夹（默认 数据目录/templates/年份/，不能在 raw/ 之内）")
    template.add_argument("--leaders", type=_positive, default=7, metavar="人数", help="领导评分表预留的领导列数（默认 7）")
    template.add_argument("--questions", type=_positive, default=10, metavar="题数", help="问卷表的题目列数（默认 10）")
    template.add_argument("--force", action="store_true", help="覆盖输出文件夹中已有的同名表格")

    sample = year_command("sample", "基层问卷抽样：从名册中为每个考核单位随机抽取单建工会（考核办法第八条（一）3）")
    sample.add_argument("--roster", required=True, metavar="文件", help="基层工会名册（.csv/.xlsx）：单位、基层工会、单建（是/否，可选）")
    sample.add_argument("--per-unit", required=True, type=_positive, metavar="个数", help="每个考核单位抽取的单建工会数")
    sample.add_argument("--seed", required=True, type=_seed, metavar="种子", help="随机种子（非负整数），记录在名单中以便复核")
    sample.add_argument("--out", metavar="文件", help="抽样名单 .xlsx（同名 .csv 一并写出；默认 数据目录/templates/年份/基层问卷抽样名单.xlsx）")
    sample.add_argument("--force", action="store_true", help="覆盖已有的抽样名单")

    new_year = commands.add_parser("new-year", help="从上一年度复制方案和单位名单，新建 data/raw/年份/",
                                   description="从上一年度复制方案（改年份与标题）和单位名单，新建该年度的输入文件夹；已存在则不做任何改动")
    new_year.add_argument("year", metavar="年份", help="新的考核年度，如 2020")
    new_year.add_argument("--from", dest="previous", required=True, metavar="年份", help="复制来源年度，如 2019")
    new_year.add_argument("--data-dir", default="data", metavar="目录", help="数据目录，内含 raw/（默认 ./data）")

    init = commands.add_parser("init", help="新建工作区：2019年度考核方案与单位名单、输出文件夹和分析笔记本",
                               description="在一个新的（或空的）文件夹中建立工作区：data/raw/2019/（考核方案、单位名单）、"
                                           "data/output/、notebooks/ 与 说明.txt；不会覆盖任何已有文件")
    init.add_argument("folder", metavar="文件夹", help="新工作区的文件夹，须不存在或为空")
    init.add_argument("--sample", action="store_true", help="同时写入 2019 与 2018 年度的示例数据（合成数据），可直接 kaohe run 2019")
    return parser


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"应为正整数，而不是「{text}」")
    return int(text)


def _seed(text: str) -> int:
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"随机种子应为非负整数，而不是「{text}」")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    """Run one ``kaohe`` command; returns the exit code (also ``python -m kaohe``)."""
    _readable_console()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        return _interrupted()
    _east_asian_display()
    with _terminate_as_interrupt():
        return _command(parser, args)


def _command(parser, args) -> int:
    try:
        if args.command == "validate":
            return _validate(args)
        if args.command == "score":
            return _score(args)
        if args.command == "run":
            return _run(args)
        if args.command == "notice":
            return _notice(args)
        if args.command == "feedback":
            return _feedback(args)
        if args.command == "template":
            return _template(args)
        if args.command == "sample":
            return _sample(args)
        if args.command == "new-year":
            return _new_year(args)
        if args.command == "init":
            return _init(args)
    except KeyboardInterrupt:
        return _interrupted()
    except UsageError as exc:
        print(f"kaohe: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except InvalidInputError as exc:
        _say_invalid(exc.problems)
        return EXIT_INVALID
    except KaoheError as exc:
        print(f"kaohe: {exc}", file=sys.stderr)
        return EXIT_INVALID
    parser.error(f"未知命令 {args.command}")
    return EXIT_USAGE


def _validate(args) -> int:
    from .pipeline import year_paths
    from .inputs import read_year

    raw, _ = year_paths(args.year, args.data_dir)
    sheet = _new_file(args.problems, raw, ".xlsx", "问题清单") if args.problems else None
    try:
        inputs = read_year(raw, int(args.year))
    except InvalidInputError as exc:
        if sheet is None:
            raise
        _write_problems(exc.problems, sheet)
        _say_invalid(exc.problems)
        print(f"问题清单（{len(exc.problems)} 条）已写入 {sheet.as_posix()}", file=sys.stderr)
        return EXIT_INVALID
    if sheet is not None:
        _write_problems(inputs.warnings, sheet)
    if inputs.warnings:
        print_problems(inputs.warnings)
        print()
    if sheet is not None:
        print(f"问题清单（{len(inputs.warnings)} 条）已写入 {sheet.as_posix()}")
    print(f"{args.year} 年度输入校验通过：{len(inputs.units)} 个单位，{len(inputs.files)} 个文件，"
          f"{len(inputs.warnings)} 条警告。")
    return 0


def _write_problems(problems, path: Path) -> None:
    from .outputs.xlsx import write_problems
    from .outputs.staging import staged

    with staged(path.parent) as stage:
        write_problems(problems, stage / path.name)


def _say_invalid(problems) -> None:
    print_problems(problems, file=sys.stderr)
    errors = sum(p.is_error for p in problems)
    print(f"\n输入数据有 {errors} 个错误，未写出任何结果；已有的结果保持不变。", file=sys.stderr)


def _score(args) -> int:
    from .pipeline import score_year

    results, written = score_year(args.year, args.data_dir)
    if results.warnings:
        print(f"提示：输入中有 {len(results.warnings)} 条警告，可用 kaohe validate {args.year} 查看。")
    print(f"{results.scheme.title}\n")
    print(ranking_text(results.results))
    print(f"\n结果已写入 {Path(written.folder).as_posix()}/")
    _say_history(written)
    return 0


def _run(args) -> int:
    from .pipeline import run_year

    steps = iter(range(1, 5))

    def progress(step: str) -> None:
        print(f"[{next(steps)}/4] {step}……", flush=True)

    results, written = run_year(args.year, args.data_dir, notebook=args.notebook, progress=progress)
    if results.warnings:
        print(f"提示：输入中有 {len(results.warnings)} 条警告，可用 kaohe validate {args.year} 查看。")
    print(f"\n{results.scheme.title}\n")
    print(ranking_text(results.results))
    print("\n已写出：")
    for path in written.files:
        print(f"  {Path(path).as_posix()}")
    _say_history(written)
    return 0


def _say_history(written) -> None:
    if written.history is not None:
        print(f"计分结果已变化：据原结果生成的报告与通报（report.html、report.ipynb、通报.docx）与新结果不一致，已移至 {written.history.as_posix()}/")


def _notice(args) -> int:
    from .outputs.notice import NOTICE_FILE, default_template, write_notice
    from .outputs.staging import locked, staged, write_bytes
    from .pipeline import load_year, year_paths

    raw, out = year_paths(args.year, args.data_dir)
    if args.write_template:
        path = _new_file(args.write_template, raw, ".docx", "通报模板")
        write_bytes(path, default_template())
        print(f"默认通报模板已写入 {path.as_posix()}；修改后可用 kaohe notice {args.year} --template {path.as_posix()}")
        return 0
    with locked(out.parent, str(args.year), f" {args.year} 年度的结果"):
        results = load_year(args.year, args.data_dir)
        with staged(out) as stage:
            write_notice(results, stage / NOTICE_FILE, args.template)
    print(f"通报草稿已写入 {(out / NOTICE_FILE).as_posix()}：优秀 {int((results.results['grade'] == results.scheme.top_grade).sum())} 个，"
          f"共 {len(results.results)} 个单位；请填写标【待填】处（发文字号、成文日期、印章）后印发。")
    if results.inputs.sample:
        print("注意：输入是示例数据，通报文首已注明「示例数据」，不得印发。")
    return 0


def _feedback(args) -> int:
    import time

    from .pipeline import feedback_year

    started = time.perf_counter()

    def progress(done: int, total: int, unit: str) -> None:
        print(f"[{done + 1}/{total}] {unit}", flush=True)

    results, written = feedback_year(args.year, args.data_dir, unit=args.unit, progress=progress)
    took = time.perf_counter() - started
    folder = written.files[0].parent if written.files else written.folder
    print(f"已写出 {len(written.files)} 个单位的反馈页：{folder.as_posix()}/（用时 {took:.1f} 秒）")
    if results.inputs.sample:
        print("注意：输入是示例数据，每页顶部已注明「示例数据」。")
    return 0


def _new_file(text: str, raw: Path, suffix: str, what: str) -> Path:
    """A file kaohe is asked to write: ``suffix``, outside ``data/raw/``, in a folder that exists."""
    path = Path(text)
    if path.suffix.lower() != suffix:
        raise UsageError(f"{what}应写成 {suffix} 文件，而不是「{path.name}」")
    if path.is_dir():
        raise UsageError(f"「{path.as_posix()}」是一个文件夹，请给出{what}的文件名")
    if path.resolve().is_relative_to(Path(raw).resolve().parent):
        raise UsageError(f"{what}不能写在原始数据文件夹 {Path(raw).parent.as_posix()}/ 之内：原始数据只读，请另选位置")
    if not path.parent.is_dir():
        raise UsageError(f"文件夹「{path.parent.as_posix()}」不存在，无法写出{what}")
    return path


def _template(args) -> int:
    from .workflow.templates import write_templates

    done = write_templates(args.year, args.data_dir, args.out, leaders=args.leaders, questions=args.questions,
                           force=args.force)
    print(done.summary(args.data_dir))
    return 0


def _sample(args) -> int:
    from .workflow.sampling import sample_year

    done = sample_year(args.year, args.roster, args.per_unit, args.seed, args.data_dir, args.out, force=args.force)
    print(done.summary())
    return 0


def _new_year(args) -> int:
    from .workflow.new_year import new_year

    print(new_year(args.year, args.previous, args.data_dir).summary())
    return 0


def _init(args) -> int:
    from .workflow.workspace import init_workspace

    print(init_workspace(args.folder, sample=args.sample).summary())
    return 0


@contextlib.contextmanager
def _terminate_as_interrupt():
    """While a command runs, Ctrl-C and SIGTERM (a task manager ending kaohe) stop it at once
    with KeyboardInterrupt: the clean-up runs and the old outputs stay. The handler is kaohe's
    own, so that the event loop running the notebook does not take Ctrl-C as a request to
    cancel one task and then go on."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    try:
        before = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    except (ValueError, OSError):  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def _interrupted() -> int:
    print("\nkaohe: 已中断，未写出任何结果；已有的结果保持不变。", file=sys.stderr)
    return EXIT_INTERRUPTED


def _readable_console() -> None:
    """On a console that cannot show Chinese (a code page such as cp1252), print what it
    cannot show as escapes (\\u5355…) rather than fail."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            "考核".encode(stream.encoding or "ascii")
        except (UnicodeEncodeError, LookupError):
            reconfigure(errors="backslashreplace")


def ranking_text(results: pd.DataFrame, limit: int | None = RANKING_ROWS) -> str:
    """The ranking table as aligned text for the terminal (2 decimals, Chinese headers).

    Only the first ``limit`` rows are shown (the full ranking is in results.csv / results.xlsx).
    """
    from .outputs.xlsx import ranking_table

    shown = results if limit is None else results.head(limit)
    text = ranking_table(shown).to_string(index=False)
    if len(shown) < len(results):
        text += f"\n……共 {len(results)} 个单位，此处只列出前 {len(shown)} 行，完整排名见 results.csv 与 results.xlsx"
    return text


def print_problems(problems, file=None) -> None:
    table = problems_table(problems)
    print(table.to_string(index=False), file=file or sys.stdout)


def _east_asian_display() -> None:
    pd.set_option("display.unicode.east_asian_width", True)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_colwidth", 80)
    pd.set_option("display.max_rows", 500)


def _version() -> str:
    from .version import version

    return version()


if __name__ == "__main__":
    sys.exit(main())

"""Input problems and the exception tree.

Every problem found in a year's inputs is a :class:`Problem` record: a stable :class:`Code`,
a :class:`Level`, the file, spreadsheet row, column and value, and the Chinese message made
from the code's template. Validation collects them all and raises one
:class:`InvalidInputError` carrying the list (SPEC §2, §4). Tests and departments use the
codes; people read the messages.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


class Level(str, enum.Enum):
    """How bad a problem is: an error stops the scoring, a warning is reported and scored through."""

    ERROR = "错误"
    WARNING = "警告"

    def __str__(self) -> str:
        return self.value


ERROR = Level.ERROR
WARNING = Level.WARNING


@enum.unique
class Code(enum.Enum):
    """What is wrong, as a stable name; the value is the Chinese message template.

    Fields in braces are filled by :meth:`message`: ``{value}`` is the cell's value, the
    others are given where the problem is found.
    """

    # -- files -----------------------------------------------------------------------------
    FILE_MISSING = "缺少输入文件 {stem}.csv 或 {stem}.xlsx（也可命名为 {chinese}.xlsx）"
    FILE_TWICE = "同一张表有 {count} 个文件（{names}），请只保留一个"
    FILE_UNREADABLE = "无法读取文件：{reason}"
    FILE_EMPTY = "文件为空"
    FILE_TOO_LARGE = "文件太大，内存不足，无法读取"
    FILE_UNKNOWN = "不认识的文件「{name}」，kaohe 不读取它（应有的文件见 README「输入文件」）"
    FILE_NEAR_NAME = ("文件名「{name}」与应有的文件名「{meant}.csv」（或 {meant}.xlsx）相近，但不是它，kaohe 不会读取："
                      "请改名为 {meant}.csv 或 {meant}.xlsx")
    FILE_OTHER_FORMAT = "{format}格式（{suffix}）kaohe 不能读取：请在 Excel 或 WPS 中另存为 {stem}.xlsx 或 {stem}.csv"
    FILE_NOT_A_TABLE = "「{name}」不是 .csv 或 .xlsx 表格，kaohe 不读取它"
    FILE_NOT_A_FILE = "「{name}」{what}，不是表格文件"
    CSV_IS_XLSX = "文件扩展名是 .csv，但内容是 Excel 文件，请改为 .xlsx 或另存为 CSV"
    CSV_BINARY = "文件含有二进制内容，不是文本 CSV 文件"
    CSV_ENCODING = "无法识别文件编码，请用 UTF-8 或 GBK（Excel 默认）保存 CSV"
    CSV_FORMAT = "CSV 格式错误：{reason}"
    XLSX_INVALID = "不是有效的 Excel (.xlsx) 文件：文件已损坏或实际是其他格式（如 CSV 改了扩展名）"
    XLSX_DAMAGED = "无法打开 Excel 文件，文件可能已损坏（{reason}）"
    XLSX_SHEET_DAMAGED = "读取 Excel 工作表失败，文件可能已损坏（{reason}）"
    SHEET_HIDDEN_FIRST = ("第一个工作表「{sheet}」是隐藏的，而工作表「{visible}」是可见的："
                          "kaohe 只读取第一个工作表，请取消隐藏它，或把要读取的工作表移到最前面")
    SHEET_HIDDEN = "工作簿中有隐藏的工作表「{other}」，kaohe 只读取第一个工作表「{sheet}」，不读取它"
    SHEET_EMPTY_FIRST = "第一个工作表「{sheet}」是空的；数据在工作表「{other}」中，kaohe 只读取第一个工作表，请把它移到最前面"
    # -- headers, rows and columns -----------------------------------------------------------
    NO_HEADER = "文件没有表头和数据（工作表为空）"
    TITLE_SKIPPED = "表头在第{line}行，其上方的标题或说明已跳过"
    HEADER_BLANK = "该列有数据但没有表头"
    HEADER_TWICE = "表头「{value}」重复出现"
    COLUMN_HIDDEN = "列 {letter} 在 Excel 中是隐藏的，仍按数据读入；如不应计入，请删除该列"
    ROW_HIDDEN = "该行在 Excel 中是隐藏的，仍按数据读入；如不应计入，请删除该行"
    ROWS_HIDDEN_MORE = "……另有 {count} 个隐藏行同样按数据读入"
    COLUMN_MISSING = "缺少必需的列「{name}」（中文表头「{chinese}」）"
    COLUMN_NOT_DATA = "列「{header}」不是{what}（像是序号、合计、平均分或备注），未计入{score}"
    MORE_OF_KIND = "……同类问题另有 {count} 处未逐条列出"
    # -- units -----------------------------------------------------------------------------
    UNIT_BLANK = "单位名称为空"
    UNKNOWN_UNIT = "单位「{value}」不在本年度考核单位名单（units）中{hint}"
    UNIT_LISTED_TWICE = "单位「{value}」在名单中重复"
    REPEATED = "{what}「{value}」重复（第{first}行已有）"
    TARGET_ZERO = "参保基数为 0，无法计算完成比例"
    PRIOR_ZERO = ("单位「{value}」的上年参保数为 0：指标 {ids} 的目标按上年数计为 0，"
                  "无论今年完成多少（即使为 0）都得满分；如上年确有参保，请填写实际人数，没有上年数请留空")
    # -- numbers ---------------------------------------------------------------------------
    VALUE_MISSING = "缺少{what}"
    NOT_A_NUMBER = "「{value}」不是有效的数字"
    COMMA_NOT_THOUSANDS = "「{value}」中的逗号不是千位分隔符（只有 1,234 这样每三位一个逗号才是）；小数请用小数点，如 {decimal}"
    DATE_NOT_NUMBER = "「{value}」是日期，不是数字（请检查单元格格式）"
    FORMULA_NO_RESULT = "「{value}」是公式而没有计算结果，请在 Excel 中重新计算并保存"
    EXCEL_ERROR_VALUE = "「{value}」是 Excel 的错误值（公式出错），请检查该单元格的公式"
    BELOW_MIN = "{what} {value} 不能小于 {low}"
    ABOVE_MAX = "{what} {value} 超过上限 {high}"
    NOT_INTEGER = "{what}应为整数，而不是 {value}"
    PERCENT_NOT_ALLOWED = "{what}不应写成百分数（{value}）"
    # -- department scores -----------------------------------------------------------------
    DEPT_FOLDER_MISSING = "缺少业务部门评分文件夹 dept_scores/"
    DEPT_FOLDER_EMPTY = "dept_scores/ 文件夹中没有 .csv 或 .xlsx 文件"
    UNKNOWN_INDICATOR = "列「{value}」不是本年度方案中的指标编号，已忽略"
    INDICATOR_TWO_COLUMNS = "指标 {indicator} 在同一文件中出现了两列"
    INDICATOR_SCORED_TWICE = "单位「{unit}」的指标 {indicator} 重复评分（{first_file} 第{first_row}行已有）"
    SCORE_MISSING = "单位「{unit}」缺少指标 {indicator}（{department}评分）的得分"
    SCORE_BLANK = "缺少指标 {indicator} 的评分"
    SCORE_NEGATIVE = "得分 {value} 不能为负数"
    ABOVE_FULL_MARKS = "得分 {value} 超过该指标满分 {max}"
    RATIO_WITHOUT_PERCENT = "比例「{value}」大于 1：请写作 {value}% 或 {fraction}"
    RATIO_OUT_OF_RANGE = "比例 {value} 应在 0 到 1（0% 到 100%）之间"
    # -- leadership scores -----------------------------------------------------------------
    NO_LEADER_COLUMNS = "没有领导班子成员的评分列"
    LEADER_BLANK = "领导「{member}」未给该单位评分，按未评分处理（不计入平均）"
    UNIT_WITHOUT_LEADER_ROW = "单位「{value}」没有领导评分"
    UNIT_WITHOUT_LEADER_SCORES = "单位「{value}」没有任何领导评分"
    # -- survey ----------------------------------------------------------------------------
    NO_QUESTIONS = "问卷表没有任何题目列"
    UNKNOWN_ROLE = "身份「{value}」无法识别，应为 {roles} 之一"
    UNKNOWN_ANSWER = "答案「{value}」无法识别，应为 {labels} 或留空"
    NOTHING_ANSWERED = "该受访者所有题目均未作答，不计入基层评分"
    ROLES_WEIGHTLESS = "单位「{value}」的受访者身份在方案中的权重均为 0，无法计算基层评分"
    NO_SURVEY = "单位「{value}」没有有效的基层问卷"
    # -- brand -----------------------------------------------------------------------------
    ITEM_BLANK = "项目编号为空"
    TITLE_BLANK = "项目名称为空"
    TOO_MANY_ITEMS = "该单位申报的特色品牌项目超过 {limit} 项（限报 {limit} 项）"
    NO_BRAND_ITEMS = "单位「{value}」未申报特色品牌项目，品牌得分记 0 分"
    UNKNOWN_ITEM = "项目编号「{value}」不在特色品牌项目表（brand_items）中"
    REVIEW_TWICE = "同一评分单位对项目「{value}」重复评分"
    SELF_REVIEW = "本单位给自己的项目评分（自评），不计入互评得分"
    ITEM_NOT_REVIEWED = "项目「{value}」（{unit}）没有其他单位的评分"
    # -- vetoes and overrides --------------------------------------------------------------
    UNKNOWN_CLAUSE = "否决条款「{value}」不存在，应为 {clauses} 之一（附件2 第9项）"
    CLAUSE_TWICE = "同一单位的否决条款「{value}」重复"
    UNKNOWN_GRADE = "等次「{value}」无法识别，应为 {grades} 之一"
    OVERRIDE_WITHOUT_REASON = "调整等次应写明理由（会议决定）"
    OVERRIDE_VETOED = "该单位被一票否决，取消当年评优资格，不能调整为{top}"
    # -- the survey roster (kaohe sample) ----------------------------------------------------
    SUB_UNION_BLANK = "基层工会名称为空"
    STANDALONE_UNKNOWN = "单建标记「{value}」无法识别，应填「是」或「否」"
    SUB_UNION_TWICE = "基层工会「{value}」在名册中重复（第{first}行已有）"
    TOO_FEW_ELIGIBLE = "单位「{value}」在名册中{have}，少于每单位抽取数 {per_unit}"
    ROSTER_COLUMN_MISSING = "缺少必需的列「{chinese}」"
    UNITS_UNREADABLE = "无法读取单位名单"
    # -- scheme.yaml -----------------------------------------------------------------------
    SCHEME_MISSING = "找不到考核方案文件 scheme.yaml"
    SCHEME_ENCODING = "考核方案文件不是 UTF-8 编码，请用 UTF-8 保存"
    SCHEME_YAML = "YAML 格式错误：{reason}"
    SCHEME_ALIAS = "不支持 YAML 锚点与别名（&名称、*名称）：请把内容直接写出来"
    SCHEME_NOT_MAPPING = "考核方案应为键值结构（YAML 映射）"
    SETTING_TWICE = "设置项「{value}」在同一处写了两次，请只保留一个"
    SETTING_UNKNOWN = "未知的设置项「{value}」{hint}（此处可用：{known}）"
    SETTING_MISSING = "缺少设置 {where}（{what}）：考核方案中必须写明，kaohe 不替它取默认值"
    SETTING_NOT_MAPPING = "{where} 应为键值结构"
    SETTING_NOT_NUMBER = "{where} 应为数字"
    SETTING_NOT_INTEGER = "{where} 应为整数"
    SETTING_NOT_TEXT = "{where} 应为不空的文字"
    SETTING_OUT_OF_RANGE = "{where} 为 {shown}，超出允许范围 {range}"
    SETTING_NOT_CHOICE = "{where} 为「{value}」，应为 {options} 之一"
    SETTING_DUPLICATE = "{what}「{value}」重复"
    WEIGHTS_NOT_ONE = "{what}之和为 {total}，应为 1"
    YEAR_NOT_FOUR_DIGITS = "year 应为四位年份，如 2019"
    YEAR_MISMATCH = "方案年份 {value} 与所选年份 {year} 不一致"
    ROLES_NOT_MAPPING = "身份权重应为「身份: 权重」的映射"
    ROLES_ZERO = "身份权重之和必须大于 0"
    TRIM_TOO_MUCH = "{where} 为 {value}，至少应为 2 × trim = {least}，否则去分后不剩任何评分"
    ANSWERS_NOT_LIST = "答案分值表应为列表，每项有 value、label、points"
    ANSWER_INCOMPLETE = "答案应有 value、label、points 三项"
    QUOTA_FORM = "优秀名额应写作 share: 比例、count: 个数 或 min_total: 最低总分 之一"
    CLAUSE_INCOMPLETE = "否决条款应有 id 和 text"
    NO_CATEGORIES = "考核方案没有任何指标类别"
    CATEGORIES_NOT_100 = "各类别满分之和为 {value}，应为 100"
    CATEGORY_NOT_MAPPING = "指标类别应为键值结构"
    CATEGORY_NO_NAME = "类别 {category} 缺少名称 name"
    CATEGORY_EMPTY = "类别 {category} 没有指标"
    CATEGORY_SUM = "类别 {category}「{name}」各指标满分之和为 {value}，与类别满分 {max} 不符"
    INDICATOR_NOT_MAPPING = "指标应为键值结构"
    INDICATOR_NO_TEXT = "指标 {indicator} 缺少考核内容 text"
    INDICATOR_NO_DEPARTMENT = "指标 {indicator} 缺少评分部门 department"
    RULE_UNKNOWN = "未知的计分规则「{value}」，应为 {kinds} 之一"
    BANDS_EMPTY = "分档规则应列出至少一档 {{min: 比例下限, points: 得分}}"
    BAND_INCOMPLETE = "每一档应有 min 和 points"
    BANDS_REPEATED = "分档的比例下限不能重复"
    BANDS_DECREASING = "分档得分应随比例下限升高而不减"
    # -- what-if variants ------------------------------------------------------------------
    WEIGHTS_ALL_ZERO = "{what}不能全为 0"

    def message(self, value: Any = None, **fields) -> str:
        """The Chinese message of this problem, with ``{value}`` and the fields filled in."""
        return self.value.format(value=value, **fields)


@dataclass(frozen=True)
class Problem:
    """One problem in one cell (or file) of the inputs."""

    code: Code
    level: Level
    file: str
    row: int | None
    column: str | None
    value: Any
    message: str

    @classmethod
    def of(cls, code: Code, file: str, row=None, column=None, value=None, *, level: Level = ERROR,
           **fields) -> "Problem":
        """The problem ``code`` at a place, its message made from the code's template."""
        value = _plain(value)
        return cls(code, Level(level), file, _row(row), column, value, code.message(value, **fields))

    @property
    def is_error(self) -> bool:
        return self.level is ERROR

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" 第{self.row}行"
        if self.column:
            where += f" 列「{self.column}」"
        return f"{where}: {self.message}"


@dataclass
class ProblemLog:
    """Collects problems while the inputs are read and checked."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, code: Code, file, row=None, column=None, value=None, *, level: Level = ERROR, **fields) -> None:
        self.problems.append(Problem.of(code, file, row, column, value, level=level, **fields))

    def error(self, code: Code, file, row=None, column=None, value=None, **fields) -> None:
        self.add(code, file, row, column, value, level=ERROR, **fields)

    def warning(self, code: Code, file, row=None, column=None, value=None, **fields) -> None:
        self.add(code, file, row, column, value, level=WARNING, **fields)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidInputError(self.problems)


def _row(row):
    return None if row is None or pd.isna(row) else int(row)


def _plain(value):
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        return value.item()
    return value


class KaoheError(Exception):
    """Base of every error kaohe raises on purpose."""


class InvalidInputError(KaoheError):
    """The year's inputs have errors; ``problems`` lists all of them (and the warnings)."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        errors = [p for p in self.problems if p.is_error]
        super().__init__(f"输入数据有 {len(errors)} 个错误")


class SchemeError(InvalidInputError):
    """The year's scheme.yaml is malformed or inconsistent."""


class UsageError(KaoheError):
    """The command was called wrongly (a bad year, a missing folder)."""


TABLE_HEADERS = {"level": "级别", "file": "文件", "row": "行", "column": "列", "value": "值", "message": "问题"}


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """The problems as plain data: ``code, level, file, row, column, value, message``, in the
    order found (codes and levels as their names and Chinese words)."""
    return pd.DataFrame(
        {
            "code": [p.code.name for p in problems],
            "level": [p.level.value for p in problems],
            "file": [p.file for p in problems],
            "row": pd.array([p.row for p in problems], dtype="Int64"),
            "column": [p.column or "" for p in problems],
            "value": ["" if p.value is None else str(p.value) for p in problems],
            "message": [p.message for p in problems],
        }
    )


def problems_table(problems: list[Problem]) -> pd.DataFrame:
    """The problems as a table with Chinese headers, errors first, in reading order (the terminal)."""
    frame = problems_frame(problems)
    frame["row"] = frame["row"].astype(object).where(frame["row"].notna(), "")
    order = frame["level"].map({ERROR.value: 0, WARNING.value: 1})
    table = frame.assign(_o=order).sort_values("_o", kind="stable").drop(columns=["_o", "code"])
    return table[list(TABLE_HEADERS)].rename(columns=TABLE_HEADERS)


def problems_sheet(problems: list[Problem]) -> pd.DataFrame:
    """The problems as the office sends them back to the departments: 文件, 行, 列, 值, 问题,
    级别, sorted by file and row (a problem of the whole file first), in the order found within."""
    frame = problems_frame(problems)
    frame["_r"] = frame["row"].fillna(0)
    frame = frame.sort_values(["file", "_r"], kind="stable")
    columns = ["file", "row", "column", "value", "message", "level"]
    return frame[columns].rename(columns=TABLE_HEADERS).reset_index(drop=True)

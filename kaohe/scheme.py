"""The year's scheme: weights, rules and the indicator system, parsed once into typed objects.

``scheme.yaml`` is read with a safe loader and checked as a whole; every inconsistency is a
:class:`~kaohe.problems.Problem` and loading raises one :class:`SchemeError` with all of them.
Nothing downstream reads raw dicts and the code holds no year-specific number (SPEC §1).
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from .problems import Code, ProblemLog, SchemeError
from .rules import RULE_KEYS, RULE_KINDS, RULES, Manual, Rule

SCOPES = ("total", "category", "indicator")
MODES = ("scaled", "rank_only")
QUOTA_KINDS = ("share", "count", "min_total")
COMPONENTS = ("leader", "dept", "grassroots")
REQUIRED = object()  # the default of a setting that has none


@dataclass(frozen=True)
class Indicator:
    id: str
    category: str
    text: str
    max: float
    department: str
    rule: Rule


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    max: float
    scored_by: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class VetoClause:
    id: str
    text: str


@dataclass(frozen=True)
class Trim:
    """Drop the ``trim`` highest and lowest scores when there are more than ``above``."""

    trim: int = 0
    above: int = 5


@dataclass(frozen=True)
class AnswerOption:
    value: int
    label: str
    points: float


@dataclass(frozen=True)
class DeptRanking:
    """The department ranking coefficient: ``max(0, 1 − step × (rank − 1))``."""

    step: float = 0.02
    scope: str = "total"
    mode: str = "scaled"


@dataclass(frozen=True)
class Quota:
    """How many non-vetoed units are proposed 优秀: a share, a count or a minimum total."""

    kind: str = "share"
    value: float = 0.3


@dataclass(frozen=True)
class Notice:
    """Who the 通报 is from and to (第八条（四）: 抄送各考核单位同级党委)."""

    issuer: str = "市总工会"
    recipients: str = "各考核单位工会（工委）"
    cc: str = "各考核单位同级党委"


UNCERTAINTY_SOURCES = ("weights", "methods", "survey", "brand", "leader")


@dataclass(frozen=True)
class Uncertainty:
    """The report's 结果可靠性: how many draws, the seed, the weights' spread and which sources are drawn."""

    draws: int = 1000
    seed: int = 2019
    weight_spread: float = 0.2
    sources: tuple[str, ...] = UNCERTAINTY_SOURCES


@dataclass(frozen=True)
class Scheme:
    """One year's assessment scheme."""

    year: int
    title: str
    source: str
    common_weight: float
    brand_weight: float
    component_weights: dict[str, float]
    dept_ranking: DeptRanking
    leader_trim: Trim
    brand_trim: Trim
    max_brand_items: int
    answers: tuple[AnswerOption, ...]
    role_weights: dict[str, float]
    quota: Quota
    top_grade: str
    other_grade: str
    near_tie: float
    veto_clauses: tuple[VetoClause, ...]
    categories: tuple[Category, ...]
    notice: Notice = Notice()
    uncertainty: Uncertainty = Uncertainty()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for c in self.categories for i in c.indicators)

    @property
    def indicator_ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def indicator(self, indicator_id: str) -> Indicator:
        return {i.id: i for i in self.indicators}[indicator_id]

    @property
    def roles(self) -> list[str]:
        return list(self.role_weights)

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(i.department for i in self.indicators))

    def veto_texts(self, ids: str) -> list[tuple[str, str]]:
        """The clauses a ``veto_clauses`` cell of results.csv names (``"1;2"``), each with its text
        (empty for an id the scheme does not have)."""
        texts = {c.id: c.text for c in self.veto_clauses}
        return [(c, texts.get(c, "")) for c in str(ids).split(";") if c]

    def with_options(self, **changes) -> "Scheme":
        """A copy with some settings changed (for what-if and tests); ``raw`` follows."""
        return replace(self, **changes)


def _load_yaml(text: str, log: ProblemLog, name: str):
    """The YAML of ``scheme.yaml`` as plain data, after checking its nodes (:func:`_check_nodes`).

    libyaml's loader is used where PyYAML has it (10x as fast); a file it refuses is read again
    by the Python loader, so that the message is the same on every install.
    """
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader_class)
    except yaml.YAMLError:
        loader_class = yaml.SafeLoader
        node = yaml.compose(text, Loader=loader_class)
    aliased = _aliases(text, loader_class, log, name)
    if node is None:
        return None
    _check_nodes(node, "", log, name, seen=set())
    if aliased:
        return None  # nothing is built from a file with aliases
    loader = loader_class("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


# The keys scheme.yaml may hold, by where they stand ("[]": each item of a list). Only these
# are read; any other is a misspelling or a setting kaohe does not have, and an error.
SCHEME_KEYS = {
    "": ("year", "title", "source", "weights", "common_weights", "dept_ranking", "leader", "brand", "survey",
         "grades", "veto_clauses", "categories", "notice", "uncertainty"),
    "weights": ("common", "brand"),
    "common_weights": COMPONENTS,
    "dept_ranking": ("step", "scope", "mode"),
    "leader": ("trim", "trim_above"),
    "brand": ("trim", "trim_above", "max_items"),
    "survey": ("answers", "roles"),
    "survey.answers[]": ("value", "label", "points"),
    "grades": ("quota", "top", "other", "near_tie"),
    "notice": ("issuer", "recipients", "cc"),
    "uncertainty": ("draws", "seed", "weight_spread", "sources"),
    "grades.quota": QUOTA_KINDS,
    "veto_clauses[]": ("id", "text"),
    "categories[]": ("id", "name", "max", "scored_by", "indicators"),
    "categories[].indicators[]": ("id", "text", "max", "department", "rule"),
    "categories[].indicators[].rule": RULE_KEYS,
    "categories[].indicators[].rule.bands[]": ("min", "points"),
}
TEXT = "tag:yaml.org,2002:str"


def _check_nodes(node, where: str, log: ProblemLog, name: str, seen: set, shown: str = "") -> None:
    """Check the YAML nodes of ``scheme.yaml`` before anything is built from them.

    Refused: a key given twice in one mapping, a key the scheme does not have (the closest
    known key is suggested). An ``id`` written as a number is kept as written (``3.10`` is not
    ``3.1``). ``where`` is the place in :data:`SCHEME_KEYS` terms, ``shown`` the same with
    positions, for messages. (Aliases are refused before, by :func:`_aliases`.)
    """
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        for k, item in enumerate(node.value):
            _check_nodes(item, f"{where}[]", log, name, seen, f"{shown}[{k}]")
        return
    known = SCHEME_KEYS.get(where)
    if not isinstance(node, yaml.MappingNode) or known is None:  # survey.roles (身份: 权重) has free keys
        return
    keys: set = set()
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        line = key_node.start_mark.line + 1
        path = f"{shown}.{key}" if shown else str(key)
        if key in keys:
            log.error(Code.SETTING_TWICE, name, line, path, key)
        keys.add(key)
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
            hint = f"，是否应为「{close[0]}」？" if close else "。"
            log.error(Code.SETTING_UNKNOWN, name, line, path, key, hint=hint, known="、".join(known))
            continue
        if key == "id" and isinstance(value_node, yaml.ScalarNode):
            value_node.tag = TEXT  # as written: 3.10 stays "3.10"
        _check_nodes(value_node, f"{where}.{key}" if where else key, log, name, seen, path)


def _aliases(text: str, loader_class, log: ProblemLog, name: str) -> bool:
    """Refuse YAML anchors and aliases (``&name`` / ``*name``): with them a small file can stand
    for a huge one, and the scheme never needs them. Read from the parser's events, nothing
    built; returns whether there were any."""
    found = False
    for event in yaml.parse(text, Loader=loader_class):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            log.error(Code.SCHEME_ALIAS, name, event.start_mark.line + 1, None,
                      f"&{event.anchor}" if event.anchor else None)
            found = True
    return found


def load_scheme(path: str | Path) -> Scheme:
    """Read and check ``scheme.yaml``; raise :class:`SchemeError` listing every problem."""
    path = Path(path)
    name = path.name
    log = ProblemLog()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        log.error(Code.SCHEME_MISSING, name)
        raise SchemeError(log.problems) from None
    except UnicodeDecodeError:
        log.error(Code.SCHEME_ENCODING, name)
        raise SchemeError(log.problems) from None
    try:
        data = _load_yaml(text, log, name)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        row = mark.line + 1 if mark is not None else None
        log.error(Code.SCHEME_YAML, name, row, reason=getattr(exc, "problem", exc))
        raise SchemeError(log.problems) from None
    if data is None and log.errors:
        raise SchemeError(log.problems)
    scheme = parse_scheme(data, log, name)
    if log.errors:
        raise SchemeError(log.problems)
    return scheme


def parse_scheme(data: Any, log: ProblemLog | None = None, name: str = "scheme.yaml") -> Scheme:
    """Build a :class:`Scheme` from the loaded YAML mapping, recording problems in ``log``."""
    own_log = log is None
    log = log or ProblemLog()
    p = _Parser(log, name)
    if not isinstance(data, dict):
        log.error(Code.SCHEME_NOT_MAPPING, name)
        raise SchemeError(log.problems)

    # the year's numbers have no default (the code holds none): a missing one is an error
    weights = p.mapping(data, "weights", required="共性工作与特色品牌工作的权重（第七条）")
    common_weight = p.number(weights, "common", "weights.common", REQUIRED, low=0, high=1)
    brand_weight = p.number(weights, "brand", "weights.brand", REQUIRED, low=0, high=1)
    p.sums_to_one([common_weight, brand_weight], "weights", "共性工作与特色品牌工作的权重")

    comp = p.mapping(data, "common_weights", required="领导、业务部门、基层评分在共性工作中的权重（第七条）")
    component_weights = {k: p.number(comp, k, f"common_weights.{k}", REQUIRED, low=0, high=1) for k in COMPONENTS}
    p.sums_to_one(list(component_weights.values()), "common_weights", "领导、业务部门、基层评分的权重")

    dr = p.mapping(data, "dept_ranking", required="业务部门评分的名次系数（第八条）")
    dept_ranking = DeptRanking(
        step=p.number(dr, "step", "dept_ranking.step", REQUIRED, low=0, high=1),
        scope=p.choice(dr, "scope", "dept_ranking.scope", "total", SCOPES),
        mode=p.choice(dr, "mode", "dept_ranking.mode", "scaled", MODES),
    )

    leader = p.mapping(data, "leader")
    leader_trim = p.trim(leader, "leader", default=0)

    brand = p.mapping(data, "brand")
    brand_trim = p.trim(brand, "brand", default=1)
    max_items = int(p.number(brand, "max_items", "brand.max_items", 2, low=1, integer=True))

    survey = p.mapping(data, "survey")
    answers = p.answers(survey.get("answers"))
    roles = survey.get("roles", {"职工": 1, "工会主席": 1, "管理者": 1})
    role_weights: dict[str, float] = {}
    if not isinstance(roles, dict) or not roles:
        log.error(Code.ROLES_NOT_MAPPING, name, None, "survey.roles", roles)
    else:
        for role, w in roles.items():
            role_weights[str(role)] = p.number(roles, role, f"survey.roles.{role}", 1, low=0)
        if sum(role_weights.values()) <= 0:
            log.error(Code.ROLES_ZERO, name, None, "survey.roles")

    grades = p.mapping(data, "grades", required="考核等次与优秀名额")
    if "quota" in grades:
        quota = p.quota(grades["quota"])
    else:  # said once: the missing section, or the missing quota
        quota = Quota() if "grades" in p.missing_settings else p.missing("grades.quota", "优秀名额", Quota())
    top_grade = str(grades.get("top", "优秀"))
    other_grade = str(grades.get("other", "良好"))
    near_tie = p.number(grades, "near_tie", "grades.near_tie", 0.0, low=0)

    clauses = []
    if "veto_clauses" not in data:
        p.missing("veto_clauses", "一票否决条款（附件2 第9项；没有时写 veto_clauses: []）", None)
    for i, c in enumerate(data.get("veto_clauses") or []):
        if not isinstance(c, dict) or "id" not in c or "text" not in c:
            log.error(Code.CLAUSE_INCOMPLETE, name, None, f"veto_clauses[{i}]", c)
            continue
        clauses.append(VetoClause(str(c["id"]), str(c["text"]).strip()))
    _duplicates([c.id for c in clauses], log, name, "veto_clauses", "否决条款编号")

    categories = tuple(p.category(c, i) for i, c in enumerate(data.get("categories") or []))
    if not categories:
        log.error(Code.NO_CATEGORIES, name, None, "categories")
    ids = [i.id for c in categories for i in c.indicators]
    _duplicates(ids, log, name, "indicators", "指标编号")
    _duplicates([c.id for c in categories], log, name, "categories", "类别编号")
    total_max = sum(c.max for c in categories)
    if categories and not math.isclose(total_max, 100, abs_tol=1e-6):
        log.error(Code.CATEGORIES_NOT_100, name, None, "categories", _num(total_max))

    year = data.get("year")
    if not isinstance(year, int):
        log.error(Code.YEAR_NOT_FOUR_DIGITS, name, None, "year", year)
        year = 0
    scheme = Scheme(
        year=year,
        title=str(data.get("title", f"{year}年度重点工作考核")),
        source=str(data.get("source", "")).strip(),
        common_weight=common_weight,
        brand_weight=brand_weight,
        component_weights=component_weights,
        dept_ranking=dept_ranking,
        leader_trim=leader_trim,
        brand_trim=brand_trim,
        max_brand_items=max_items,
        answers=answers,
        role_weights=role_weights,
        quota=quota,
        top_grade=top_grade,
        other_grade=other_grade,
        notice=p.notice(p.mapping(data, "notice")),
        uncertainty=p.uncertainty(p.mapping(data, "uncertainty")),
        near_tie=near_tie,
        veto_clauses=tuple(clauses),
        categories=categories,
        raw=data,
    )
    if own_log and log.errors:
        raise SchemeError(log.problems)
    return scheme


def scheme_to_dict(scheme: Scheme) -> dict[str, Any]:
    """The scheme as plain data in the layout of ``scheme.yaml`` (for manifests and saving)."""
    def trim(t: Trim) -> dict:
        return {"trim": t.trim, "trim_above": t.above}

    return {
        "year": scheme.year,
        "title": scheme.title,
        "source": scheme.source,
        "weights": {"common": scheme.common_weight, "brand": scheme.brand_weight},
        "common_weights": dict(scheme.component_weights),
        "dept_ranking": {
            "step": scheme.dept_ranking.step,
            "scope": scheme.dept_ranking.scope,
            "mode": scheme.dept_ranking.mode,
        },
        "leader": trim(scheme.leader_trim),
        "brand": {**trim(scheme.brand_trim), "max_items": scheme.max_brand_items},
        "survey": {
            "answers": [{"value": a.value, "label": a.label, "points": a.points} for a in scheme.answers],
            "roles": dict(scheme.role_weights),
        },
        "grades": {
            "quota": {scheme.quota.kind: scheme.quota.value},
            "top": scheme.top_grade,
            "other": scheme.other_grade,
            "near_tie": scheme.near_tie,
        },
        "veto_clauses": [{"id": c.id, "text": c.text} for c in scheme.veto_clauses],
        "notice": {"issuer": scheme.notice.issuer, "recipients": scheme.notice.recipients, "cc": scheme.notice.cc},
        "uncertainty": {"draws": scheme.uncertainty.draws, "seed": scheme.uncertainty.seed,
                        "weight_spread": scheme.uncertainty.weight_spread, "sources": list(scheme.uncertainty.sources)},
        "categories": [
            {
                "id": c.id,
                "name": c.name,
                "max": c.max,
                "scored_by": c.scored_by,
                "indicators": [
                    {"id": i.id, "text": i.text, "max": i.max, "department": i.department, "rule": i.rule.settings()}
                    for i in c.indicators
                ],
            }
            for c in scheme.categories
        ],
    }


def dump_scheme(scheme: Scheme) -> str:
    """The scheme as YAML text that :func:`load_scheme` reads back to an equal scheme."""
    return yaml.safe_dump(scheme_to_dict(scheme), allow_unicode=True, sort_keys=False, width=1000)


DEFAULT_ANSWERS = (
    AnswerOption(5, "非常满意", 100.0),
    AnswerOption(4, "满意", 80.0),
    AnswerOption(3, "基本满意", 60.0),
    AnswerOption(2, "不满意", 30.0),
    AnswerOption(1, "非常不满意", 0.0),
)


class _Parser:
    def __init__(self, log: ProblemLog, name: str):
        self.log = log
        self.name = name
        self.missing_settings: set[str] = set()

    def error(self, column, value, code: Code, **fields):
        self.log.error(code, self.name, None, column, value, **fields)

    def mapping(self, data: dict, key: str, required: str | None = None) -> dict:
        """The section ``key``; ``required`` says what it holds, and its absence is then an error."""
        if key not in data and required:
            return self.missing(key, required, {})
        value = data.get(key) or {}
        if not isinstance(value, dict):
            self.error(key, value, Code.SETTING_NOT_MAPPING, where=key)
            return {}
        return value

    def missing(self, where: str, what: str, fallback):
        """Report a required setting that is not there; ``fallback`` lets the other checks go on."""
        self.missing_settings.add(where.split(".")[0])
        self.error(where, None, Code.SETTING_MISSING, where=where, what=what)
        return fallback

    def number(self, data: dict, key, where, default, low=None, high=None, integer=False):
        if key not in data and default is REQUIRED:
            if where.split(".")[0] not in self.missing_settings:  # a missing section is said once
                self.missing(where, "数值", None)
            return math.nan
        value = data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.error(where, value, Code.SETTING_NOT_NUMBER, where=where)
            return default
        if integer and value != int(value):
            self.error(where, value, Code.SETTING_NOT_INTEGER, where=where)
            return default
        if low is not None and value < low or high is not None and value > high:
            rng = f"{_num(low) if low is not None else ''}–{_num(high) if high is not None else ''}"
            self.error(where, value, Code.SETTING_OUT_OF_RANGE, where=where, shown=_num(value), range=rng)
            return default
        return float(value) if not integer else int(value)

    def choice(self, data: dict, key, where, default, options):
        value = data.get(key, default)
        if value not in options:
            self.error(where, value, Code.SETTING_NOT_CHOICE, where=where, options="、".join(options))
            return default
        return value

    def sums_to_one(self, values, where, what):
        if any(math.isnan(v) for v in values):
            return  # a missing one is reported already
        if not math.isclose(sum(values), 1.0, abs_tol=1e-6):
            self.error(where, _num(sum(values)), Code.WEIGHTS_NOT_ONE, what=what, total=_num(sum(values)))

    def trim(self, data: dict, where: str, default: int) -> Trim:
        trim = Trim(
            trim=int(self.number(data, "trim", f"{where}.trim", default, low=0, integer=True)),
            above=int(self.number(data, "trim_above", f"{where}.trim_above", 5, low=0, integer=True)),
        )
        if trim.above < 2 * trim.trim:
            self.error(f"{where}.trim_above", trim.above, Code.TRIM_TOO_MUCH, where=f"{where}.trim_above",
                       least=2 * trim.trim)
        return trim

    def answers(self, raw) -> tuple[AnswerOption, ...]:
        if raw is None:
            return DEFAULT_ANSWERS
        if not isinstance(raw, list) or not raw:
            self.error("survey.answers", raw, Code.ANSWERS_NOT_LIST)
            return DEFAULT_ANSWERS
        out = []
        for i, a in enumerate(raw):
            where = f"survey.answers[{i}]"
            if not isinstance(a, dict) or not {"value", "label", "points"} <= set(a):
                self.error(where, a, Code.ANSWER_INCOMPLETE)
                continue
            value = self.number(a, "value", f"{where}.value", 0, integer=True)
            points = self.number(a, "points", f"{where}.points", 0, low=0, high=100)
            out.append(AnswerOption(int(value), str(a["label"]).strip(), float(points)))
        _duplicates([a.value for a in out], self.log, self.name, "survey.answers", "答案值")
        _duplicates([a.label for a in out], self.log, self.name, "survey.answers", "答案文字")
        return tuple(out)

    def notice(self, raw: dict) -> Notice:
        texts = {}
        for key in ("issuer", "recipients", "cc"):
            if key in raw:
                value = raw[key]
                if not isinstance(value, str) or not value.strip():
                    self.error(f"notice.{key}", value, Code.SETTING_NOT_TEXT, where=f"notice.{key}")
                else:
                    texts[key] = value.strip()
        return Notice(**texts)

    def uncertainty(self, raw: dict) -> Uncertainty:
        default = Uncertainty()
        sources = raw.get("sources", list(default.sources))
        if not isinstance(sources, list) or any(s not in UNCERTAINTY_SOURCES for s in sources):
            self.error("uncertainty.sources", sources, Code.SETTING_NOT_CHOICE, where="uncertainty.sources",
                       options="、".join(UNCERTAINTY_SOURCES))
            sources = list(default.sources)
        return Uncertainty(
            draws=int(self.number(raw, "draws", "uncertainty.draws", default.draws, low=10, high=100_000, integer=True)),
            seed=int(self.number(raw, "seed", "uncertainty.seed", default.seed, low=0, integer=True)),
            weight_spread=self.number(raw, "weight_spread", "uncertainty.weight_spread", default.weight_spread,
                                      low=0, high=0.99),
            sources=tuple(dict.fromkeys(sources)),
        )

    def quota(self, raw) -> Quota:
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in QUOTA_KINDS:
            self.error("grades.quota", raw, Code.QUOTA_FORM)
            return Quota()
        kind, value = next(iter(raw.items()))
        where = f"grades.quota.{kind}"
        if kind == "share":
            return Quota(kind, self.number(raw, kind, where, 0.3, low=0, high=1))
        if kind == "count":
            return Quota(kind, self.number(raw, kind, where, 0, low=0, integer=True))
        return Quota(kind, self.number(raw, kind, where, 0, low=0, high=100))

    def category(self, raw, index: int) -> Category:
        where = f"categories[{index}]"
        if not isinstance(raw, dict):
            self.error(where, raw, Code.CATEGORY_NOT_MAPPING)
            return Category(str(index), "", 0, "", ())
        cid = str(raw.get("id", index + 1))
        where = f"类别{cid}"
        name = str(raw.get("name", "")).strip()
        if not name:
            self.error(where, None, Code.CATEGORY_NO_NAME, category=cid)
        cmax = self.number(raw, "max", f"{where}.max", 0, low=0)
        scored_by = str(raw.get("scored_by", "")).strip()
        indicators = tuple(
            self.indicator(i, cid, scored_by, k) for k, i in enumerate(raw.get("indicators") or [])
        )
        if not indicators:
            self.error(where, None, Code.CATEGORY_EMPTY, category=cid)
        imax = sum(i.max for i in indicators)
        if indicators and not math.isclose(imax, cmax, abs_tol=1e-6):
            self.error(where, _num(imax), Code.CATEGORY_SUM, category=cid, name=name, max=_num(cmax))
        return Category(cid, name, cmax, scored_by, indicators)

    def indicator(self, raw, category: str, scored_by: str, index: int) -> Indicator:
        where = f"类别{category}.indicators[{index}]"
        if not isinstance(raw, dict):
            self.error(where, raw, Code.INDICATOR_NOT_MAPPING)
            return Indicator(f"{category}.?", category, "", 0, "", Manual())
        iid = str(raw.get("id", f"{category}.{index + 1}"))
        where = f"指标{iid}"
        text = str(raw.get("text", "")).strip()
        if not text:
            self.error(where, None, Code.INDICATOR_NO_TEXT, indicator=iid)
        imax = self.number(raw, "max", f"{where}.max", 0, low=0)
        department = str(raw.get("department") or scored_by).strip()
        if not department:
            self.error(where, None, Code.INDICATOR_NO_DEPARTMENT, indicator=iid)
        rule = self.rule(raw.get("rule", {"kind": "manual"}), where, imax)
        return Indicator(iid, category, text, imax, department, rule)

    def rule(self, raw, where: str, imax: float) -> Rule:
        if isinstance(raw, str):
            raw = {"kind": raw}
        kind = raw.get("kind") if isinstance(raw, dict) else raw
        if kind not in RULE_KINDS:
            self.error(f"{where}.rule", kind, Code.RULE_UNKNOWN, kinds="、".join(RULE_KINDS))
            return Manual()
        return RULES[kind].read(raw, self, where, imax)


def _duplicates(values, log: ProblemLog, name: str, where: str, what: str) -> None:
    seen = set()
    for v in values:
        if v in seen:
            log.error(Code.SETTING_DUPLICATE, name, None, where, v, what=what)
        seen.add(v)


def _num(x) -> str:
    if x is None:
        return ""
    return f"{x:g}" if isinstance(x, float) else str(x)

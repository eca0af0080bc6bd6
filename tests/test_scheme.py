"""scheme.yaml is read strictly: a misspelt or unknown key, a key given twice, a missing
section or an alias is an error naming its line; indicator ids are text as written."""

from __future__ import annotations

import copy

import pytest
import yaml

from kaohe.problems import SchemeError
from kaohe.scheme import load_scheme
from tiny_year import SCHEME


def problems(tmp_path, text: str) -> list:
    path = tmp_path / "scheme.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SchemeError) as caught:
        load_scheme(path)
    return caught.value.problems


def scheme_text(**changes) -> str:
    scheme = copy.deepcopy(SCHEME)
    for key, value in changes.items():
        if value is None:
            scheme.pop(key)
        else:
            scheme[key] = value
    return yaml.safe_dump(scheme, allow_unicode=True, sort_keys=False)


def test_misspelt_keys_are_errors_that_suggest_the_known_key(tmp_path):
    text = scheme_text().replace("weights:\n", "weight:\n", 1).replace("  scope: total", "  scop: total")
    text = text.replace("  trim_above: 2\n", "  trim_abov: 2\n", 1)
    found = {(p.row, p.column): p.message for p in problems(tmp_path, text)}
    lines = text.splitlines()
    row = lines.index("weight:") + 1
    assert found[(row, "weight")].startswith("未知的设置项「weight」，是否应为「weights」？")
    assert found[(lines.index("  scop: total") + 1, "dept_ranking.scop")].startswith("未知的设置项「scop」，是否应为「scope」？")
    assert found[(lines.index("  trim_abov: 2") + 1, "leader.trim_abov")].startswith(
        "未知的设置项「trim_abov」，是否应为「trim_above」？")
    # and the section the misspelling stood for is missing, not silently 0.7 / 0.3
    assert found[(None, "weights")].startswith("缺少设置 weights（共性工作与特色品牌工作的权重（第七条））")


def test_unknown_keys_deep_inside_the_indicator_system_are_errors(tmp_path):
    scheme = copy.deepcopy(SCHEME)
    scheme["categories"][0]["indicators"][1]["rule"]["pre"] = 5
    scheme["categories"][1]["colour"] = "red"
    found = {p.column: p.message for p in problems(tmp_path, yaml.safe_dump(scheme, allow_unicode=True))}
    assert found["categories[0].indicators[1].rule.pre"].startswith("未知的设置项「pre」，是否应为「per」？")
    assert found["categories[1].colour"].startswith("未知的设置项「colour」")


@pytest.mark.parametrize("section", ["weights", "common_weights", "dept_ranking", "grades", "veto_clauses"])
def test_a_missing_section_is_an_error_not_a_default(tmp_path, section):
    (problem,) = [p for p in problems(tmp_path, scheme_text(**{section: None})) if p.is_error]
    assert problem.column == section and problem.message.startswith(f"缺少设置 {section}（")
    assert "不替它取默认值" in problem.message


def test_a_missing_weight_inside_a_section_is_an_error(tmp_path):
    found = [p for p in problems(tmp_path, scheme_text(common_weights={"leader": 0.25, "dept": 0.75})) if p.is_error]
    assert [(p.column, p.message.split("：")[0]) for p in found] == [
        ("common_weights.grassroots", "缺少设置 common_weights.grassroots（数值）")]


def test_a_key_given_twice_is_an_error(tmp_path):
    text = scheme_text().replace("grades:\n  quota:\n    share: 0.3\n", "grades:\n  quota:\n    share: 0.3\n  quota:\n    count: 9\n")
    assert "  quota:\n    count: 9" in text
    found = [p for p in problems(tmp_path, text) if "两次" in p.message]
    assert [(p.column, p.message) for p in found] == [("grades.quota", "设置项「quota」在同一处写了两次，请只保留一个")]


def test_aliases_are_refused_fast_whatever_they_would_expand_to(tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + k)}: &{chr(98 + k)} [*{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, "
        f"*{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}, *{chr(97 + k)}]\n" for k in range(9))
    found = problems(tmp_path, scheme_text() + bomb)  # 10^10 items if expanded: this would never return
    assert any(p.row == 1 + len(scheme_text().splitlines()) and "不支持 YAML 锚点与别名" in p.message for p in found)


def test_indicator_ids_are_text_as_written(tmp_path):
    scheme = copy.deepcopy(SCHEME)
    text = yaml.safe_dump(scheme, allow_unicode=True, sort_keys=False)
    text = text.replace("- id: '1.1'", "- id: 1.10").replace("- id: '1.2'", "- id: 1.2")
    assert "- id: 1.10" in text and "- id: 1.2\n" in text
    path = tmp_path / "scheme.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_scheme(path).indicator_ids[:2] == ["1.10", "1.2"]  # not 1.1

"""Indicator discrimination: notes for next year's scheme (the report's method appendix)."""

from __future__ import annotations

import kaohe
from kaohe.analysis.discrimination import discrimination_notes, indicator_discrimination
from tiny_year import write_tiny_year


def test_an_indicator_everyone_gets_full_marks_on_is_noted(tmp_path):
    files = {"dept_scores/宣教部.csv": "单位,1.1,1.2\n甲,38,0\n乙,36,0\n丙,40,0\n丁,36,0\n"}
    results = kaohe.load_year(2030, write_tiny_year(tmp_path / "data", files=files))
    table = indicator_discrimination(results).set_index("indicator")
    assert table.at["1.2", "full_share"] == 1.0 and "100% 的单位得满分" in table.at["1.2", "note"]
    assert table.at["1.1", "note"] == ""
    notes = discrimination_notes(results)
    assert notes["指标"].tolist() == ["1.2"] and notes.columns[-1] == "供下年修订方案参考"


def test_an_indicator_against_the_rest_of_its_category_is_noted(tmp_path):
    # 2.3 (完成目标) high where 2.1/2.2 are low and the other way round
    files = {"dept_scores/保障部.csv": "unit,2.1,2.2,2.3\n甲,0,90%,100\n乙,1,60%,450\n丙,3,30%,1000\n丁,2,50%,400\n"}
    results = kaohe.load_year(2030, write_tiny_year(tmp_path / "data", files=files))
    table = indicator_discrimination(results).set_index("indicator")
    assert table.at["2.3", "rest_correlation"] < -0.2 and "负相关" in table.at["2.3", "note"]

"""A tiny hand-computed year: 4 units, 2 categories, 5 indicators, one of each rule kind.

The expected numbers are worked out by hand, step by step, in ``test_golden.py``.
"""

from __future__ import annotations

from pathlib import Path

import yaml

SCHEME = {
    "year": 2030,
    "title": "示例年度考核（测试用）",
    "weights": {"common": 0.7, "brand": 0.3},
    "common_weights": {"leader": 0.25, "dept": 0.6, "grassroots": 0.15},
    "dept_ranking": {"step": 0.02, "scope": "total", "mode": "scaled"},
    "leader": {"trim": 0, "trim_above": 2},
    "brand": {"max_items": 2, "trim": 1, "trim_above": 2},
    "grades": {"quota": {"share": 0.3}},
    "veto_clauses": [{"id": "1", "text": "严重违法违纪"}, {"id": "2", "text": "通报批评"}],
    "categories": [
        {
            "id": "1", "name": "思想引领", "max": 60, "scored_by": "宣教部",
            "indicators": [
                {"id": "1.1", "text": "人工评分", "max": 40, "department": "宣教部", "rule": {"kind": "manual"}},
                {"id": "1.2", "text": "每发现一次扣5分", "max": 20, "department": "宣教部",
                 "rule": {"kind": "deduction", "per": 5}},
            ],
        },
        {
            "id": "2", "name": "维权帮扶", "max": 40, "scored_by": "保障部",
            "indicators": [
                {"id": "2.1", "text": "每缺一项扣3.3分", "max": 10, "department": "保障部",
                 "rule": {"kind": "checklist", "n": 3, "per": 3.3}},
                {"id": "2.2", "text": "比例分档", "max": 10, "department": "保障部",
                 "rule": {"kind": "bands", "bands": [{"min": 0.8, "points": 10}, {"min": 0.5, "points": 5}]}},
                {"id": "2.3", "text": "完成目标", "max": 20, "department": "保障部", "rule": {"kind": "target"}},
            ],
        },
    ],
}

FILES = {
    "units.csv": """\
单位,参保基数,上年参保数
甲,1000,
乙,500,600
丙,1000,400
丁,500,
""",
    "dept_scores/宣教部.csv": """\
单位,1.1,1.2
甲,38,0
乙,36,1
丙,40,0
丁,36,1
""",
    "dept_scores/保障部.csv": """\
unit,2.1,2.2,2.3
甲,0,90%,1000
乙,1,0.6,450
丙,3,0.3,800
丁,1,60%,450
""",
    "leader_scores.csv": """\
单位,领导1,领导2,领导3
甲,90,92,
乙,80,84,82
丙,95,99,94
丁,83,81,82
""",
    "survey.csv": """\
单位,基层工会,身份,Q1,Q2
甲,甲一厂,职工,5,5
甲,甲一厂,职工,4,满意
甲,甲二厂,工会主席,3,
乙,乙一厂,职工,4,4
乙,乙一厂,工会主席,4,4
乙,乙一厂,管理者,4,4
丙,丙一厂,职工,5,5
丙,丙一厂,职工,,
丙,丙一厂,工会主席,5,5
丙,丙一厂,管理者,5,5
丁,丁一厂,职工,5,3
丁,丁一厂,职工,4,
丁,丁一厂,管理者,满意,满意
""",
    "brand_items.csv": """\
单位,项目编号,项目名称
甲,A1,甲的品牌
乙,B1,乙的品牌一
乙,B2,乙的品牌二
丙,C1,丙的品牌
丁,D1,丁的品牌
""",
    "brand_reviews.csv": """\
评分单位,项目编号,得分
乙,A1,80
丙,A1,95
丁,A1,86
甲,A1,100
甲,B1,70
丙,B1,90
甲,B2,60
丙,B2,100
丁,B2,80
甲,C1,90
乙,C1,95
丁,C1,70
甲,D1,75
乙,D1,85
""",
    "vetoes.csv": """\
单位,否决条款,说明
甲,1,班子成员被纪委立案审查
""",
}


def write_tiny_year(root: Path, scheme: dict | None = None, files: dict | None = None) -> Path:
    """Write the tiny year under ``root/raw/2030`` and return ``root`` (the data directory)."""
    year_dir = Path(root) / "raw" / "2030"
    (year_dir / "dept_scores").mkdir(parents=True, exist_ok=True)
    (year_dir / "scheme.yaml").write_text(
        yaml.safe_dump(scheme or SCHEME, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    for name, text in {**FILES, **(files or {})}.items():
        if text is None:
            continue
        (year_dir / name).write_text(text, encoding="utf-8")
    return Path(root)

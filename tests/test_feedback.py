"""One feedback page per unit (kaohe feedback): what it says, what it never says, how it prints."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kaohe.cli import main
from kaohe.pipeline import load_year
from kaohe.report.feedback import FOLDER, page_name
from tiny_year import write_tiny_year

from conftest import SAMPLE_RAW


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("feedback") / "data"
    shutil.copytree(SAMPLE_RAW / "2019", data / "raw" / "2019")
    assert main(["feedback", "2019", "--data-dir", str(data)]) == 0
    return data


def visible_text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_every_unit_gets_a_page_with_its_standing_and_no_other_unit(pages):
    results = load_year(2019, pages)
    folder = pages / "output/2019" / FOLDER
    units = results.results["unit"].tolist()
    assert sorted(p.name for p in folder.iterdir()) == sorted(page_name(u) for u in units)
    for row in results.results.itertuples():
        text = visible_text(folder / page_name(row.unit))
        assert f"总分 {row.total:.2f} 分，第 {row.rank} 名（共 {len(units)} 个单位），考核等次： {row.grade}" in text
        others = [u for u in units if u != row.unit and u not in row.unit]
        assert [u for u in others if u in text] == [], row.unit  # no other unit, reviewers included
        assert text.count("示例数据") >= 1  # the sample says so


def test_a_page_shows_the_lost_points_with_the_rule_and_the_departments_value(pages):
    results = load_year(2019, pages)
    unit = results.results["unit"].iloc[-1]
    text = visible_text(pages / "output/2019" / FOLDER / page_name(unit))
    lost = results.indicators[(results.indicators["unit"] == unit) & (results.indicators["points"] < results.indicators["max"] - 1e-9)]
    assert f"共 {len(lost)} 项指标失分" in text
    for row in lost.itertuples():
        assert f"{row.indicator} " in text and str(row.value) in text
    assert "分数线" in text and "还差" in text or "一票否决" in text


def test_every_page_prints_on_at_most_two_a4_pages_offline(pages, offline_page, tmp_path):
    page = offline_page.page
    for path in sorted((pages / "output/2019" / FOLDER).iterdir()):
        page.goto(path.as_uri())
        page.emulate_media(media="print")
        pdf = tmp_path / "page.pdf"
        page.pdf(path=str(pdf), format="A4", print_background=True)
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 2, path.name
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert offline_page.blocked == [] and offline_page.page_errors == []


def test_one_unit_alone_and_an_unknown_unit(pages, capsys):
    folder = pages / "output/2019" / FOLDER
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    unit = load_year(2019, pages).results["unit"].iloc[0]
    assert main(["feedback", "2019", "--data-dir", str(pages), "--unit", unit]) == 0
    after = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    assert [n for n in after if after[n] != before[n]] == [page_name(unit)]
    capsys.readouterr()
    assert main(["feedback", "2019", "--data-dir", str(pages), "--unit", unit[:-1] + "局"]) == 2
    assert f"是否应为「{unit}」" in capsys.readouterr().err


def test_a_real_year_does_not_say_sample(tmp_path):
    data = write_tiny_year(tmp_path / "data")
    assert main(["feedback", "2030", "--data-dir", str(data)]) == 0
    texts = [visible_text(p) for p in (data / "output/2030" / FOLDER).iterdir()]
    assert len(texts) == 4 and not any("示例数据" in t for t in texts)

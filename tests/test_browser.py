"""The published demo report opened offline in headless Chromium (file://, network refused)."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright")

DRAWN_FIGURES = """
() => [...document.querySelectorAll('.js-plotly-plot')]
        .filter(plot => plot.querySelector('svg.main-svg')).length
"""


@pytest.fixture
def opened(offline_page, demo_report):
    page = offline_page.page
    page.goto(demo_report.html.as_uri(), wait_until="load")
    page.wait_for_function(f"({DRAWN_FIGURES})() >= {demo_report.figures}", timeout=30_000)
    return offline_page


def test_every_chart_draws_without_error_or_network(opened, demo_report):
    page = opened.page
    assert page.evaluate(DRAWN_FIGURES) == demo_report.figures
    assert page.locator(".js-plotly-plot .main-svg").count() >= demo_report.figures
    assert page.locator(".js-plotly-plot .bars .point").count() == 4
    assert page.locator(".js-plotly-plot .hm image, .js-plotly-plot .hm").count() >= 1
    assert page.locator(".js-plotly-plot .scatterlayer .point").count() == 4
    assert opened.blocked == []
    assert opened.console_errors == []
    assert opened.page_errors == []


def test_title_and_chinese_text(opened, demo_report):
    page = opened.page
    assert page.title() == demo_report.title
    assert page.locator("h1").inner_text() == demo_report.title
    assert page.evaluate("document.documentElement.lang") == "zh"
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert font.startswith('"Noto Sans CJK SC"')


def test_hostile_unit_name_shows_as_text_and_runs_nothing(opened, demo_report):
    page = opened.page
    name = demo_report.hostile_name
    assert name in page.locator("main").inner_text()  # paragraph, caption and table cell
    assert page.get_by_text(f"被考核单位：{name}").is_visible()
    assert page.locator("table.kaohe-table td").first.inner_text() == name
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    # plotly reads <b>, <a>… in labels: names must come out verbatim, not as markup
    bar_ticks = page.locator("#kaohe-figure-1 .xtick text").all_text_contents()
    assert name in bar_ticks and "后勤<b>工会</b>" in bar_ticks
    assert page.locator("#kaohe-figure-1 .xtick tspan, #kaohe-figure-1 .xtick a").count() == 0
    assert name in page.locator("#kaohe-figure-1 .gtitle").text_content()
    heat_x = page.locator("#kaohe-figure-2 .xtick text").all_text_contents()
    assert "<b>维权</b>服务" in heat_x
    assert name in page.locator("#kaohe-figure-2 .ytick text").all_text_contents()
    assert name in page.locator("#kaohe-figure-3 .textpoint text").all_text_contents()
    assert opened.dialogs == []


def test_hover_label_shows_the_name_verbatim(opened, demo_report):
    page = opened.page
    bar = page.locator("#kaohe-figure-1 .bars .point path").first.bounding_box()
    page.mouse.move(bar["x"] + bar["width"] / 2, bar["y"] + bar["height"] / 2)
    hover = page.locator("#kaohe-figure-1 .hoverlayer .hovertext")
    hover.wait_for(timeout=5_000)
    assert f"单位={demo_report.hostile_name}" in hover.text_content()
    assert opened.dialogs == [] and opened.page_errors == []


def test_modebar_has_no_logo_or_cloud_upload(opened):
    page = opened.page
    page.locator("#kaohe-figure-1").hover()
    titles = page.locator("#kaohe-figure-1 .modebar-btn").evaluate_all(
        "buttons => buttons.map(b => b.getAttribute('data-title'))"
    )
    assert "下载图片（PNG）" in titles and "还原坐标轴" in titles  # plotly's zh-CN words, given in the config
    assert not [t for t in titles if t.isascii()]
    assert not [t for t in titles if "Plotly" in t or "Share" in t or "Cloud" in t]
    assert page.locator(".modebar .plotlyjsicon").count() == 0

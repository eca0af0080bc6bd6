"""Shared fixtures: the demo report published once, and an offline headless browser."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import shutil
from importlib.resources import files

import pytest

from kaohe import report

NOTEBOOKS = Path(__file__).parent / "notebooks"
SAMPLE_RAW = Path(str(files("kaohe") / "years"))  # the shipped 2019 and 2018 inputs (read only)
DEMO_NOTEBOOK = NOTEBOOKS / "demo_report.ipynb"
DEMO_TITLE = "2019年度工会考核报告"
HOSTILE_NAME = "<img src=x onerror=alert(1)>"
DEMO_FIGURES = 3  # bar, heatmap, scatter

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def sample_data(tmp_path_factory) -> Path:
    """A data folder whose raw/ holds a copy of the shipped 2019 and 2018 inputs."""
    data = tmp_path_factory.mktemp("sample") / "data"
    shutil.copytree(SAMPLE_RAW, data / "raw")
    return data


@dataclass(frozen=True)
class PublishedDemo:
    """The demo notebook run with a hostile unit name and published."""

    html: Path
    ipynb: Path
    title: str = DEMO_TITLE
    hostile_name: str = HOSTILE_NAME
    figures: int = DEMO_FIGURES

    def text(self) -> str:
        return self.html.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_report(tmp_path_factory) -> PublishedDemo:
    out = tmp_path_factory.mktemp("report")
    html = report.render_report(
        DEMO_NOTEBOOK,
        out / "报告.html",
        {"title": DEMO_TITLE, "unit_name": HOSTILE_NAME},
    )
    return PublishedDemo(html=html, ipynb=html.with_suffix(".ipynb"))


@dataclass
class OfflinePage:
    """A browser page that may load only ``file:`` URLs, with everything it tried recorded."""

    page: object
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            f"浏览器测试跳过：没有 {CHROMIUM}（apt-get install -y chromium fonts-noto-cjk）"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def offline_page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    page = context.new_page()
    log = OfflinePage(page)

    def only_local(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            log.blocked.append(url)
            route.abort()

    def on_dialog(dialog):
        log.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.route("**/*", only_local)
    page.on("console", lambda m: m.type == "error" and log.console_errors.append(m.text))
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))
    page.on("dialog", on_dialog)
    yield log
    context.close()

"""results.xlsx opened by a real spreadsheet program: LibreOffice Calc, headless.

LibreOffice converts every sheet of the sample year's workbook to CSV; each must hold the
same cells as openpyxl reads, and the ranking sheet the same units and totals as results.csv.
Without LibreOffice the test is skipped with its reason (``.ci/run`` installs it).
"""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kaohe.cli import main

from conftest import SAMPLE_RAW
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# CSV export filter: comma, double quote, UTF-8, from row 1, raw values (not as shown), every sheet
ALL_SHEETS_AS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

pytestmark = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice 测试跳过：没有 soffice（apt-get install -y libreoffice-calc-nogui）"
)


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("sheet") / "data"
    shutil.copytree(SAMPLE_RAW / "2019", data / "raw" / "2019")
    assert main(["score", "2019", "--data-dir", str(data)]) == 0
    return data / "output" / "2019"


@pytest.fixture(scope="module")
def calc_sheets(scored, tmp_path_factory) -> dict[str, list[list[str]]]:
    out = tmp_path_factory.mktemp("calc")
    profile = tmp_path_factory.mktemp("calc-profile")
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", ALL_SHEETS_AS_CSV,
         "--outdir", str(out), str(scored / "results.xlsx")],
        check=True, capture_output=True, timeout=180,
    )
    sheets = {}
    for path in out.glob("results-*.csv"):
        with open(path, encoding="utf-8", newline="") as f:
            sheets[path.stem.removeprefix("results-")] = list(csv.reader(f))
    return sheets


def same_cell(calc: str, value) -> bool:
    if value is None:
        return calc == ""
    if isinstance(value, (int, float)):
        number = float(calc.removesuffix("%")) / (100 if calc.endswith("%") else 1)
        return number == pytest.approx(value, abs=1e-9)
    return calc == str(value)


def test_libreoffice_reads_every_sheet_as_openpyxl_does(scored, calc_sheets):
    book = openpyxl.load_workbook(scored / "results.xlsx")
    assert sorted(calc_sheets) == sorted(book.sheetnames)
    for sheet in book.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        calc = calc_sheets[sheet.title]
        assert len(calc) == len(rows), sheet.title
        for number, (calc_row, row) in enumerate(zip(calc, rows), start=1):
            calc_row = calc_row + [""] * (len(row) - len(calc_row))
            different = [(c, v) for c, v in zip(calc_row, row) if not same_cell(c, v)]
            assert not different, (sheet.title, number, different)


def test_libreoffice_shows_the_ranking_of_results_csv(scored, calc_sheets):
    results = pd.read_csv(scored / "results.csv")
    ranking = calc_sheets["考核排名"]
    title, header, rows = ranking[0], ranking[1], ranking[2:]
    assert title[0].endswith("结果") and header[:2] == ["名次", "单位"] and "总分" in header
    assert [r[1] for r in rows] == results["unit"].tolist()
    totals = [float(r[header.index("总分")]) for r in rows]
    assert totals == pytest.approx(results["total"].tolist(), abs=1e-9)


def test_libreoffice_prints_the_ranking_on_one_landscape_a4_page(scored, tmp_path):
    """考核排名 prints on one A4 landscape page with every unit; every sheet of results.xlsx prints
    one page wide (README: the sample year's workbook prints on 5 pages)."""
    profile = tmp_path / "profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(scored / "results.xlsx")], check=True, capture_output=True, timeout=180)
    pdf = tmp_path / "results.pdf"
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(pdf)], capture_output=True, text=True, check=True).stdout
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts \(A4\)", info, re.M)
    assert sizes and all(float(w) > float(h) for w, h in sizes)  # A4, landscape, every page
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    units = pd.read_csv(scored / "results.csv")["unit"].tolist()
    assert all(unit in first for unit in units)  # the whole ranking on page 1
    assert len(units) == 22 and len(sizes) == 5


def test_libreoffice_prints_each_template_one_page_wide_with_its_header_on_every_page(tmp_path):
    """The workbooks kaohe template sends out print on A4 landscape, one page wide; a sheet longer
    than a page repeats its header (the survey sheet has room for 1,000 answers)."""
    data = tmp_path / "data"
    shutil.copytree(SAMPLE_RAW / "2019", data / "raw" / "2019")
    assert main(["template", "2019", "--data-dir", str(data)]) == 0
    folder = data / "templates" / "2019"
    for name in ("dept_scores/宣教部.xlsx", "领导评分.xlsx", "基层问卷.xlsx"):
        out = tmp_path / "pdf"
        subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                        "pdf", "--outdir", str(out), str(folder / name)], check=True, capture_output=True, timeout=180)
        pdf = out / (Path(name).stem + ".pdf")
        info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True).stdout
        sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
        assert sizes and all(float(w) > float(h) for w, h in sizes), name
        pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split("\f")
        pages = [p for p in pages if p.strip()]
        assert all("单位" in page for page in pages), name  # the header row on every page
        assert "填写说明" in pages[0] and "#" not in pages[0]

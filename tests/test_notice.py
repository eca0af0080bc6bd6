"""The draft 通报 (kaohe notice): GB/T 9704 layout in the .docx, its content, LibreOffice's PDF, templates."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from kaohe.cli import main
from kaohe.pipeline import load_year
from tiny_year import write_tiny_year

from conftest import SAMPLE_RAW

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("notice") / "data"
    shutil.copytree(SAMPLE_RAW / "2019", data / "raw" / "2019")
    assert main(["notice", "2019", "--data-dir", str(data)]) == 0
    return data


def text_of(path: Path) -> str:
    doc = Document(path)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def mm(length) -> float:
    return round(length / Mm(1), 1)


def test_the_notice_is_laid_out_as_gbt_9704(sample):
    doc = Document(sample / "output/2019/通报.docx")
    body, annex = doc.sections
    assert (mm(body.page_width), mm(body.page_height)) == (210, 297)
    assert (mm(body.top_margin), mm(body.left_margin)) == (37, 28)
    assert (mm(body.page_width - body.left_margin - body.right_margin),
            mm(body.page_height - body.top_margin - body.bottom_margin)) == (156, 225)  # the text block
    assert body._sectPr.find(qn("w:docGrid")).get(qn("w:linePitch")) == "579"  # 225 mm / 22 lines
    assert (mm(annex.page_width), mm(annex.page_height)) == (297, 210)  # the 附件 in landscape
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16)  # 3号
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    title = next(p for p in doc.paragraphs if p.text.startswith("关于"))
    assert title.runs[0].font.size == Pt(22)  # 2号
    assert title.runs[0]._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    fonts = zipfile.ZipFile(sample / "output/2019/通报.docx").read("word/fontTable.xml").decode()
    assert 'w:name="方正小标宋简体"><w:altName w:val="华文中宋,SimSun"' in fonts
    assert 'w:name="仿宋_GB2312"><w:altName w:val="仿宋,FangSong"' in fonts
    assert "PAGE" in "".join(t.text or "" for t in body.footer._element.iter(qn("w:instrText")))


def test_the_notice_states_the_final_grades_and_leaves_the_office_what_it_fills_in(sample):
    results = load_year(2019, sample)
    text = text_of(sample / "output/2019/通报.docx")
    table = results.results.sort_values("rank", kind="stable")
    excellent = table.loc[table["grade"] == "优秀", "unit"].tolist()
    assert f"一、优秀单位（{len(excellent)}个）\n{'、'.join(excellent)}。" in text
    assert "根据《2019年度重点工作考核办法》" in text and "共性工作得分×70%＋特色品牌工作得分×30%" in text
    assert text.count("【待填】") == 4  # 发文字号, 成文日期, 印章, 印发日期
    assert "抄送：各考核单位同级党委。" in text and "绍兴市总工会" in text
    rows = Document(sample / "output/2019/通报.docx").tables[0].rows
    assert len(rows) == 1 + len(table)  # the header, then every unit
    changed = table[table["grade"] != table["proposed_grade"]]
    assert len(changed) and all(f"经会议审议由{r.proposed_grade}调整为{r.grade}" in text for r in changed.itertuples())
    assert "一票否决：受到所在系统党委行政或上级工会通报批评" in text
    assert text.startswith("示例数据：")  # the sample year says so first


def test_libreoffice_prints_the_notice_on_a4_with_the_annex_in_landscape(sample, tmp_path):
    assert SOFFICE, "LibreOffice 未安装（apt-get install -y libreoffice-writer-nogui）"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(sample / "output/2019/通报.docx")],
                   check=True, capture_output=True, timeout=180)
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "99", str(tmp_path / "通报.pdf")], capture_output=True,
                          text=True, check=True).stdout
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    orientation = ["portrait" if float(h) > float(w) else "landscape" for w, h in sizes]
    assert orientation == ["portrait", "portrait", "landscape", "landscape"]  # README「通报」: 4 pages
    text = subprocess.run(["pdftotext", str(tmp_path / "通报.pdf"), "-"], capture_output=True, text=True).stdout
    assert "一、优秀单位" in text and "附件" in text and "— 1 —" in text.replace("—1—", "— 1 —")


def test_a_real_year_does_not_say_sample(tmp_path):
    data = write_tiny_year(tmp_path / "data")
    assert main(["notice", "2030", "--data-dir", str(data)]) == 0
    text = text_of(data / "output/2030/通报.docx")
    assert "示例数据" not in text and "二、良好单位" in text


def test_the_office_template_round_trips_and_a_misspelt_field_is_refused(sample, tmp_path, capsys):
    template = tmp_path / "红头模板.docx"
    assert main(["notice", "2019", "--data-dir", str(sample), "--write-template", str(template)]) == 0
    before = text_of(sample / "output/2019/通报.docx")
    assert main(["notice", "2019", "--data-dir", str(sample), "--template", str(template)]) == 0
    assert text_of(sample / "output/2019/通报.docx") == before
    doc = Document(template)
    doc.paragraphs[5].runs[0].text = "{{ titel }}"
    doc.save(tmp_path / "错的.docx")
    capsys.readouterr()
    assert main(["notice", "2019", "--data-dir", str(sample), "--template", str(tmp_path / "错的.docx")]) == 1
    err = capsys.readouterr().err
    assert "「titel」（是否应为「title」？）" in err
    assert text_of(sample / "output/2019/通报.docx") == before  # the old draft stays

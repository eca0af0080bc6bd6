"""``通报.docx``: the draft 通报 of a year's results (考核办法 第八条（四）), laid out per GB/T 9704-2012.

The document is rendered with docxtpl from a .docx template whose fields are listed in
:data:`FIELDS`. The default template is built here with python-docx (:func:`default_template`):
A4 portrait, margins top 37 mm / left 28 mm (a text block of 156 × 225 mm), the title in 2号
小标宋, the body in 3号 仿宋 on a grid of 22 lines of 28 characters, page numbers「— 1 —」, and
the ranking table as 附件 in a landscape section. The office can save it
(``kaohe notice 年份 --write-template``), put its own 红头 around the same fields, and give it
back with ``--template``. What the office fills in by hand is marked 【待填】.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from ..problems import KaoheError
from ..vocabulary import percent

if TYPE_CHECKING:
    from ..pipeline import Results

NOTICE_FILE = "通报.docx"  # in data/output/<year>/
TO_FILL = "【待填】"
SAMPLE_NOTE = "示例数据：本通报由合成的示例数据生成，不代表任何单位的真实考核情况，不得印发。"
# GB/T 9704-2012 §5.2: 天头 37 mm, 订口 28 mm, 版心 156 × 225 mm on A4
PAGE = {"width": Mm(210), "height": Mm(297), "top": Mm(37), "bottom": Mm(35), "left": Mm(28), "right": Mm(26)}
LINES, CHARACTERS = 22, 28
LINE_PITCH = 579  # twentieths of a point: 225 mm / 22 lines
CHAR_SPACING = -5  # twentieths of a point between characters: 28 characters of 3号 (16 pt) fill 156 mm
# East Asian font names, each with the fonts to use where it is missing (the font table's altName)
TITLE_FONT = ("方正小标宋简体", "华文中宋", "SimSun")
BODY_FONT = ("仿宋_GB2312", "仿宋", "FangSong")
HEADING_FONT = ("黑体", "SimHei")
NUMBER_FONT = ("宋体", "SimSun")
FONT_TABLE = "word/fontTable.xml"
TITLE_SIZE, BODY_SIZE, TABLE_SIZE, PAGE_NUMBER_SIZE = Pt(22), Pt(16), Pt(10.5), Pt(14)  # 2号, 3号, 五号, 4号

RANKING_COLUMNS = (  # the 附件 table: header, field of a row, width in mm (225 mm in all)
    ("名次", "rank", 12), ("单位", "unit", 38), ("领导评分", "leader", 19), ("业务部门评分", "dept", 27),
    ("基层评分", "grassroots", 19), ("特色品牌", "brand", 19), ("总分", "total", 17), ("等次", "grade", 13),
    ("备注", "note", 61),
)

FIELDS = {  # what a template may use, with what it holds (README「通报」)
    "sample": "是否为示例数据（真/假）；为真时文首有醒目的「示例数据」说明",
    "sample_note": "示例数据的说明文字",
    "document_number": "发文字号（【待填】）",
    "title": "标题，如「关于2019年度……重点工作考核结果的通报」",
    "recipients": "主送机关",
    "basis": "依据段落：考核办法与考核对象",
    "method": "考核方法段落：各部分的权重",
    "excellent": "优秀单位名称，按名次以顿号分隔",
    "excellent_count": "优秀单位个数",
    "good": "良好单位名称，按名次以顿号分隔",
    "good_count": "良好单位个数",
    "closing": "结尾段落",
    "attachment": "附件名称",
    "issuer": "发文机关署名",
    "date": "成文日期（【待填】）",
    "seal": "印章位置的提示（【待填】）",
    "cc": "抄送机关",
    "printer": "印发机关",
    "print_date": "印发日期（【待填】）",
    "year": "考核年度",
    "units": "考核单位个数",
    "rows": "附件排名表的各行，每行有 rank、unit、leader、dept、grassroots、brand、total、grade、note",
}


class NoticeTemplateError(KaoheError):
    """A 通报 template that cannot be used: not a .docx, broken fields, or fields kaohe does not fill."""


# -- the content ----------------------------------------------------------------------------


def notice_context(results: "Results") -> dict[str, Any]:
    """Everything the 通报 says, by field (:data:`FIELDS`), from the final results."""
    scheme, table = results.scheme, results.results.sort_values(["rank", "unit"], kind="stable")
    notice = scheme.notice
    source = re.search(r"《[^》]+》", scheme.source or "")
    w = scheme.component_weights
    excellent = table.loc[table["grade"] == scheme.top_grade, "unit"].tolist()
    good = table.loc[table["grade"] != scheme.top_grade, "unit"].tolist()
    basis = (f"根据{source.group(0) if source else '考核办法'}，市总工会对{len(table)}个考核单位"
             f"{scheme.year}年度重点工作完成情况进行了考核。")
    method = (f"考核采取市总领导班子成员综合评分、业务部门评分、基层评分与特色品牌工作互评相结合的方式，"
              f"考核总分为100分：共性工作得分×{percent(scheme.common_weight)}＋特色品牌工作得分×{percent(scheme.brand_weight)}，"
              f"其中共性工作得分＝市总领导班子成员评分×{percent(w['leader'])}＋业务部门评分×{percent(w['dept'])}"
              f"＋基层评分×{percent(w['grassroots'])}。经市总相关会议审议，现将考核结果通报如下。")
    rows = []
    for r in table.itertuples(index=False):
        notes = []
        if r.vetoed:
            notes.append("一票否决：" + "；".join(text or c for c, text in scheme.veto_texts(r.veto_clauses)))
        if r.grade != r.proposed_grade:
            notes.append(f"经会议审议由{r.proposed_grade}调整为{r.grade}")
        rows.append({"rank": str(r.rank), "unit": r.unit, "leader": _2(r.leader), "dept": _2(r.dept),
                     "grassroots": _2(r.grassroots), "brand": _2(r.brand), "total": _2(r.total), "grade": r.grade,
                     "note": "；".join(notes)})
    return {
        "sample": results.inputs.sample,
        "sample_note": SAMPLE_NOTE,
        "document_number": f"{TO_FILL}（发文字号）",
        "title": f"关于{scheme.title}结果的通报",
        "recipients": notice.recipients,
        "basis": basis,
        "method": method,
        "excellent": "、".join(excellent) or "无",
        "excellent_count": len(excellent),
        "good": "、".join(good) or "无",
        "good_count": len(good),
        "closing": "希望获得优秀等次的单位珍惜荣誉、再接再厉；各考核单位对照考核指标查找差距、补齐短板，"
                   "推动工会各项工作再上新台阶。",
        "attachment": f"{scheme.year}年度重点工作考核结果排名表",
        "issuer": notice.issuer,
        "date": f"{TO_FILL}（成文日期）",
        "seal": f"{TO_FILL}（加盖印章）",
        "cc": notice.cc,
        "printer": f"{notice.issuer}办公室",
        "print_date": f"{TO_FILL}（印发日期）",
        "year": scheme.year,
        "units": len(table),
        "rows": rows,
    }


def _2(x: float) -> str:
    return f"{x:.2f}"


# -- rendering -------------------------------------------------------------------------------


def write_notice(results: "Results", path: Path, template: str | Path | None = None) -> Path:
    """Render the 通报 of ``results`` into ``path`` from ``template`` (the default one if ``None``)."""
    from docxtpl import DocxTemplate

    source = default_template() if template is None else _template_bytes(Path(template))
    document = DocxTemplate(io.BytesIO(source))
    check_template(document, template)
    try:
        document.render(notice_context(results), autoescape=True)
    except Exception as exc:  # jinja2 raises many kinds on a broken template
        raise NoticeTemplateError(f"通报模板 {_name(template)} 无法填写：{exc}") from exc
    document.save(str(path))
    return Path(path)


def check_template(document, template) -> None:
    """Refuse a template that uses fields kaohe does not fill, naming the closest field."""
    try:
        used = document.get_undeclared_template_variables()
    except Exception as exc:
        raise NoticeTemplateError(f"通报模板 {_name(template)} 的域格式有误：{exc}") from exc
    unknown = sorted(set(used) - set(FIELDS))
    if unknown:
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, list(FIELDS), n=1)
            hints.append(f"「{name}」" + (f"（是否应为「{close[0]}」？）" if close else ""))
        raise NoticeTemplateError(f"通报模板 {_name(template)} 中有 kaohe 不认识的域：{'、'.join(hints)}；"
                                  f"可用的域见 README「通报」")


def _template_bytes(path: Path) -> bytes:
    if path.suffix.lower() != ".docx":
        raise NoticeTemplateError(f"通报模板应为 .docx 文件，而不是「{path.name}」")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NoticeTemplateError(f"无法读取通报模板 {path.as_posix()}：{exc.strerror or exc}") from None
    if data[:2] != b"PK":
        raise NoticeTemplateError(f"通报模板 {path.as_posix()} 不是有效的 .docx 文件")
    return data


def _name(template) -> str:
    return "（默认模板）" if template is None else Path(template).as_posix()


# -- the default template --------------------------------------------------------------------


def default_template() -> bytes:
    """The default 通报 template as .docx bytes, its fields written in docxtpl's syntax."""
    doc = Document()
    _base_style(doc)
    section = doc.sections[0]
    _page(section, landscape=False)
    _page_number(section)

    _paragraph(doc, "{%p if sample %}")
    note = _paragraph(doc, "{{ sample_note }}", align="center", font=HEADING_FONT, bold=True)
    note.runs[0].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    _paragraph(doc, "{%p endif %}")
    _paragraph(doc, "{{ document_number }}", align="center")
    _paragraph(doc, "")
    _paragraph(doc, "{{ title }}", align="center", font=TITLE_FONT, size=TITLE_SIZE, spacing=Pt(35))
    _paragraph(doc, "")
    _paragraph(doc, "{{ recipients }}：")
    _paragraph(doc, "{{ basis }}{{ method }}", indent=True)
    _paragraph(doc, "一、优秀单位（{{ excellent_count }}个）", indent=True, font=HEADING_FONT)
    _paragraph(doc, "{{ excellent }}。", indent=True)
    _paragraph(doc, "二、良好单位（{{ good_count }}个）", indent=True, font=HEADING_FONT)
    _paragraph(doc, "{{ good }}。", indent=True)
    _paragraph(doc, "{{ closing }}", indent=True)
    _paragraph(doc, "")
    _paragraph(doc, "附件：{{ attachment }}", indent=True)
    _paragraph(doc, "")
    _paragraph(doc, "")
    _paragraph(doc, "{{ issuer }}", align="right", right=Pt(64))
    _paragraph(doc, "{{ date }}", align="right", right=Pt(32))
    _paragraph(doc, "{{ seal }}", align="right", right=Pt(32))

    annex = doc.add_section(WD_SECTION.NEW_PAGE)
    _page(annex, landscape=True)
    _paragraph(doc, "附件", font=HEADING_FONT)
    _paragraph(doc, "{{ attachment }}", align="center", font=TITLE_FONT, size=TITLE_SIZE, spacing=Pt(35))
    _ranking_table(doc)
    _paragraph(doc, "")
    _paragraph(doc, "抄送：{{ cc }}。", size=Pt(14))
    _paragraph(doc, "{{ printer }}　　　　{{ print_date }}印发", size=Pt(14))
    properties = doc.core_properties
    properties.author = properties.last_modified_by = ""
    properties.title, properties.comments = "通报", ""
    out = io.BytesIO()
    doc.save(out)
    return _with_alternative_fonts(out.getvalue())


def _base_style(doc) -> None:
    style = doc.styles["Normal"]
    style.font.size = BODY_SIZE
    rpr = style.element.get_or_add_rPr()
    _fonts(rpr, BODY_FONT[0])
    spacing = OxmlElement("w:spacing")
    spacing.set(qn("w:val"), str(CHAR_SPACING))
    rpr.append(spacing)
    fmt = style.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PITCH / 20)
    fmt.space_before = fmt.space_after = Pt(0)


def _fonts(rpr, east_asian: str, latin: str = "Times New Roman") -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for key, name in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian), ("w:cs", latin)):
        fonts.set(qn(key), name)


def _page(section, *, landscape: bool) -> None:
    """A4 with the margins of GB/T 9704 (turned for the landscape 附件) and the grid of 22 lines
    (28 characters a line come from the 3号 characters and their spacing, :data:`CHAR_SPACING`)."""
    p = PAGE
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = p["height"], p["width"]
        section.top_margin, section.bottom_margin = p["left"], p["right"]
        section.left_margin, section.right_margin = p["top"], p["bottom"]
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = p["width"], p["height"]
        section.top_margin, section.bottom_margin = p["top"], p["bottom"]
        section.left_margin, section.right_margin = p["left"], p["right"]
    section.footer_distance = Mm(28) - Mm(7)  # the page number 7 mm below the text block
    grid = section._sectPr.find(qn("w:docGrid"))
    if grid is None:
        grid = OxmlElement("w:docGrid")
        section._sectPr.append(grid)
    grid.set(qn("w:type"), "lines")
    grid.set(qn("w:linePitch"), str(LINE_PITCH))


def _page_number(section) -> None:
    """「— 1 —」 centred in the footer, 4号 宋体 (GB/T 9704 §7.5)."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, "— ", NUMBER_FONT, PAGE_NUMBER_SIZE)
    run = _run(paragraph, "", NUMBER_FONT, PAGE_NUMBER_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text.strip() == "PAGE":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = text
            run._r.append(code)
        else:
            shown = OxmlElement("w:t")
            shown.text = text
            run._r.append(shown)
    _run(paragraph, " —", NUMBER_FONT, PAGE_NUMBER_SIZE)


def _paragraph(doc, text: str, *, align: str = "left", font=None, size=None, bold=False, indent=False,
               spacing=None, right=None):
    paragraph = doc.add_paragraph()
    paragraph.alignment = {"left": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                           "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
    fmt = paragraph.paragraph_format
    if indent:
        fmt.first_line_indent = BODY_SIZE * 2  # 首行缩进两字
    if spacing is not None:
        fmt.line_spacing = spacing
    if right is not None:
        fmt.right_indent = right
    if text:
        _run(paragraph, text, font, size, bold)
    return paragraph


def _run(paragraph, text: str, font=None, size=None, bold=False):
    run = paragraph.add_run(text)
    if font is not None:
        _fonts(run._r.get_or_add_rPr(), font[0])
    if size is not None:
        run.font.size = size
    run.bold = bold or None
    return run


def _ranking_table(doc) -> None:
    """The 附件 table: a header row repeated on every page, then one row per unit (docxtpl's
    ``{%tr for %}`` rows around the row of fields)."""
    table = doc.add_table(rows=4, cols=len(RANKING_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header, opening, fields, closing = table.rows
    _repeat_header(header)
    for k, (title, field, width) in enumerate(RANKING_COLUMNS):
        table.columns[k].width = Mm(width)
        for row in table.rows:
            row.cells[k].width = Mm(width)
        _cell(header.cells[k], title, HEADING_FONT)
        _cell(fields.cells[k], "{{ r.%s }}" % field, BODY_FONT, align="left" if field in ("unit", "note") else "center")
    _cell(opening.cells[0], "{%tr for r in rows %}", BODY_FONT)
    _cell(closing.cells[0], "{%tr endfor %}", BODY_FONT)


def _repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)


def _cell(cell, text: str, font, align: str = "center") -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if align == "center" else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.line_spacing = Pt(15)
    paragraph.paragraph_format.first_line_indent = Pt(0)
    snap = OxmlElement("w:snapToGrid")  # the table's lines are not on the page's grid of 22 lines
    snap.set(qn("w:val"), "0")
    paragraph._p.get_or_add_pPr().append(snap)
    _run(paragraph, text, font, TABLE_SIZE)


def _with_alternative_fonts(docx: bytes) -> bytes:
    """The .docx with its font table naming, for 方正小标宋简体, 仿宋_GB2312 and the others, the fonts
    to use where they are missing (``w:altName``; Word, WPS and LibreOffice read it)."""
    from lxml import etree

    source = zipfile.ZipFile(io.BytesIO(docx))
    table = etree.fromstring(source.read(FONT_TABLE))
    w = table.nsmap["w"]
    for names in (TITLE_FONT, BODY_FONT, HEADING_FONT, NUMBER_FONT):
        font = etree.SubElement(table, f"{{{w}}}font", {f"{{{w}}}name": names[0]})
        etree.SubElement(font, f"{{{w}}}altName", {f"{{{w}}}val": ",".join(names[1:])})
        etree.SubElement(font, f"{{{w}}}charset", {f"{{{w}}}val": "86"})  # GB2312
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == FONT_TABLE:
                data = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
            target.writestr(item, data)
    return out.getvalue()

"""The low-level pieces of an administrative document in python-docx: fonts that Word does not substitute,
A4 with the decree's margins, short horizontal rules of a given length, borderless layout tables, table
header rows repeated on every page, the page-number field. Only WordprocessingML that Word and
LibreOffice both read."""

from __future__ import annotations

import unicodedata

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

FONT = "Times New Roman"
LANG = {"vi": "vi-VN", "en": "en-GB"}

# Advance widths of Times (thousandths of an em), for printable ASCII from the space; Liberation Serif,
# which LibreOffice uses for Times New Roman, has the same metrics. A Vietnamese letter is as wide as its
# base letter. Used to draw the rules under the motto and the titles at the decree's lengths.
_TIMES_REGULAR = ("250 333 408 500 500 833 778 180 333 333 500 564 250 333 250 278 500 500 500 500 500 500 500 500 500 500 "
                  "278 278 564 564 564 444 921 722 667 667 722 611 556 722 722 333 389 722 611 889 722 722 556 722 667 556 "
                  "611 722 722 944 722 722 611 333 278 333 469 500 333 444 500 444 500 444 333 500 500 278 278 500 278 778 "
                  "500 500 500 500 333 389 278 500 500 722 500 500 444 480 200 480 541")
_TIMES_BOLD = ("250 333 555 500 500 1000 833 278 333 333 500 570 250 333 250 278 500 500 500 500 500 500 500 500 500 500 "
               "333 333 570 570 570 500 930 722 667 722 722 667 611 778 778 389 500 778 667 944 722 778 611 778 722 556 "
               "667 722 722 1000 722 722 667 333 278 333 581 500 333 500 556 444 556 444 333 500 556 278 333 556 278 833 "
               "556 500 556 556 444 389 333 556 500 722 500 500 444 394 220 394 520")
_WIDTHS = {bold: {chr(32 + i): int(w) for i, w in enumerate(table.split())}
           for bold, table in ((False, _TIMES_REGULAR), (True, _TIMES_BOLD))}
_BASE = str.maketrans({"Đ": "D", "đ": "d"})


def text_width_cm(text: str, size_pt: float, bold: bool = False) -> float:
    """The printed width of `text` in Times New Roman."""
    widths = _WIDTHS[bold]
    total = 0
    for ch in text.translate(_BASE):
        base = unicodedata.normalize("NFD", ch)[0]
        total += widths.get(base, 500)
    return total / 1000 * size_pt / 72 * 2.54


def set_run_fonts(rpr, size_pt: float | None = None, lang: str | None = None) -> None:
    """Times New Roman for every script slot of a run-properties element (no theme font, which Word would
    prefer), with the size and the proofing language."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        if fonts.get(qn(attr)) is not None:
            del fonts.attrib[qn(attr)]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    if size_pt is not None:
        for tag in ("w:sz", "w:szCs"):
            el = rpr.find(qn(tag))
            if el is None:
                el = OxmlElement(tag)
                rpr.append(el)
            el.set(qn("w:val"), str(int(round(size_pt * 2))))
    if lang is not None:
        el = rpr.find(qn("w:lang"))
        if el is None:
            el = OxmlElement("w:lang")
            rpr.append(el)
        for attr in ("w:val", "w:eastAsia", "w:bidi"):
            el.set(qn(attr), LANG.get(lang, lang))


def setup_styles(doc, lang: str, body_pt: float = 14) -> None:
    """Document defaults and the styles used: Times New Roman everywhere, black headings."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_run_fonts(rpr, body_pt, lang)
    for name in ("Normal", "Heading 1", "Heading 2", "Table Grid", "Header", "Footer"):
        style = doc.styles[name]
        set_run_fonts(style.element.get_or_add_rPr(), body_pt if name not in ("Table Grid",) else None, lang)
    for fonts in styles.iter(qn("w:rFonts")):  # every other style too: staff may apply them when editing
        set_run_fonts(fonts.getparent())
    normal = doc.styles["Normal"].paragraph_format
    normal.space_before, normal.space_after, normal.line_spacing = Pt(0), Pt(6), 1.15
    for name in ("Heading 1", "Heading 2"):
        style = doc.styles[name]
        style.font.size = Pt(body_pt)
        style.font.bold = True
        style.font.italic = False
        style.font.color.rgb = None
        rpr = style.element.get_or_add_rPr()
        color = rpr.find(qn("w:color"))
        if color is not None:
            rpr.remove(color)
        fmt = style.paragraph_format
        fmt.space_before, fmt.space_after, fmt.keep_with_next = Pt(6), Pt(6), True
        fmt.line_spacing = 1.15
        fmt.first_line_indent = Cm(1.0)
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def setup_page(section, *, top=2.0, bottom=2.0, left=3.0, right=1.5) -> None:
    """A4 portrait with the margins of Decree 30/2020/NĐ-CP (top/bottom 20–25 mm, left 30–35 mm, right
    15–20 mm)."""
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin, section.bottom_margin = Cm(top), Cm(bottom)
    section.left_margin, section.right_margin = Cm(left), Cm(right)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(1.0)


def page_number_header(section, size_pt: float = 13) -> None:
    """The page number centred at the top from page 2 on (the decree's place for it); none on page 1."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    set_run_fonts(run._r.get_or_add_rPr(), size_pt)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def paragraph_format(paragraph, *, align=None, before: float = 0, after: float = 0, line: float | None = 1.0,
                     indent_first: float | None = None, left: float | None = None, right: float | None = None,
                     keep_next: bool = False) -> None:
    fmt = paragraph.paragraph_format
    if align is not None:
        fmt.alignment = align
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    if line is not None:
        fmt.line_spacing = line
    if indent_first is not None:
        fmt.first_line_indent = Cm(indent_first)
    if left is not None:
        fmt.left_indent = Cm(left)
    if right is not None:
        fmt.right_indent = Cm(right)
    if keep_next:
        fmt.keep_with_next = True


def add_run(paragraph, text: str, *, size: float | None = None, bold: bool = False, italic: bool = False):
    run = paragraph.add_run(text)
    run.bold, run.italic = bold or None, italic or None
    if size is not None:
        run.font.size = Pt(size)
    return run


def rule(container, length_cm: float, width_cm: float, *, weight_eighths: int = 6) -> None:
    """A centred horizontal rule `length_cm` long in a column `width_cm` wide: the bottom border of an empty,
    2-point paragraph indented from both sides."""
    paragraph = container.add_paragraph()
    side = max(0.0, (width_cm - length_cm) / 2)
    paragraph_format(paragraph, left=side, right=side, line=None, before=0, after=2)
    fmt = paragraph.paragraph_format
    fmt.line_spacing = Pt(3)
    run = paragraph.add_run("")
    run.font.size = Pt(2)
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for attr, value in (("w:val", "single"), ("w:sz", str(weight_eighths)), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(attr), value)
    borders.append(bottom)
    ppr.append(borders)
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")
    mark.append(size)
    ppr.append(mark)


def _set_table_width(table, widths_cm: list[float]) -> None:
    table.autofit = False
    tbl = table._tbl
    tblpr = tbl.tblPr
    width = tblpr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tblpr.append(width)
    width.set(qn("w:w"), str(int(sum(widths_cm) / 2.54 * 1440)))
    width.set(qn("w:type"), "dxa")
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tblpr.append(layout)
    grid = tbl.tblGrid
    for gc, w in zip(grid.findall(qn("w:gridCol")), widths_cm):
        gc.set(qn("w:w"), str(int(w / 2.54 * 1440)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm):
            cell.width = Cm(w)


def layout_table(doc, rows: int, widths_cm: list[float]):
    """A table without borders or cell padding, for laying out the header block and the signature block."""
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_table_width(table, widths_cm)
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tblpr.append(margins)
    return table


def grid_table(doc, rows: int, widths_cm: list[float]):
    """A bordered data table ("Table Grid") of fixed column widths, centred."""
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_table_width(table, widths_cm)
    return table


def repeat_header(row) -> None:
    """Repeat this row at the top of every page the table runs onto; never split a row across pages."""
    trpr = row._tr.get_or_add_trPr()
    for tag in ("w:tblHeader", "w:cantSplit"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), "true")
        trpr.append(el)


def keep_row_together(row) -> None:
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def shade(cell, fill_hex: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    el = OxmlElement("w:shd")
    el.set(qn("w:val"), "clear")
    el.set(qn("w:color"), "auto")
    el.set(qn("w:fill"), fill_hex)
    tcpr.append(el)


def finished(doc, *, title: str, author: str, lang: str, created=None) -> bytes:
    """The document's bytes, with its properties set as an office's draft carries them (title and subject,
    the issuing body as author, the language, created = modified, revision 1, nothing else) and the same
    bytes for the same content and `created`."""
    import datetime as dt
    import io

    props = doc.core_properties
    props.title = props.subject = title
    props.author = props.last_modified_by = author
    props.comments = props.keywords = props.category = ""
    props.language = LANG.get(lang, lang)
    when = created or dt.datetime.now(dt.timezone.utc)
    props.created = props.modified = when.replace(tzinfo=None, microsecond=0)
    props.revision = 1
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

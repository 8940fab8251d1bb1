"""The payroll register printed for signing: PDF (ReportLab, the CJK font embedded) and XLSX (streamed)."""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable
from typing import IO
from xml.sax.saxutils import escape

from doudi.cases.pdf.fonts import cjk_font
from doudi.core.labels import money
from doudi.core.spreadsheets import xlsx_stream
from doudi.payments.models import Payroll
from doudi.payments.register.selectors import VillageRegister

COLUMNS = ("序号", "领取人", "身份证号", "人数", "银行账号", "金额（元）", "发放明细", "领取人签字")
WIDTHS_MM = (12, 26, 50, 12, 50, 22, 59, 42)


def title_of(payroll: Payroll) -> str:
    month = payroll.month
    return f"{payroll.region.name}{month.year}年{month.month}月{payroll.get_programme_display()}发放名册"


def status_note(payroll: Payroll) -> str:
    return "" if payroll.is_locked else f"（{payroll.get_status_display()}，未审批，仅供核对）"


def register_pdf(payroll: Payroll, registers: Iterable[VillageRegister], *, masked: bool) -> bytes:
    """Return the register as a landscape A4 PDF, one section per village ending in the signature block."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cjk_font()
    base = {"fontName": font, "wordWrap": "CJK"}
    title_style = ParagraphStyle("t", fontSize=16, leading=24, alignment=TA_CENTER, **base)
    sub_style = ParagraphStyle("s", fontSize=10, leading=15, alignment=TA_CENTER, spaceAfter=6, **base)
    cell = ParagraphStyle("c", fontSize=9, leading=12, **base)
    number = ParagraphStyle("n", fontSize=9, leading=12, alignment=TA_RIGHT, **base)
    plain = ParagraphStyle("p", fontSize=10.5, leading=20, **base)
    title = title_of(payroll)
    story: list = []
    for index, register in enumerate(registers):
        if index:
            story.append(PageBreak())
        story.append(Paragraph(escape(title) + escape(status_note(payroll)), title_style))
        story.append(
            Paragraph(
                escape(
                    f"{register.township} {register.name}　共 {len(register.rows)} 人　合计 {money(register.total)} 元"
                ),
                sub_style,
            )
        )
        data = [[Paragraph(escape(h), cell) for h in COLUMNS]]
        for row in register.rows:
            values = (row.seq, row.name, row.id_number, row.covered, row.account, money(row.amount), row.detail, "")
            data.append([Paragraph(escape(str(v)), number if i == 5 else cell) for i, v in enumerate(values)])
        data.append(
            [
                Paragraph(escape(v), cell)
                for v in ("合计", f"{len(register.rows)} 人", "", "", "", money(register.total), "", "")
            ]
        )
        table = Table(data, colWidths=[w * mm for w in WIDTHS_MM], repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONTNAME", (0, 0), (-1, -1), font),
                    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                    ("ALIGN", (5, 1), (5, -1), "RIGHT"),
                    ("TOPPADDING", (0, 1), (-1, -1), 6),
                    ("BOTTOMPADDING", (0, 1), (-1, -1), 6),
                ]
            )
        )
        story.append(table)
        story.append(Spacer(1, 8 * mm))
        story.append(
            Paragraph(
                "村（居）委会经办人（签字）：____________　　乡镇（街道）审核人（签字）：____________　　"
                "日期：______年____月____日",
                plain,
            )
        )
        if masked:
            story.append(Paragraph("注：身份证号、银行账号已部分隐藏。", plain))
    if not story:
        story.append(Paragraph(escape(title), title_style))
        story.append(Paragraph("您管辖范围内本名册没有发放记录。", plain))
    buffer = io.BytesIO()

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillGray(0.45)
        page = landscape(A4)
        canvas.drawCentredString(page[0] / 2, 8 * mm, f"{title} · 第 {doc.page} 页")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=title,
        author="兜底社会救助信息系统",
        initialFontName=font,
        initialFontSize=10,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def register_xlsx(payroll: Payroll, registers: Iterable[VillageRegister]) -> IO[bytes]:
    """Return a temporary file holding the register as XLSX (streamed: one row per payee, village by village)."""

    def rows():
        yield [title_of(payroll) + status_note(payroll)]
        yield ["乡镇（街道）", "村（社区）", *COLUMNS]
        for register in registers:
            for row in register.rows:
                yield [
                    register.township,
                    register.name,
                    row.seq,
                    row.name,
                    row.id_number,
                    row.covered,
                    row.account,
                    row.amount,
                    row.detail,
                    "",
                ]
            yield [
                register.township,
                register.name,
                "小计",
                f"{len(register.rows)} 人",
                "",
                "",
                "",
                register.total,
                "",
                "",
            ]

    handle = tempfile.TemporaryFile(mode="w+b")  # noqa: SIM115 (handed to the response, which closes it)
    xlsx_stream(handle, rows(), sheet_title="发放名册", bold_first=True)
    handle.seek(0)
    return handle

"""The generated section of the half-year or annual work report (工作总结), in the style of the
bureaus' own reports, every figure taken from the statistics table of the chosen region and period.

``narrative(actor, region, month, period)`` returns the title, the paragraphs and the two tables (this
period and the same period a year earlier, when data exists); each figure in the text is formatted
from the table's value by ``fig()`` and listed in ``WorkReport.used`` (key -> text shown), so a test can
hold the text equal to the table. ``docx_bytes`` writes it as a Word document (python-docx) with the
table after the text: a draft for staff to edit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from doudi.reports import selectors as s


@dataclass
class WorkReport:
    title: str
    heading: str
    paragraphs: list[str]
    table: s.StatsTable
    year_ago: s.StatsTable | None
    used: dict[str, str] = field(default_factory=dict)


def area_word(region_name: str) -> str:
    """全省 / 全市 / 全县 / 全区 / 全镇 … from the region's own name (沅江市 is a county-level city: 全市)."""
    for suffix in (
        "街道",
        "社区",
        "自治州",
        "自治县",
        "地区",
        "省",
        "市",
        "区",
        "县",
        "旗",
        "镇",
        "乡",
        "村",
        "州",
        "盟",
    ):
        if region_name.endswith(suffix):
            return "全" + suffix.removeprefix("自治")
    return "辖区内"


def number(value) -> str:
    """A figure as the report writes it: thousands separators, decimals only where the table has them."""
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value.as_tuple().exponent <= -2 else f"{value:,}"
    return f"{value:,}"


def _has_data(t: s.StatsTable) -> bool:
    return any(v for v in t.figures.values())


def narrative(actor, region_code: str, month: date, period: str = "half") -> WorkReport:
    t = s.monthly_table(actor, region_code, month, period)
    before = s.monthly_table(actor, region_code, date(t.month.year - 1, t.month.month, 1), period)
    year_ago = before if _has_data(before) else None
    f = t.figures
    used: dict[str, str] = {}

    def fig(key: str) -> str:
        used[key] = number(f[key])
        return used[key]

    def wan(key: str) -> str:
        """A 元 figure of the table written in 万元 (the table's own 万元 figures are already)."""
        used[key] = number(s.wan(f[key]))
        return used[key]

    from doudi.regions.models import Region

    short = Region.objects.filter(pk=t.region_code).values_list("name", flat=True).first() or t.region_name
    area = area_word(short)
    end = f"{t.month.year}年{t.month.month}月底"
    from_january = s.period_months(t.month, period)[0].month == 1
    decided = f["applications_approved"] + f["applications_refused"]
    pl = t.period_label
    paras = [
        f"截至{end}，{area}共有城乡低保对象{fig('dibao_households')}户{fig('dibao_persons')}人，"
        f"其中城市低保{fig('dibao_households_urban')}户{fig('dibao_persons_urban')}人、"
        f"农村低保{fig('dibao_households_rural')}户{fig('dibao_persons_rural')}人，"
        f"低保月人均补助水平{fig('dibao_avg_amount')}元；"
        f"特困人员{fig('tekun_persons')}人（城市{fig('tekun_persons_urban')}人、农村{fig('tekun_persons_rural')}人），"
        f"其中集中供养{fig('tekun_institutional')}人、"
        f"分散供养{fig('tekun_dispersed')}人；"
        f"孤儿{fig('orphans')}人、事实无人抚养儿童{fig('de_facto_orphans')}人。",
        f"{pl}，新纳入低保{fig('dibao_new_persons')}人，退出低保{fig('dibao_ended_persons')}人，"
        f"实施临时救助{fig('temporary_cases')}人次、发放临时救助金{wan('temporary_amount')}万元；"
        f"{t.month.year}年累计支出救助资金{fig('expenditure_year')}万元"
        # A period from January on: its spending is the year's, said once.
        + ("。" if from_january else f"，其中{pl}支出{fig('expenditure_month')}万元。"),
        f"{pl}，共受理救助申请{fig('applications_received')}件，审核确认{fig('applications_approved')}件、"
        f"不予确认{fig('applications_refused')}件"
        + (f"，按时办结率{fig('decided_in_time_share')}%；" if decided else "；")
        + f"出具家庭经济状况核对报告{fig('verification_reports')}份，处理监测预警{fig('alerts_handled')}条。",
    ]
    if year_ago is not None:
        b = year_ago.figures

        def compare(key: str, label: str, unit: str) -> str:
            if key == "expenditure_year" and not b[key] and f[key]:
                # No payroll was paid through doudi a year earlier: the spending was recorded elsewhere,
                # an "increase" from zero would be the system's start, not the bureau's work.
                return f"{label}上年同期无系统发放数据，不作比较"
            diff = f[key] - b[key]
            used[f"{key}_change"] = number(abs(diff))
            if diff == 0:
                return f"{label}与上年同期持平"
            word = "增加" if diff > 0 else "减少"
            text = f"{label}{word}{used[f'{key}_change']}{unit}"
            if b[key]:
                ratio = (Decimal(abs(diff)) * 100 / Decimal(b[key])).quantize(Decimal("0.1"))
                used[f"{key}_ratio"] = f"{ratio}"
                text += f"（{'增长' if diff > 0 else '下降'}{ratio}%）"
            return text

        paras.append(
            "与上年同期相比，"
            + "，".join(
                [
                    compare("dibao_persons", "低保人数", "人"),
                    compare("tekun_persons", "特困人员", "人"),
                    compare("expenditure_year", "累计支出", "万元"),
                ]
            )
            + "。"
        )
    else:
        paras.append("上年同期尚无系统数据，暂不作同比分析。")
    kind = (
        "上半年"
        if period == "half" and t.month.month == 6
        else ("全年" if period == "year" and t.month.month == 12 else pl)
    )
    when = f"{t.month.year}年{kind}" if kind in ("上半年", "全年") else pl
    title = f"{short}{when}社会救助工作情况（初稿）"
    return WorkReport(
        title=title,
        heading="一、兜底保障工作开展情况",
        paragraphs=paras,
        table=t,
        year_ago=year_ago,
        used=used,
    )


def docx_bytes(report: WorkReport) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "仿宋"
    normal.font.size = Pt(14)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(report.title)
    run.bold = True
    run.font.size = Pt(18)
    doc.add_paragraph(report.heading).runs[0].bold = True
    for text in report.paragraphs:
        p = doc.add_paragraph(text)
        p.paragraph_format.first_line_indent = Pt(28)
    produced = timezone.localtime(report.table.produced_at).strftime("%Y年%m月%d日%H:%M")
    note = doc.add_paragraph(
        f"（本文稿由兜底社会救助信息系统于{produced}根据系统数据生成，各项数字与所附统计表一致，请核对后修改使用。）"
    )
    note.runs[0].font.size = Pt(10.5)
    doc.add_paragraph(f"附表：社会救助统计表（{report.table.region_name}，{report.table.period_label}）").runs[
        0
    ].bold = True
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("类别", "指标", "数值", "单位"), strict=True):
        cell.text = text
    for r in report.table.rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text, cells[3].text = r.section, r.label, number(r.value), r.unit
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

"""The case documents laid out with ReportLab: A4, one CJK font embedded, plain official style.

Each builder takes the objects the page already read within the user's scope and returns the PDF
bytes; nothing here reads the database beyond the objects' own relations.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone

from doudi.cases.pdf.fonts import cjk_font
from doudi.core.labels import money, programme_label

# The appeal rights printed on every decision (行政复议法 art. 20: 60 days; 行政诉讼法 art. 46: six
# months). CONFIGURABLE TEXT: a bureau whose notice must word them differently (or a change of
# law) sets ``DOUDI_APPEAL_RIGHTS`` in the settings; ``{county}`` is the county's name.
DEFAULT_APPEAL_RIGHTS = {
    "reconsideration_within": "自收到本决定书之日起 60 日内",
    "reconsideration_body": "{county}人民政府",
    "litigation_within": "自收到本决定书之日起 6 个月内",
    "litigation_body": "人民法院",
}


def appeal_rights() -> dict[str, str]:
    """Return the appeal-rights wording: the defaults overlaid with ``settings.DOUDI_APPEAL_RIGHTS``."""
    return {**DEFAULT_APPEAL_RIGHTS, **getattr(settings, "DOUDI_APPEAL_RIGHTS", {})}


@dataclass(frozen=True)
class Authorities:
    """The names printed on a case's documents, from the case's village up to its county."""

    village: str
    township: str
    county: str

    @classmethod
    def of(cls, region) -> Authorities:
        names = {}
        node = region
        while node is not None:
            names[node.level] = node.name
            node = node.parent
        # Levels: 1 province, 2 prefecture, 3 county, 4 township, 5 village (regions.models.Level).
        return cls(village=names.get(5, region.name), township=names.get(4, ""), county=names.get(3, ""))

    @property
    def bureau(self) -> str:
        return f"{self.county}民政局" if self.county else "民政部门"


def _cn_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else "    年  月  日"


def _cn_month(day: date | None) -> str:
    return f"{day.year}年{day.month}月" if day else ""


def _money(value) -> str:
    return money(value)


class _Doc:
    """A tiny layer over platypus: styles in the CJK font and the story being built."""

    def __init__(self, title: str):
        from reportlab.lib.enums import TA_CENTER, TA_RIGHT
        from reportlab.lib.styles import ParagraphStyle

        self.font = cjk_font()
        base = {"fontName": self.font, "wordWrap": "CJK"}
        self.styles = {
            "title": ParagraphStyle("title", fontSize=20, leading=30, alignment=TA_CENTER, spaceAfter=6, **base),
            "sub": ParagraphStyle("sub", fontSize=10.5, leading=16, alignment=TA_CENTER, spaceAfter=14, **base),
            "body": ParagraphStyle("body", fontSize=12.5, leading=23, firstLineIndent=25, spaceAfter=4, **base),
            "plain": ParagraphStyle("plain", fontSize=12.5, leading=23, spaceAfter=4, **base),
            "item": ParagraphStyle("item", fontSize=12.5, leading=22, leftIndent=25, **base),
            "cell": ParagraphStyle("cell", fontSize=11, leading=16, **base),
            "small": ParagraphStyle("small", fontSize=9.5, leading=15, textColor="#555555", **base),
            "sign": ParagraphStyle("sign", fontSize=12.5, leading=24, alignment=TA_RIGHT, **base),
        }
        self.title = title
        self.story: list = []

    def p(self, text: str, style: str = "body") -> None:
        from reportlab.platypus import Paragraph

        self.story.append(Paragraph(text, self.styles[style]))

    def gap(self, mm: float = 4) -> None:
        from reportlab.lib.units import mm as MM
        from reportlab.platypus import Spacer

        self.story.append(Spacer(1, mm * MM))

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], numeric: tuple[int, ...] = ()):
        from reportlab.lib import colors
        from reportlab.lib.units import mm as MM
        from reportlab.platypus import Paragraph, Table, TableStyle

        cell = self.styles["cell"]
        data = [[Paragraph(escape(h), cell) for h in header]]
        data += [[Paragraph(escape(str(v)), cell) for v in row] for row in rows]
        table = Table(data, colWidths=[w * MM for w in widths], repeatRows=1)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), self.font),
            ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 4),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ]
        style += [("ALIGN", (i, 1), (i, -1), "RIGHT") for i in numeric]
        table.setStyle(TableStyle(style))
        self.story.append(table)

    def signature(self, issuer: str, on: date | None) -> None:
        self.gap(10)
        self.p(f"{escape(issuer)}（盖章）", "sign")
        self.p(_cn_date(on), "sign")

    def build(self) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm
        from reportlab.platypus import SimpleDocTemplate

        buffer = io.BytesIO()
        font = self.font

        def footer(canvas, doc) -> None:
            canvas.saveState()
            canvas.setFont(font, 8.5)
            canvas.setFillGray(0.45)
            canvas.drawCentredString(A4[0] / 2, 12 * mm, f"兜底社会救助信息系统 · 第 {doc.page} 页")
            canvas.restoreState()

        doc = SimpleDocTemplate(
            buffer,
            pagesize=A4,
            leftMargin=25 * mm,
            rightMargin=25 * mm,
            topMargin=22 * mm,
            bottomMargin=22 * mm,
            title=self.title,
            author="兜底社会救助信息系统",
            # The canvas starts each page in its initial font: the CJK one, so that no unembedded
            # Helvetica is referenced.
            initialFontName=font,
            initialFontSize=12,
        )
        doc.build(self.story, onFirstPage=footer, onLaterPages=footer)
        return buffer.getvalue()


def _programme_names(codes) -> str:
    return "、".join(programme_label(c) for c in codes) or "社会救助"


def _applicant_name(case) -> str:
    return case.applicant.name if case.applicant_id else case.household.head_name


def missing_materials_pdf(case, notice) -> bytes:
    """Return the 一次性告知书 for ``notice`` (a ``MissingMaterialsNotice`` of ``case``)."""
    who = Authorities.of(case.region)
    doc = _Doc("申请材料一次性补正告知书")
    doc.p("申请材料一次性补正告知书", "title")
    doc.p(f"案件编号 {escape(case.number)}", "sub")
    doc.p(f"{escape(_applicant_name(case))}：", "plain")
    doc.p(
        f"您于{_cn_date(case.opened_on)}提出的{escape(_programme_names(case.programmes))}申请，经审查，申请材料尚不齐全。"
        "现将需要补齐的全部材料一次性告知如下："
    )
    for i, item in enumerate(notice.items, start=1):
        doc.p(f"{i}. {escape(item)}", "item")
    if notice.note:
        doc.p(f"说明：{escape(notice.note)}")
    doc.p(
        f"请您补齐上述材料后，到{escape(who.village)}或{escape(who.township)}便民服务窗口提交。"
        "材料补齐后即予受理，不再要求提交本告知书所列以外的材料。"
    )
    doc.gap(4)
    issuer = f"{who.township}人民政府" if who.township else who.bureau
    doc.p(f"经办人：{escape(notice.issued_by.display_name if notice.issued_by_id else '')}", "plain")
    doc.signature(issuer, notice.issued_on)
    doc.gap(6)
    doc.p("申请人签收：________________　　签收日期：______年____月____日", "plain")
    return doc.build()


@dataclass(frozen=True)
class NoticeRow:
    """One line of a village notice board: what may be posted and nothing more."""

    name: str
    household_size: int
    monthly: Decimal
    one_off: Decimal
    starts_on: date
    ends_on: date


def notice_row(notice) -> NoticeRow:
    """Return the postable line of a ``PublicNotice``: the applicant's name, household size and amount."""
    case = notice.case
    result = notice.assessment.result if notice.assessment_id else {"programmes": []}
    eligible = [p for p in result.get("programmes", []) if p.get("eligible")]
    facts = notice.assessment.facts if notice.assessment_id else {}
    size = len(facts.get("members", [])) or case.household.member_count
    return NoticeRow(
        name=_applicant_name(case),
        household_size=size,
        monthly=sum((Decimal(p["monthly_amount"]) for p in eligible), Decimal("0")),
        one_off=sum((Decimal(p["one_off_amount"]) for p in eligible), Decimal("0")),
        starts_on=notice.starts_on,
        ends_on=notice.ends_on,
    )


def public_notice_pdf(village, notices, *, on: date | None = None) -> bytes:
    """Return the notice board of ``village`` for the running ``notices`` (``PublicNotice`` rows).

    Only the name, the household size and the amount are printed (rules.md §1.8 公布); a minors'
    case is left out even if a notice of it were passed in (§2.3: 未成年人不公示).
    """
    on = on or timezone.localdate()
    who = Authorities.of(village)
    rows = [notice_row(n) for n in notices if not n.case.minor_case]
    doc = _Doc(f"{who.village}社会救助公示")
    doc.p(f"{escape(who.village)}社会救助审核确认前公示", "title")
    doc.p(f"{escape(who.township)} · {_cn_date(on)}", "sub")
    doc.p(
        "根据《社会救助暂行办法》和最低生活保障审核确认办法，经本人申请、入户调查和家庭经济状况核对，"
        f"{escape(who.township)}对下列家庭提出了初审意见，现予公示。公示期间，任何单位和个人对公示对象有异议的，"
        f"可以向{escape(who.township)}人民政府或{escape(who.bureau)}反映，我们将对异议进行复查。"
    )
    doc.gap(2)
    body = [
        [
            str(i),
            r.name,
            f"{r.household_size} 人",
            _money(r.monthly) if r.monthly else "—",
            _money(r.one_off) if r.one_off else "—",
            f"{r.starts_on:%m-%d} 至 {r.ends_on:%m-%d}",
        ]
        for i, r in enumerate(rows, start=1)
    ]
    doc.table(
        ["序号", "姓名", "家庭人口", "拟救助金额（元/月）", "一次性（元）", "公示期"],
        body or [["", "（本期无公示对象）", "", "", "", ""]],
        [12, 28, 20, 38, 26, 36],
        numeric=(3, 4),
    )
    doc.gap(3)
    doc.p("依照规定，公示内容仅限姓名、家庭人口和救助金额；未成年人的救助申请不予公示。", "small")
    doc.signature(f"{who.township}人民政府" if who.township else who.bureau, on)
    return doc.build()


def _covered_count(line) -> str:
    return f"{len(line.covered)} 人" if line.covered else "—"


def decision_pdf(case, decision) -> bytes:
    """Return the written decision: approval with programmes, amounts and start month; refusal with
    the reasons; both with the appeal rights (``appeal_rights()``, configurable text)."""
    who = Authorities.of(case.region)
    refused = decision.outcome == "refused"
    title = "不予确认社会救助决定书" if refused else "社会救助审核确认决定书"
    if decision.outcome in ("fast_grant", "help_first"):
        title = "临时救助决定书"
    doc = _Doc(title)
    doc.p(title, "title")
    doc.p(f"{escape(who.bureau)} · 案件编号 {escape(case.number)}", "sub")
    doc.p(f"{escape(_applicant_name(case))}（户主 {escape(case.household.head_name)}）：", "plain")
    applied = _programme_names(case.programmes or (["temporary"] if case.kind == "temporary" else []))
    steps = "经入户调查、家庭经济状况核对" + ("" if case.minor_case or case.kind == "temporary" else "和公示")
    if refused:
        doc.p(
            f"你于{_cn_date(case.opened_on)}提出的{escape(applied)}申请，{steps}，"
            f"本机关于{_cn_date(decision.decided_on)}审核，决定不予确认。理由如下："
        )
        for line in (decision.reasons or "").splitlines():
            if line.strip():
                doc.p(escape(line.strip()))
    else:
        start = f"，自{_cn_month(decision.start_month)}起发放" if decision.start_month else ""
        doc.p(
            f"你于{_cn_date(case.opened_on)}提出的{escape(applied)}申请，{steps}，"
            f"本机关于{_cn_date(decision.decided_on)}审核，决定给予以下救助{start}："
        )
        lines = list(decision.lines.all())
        doc.table(
            ["救助项目", "对象", "人数", "档次/类别", "月金额（元）", "一次性（元）"],
            [
                [
                    programme_label(line.programme),
                    line.person.name if line.person_id else "",
                    _covered_count(line),
                    line.tier or "—",
                    _money(line.monthly_amount) if line.monthly_amount else "—",
                    _money(line.one_off_amount) if line.one_off_amount else "—",
                ]
                for line in lines
            ]
            or [["（无）", "", "", "", "", ""]],
            [38, 22, 18, 26, 28, 28],
            numeric=(4, 5),
        )
        doc.gap(2)
        if decision.reasons:
            doc.p(f"说明：{escape(decision.reasons)}")
        if decision.review_months:
            doc.p(
                f"享受救助期间，家庭人口、收入、财产状况发生变化的，应当及时告知{escape(who.township)}人民政府；"
                f"本机关将每 {decision.review_months} 个月对你家庭的情况进行复核，并根据变化增发、减发或者停发。"
            )
    _appeal_paragraph(doc, who)
    doc.signature(who.bureau, decision.decided_on)
    return doc.build()


def _appeal_paragraph(doc: _Doc, who: Authorities) -> None:
    rights = {k: v.format(county=who.county) for k, v in appeal_rights().items()}
    doc.p(
        f"如不服本决定，可以{escape(rights['reconsideration_within'])}向{escape(rights['reconsideration_body'])}"
        f"申请行政复议，或者{escape(rights['litigation_within'])}向{escape(rights['litigation_body'])}提起行政诉讼。"
    )


@dataclass(frozen=True)
class Termination:
    """What a termination notice says besides the enrolment itself: how it was decided and when.

    ``how`` is the procedure (定期复核, 家庭情况变更审核 …), ``decided_on`` the date of the decision
    (the review's completion, the case's decision), ``last_amount`` the amount of the last month
    paid (``None`` if nothing was ever paid) and ``basis`` the legal basis if one was recorded.
    """

    how: str
    decided_on: date | None
    last_amount: Decimal | None
    basis: str = ""


def termination_pdf(enrolment, termination: Termination) -> bytes:
    """Return the written notice that an enrolment has ended (停止社会救助决定书): the programme, the
    last month paid, the reason (``end_reason``), the legal basis if recorded and the appeal rights,
    worded as on the decisions (``appeal_rights()``)."""
    from doudi.cases.services.common import add_months

    who = Authorities.of(enrolment.region)
    title = "停止社会救助决定书"
    doc = _Doc(title)
    doc.p(title, "title")
    doc.p(f"{escape(who.bureau)} · 家庭编号 {escape(enrolment.household.number)}", "sub")
    head = enrolment.household.head_name
    if enrolment.person.name and enrolment.person.name != head:
        doc.p(f"{escape(enrolment.person.name)}（户主 {escape(head)}）：", "plain")
    else:
        doc.p(f"{escape(head or enrolment.person.name)}：", "plain")
    programme = programme_label(enrolment.programme)
    tier = f"（{escape(enrolment.tier)}）" if enrolment.tier else ""
    end = enrolment.end_month
    never_paid = end is not None and end < enrolment.start_month
    how = f"经{escape(termination.how)}，" if termination.how else ""
    if never_paid:
        stop = f"本机关于{_cn_date(termination.decided_on)}决定不再发放，该项救助未曾发放。"
    else:
        stop = (
            f"本机关于{_cn_date(termination.decided_on)}决定自{_cn_month(add_months(end, 1))}起停止发放，"
            f"最后发放月份为{_cn_month(end)}。"
        )
    doc.p(f"你（户）自{_cn_month(enrolment.start_month)}起享受的{escape(programme)}{tier}，{how}{stop}具体如下：")
    doc.table(
        ["救助项目", "领取人", "起始月份", "最后发放月份", "最后月金额（元）"],
        [
            [
                programme,
                enrolment.person.name,
                _cn_month(enrolment.start_month),
                "未曾发放" if never_paid else _cn_month(end),
                _money(termination.last_amount) if termination.last_amount else "—",
            ]
        ],
        [38, 24, 28, 30, 36],
        numeric=(4,),
    )
    doc.gap(2)
    doc.p("停止救助的理由：")
    for line in (enrolment.end_reason or "").splitlines() or ["（未记录）"]:
        if line.strip():
            doc.p(escape(line.strip()))
    if termination.basis:
        doc.p(f"依据：{escape(termination.basis)}")
    doc.p(
        "停止救助后，家庭情况发生变化、符合救助条件的，可以到"
        f"{escape(who.village)}或{escape(who.township)}便民服务窗口重新提出申请。"
    )
    _appeal_paragraph(doc, who)
    doc.signature(who.bureau, termination.decided_on)
    return doc.build()

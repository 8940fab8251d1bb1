"""The printed documents: Chinese text present, the CJK font embedded, minors never posted."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from doudi.cases import services
from doudi.cases.models import Decision, PublicNotice
from doudi.cases.pdf import decision_pdf, missing_materials_pdf, public_notice_pdf
from doudi.cases.pdf.documents import appeal_rights
from doudi.cases.pdf.fonts import font_file
from doudi.cases.tests.conftest import ACCEPTED_ON, fresh, poor_household
from doudi.registry.models import Household, Person

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdffonts")), reason="poppler-utils is not installed"
)
needs_font = pytest.mark.skipif(font_file() is None, reason="no TrueType CJK font (scripts/setup installs one)")
pytestmark = [needs_font, needs_poppler]

OUT = Path(settings.PROJECT_DIR) / "test-output" / "pdf"


def _save(data: bytes, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"cases-{name}.pdf"
    path.write_bytes(data)
    return path


def _text(path: Path) -> str:
    """Return the text poppler extracts, without the spaces it puts between CJK glyphs."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return "".join(out.split())


def _fonts(path: Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def _assert_cjk_embedded(path: Path) -> None:
    rows = _fonts(path)
    assert rows, "the PDF uses no font"
    # ReportLab subsets the TrueType font ("AAAAAA+WenQuanYiZenHei-0") and embeds every subset.
    assert any(row[1] == "TrueType" and "+" in row[0] for row in rows), rows
    for row in rows:
        # name type encoding emb sub uni object ID: "emb" is the fourth column from the right end.
        assert row[-5] == "yes", f"font not embedded: {row}"


def test_missing_materials_notice_lists_every_item(walk, household, users):
    case = walk.open(household, programmes=["dibao"])
    notice = services.do_record_missing_materials(
        users["village_worker"],
        case,
        items=["户口簿复印件", "家庭经济状况核对授权书"],
        note="请全体成员签字",
        expected_version=fresh(case).version,
        today=ACCEPTED_ON,
    )
    path = _save(missing_materials_pdf(fresh(case), notice), "missing-materials")
    text = _text(path)
    assert "申请材料一次性补正告知书" in text
    assert "1.户口簿复印件" in text and "2.家庭经济状况核对授权书" in text
    assert "草尾镇人民政府" in text and "最低生活保障" in text and "2025年3月3日" in text
    _assert_cjk_embedded(path)


def test_public_notice_shows_name_size_and_amount_only_and_never_minors(walk, household, users, regions):
    adult = walk.to_notice(household, programmes=["dibao"])
    other = poor_household(regions["lixin"], users["county_reviewer"], members=2, income="100")
    Household.objects.filter(pk=other.pk).update(head_name="李四")
    Person.objects.filter(household=other, relation="head").update(name="李四")
    second = walk.to_notice(other, programmes=["dibao"])
    notices = list(PublicNotice.objects.filter(case__in=[adult, second]).select_related("case__household"))
    notices[1].case.minor_case = True  # a minors' case passed in by mistake is still left out
    path = _save(public_notice_pdf(regions["lixin"], notices, on=ACCEPTED_ON), "public-notice")
    text = _text(path)
    head = adult.household.head_name
    assert "立新村社会救助审核确认前公示" in text and head in text
    assert f"{adult.household.member_count}人" in text
    # The household fixture: rural, head earning 200 (− employment cost 485 × 0.3 = 145.5 → 54.5
    # counted) and a child: 485 × 2 − 54.5 = 915.5, + minor supplement 48.50 = 964.00 a month.
    assert "964.00" in text
    assert "李四" not in text
    assert "03-03至03-09" in text
    # Nothing beyond the name, the size and the amount: no ID number, no address.
    assert Person.objects.filter(household=household).first().id_number not in text and "测试地址" not in text
    _assert_cjk_embedded(path)


def test_approval_decision_names_programmes_amounts_start_and_appeal_rights(walk, household):
    case = walk.to_approved(household, programmes=["dibao"])
    decision = Decision.objects.get(case=case)
    path = _save(decision_pdf(case, decision), "decision-approved")
    text = _text(path)
    assert "社会救助审核确认决定书" in text and "沅江市民政局" in text
    assert "最低生活保障" in text and "自2025年4月起" in text
    assert "964.00" in text  # 485 × 2 − 54.5 + 48.50, as in the public notice test
    assert "60日内" in text and "沅江市人民政府" in text and "6个月内" in text and "行政诉讼" in text
    _assert_cjk_embedded(path)


def test_refusal_decision_gives_the_reasons_and_configurable_appeal_text(walk, household, settings):
    settings.DOUDI_APPEAL_RIGHTS = {"reconsideration_within": "自知道该行政行为之日起 60 日内"}
    assert appeal_rights()["litigation_within"] == "自收到本决定书之日起 6 个月内"
    case = walk.to_notice(household, programmes=["dibao"])
    walk.confirm(case, date(2025, 3, 10), approve=False, reasons="家庭人均收入高于当地低保标准。\n存款超过规定限额。")
    decision = Decision.objects.get(case=case)
    path = _save(decision_pdf(fresh(case), decision), "decision-refused")
    text = _text(path)
    assert "不予确认社会救助决定书" in text
    assert "家庭人均收入高于当地低保标准。" in text and "存款超过规定限额。" in text
    assert "自知道该行政行为之日起60日内" in text and "6个月内" in text
    _assert_cjk_embedded(path)


def test_a_page_renders_to_png_with_chinese_glyphs(walk, household):
    """Rendering with poppler proves the embedded font draws the characters (see test-output/pdf)."""
    if not shutil.which("pdftoppm"):
        pytest.skip("pdftoppm is not installed")
    case = walk.to_approved(household, programmes=["dibao"])
    path = _save(decision_pdf(case, Decision.objects.get(case=case)), "decision-render")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(OUT / "cases-decision")], check=True
    )
    png = next(OUT.glob("cases-decision*.png"))
    assert png.stat().st_size > 10_000  # a blank page is a few hundred bytes

"""上门受理 on a 390 px phone in Chromium: a family of four with their evidence and a photo, the live
estimate, the connection dropped mid-flow and the page reloaded offline, then sent once when the
connection returns. Screenshots: test-output/screenshots/cases-intake-*.png."""

from __future__ import annotations

import os
import struct
import zlib
from datetime import date

import pytest

from doudi.cases.models import Attachment, Case, IntakeSubmission
from doudi.cases.workflow import CaseStatus
from doudi.registry.models import Disability, Household, Income, Person
from doudi.registry.tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _png(width: int = 48, height: int = 32, *, noise: bool = False) -> bytes:
    """A real PNG (red, or noise that does not compress), so the page's preview shows it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = (lambda: os.urandom(3 * width)) if noise else (lambda: b"\xc0\x30\x30" * width)
    rows = b"".join(b"\x00" + pixels() for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG = _png()
FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"
KEPT_SIZE = """(user) => new Promise((resolve) => {
  const open = indexedDB.open("doudi-intake:" + user, 1);
  open.onsuccess = () => {
    const all = open.result.transaction("photos").objectStore("photos").getAll();
    all.onsuccess = () => resolve(all.result.map((p) => p.blob.size).reduce((a, b) => a + b, 0));
  };
})"""
REPLAY = """async (draft) => {
  const body = new FormData();
  body.append("payload", draft);
  const token = document.cookie.match(/csrftoken=([^;]+)/)[1];
  const r = await fetch("/cases/intake/submit/", {method: "POST", body, headers: {"X-CSRFToken": token}});
  return r.json();
}"""


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def member(page, i: int):
    return page.locator("#members > [data-member]").nth(i)


def fill_person(page, i: int, *, name: str, id_number: str, relation: str | None = None) -> None:
    m = member(page, i)
    m.locator('[name$="-name"]').fill(name)
    m.locator('[name$="-id_number"]').fill(id_number)
    if relation:
        m.locator('[name$="-relation"]').select_option(relation)


def add_evidence(page, i: int, kind: str, **values) -> None:
    m = member(page, i)
    m.locator(".ev-kind").select_option(kind)
    m.locator(".add-ev-btn").click()
    block = m.locator("fieldset.evidence").last
    for name, value in values.items():
        el = block.locator(f'[name$="-{name}"]')
        if value is True:
            el.check()
        elif el.evaluate("e => e.tagName") == "SELECT":
            el.select_option(value)
        else:
            el.fill(value)


def go(page, step: int) -> None:
    page.locator(f'#step-tabs [data-goto="{step}"]').click()
    assert page.evaluate(FITS), f"step {step + 1} overflows 390 px"


def test_a_family_of_four_taken_in_on_a_phone_with_the_connection_dropped(new_page, screenshot, users, published):
    worker = users["village_worker"]
    page = new_page(worker, **PHONE)
    page.goto("/")
    page.get_by_role("link", name="上门受理").first.click()
    page.wait_for_url("**/cases/intake/")
    # The offline worker is installed (the page can be reloaded without a connection).
    assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    assert page.evaluate(FITS)

    # 1 家庭: her only village is chosen already.
    assert page.locator("#hh-region").input_value() == worker.region.code
    page.fill("#hh-address", "立新村3组12号")
    screenshot(page, "cases-intake-01-household-phone")
    page.get_by_role("button", name="下一步").click()

    # 2 成员: the head, then three members who inherit the head's 户籍性质 and address.
    fill_person(page, 0, name="王大山", id_number=f.id_number(date(1975, 4, 2)))
    for name, birth, male, relation in (
        ("李秀英", date(1978, 9, 9), False, "spouse"),
        ("王小明", date(2014, 6, 1), True, "child"),
        ("王老汉", date(1946, 2, 3), True, "parent"),
    ):
        page.click("#add-member")
        fill_person(
            page,
            page.locator("#members > [data-member]").count() - 1,
            name=name,
            id_number=f.id_number(birth, male=male),
            relation=relation,
        )
    assert member(page, 3).locator('[name$="-hukou_type"]').input_value() == "rural"
    assert member(page, 3).locator('[name$="-residence_address"]').input_value() == "立新村3组12号"
    assert page.evaluate(FITS)
    screenshot(page, "cases-intake-02-members-phone")

    # 3 情况: income, rigid expense, disability and care need, schooling, self-care.
    go(page, 2)
    add_evidence(page, 0, "income", category="wages", monthly_amount="300")
    add_evidence(page, 0, "rigidexpense", category="medical", amount_12m="26000")
    add_evidence(page, 1, "disability", category="physical", grade="1", valid_from="2020-01-01")
    add_evidence(page, 1, "careneed", valid_from="2024-01-01")
    add_evidence(page, 2, "schooling", stage="primary", valid_from="2021-09-01")
    add_evidence(page, 3, "selfcare", unable_walk=True, unable_bathe=True, unable_dress=True, unable_toilet=True)
    assert page.evaluate(FITS)
    screenshot(page, "cases-intake-03-evidence-phone")

    # An impossible fact is refused next to its field before anything is sent: grade 7.
    # 5 提交: the live estimate of what the family may receive, before anything is registered.
    go(page, 4)
    page.wait_for_selector("#estimate .estimate-summary")
    assert "月救助金合计" in page.inner_text("#estimate")
    assert "重度残疾人护理补贴" in page.inner_text("#estimate")
    assert "试算" in page.inner_text("#estimate-mini")
    assert page.locator("input[name=programmes][value=dibao]").is_checked()  # ticked from the estimate
    assert Household.objects.count() == 0
    screenshot(page, "cases-intake-04-estimate-phone")

    # The connection drops mid-flow: a photo is taken and the page reloaded, offline.
    context = page.context
    context.set_offline(True)
    go(page, 3)
    page.set_input_files("#photo-input", files=[{"name": "户口簿.png", "mimeType": "image/png", "buffer": PNG}])
    page.wait_for_selector("#photo-list .photo")
    page.locator("#photo-list .p-category").select_option("identity")
    page.wait_for_selector("#net-status:has-text('离线')")
    page.reload()
    page.wait_for_selector("#members > [data-member] >> nth=3", state="attached")
    assert member(page, 1).locator('[name$="-name"]').input_value() == "李秀英"
    assert member(page, 1).locator("fieldset.evidence").count() == 2
    assert page.locator("#photo-list .photo").count() == 1
    assert page.locator("#photo-list .p-category").input_value() == "identity"
    page.wait_for_selector("#net-status:has-text('离线')")
    assert page.evaluate(FITS)
    screenshot(page, "cases-intake-05-offline-reloaded-phone")

    # Submitted offline: kept as pending, nothing reaches the server.
    go(page, 4)
    page.check("#authorised")
    page.click("#submit-btn")
    page.wait_for_selector("#net-status:has-text('恢复联网后自动提交')")
    assert Household.objects.count() == 0
    screenshot(page, "cases-intake-06-pending-offline-phone")

    # The connection returns: the page sends it by itself, once.
    kept = page.evaluate(f"localStorage.getItem('doudi-intake-draft:{worker.pk}')")
    assert '"pending":true' in kept
    context.set_offline(False)
    page.wait_for_selector("#done:has-text('已登记家庭')", timeout=30_000)
    assert page.evaluate(FITS)
    screenshot(page, "cases-intake-07-done-phone")

    assert Household.objects.count() == 1 and Case.objects.count() == 1
    hh = Household.objects.get()
    assert hh.member_count == 4 and hh.address == "立新村3组12号"
    assert set(Person.objects.filter(household=hh).values_list("hukou_type", flat=True)) == {"rural"}
    case = Case.objects.get()
    assert case.status == CaseStatus.ACCEPTED and "dibao" in case.programmes
    assert Income.objects.filter(person__household=hh).count() == 1
    assert Disability.objects.get(person__household=hh).grade == 1
    assert list(Attachment.objects.values_list("category", "original_name")) == [("identity", "户口簿.png")]
    assert IntakeSubmission.objects.count() == 1
    # The phone forgot the draft: the page starts a new family.
    page.reload()
    assert member(page, 0).locator('[name$="-name"]').input_value() == ""

    # The same submission sent again (a response lost on the way back) answers the first household and case.
    replay = page.evaluate(REPLAY, kept)
    assert replay["replayed"] and replay["case_url"] == f"/cases/{case.pk}/"
    assert Household.objects.count() == 1 and Case.objects.count() == 1 and Attachment.objects.count() == 1
    page.goto(replay["case_url"])
    assert page.evaluate(FITS)


def test_an_impossible_fact_is_shown_next_to_its_field(new_page, screenshot, users, published):
    page = new_page(users["village_worker"], **PHONE)
    page.goto("/cases/intake/")
    page.get_by_role("button", name="下一步").click()
    fill_person(page, 0, name="王大山", id_number=f.id_number(date(1975, 4, 2)))
    page.click("#add-member")
    fill_person(page, 1, name="李秀英", id_number=f.id_number(date(1978, 9, 9), male=False), relation="spouse")
    go(page, 2)
    add_evidence(page, 1, "income", category="wages", monthly_amount="-50")
    go(page, 4)
    page.check("#authorised")
    page.click("#submit-btn")
    error = member(page, 1).locator(".field-error")
    error.first.wait_for()
    assert "第2位成员（李秀英）·收入·月收入（元）：不能为负数" in error.first.inner_text()
    assert page.locator("#intake").get_attribute("data-at") == "2"  # taken back to the step at fault
    assert page.evaluate(FITS)
    screenshot(page, "cases-intake-08-refused-field-phone")
    assert Household.objects.count() == 0

    # A camera-sized photo is kept scaled down, as a JPEG.
    go(page, 3)
    big = _png(1400, 900, noise=True)
    assert len(big) > 1_500_000
    page.set_input_files("#photo-input", files=[{"name": "病历.png", "mimeType": "image/png", "buffer": big}])
    page.wait_for_selector("#photo-list .photo")
    assert page.inner_text("#photo-list .p-name") == "病历.jpg"
    kept = page.evaluate(KEPT_SIZE, users["village_worker"].pk)
    assert 0 < kept < len(big) / 2

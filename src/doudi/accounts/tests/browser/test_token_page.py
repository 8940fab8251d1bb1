"""The token page on a phone: create a token, copy its key, revoke it, all within 390 px."""

from __future__ import annotations

import pytest

from doudi.accounts.models import ApiToken
from doudi.accounts.tokens import do_create_api_token

pytestmark = pytest.mark.browser

FITS = "document.documentElement.scrollWidth <= window.innerWidth + 1"


def test_token_page_on_a_phone(transactional_db, new_page, screenshot, users):
    user = users["village_worker"]
    do_create_api_token(user, name="统计报表脚本")
    page = new_page(user, width=390, height=844)
    page.goto("/")
    page.get_by_role("link", name="接口令牌").click()
    page.wait_for_selector("h1:has-text('接口令牌')")
    assert page.evaluate(FITS)

    page.fill("#id_name", "区县夜间导入任务")
    page.get_by_role("button", name="新建令牌").click()
    key = page.locator("#new-token").inner_text().strip()
    assert len(key) == 40 and "只显示这一次" in page.locator(".token-issued").inner_text()
    assert page.evaluate(FITS)
    screenshot(page, "accounts-01-token-created-phone")

    page.get_by_role("button", name="注销令牌“区县夜间导入任务”").click()
    page.wait_for_selector(".messages >> text=已注销令牌“区县夜间导入任务”")
    assert key not in page.content()
    assert page.evaluate(FITS)
    screenshot(page, "accounts-02-token-revoked-phone")
    assert ApiToken.objects.get(name="区县夜间导入任务").revoked_at is not None
    assert ApiToken.objects.get(name="统计报表脚本").revoked_at is None

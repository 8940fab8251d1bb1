"""The checker the label tests rely on: what it flags and what it leaves as data."""

from __future__ import annotations

import pytest

from doudi.core.tests.labels.visible import problems_in


@pytest.mark.parametrize(
    "text",
    ["对抗测试（661770ef…）", "证号 43098119800617001X42", "批次 2025ab 已导入", "手机 138****5678"],
)
def test_data_tokens_are_not_words(text):
    """Hex prefixes of random tokens, card numbers and codes glued to digits are data, not English."""
    assert problems_in(text) == []


@pytest.mark.parametrize(
    ("text", "flagged"),
    [("状态：active", "active"), ("Submit 提交", "Submit"), ("来源 import", "import"), ("类别 ef", "ef")],
)
def test_english_words_and_codes_are_flagged(text, flagged):
    found = problems_in(text)
    assert found and flagged in found[0], found

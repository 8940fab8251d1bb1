"""A household's village code is refused with the reason that fits: unknown, not a village, or malformed."""

from __future__ import annotations

from datetime import date

import pytest

from doudi.core.errors import DomainError
from doudi.registry import services
from doudi.registry.tests import factories as f


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("430981114999", "所在村/社区：行政区划代码 430981114999 不存在。"),
        ("430981114000", "所在村/社区：430981114000 是乡镇或更高一级区划的代码，请填写村/社区的 12 位代码。"),
        ("4309", "所在村/社区：4309 是乡镇或更高一级区划的代码，请填写村/社区的 12 位代码。"),
        ("12345", "所在村/社区：“12345”不是有效的村/社区区划代码（应为 12 位）。"),
    ],
)
def test_a_code_that_is_not_a_village_says_why(regions, users, code, message):
    with pytest.raises(DomainError) as raised:
        services.do_create_household(
            users["village_worker"],
            region_code=code,
            head=f.person_input("王建国"),
            members=[],
            address="立新村1组",
            joined_on=date(2020, 1, 1),
        )
    assert raised.value.message == message

"""``parse_entry``: one entry the policy form submits, read as in a document (the form's only way in).

Accepted entries keep every field (the document's effective date fills a missing start); refused
ones raise ``PolicyError`` with the sentence the officer reads, unknown fields named in order.
"""

from datetime import date
from decimal import Decimal

import pytest

from ..documents import ParamEntry, parse_entry
from ..errors import PolicyError
from ..parameters import SPEC_BY_KEY

URBAN = SPEC_BY_KEY["dibao.standard_urban"]


def test_an_entry_with_every_field():
    item = {"value": 8880, "from": date(2025, 7, 1), "to": date(2025, 12, 31), "note": "公布年标准", "per": "year"}
    assert parse_entry(URBAN, item, date(2025, 1, 1)) == ParamEntry(
        Decimal("740"), date(2025, 7, 1), date(2025, 12, 31), "公布年标准", "year", Decimal("8880")
    )


def test_the_effective_date_starts_an_entry_without_from():
    assert parse_entry(URBAN, {"value": 740}, date(2025, 1, 1)) == ParamEntry(Decimal("740"), date(2025, 1, 1))
    assert parse_entry(URBAN, {"value": 740}) == ParamEntry(Decimal("740"))


def test_unknown_fields_are_named():
    with pytest.raises(PolicyError) as exc:
        parse_entry(URBAN, {"value": 740, "until": 1, "amount": 2})
    assert exc.value.problems == ["未知字段 amount, until"]


def test_a_bad_entry_is_refused_with_its_reason():
    with pytest.raises(PolicyError) as exc:
        parse_entry(URBAN, {"off": True, "reason": "不设"})
    assert exc.value.problems == ["该参数不能关闭（只有“不设则不检查”的条件可以关闭）"]

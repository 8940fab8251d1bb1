"""The dashboard's headline cards: year-on-year changes read alike."""

from __future__ import annotations

from decimal import Decimal


def test_dashboard_year_on_year_changes_have_one_decimal():
    """Cards side by side: +19.4% and +26.8%, not +19.42% beside +26.8%."""
    from doudi.reports.views_dashboard import _signed_percent

    assert _signed_percent(Decimal("0.1942")) == "+19.4%"
    assert _signed_percent(Decimal("0.2680")) == "+26.8%"
    assert _signed_percent(Decimal("-0.0126")) == "-1.3%"
    assert _signed_percent(Decimal("0.0004")) == "持平"
    assert _signed_percent(Decimal("0")) == "持平"
    assert _signed_percent(None) is None

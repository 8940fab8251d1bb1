"""Example rows of every department layout (valid ID numbers on the demo county's code), for the docs and pages."""
# ruff: noqa: E501 - one example row per line reads best

from __future__ import annotations

from datetime import date

from doudi.registry.identity import make_id_number

A = make_id_number("430981", date(1958, 4, 12), 123)
B = make_id_number("430981", date(1983, 9, 30), 246)
C = make_id_number("430981", date(2009, 1, 5), 37)

EXAMPLES: dict[str, list[dict]] = {
    "death": [{"id_number": A, "name": "李大山", "death_date": "2026-02-14", "record_region": "430981", "cause": "死亡"}],
    "hukou_out": [
        {"id_number": B, "name": "王小红", "move_date": "2026-02-03", "to_region": "440305", "to_address": "深圳市南山区"}
    ],
    "employment": [
        {"id_number": B, "name": "王小红", "month": "2026-01", "employer": "沅江市某纺织有限公司",
         "employer_code": "91430981MA4L0XXX0X", "wage": "3200.00"},
        {"id_number": B, "name": "王小红", "month": "2026-02", "employer": "沅江市某纺织有限公司",
         "employer_code": "", "wage": "3250.50"},
    ],
    "pension": [
        {"id_number": A, "name": "李大山", "month": "2026-02", "pension_type": "城乡居民", "amount": "238.00",
         "basic_amount": "183.00"}
    ],
    "unemployment": [{"id_number": B, "name": "王小红", "registered_on": "2025-11-20", "ended_on": "", "benefit": "1530.00"}],
    "medical": [
        {"id_number": A, "name": "李大山", "settled_on": "2026-02-20", "visit_type": "住院", "admitted_on": "2026-02-01",
         "discharged_on": "2026-02-19", "hospital_days": "18", "total_cost": "46800.00", "out_of_pocket": "12650.00",
         "hospital": "沅江市人民医院"}
    ],
    "property": [
        {"id_number": B, "name": "王小红", "certificate": "湘(2024)沅江市不动产权第0001234号", "address": "琼湖街道某小区3栋201",
         "usage": "住宅", "area": "89.50", "share": "100", "registered_on": "2024-05-08"}
    ],
    "vehicle": [
        {"id_number": B, "name": "王小红", "plate": "湘H·A1234", "vehicle_type": "小型汽车", "registered_on": "2025-08-01",
         "status": "正常", "price": "68000"}
    ],
    "business": [
        {"id_number": B, "name": "王小红", "credit_code": "92430981MA4LXXXX0X", "business_name": "沅江市小红副食店",
         "role": "个体经营者", "capital": "30000", "share": "100", "established_on": "2023-03-15", "status": "存续"}
    ],
    "disability": [
        {"id_number": C, "name": "李小明", "card_number": f"{C}22", "category": "智力", "grade": "2",
         "issued_on": "2024-06-30", "needs_care": "是"}
    ],
    "tax": [{"id_number": B, "name": "王小红", "tax_year": "2025", "income": "41200.00", "tax_paid": "0"}],
    "provident_fund": [
        {"id_number": B, "name": "王小红", "month": "2026-02", "employer": "沅江市某纺织有限公司", "monthly_deposit": "480.00",
         "balance": "10560.00"}
    ],
    "poverty_watch": [
        {"id_number": A, "name": "李大山", "head_id_number": A, "identified_on": "2025-04-01", "risk_type": "因病",
         "per_capita_income": "6800.00", "risk_removed": "否"}
    ],
}  # fmt: skip


def example_rows(department: str) -> list[list[str]]:
    from doudi.verification.feeds.schemas import SCHEMAS

    schema = SCHEMAS[department]
    return [[row.get(c.code, "") for c in schema.columns] for row in EXAMPLES.get(department, [])]

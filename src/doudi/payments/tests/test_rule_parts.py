"""The Python parts of the payroll rules, pinned without a database (issue 14, mutation score).

Generation and the checks are set-based SQL; around the SQL sit the rules written in Python: month
arithmetic, the month of death, the tolerance and ceiling read from the policy, the parameters each
check's query is given and the sentence a county worker reads, and how overpaid lines become
recovery entries. These tests pin those parts exactly, with hand-computed values, replacing the one
database call each function makes by a stand-in that records what it was asked. They run in a
second and are what ``benchmarks/mutation.py --target payments`` runs against each mutant; the SQL
itself is tested on real databases by ``test_generation.py`` and ``test_checks_and_approval.py``.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.models import Q

from doudi.accounts.models import User
from doudi.cases.models import RelativeDeclaration
from doudi.cases.services.common import add_months, month_start
from doudi.core.errors import DomainError
from doudi.payments.errors import PaymentError
from doudi.payments.models import LineStatus, PayrollStatus, Recovery
from doudi.payments.services import checks, generation, recovery
from doudi.registry.models import Person

# ---------------------------------------------------------------- month arithmetic


@pytest.mark.parametrize(
    ("month", "n", "expected"),
    [
        (date(2025, 3, 1), 0, date(2025, 3, 1)),
        (date(2025, 3, 1), 1, date(2025, 4, 1)),
        (date(2025, 1, 1), -1, date(2024, 12, 1)),  # back across a year end
        (date(2025, 12, 1), 1, date(2026, 1, 1)),  # forward across a year end
        (date(2025, 11, 1), 2, date(2026, 1, 1)),
        (date(2025, 3, 1), 13, date(2026, 4, 1)),
        (date(2025, 3, 1), -25, date(2023, 2, 1)),
        (date(2025, 3, 31), -1, date(2025, 2, 1)),  # always the first of the month
    ],
)
def test_add_months(month, n, expected):
    assert add_months(month, n) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 3, 31), date(2025, 3, 1)),
        (date(2025, 3, 1), date(2025, 3, 1)),
        (date(2024, 2, 29), date(2024, 2, 1)),
    ],
)
def test_month_start(day, expected):
    assert month_start(day) == expected


def test_month_range_is_inclusive_and_empty_when_reversed():
    assert generation.month_range(date(2024, 11, 1), date(2025, 2, 1)) == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
        date(2025, 2, 1),
    ]
    assert generation.month_range(date(2025, 2, 1), date(2025, 2, 1)) == [date(2025, 2, 1)]
    assert generation.month_range(date(2025, 3, 1), date(2025, 2, 1)) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-03", date(2025, 3, 1)),
        (" 2025-03 ", date(2025, 3, 1)),
        ("2025-03-17", date(2025, 3, 1)),  # only YYYY-MM is read
        ("2025-12", date(2025, 12, 1)),
        (date(2025, 3, 17), date(2025, 3, 1)),
    ],
)
def test_parse_month(value, expected):
    assert generation.parse_month(value) == expected


@pytest.mark.parametrize("value", ["2025/03", "2025-13", "三月", "", None, "2025-3-1x"])
def test_parse_month_refuses(value):
    with pytest.raises(PaymentError) as exc:
        generation.parse_month(value)
    assert exc.value.code == "payment_invalid"
    assert exc.value.message == f"月份：“{value}”不是 YYYY-MM 格式的月份。"


def test_check_programme():
    assert generation.check_programme("dibao") == "dibao"
    assert generation.check_programme("longevity_allowance") == "longevity_allowance"
    for bad in ("temporary", "pension", ""):  # one-off payments are not on the monthly payroll
        with pytest.raises(PaymentError) as exc:
            generation.check_programme(bad)
        assert exc.value.code == "payment_invalid"
        assert exc.value.message == f"项目：“{bad}”不是按月发放的救助项目。"


def test_county_prefix():
    assert generation.county_prefix(SimpleNamespace(prefix="430981")) == "430981%"


# ---------------------------------------------------------------- overpayments by reason


class FakeQuery:
    """Stands for ``Model.objects``: records every call and returns ``rows`` at the end of the chain."""

    def __init__(self, rows):
        self.rows = rows
        self.calls: list[tuple[str, tuple, dict]] = []

    def _record(self, name, args, kwargs):
        self.calls.append((name, args, kwargs))
        return self

    def filter(self, *args, **kwargs):
        return self._record("filter", args, kwargs)

    def exclude(self, *args, **kwargs):
        return self._record("exclude", args, kwargs)

    def values_list(self, *args, **kwargs):
        self._record("values_list", args, kwargs)
        return list(self.rows)

    def values(self, *args, **kwargs):
        self._record("values", args, kwargs)
        return list(self.rows)


def over(person_id, month, amount="500.00", line=1):
    return {
        "id": line,
        "enrolment_id": 10 + person_id,
        "person_id": person_id,
        "household_id": 100 + person_id,
        "region_id": "430981114201",
        "programme": "dibao",
        "month_covered": month,
        "amount": Decimal(amount),
    }


def test_overpaid_months_after_the_month_of_death_are_recovered_as_death(monkeypatch):
    # Person 1 died on 2025-03-15: March is still owed (ended), April is after the month of death.
    # Person 2 has no death date: every overpaid month is an ended or lowered enrolment.
    people = FakeQuery([(1, date(2025, 3, 15))])
    monkeypatch.setattr(Person, "objects", people)
    recorded = []
    monkeypatch.setattr(recovery, "record_overpayments", lambda rows, **kw: recorded.append((rows, kw)))
    rows = [
        over(1, date(2025, 3, 1), line=1),
        over(1, date(2025, 4, 1), line=2),
        over(2, date(2025, 4, 1), line=3),
        over(1, date(2025, 2, 1), line=4),
    ]
    generation._split_by_reason(rows)
    assert people.calls == [
        ("filter", (), {"pk__in": {1, 2}, "death_date__isnull": False}),
        ("values_list", ("pk", "death_date"), {}),
    ]
    assert recorded == [
        ([rows[1]], {"reason": "death", "note": "死亡后月份的发放应追回"}),
        ([rows[0], rows[2], rows[3]], {"reason": "ended", "note": "停发或下调后月份多发的金额应追回"}),
    ]


def test_only_deaths_or_only_ends_make_one_call(monkeypatch):
    recorded = []
    monkeypatch.setattr(recovery, "record_overpayments", lambda rows, **kw: recorded.append((rows, kw["reason"])))
    monkeypatch.setattr(Person, "objects", FakeQuery([(1, date(2025, 1, 31))]))
    generation._split_by_reason([over(1, date(2025, 2, 1))])
    assert recorded == [([over(1, date(2025, 2, 1))], "death")]
    recorded.clear()
    monkeypatch.setattr(Person, "objects", FakeQuery([]))
    generation._split_by_reason([over(1, date(2025, 2, 1))])
    assert recorded == [([over(1, date(2025, 2, 1))], "ended")]


# ---------------------------------------------------------------- checks: grouping and policy values


def test_group_one_hit_per_subject_lines_once_detail_of_the_first_row():
    rows = [(11, 1, 100, "甲"), (12, 1, 100, "乙"), (11, 1, 100, "丙"), (None, 2, 200, "丁"), (13, 2, 201, "戊")]
    hits = checks._group("deceased", rows, lambda r: f"person:{r[1]}", lambda r: f"detail {r[3]}")
    assert hits == [
        checks.Hit("deceased", "person:1", 1, 100, "detail 甲", [11, 12]),
        checks.Hit("deceased", "person:2", 2, 200, "detail 丁", [13]),
    ]


class FakePolicy:
    def __init__(self, values):
        self.values = values

    def __getitem__(self, key):
        return self.values[key]


def payroll(programme="dibao", month=date(2025, 3, 1)):
    return SimpleNamespace(
        pk=7, programme=programme, month=month, region=SimpleNamespace(prefix="430981"), region_id="430981000000"
    )


def use_policy(monkeypatch, values):
    asked = []

    def policy_for(code, on):
        asked.append((code, on))
        if values is None:
            raise DomainError("no_policy", "没有政策")
        return SimpleNamespace(policy=FakePolicy(values))

    monkeypatch.setattr("doudi.policy.selectors.policy_for", policy_for)
    return asked


def test_policy_values_read_from_the_county_policy_on_the_payroll_month(monkeypatch):
    asked = use_policy(
        monkeypatch,
        {
            "general.payroll_change_tolerance": 0.25,
            "general.payroll_amount_ceiling_multiple": 2.5,
            "dibao.standard_urban": 800,
            "dibao.standard_rural": 740,
        },
    )
    values = checks._policy_values(payroll())
    assert values == (Decimal("0.25"), Decimal("2.5"), Decimal("800"))
    assert all(isinstance(v, Decimal) for v in values)
    assert asked == [("430981000000", date(2025, 3, 1))]


def test_policy_values_defaults(monkeypatch):
    # No policy at all: tolerance 30%, ceiling 3 × the standard, and no standard (no upper bound).
    use_policy(monkeypatch, None)
    assert checks._policy_values(payroll()) == (Decimal("0.3"), Decimal("3"), None)
    # Keys missing or empty: the defaults; only the rural standard: it is the higher one.
    use_policy(monkeypatch, {"general.payroll_change_tolerance": None, "dibao.standard_rural": 740})
    assert checks._policy_values(payroll()) == (Decimal("0.3"), Decimal("3"), Decimal("740"))
    use_policy(monkeypatch, {"dibao.standard_urban": 900, "dibao.standard_rural": 950})
    assert checks._policy_values(payroll())[2] == Decimal("950")
    use_policy(monkeypatch, {"dibao.standard_urban": None})
    assert checks._policy_values(payroll())[2] is None


# ---------------------------------------------------------------- checks: parameters and sentences


def fake_rows(monkeypatch, *results):
    """Replace the checks' one database call; return the list of (sql, params) asked."""
    asked = []
    answers = iter(results)

    def rows(sql, params):
        asked.append((sql, params))
        return next(answers, [])  # queries a test does not answer find nothing

    monkeypatch.setattr(checks, "_rows", rows)
    return asked


def test_amount_range_ceiling_is_the_multiple_of_the_standard_per_person(monkeypatch):
    monkeypatch.setattr(checks.connection, "vendor", "sqlite")
    asked = fake_rows(monkeypatch, [(31, 5, 50, "王五", Decimal("2300.00"), 1)])
    hits = checks.check_amount_range(payroll(), Decimal("3"), Decimal("740"))
    sql, params = asked[0]
    size = "json_array_length(e.covered)"
    assert f"SELECT l.id, l.person_id, l.household_id, pr.name, l.amount, {size}" in sql
    assert f"(l.amount <= 0 OR l.amount > %s * (CASE WHEN {size} > 1 THEN {size} ELSE 1 END))" in sql
    assert params == [7, Decimal("2220")]
    assert hits == [
        checks.Hit(
            "amount_range",
            "person:5",
            5,
            50,
            "王五本月 2,300.00 元，超出政策允许的范围（每人每月上限 2,220.00 元）",
            [31],
        )
    ]


def test_amount_range_without_a_standard_only_refuses_amounts_not_above_zero(monkeypatch):
    asked = fake_rows(monkeypatch, [(32, 6, 60, "赵六", Decimal("0.00"), 2)])
    hits = checks.check_amount_range(payroll(), Decimal("3"), None)
    sql, params = asked[0]
    assert "(l.amount <= 0 )" in sql and "OR l.amount" not in sql
    assert params == [7]
    assert [h.detail for h in hits] == ["赵六本月 0.00 元，超出政策允许的范围"]


def test_amount_range_counts_members_with_postgresql_json(monkeypatch):
    monkeypatch.setattr(checks.connection, "vendor", "postgresql")
    asked = fake_rows(monkeypatch, [])
    assert checks.check_amount_range(payroll(), Decimal("2"), Decimal("1000")) == []
    sql, params = asked[0]
    assert "CASE WHEN jsonb_array_length(e.covered) > 1 THEN jsonb_array_length(e.covered) ELSE 1 END" in sql
    assert params == [7, Decimal("2000")]


def test_change_tolerance_compares_with_last_month(monkeypatch):
    asked = fake_rows(monkeypatch, [(41, 8, 80, "钱七", Decimal("400.00"), Decimal("600.00"))])
    hits = checks.check_change(payroll(month=date(2025, 1, 1)), Decimal("0.25"))
    assert asked[0][1] == ["dibao", date(2024, 12, 1), 7, Decimal("0.25")]
    assert "WHERE programme = %s AND month_covered = %s AND status NOT IN ('failed', 'cancelled')" in asked[0][0]
    assert "AND prev.amount > 0\n              AND ABS(l.amount - prev.amount) > %s * prev.amount" in asked[0][0]
    assert hits == [
        checks.Hit("change_tolerance", "person:8", 8, 80, "钱七本月 600.00 元，上月 400.00 元，变动超过 25%", [41])
    ]
    fake_rows(monkeypatch, [(41, 8, 80, "钱七", Decimal("400.00"), Decimal("600.00"))])
    assert checks.check_change(payroll(), Decimal("0.3"))[0].detail.endswith("变动超过 30%")
    fake_rows(monkeypatch, [(41, 8, 80, "钱七", Decimal("400.00"), Decimal("1100.00"))])
    assert checks.check_change(payroll(), Decimal("1.5"))[0].detail.endswith("变动超过 150%")


def test_exclusive_programmes_asks_for_the_excluded_ones(monkeypatch):
    asked = fake_rows(monkeypatch, [(51, 9, 90, "孙八", "phase_out"), (51, 9, 90, "孙八", "near_dibao")])
    hits = checks.check_exclusive(payroll("dibao"))
    sql, params = asked[0]
    assert "e2.programme IN (%s, %s, %s, %s)" in sql
    assert params == ["extreme_poverty", "near_dibao", "phase_out", "single_person_dibao", 7]
    assert hits == [
        checks.Hit("exclusive_programmes", "person:9", 9, 90, "孙八同时享受低保渐退，按政策两者不能同时享受", [51])
    ]
    asked = fake_rows(monkeypatch)
    assert checks.check_exclusive(payroll("longevity_allowance")) == []
    assert asked == []


def test_deceased_sentence(monkeypatch):
    asked = fake_rows(monkeypatch, [(61, 3, 30, "李四", date(2025, 1, 20)), (62, 3, 30, "李四", date(2025, 1, 20))])
    hits = checks.check_deceased(payroll())
    assert asked[0][1] == [7]
    assert (
        "AND l.status <> 'cancelled' AND pr.death_date IS NOT NULL\n              AND l.month_covered > pr.death_date"
        in asked[0][0]
    )
    assert asked[1][1] == [7, "open", "resolved", "confirm_death"]
    assert "a.rule = 'death' AND (a.status = %s OR (a.status = %s AND a.outcome = %s))" in asked[1][0]
    assert "AND (a.event_date IS NULL OR l.month_covered > a.event_date)" in asked[1][0]
    assert hits == [
        checks.Hit("deceased", "person:3", 3, 30, "李四：户籍登记已于 2025-01-20 死亡，死亡次月起不应发放", [61, 62])
    ]
    assert checks._day("2025-01-20 00:00:00") == "2025-01-20"


def test_deceased_by_alerts(monkeypatch):
    """An open alert holds the payment; a confirmed one beside the registry's date makes one finding."""
    fake_rows(
        monkeypatch,
        [(82, 5, 50, "王五", date(2025, 1, 20))],
        [
            (81, 4, 40, "赵六", 901, "open", date(2025, 2, 3)),
            (82, 5, 50, "王五", 902, "resolved", date(2025, 1, 20)),
            (83, 6, 60, "钱七", 903, "open", None),
            (84, 6, 60, "钱七", 904, "open", None),
        ],
    )
    hits = {h.person_id: h for h in checks.check_deceased(payroll())}
    assert hits[4] == checks.Hit(
        "deceased",
        "person:4",
        4,
        40,
        "赵六：公安死亡登记预警（死亡日期 2025-02-03）待核查，核查处理前暂停发放，死亡次月起不应发放",
        [81],
        901,
    )
    assert hits[5].detail == (
        "王五：户籍登记已于 2025-01-20 死亡；公安死亡登记预警（死亡日期 2025-01-20）已核实确认死亡，死亡次月起不应发放"
    )
    assert (hits[5].lines, hits[5].alert_id) == ([82], 902)
    assert "未载明死亡日期" in hits[6].detail and (hits[6].lines, hits[6].alert_id) == ([83, 84], 903)
    assert hits[6].detail == "钱七：公安死亡登记预警（未载明死亡日期）待核查，核查处理前暂停发放，死亡次月起不应发放"


def test_double_payment_person_and_household(monkeypatch):
    asked = fake_rows(
        monkeypatch,
        [(71, 4, 40, "周九", 2), (None, 4, 40, "周九", 2)],
        [(72, 4, 40, 2), (73, 5, 40, 2)],
    )
    hits = checks.check_double_payment(payroll("dibao", date(2025, 3, 1)))
    m = date(2025, 3, 1)
    assert asked[0][1] == [7, "430981%", "dibao", m, m, "430981%", "dibao", m, m]
    assert asked[1][1] == [7, 7]
    assert "GROUP BY e2.person_id HAVING COUNT(*) > 1)" in asked[0][0]
    assert "AND e.start_month <= %s\n              AND (e.end_month IS NULL OR e.end_month >= %s)" in asked[0][0]
    assert "WHERE payroll_id = %s AND kind = 'normal' AND status <> 'cancelled'\n" in asked[1][0]
    assert "GROUP BY household_id HAVING COUNT(*) > 1)" in asked[1][0]
    assert hits == [
        checks.Hit(
            "double_payment",
            "person:4",
            4,
            40,
            "周九在本项目下有 2 条保障记录，本月只发放其中一条，请核实并停发多余的记录",
            [71],
        ),
        checks.Hit(
            "double_payment",
            "household:40",
            4,
            40,
            "同一家庭本月有 2 人领取最低生活保障，应只由一人代表家庭领取",
            [72, 73],
        ),
    ]
    asked = fake_rows(monkeypatch, [])  # a person's programme: no household query
    assert checks.check_double_payment(payroll("orphan")) == []
    assert len(asked) == 1


def test_accounts_sentences(monkeypatch):
    asked = fake_rows(
        monkeypatch,
        [(81, 1, 10, "甲")],
        [(82, 2, 20, "乙", "外人"), (83, 3, 30, "丙", None)],
        [(84, 4, 40, "6217000000000001234"), (85, 5, 50, "6217000000000001234"), (86, 6, 50, "6217000000000001234")],
    )
    hits = checks.check_accounts(payroll())
    assert [a[1] for a in asked] == [[7], [7], [7, 7]]
    assert "WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND l.bank_account = '' ORDER BY l.id" in asked[0][0]
    assert "AND (other.id IS NOT NULL OR pr.household_id IS NULL OR pr.household_id <> l.household_id)" in asked[1][0]
    assert "GROUP BY bank_account HAVING COUNT(DISTINCT household_id) > 1)" in asked[2][0]
    assert hits == [
        checks.Hit("no_account", "person:1", 1, 10, "甲没有登记银行账号（一卡通）", [81]),
        checks.Hit("holder_not_member", "person:2", 2, 20, "乙的账户登记在家庭以外的外人名下", [82]),
        checks.Hit("holder_not_member", "person:3", 3, 30, "丙已不是该家庭成员，账户户名与家庭不符", [83]),
        checks.Hit(
            "shared_account",
            "account:6217000000000001234",
            4,
            40,
            "同一银行账户（尾号 1234）用于 2 个不同家庭",
            [84, 85, 86],
        ),
    ]


def test_relatives_sentence(monkeypatch):
    asked = fake_rows(monkeypatch, [(91, 1, 10, "李四", "草尾镇民政办", "兄弟")])
    assert checks.check_relatives(payroll()) == [
        checks.Hit(
            "worker_relative",
            "household:10",
            1,
            10,
            "该家庭是草尾镇民政办李四的兄弟（近亲属备案），须确认已按规定核查",
            [91],
        )
    ]
    assert asked[0][1] == [7]
    assert f"JOIN {RelativeDeclaration._meta.db_table} d ON d.case_id = c.id" in asked[0][0]


def test_find_all_gives_each_check_its_policy_value_in_order(monkeypatch):
    p = payroll()
    asked = []
    monkeypatch.setattr(
        checks, "_policy_values", lambda x: asked.append(x) or (Decimal("0.2"), Decimal("4"), Decimal("700"))
    )
    seen = []

    def stub(name, result):
        def check(*args):
            seen.append((name, args))
            return [result]

        monkeypatch.setattr(checks, name, check)

    for name in ("check_deceased", "check_double_payment", "check_exclusive", "check_accounts"):
        stub(name, name)
    stub("check_amount_range", "range")
    stub("check_relatives", "relatives")
    stub("check_change", "change")
    assert checks.find_all(p) == [
        "check_deceased",
        "check_double_payment",
        "check_exclusive",
        "check_accounts",
        "range",
        "relatives",
        "change",
    ]
    assert asked == [p]
    assert seen == [
        ("check_deceased", (p,)),
        ("check_double_payment", (p,)),
        ("check_exclusive", (p,)),
        ("check_accounts", (p,)),
        ("check_amount_range", (p, Decimal("4"), Decimal("700"))),
        ("check_relatives", (p,)),
        ("check_change", (p, Decimal("0.2"))),
    ]


# ---------------------------------------------------------------- recovery


def test_months_taken_by_enrolment(monkeypatch):
    query = FakeQuery([(1, ["2025-01", "2025-02"]), (1, ["2025-03"]), (2, None)])
    monkeypatch.setattr(Recovery, "objects", query)
    assert recovery._months_taken({1, 2}) == {1: {"2025-01", "2025-02", "2025-03"}, 2: set()}
    assert query.calls == [
        ("filter", (), {"enrolment_id__in": {1, 2}}),
        ("values_list", ("enrolment_id", "months"), {}),
    ]


class FakeRecoveries:
    def __init__(self):
        self.created = []

    def bulk_create(self, objs):
        self.created = list(objs)
        return self.created


def test_overpaid_lines_become_one_recovery_per_enrolment(monkeypatch):
    def months_taken(ids):
        taken = defaultdict(set)
        if ids == {11, 12}:
            taken[11].add("2025-02")
        return taken

    monkeypatch.setattr(recovery, "_months_taken", months_taken)
    store = FakeRecoveries()
    monkeypatch.setattr(Recovery, "objects", store)
    actor = User(pk=5)
    lines = [
        {**over(2, date(2025, 5, 1), "0.00", line=9)},  # nothing overpaid: no entry, the others still made
        {**over(1, date(2025, 4, 1), "120.50", line=3)},
        {**over(1, date(2025, 2, 1), "500.00", line=1)},  # already recovered: skipped
        {**over(1, date(2025, 3, 1), "300.25", line=2)},
    ]
    made = recovery.record_overpayments(lines, reason="ended", actor=actor, note="说" * 310)
    assert made is store.created and len(made) == 1
    r = made[0]
    assert (r.person_id, r.household_id, r.enrolment_id, r.region_id, r.programme, r.reason) == (
        1,
        101,
        11,
        "430981114201",
        "dibao",
        "ended",
    )
    assert (r.from_month, r.to_month) == (date(2025, 3, 1), date(2025, 4, 1))
    assert r.months == ["2025-03", "2025-04"]
    assert r.lines == [2, 3]
    assert r.amount == Decimal("420.75")
    assert r.note == "说" * 300
    assert r.created_by_id == 5
    made = recovery.record_overpayments([over(2, date(2025, 5, 1), "10", line=4)], reason="death")
    assert made[0].created_by is None and made[0].note == "" and made[0].amount == Decimal("10.00")
    # Fifty cents overpaid is still recovered; an actor not saved (no id) is not recorded as the author.
    made = recovery.record_overpayments([over(2, date(2025, 5, 1), "0.50", line=4)], reason="death", actor=User())
    assert made[0].amount == Decimal("0.50") and made[0].created_by is None


def test_paid_after_death_counts_months_after_the_month_of_death(monkeypatch):
    query = FakeQuery([over(1, date(2025, 4, 1), line=7)])
    monkeypatch.setattr(recovery.PayrollLine, "objects", query)
    monkeypatch.setattr(recovery.transaction, "atomic", contextlib.nullcontext)
    recorded = []
    monkeypatch.setattr(recovery, "record_overpayments", lambda rows, **kw: recorded.append((rows, kw)) or ["r"])
    person = SimpleNamespace(pk=1)
    assert recovery.flag_paid_after_death(person, date(2025, 3, 31), actor="actor") == ["r"]
    assert query.calls == [
        (
            "filter",
            (),
            {
                "person_id": 1,
                "month_covered__gte": date(2025, 4, 1),
                "payroll__status__in": (PayrollStatus.APPROVED, PayrollStatus.SENT, PayrollStatus.CLOSED),
                "recovery__isnull": True,
            },
        ),
        ("exclude", (), {"status__in": (LineStatus.FAILED, LineStatus.CANCELLED)}),
        ("filter", (Q(amount__gt=0),), {}),
        (
            "values",
            ("id", "enrolment_id", "person_id", "household_id", "region_id", "programme", "month_covered", "amount"),
            {},
        ),
    ]
    assert recorded == [
        (
            [over(1, date(2025, 4, 1), line=7)],
            {"reason": "death", "actor": "actor", "note": "死亡日期 2025-03-31，其后月份的发放应追回"},
        )
    ]
    # December's death: the first month not owed is January of the next year; nothing paid: nothing recorded.
    query = FakeQuery([])
    monkeypatch.setattr(recovery.PayrollLine, "objects", query)
    recorded.clear()
    assert recovery.flag_paid_after_death(person, date(2025, 12, 1)) == []
    assert query.calls[0][2]["month_covered__gte"] == date(2026, 1, 1)
    assert recorded == []


def test_relatives_from_the_county_staff_list(monkeypatch):
    # A declared household is named once (its declaration); a listed worker in the household, and a
    # worker's declared relative, each make one finding; the list is the county's, in post that month.
    asked = fake_rows(
        monkeypatch,
        [(91, 1, 10, "李四", "草尾镇民政办", "兄弟")],
        [
            (92, 1, 10, "王五", "立新村村委会主任", "", "张三"),
            (93, 2, 20, "王五", "立新村村委会主任", "", "赵六"),
            (94, 3, 30, "王五", "立新村村委会主任", "配偶", "钱七"),
            (95, 3, 30, "王五", "立新村村委会主任", "配偶", "钱七"),
        ],
    )
    hits = checks.check_relatives(payroll(month=date(2025, 12, 1)))
    assert asked[1][1] == [7, "430981%", date(2026, 1, 1), date(2025, 12, 1)]
    sql = asked[1][0]
    assert "JOIN monitoring_staffmember s ON s.id_number = m.id_number" in sql
    assert "LEFT JOIN monitoring_staffmember w ON w.id = s.relative_of_id" in sql
    assert "WHERE l.payroll_id = %s AND l.status <> 'cancelled' AND s.region_id LIKE %s" in sql
    assert "(COALESCE(w.start_on, s.start_on) IS NULL OR COALESCE(w.start_on, s.start_on) < %s)" in sql
    assert "(COALESCE(w.end_on, s.end_on) IS NULL OR COALESCE(w.end_on, s.end_on) >= %s)" in sql
    assert hits == [
        checks.Hit(
            "worker_relative",
            "household:10",
            1,
            10,
            "该家庭是草尾镇民政办李四的兄弟（近亲属备案），须确认已按规定核查",
            [91],
        ),
        checks.Hit(
            "worker_relative",
            "household:20",
            2,
            20,
            "家庭成员赵六是立新村村委会主任（经办人员名单），须确认已按规定核查",
            [93],
        ),
        checks.Hit(
            "worker_relative",
            "household:30",
            3,
            30,
            "家庭成员钱七是立新村村委会主任王五的配偶（经办人员名单），须确认已按规定核查",
            [94, 95],
        ),
    ]

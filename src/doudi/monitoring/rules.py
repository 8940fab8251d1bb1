"""The alert rules (rules.md §8): one definition each, a SQL query both engines run unchanged.

Plain Python, no ORM. Each rule is a ``SELECT`` over the tables of a run (``engine.tables``): the
registry extract (``persons``, ``households``, ``enrolled``, ``relatives`` …), one table per
department feed (``feed_<code>``: the current batches' rows of persons found in the registry, with
``batch_id`` and ``row_number``), the per-county parameters (``params``, ``milestones``,
``exempt_vehicles``) read from the policy in force on the run's date, and what ``engine.PRELUDE``
derives from them once for every rule: ``who`` (each person with what the rules ask of them) and its
filters ``beneficiaries``, ``means_beneficiaries``, ``monitored_persons``; ``medical_totals`` and
``medical_rows`` (the medical feed read twice in all). A rule whose feeds have no current batch is
not run (``services.run.compute``): it could find nothing. The SQL keeps to what DuckDB and Spark
SQL read alike: joins, ``EXISTS``, window functions, ``CASE``, ``concat``/``substr``/``CAST`` and
date literals; dates are compared, never subtracted, and ages are compared as ``yyyymmdd`` integers
(a 29 February birthday falls between 28 February and 1 March, as in ``policy.engine``).

Every rule returns the signal columns ``SIGNAL_COLUMNS``: one row per piece of evidence. The
alerts are the signals grouped by (rule, person or household, ``fact``) in ``engine.collapse``;
``fact`` names what was seen (a number plate, a tax year, an age), so a second car is a new alert
and the same car seen again is not.
"""

from __future__ import annotations

from dataclasses import dataclass

from doudi.policy.engine.parameters import MONITORING_RULE_LABELS

# Household programmes whose enrolment covers every member listed in ``covered``.
MEANS_TESTED = ("dibao", "single_person_dibao", "phase_out", "extreme_poverty", "near_dibao", "rigid_expense")
# Programmes one person may not hold at once (rules.md §2.1: a tekun member is not counted in the
# dibao household; §3.1: near-dibao and rigid-expense are for households outside dibao and tekun;
# §6: an orphan is not also a de-facto orphan). [U] for the pairs not named in national text.
EXCLUSIVE_PAIRS = (
    ("dibao", "extreme_poverty"),
    ("dibao", "near_dibao"),
    ("dibao", "rigid_expense"),
    ("extreme_poverty", "near_dibao"),
    ("extreme_poverty", "rigid_expense"),
    ("orphan", "de_facto_orphan"),
)
# Programmes that are one benefit for the duplicate check (a phase-out is still dibao).
PROGRAMME_FAMILY = {"single_person_dibao": "dibao", "phase_out": "dibao"}

SIGNAL_COLUMNS = (
    ("person_id", "BIGINT"),
    ("household_id", "BIGINT"),
    ("region_code", "STRING"),
    ("county_code", "STRING"),
    ("fact", "STRING"),
    ("event_date", "DATE"),
    ("batch_id", "BIGINT"),
    ("row_number", "BIGINT"),
    ("detail", "STRING"),
    ("amount", "DECIMAL(18,2)"),
)


@dataclass(frozen=True)
class Rule:
    code: str
    alert_class: str  # monitoring.models.AlertClass
    severity: str  # monitoring.models.Severity
    level: str  # "person": one alert per person and fact; "household": per household and fact
    feeds: tuple[str, ...]  # department feeds read; without a current batch the rule neither opens nor clears
    sql: str
    action: str  # what the township is expected to do (docs/alerts.md)

    @property
    def label(self) -> str:
        return MONITORING_RULE_LABELS[self.code]


def _latest(feed: str, key: str) -> str:
    """Return a query of ``feed`` keeping one row per person and ``key`` (the latest batch's)."""
    return (
        f"(SELECT * FROM (SELECT f.*, ROW_NUMBER() OVER (PARTITION BY f.person_id, {key} "
        f"ORDER BY f.batch_id DESC, f.row_number) AS dup FROM {feed} f) d WHERE d.dup = 1)"
    )


_NO_AMOUNT = "CAST(NULL AS DECIMAL(18,2)) AS amount"

# What a rule's ``amount`` is, as the alert's summary names it ("…，认缴出资额 500,000.00 元"); a rule whose
# evidence already states its amount (the poverty-watch income) or that has none is not listed.
AMOUNT_LABELS = {
    "business": "认缴出资额",
    "tax_income": "年收入额",
    "medical_cost": "12个月个人自付合计",
    "hospital_stay": "本次个人自付",
    "unemployment": "每月失业保险金",
}
_NO_EVENT = "CAST(NULL AS DATE) AS event_date"
_NO_ROW = "CAST(NULL AS BIGINT) AS batch_id, CAST(NULL AS BIGINT) AS row_number"
_WHO = "b.person_id, b.household_id, b.region_code, b.county_code"

RULES: tuple[Rule, ...] = (
    Rule(
        "death",
        "status_change",
        "high",
        "person",
        ("death",),
        f"""
        SELECT {_WHO}, 'death' AS fact, f.death_date AS event_date, f.batch_id, f.row_number,
               concat('公安死亡登记：', CAST(f.death_date AS STRING)) AS detail, {_NO_AMOUNT}
        FROM feed_death f
        JOIN beneficiaries b ON b.person_id = f.person_id
        JOIN params p ON p.county_code = b.county_code
        WHERE f.death_date <= p.on_date
        """,
        "核实后确认死亡：自死亡次月起停发，死亡后已发金额列入追缴；家庭其他成员启动变更。",
    ),
    Rule(
        "vehicle",
        "status_change",
        "medium",
        "person",
        ("vehicle",),
        f"""
        SELECT person_id, household_id, region_code, county_code, fact, event_date, batch_id, row_number, detail,
               {_NO_AMOUNT}
        FROM (
          SELECT {_WHO}, f.plate AS fact, f.registered_on AS event_date, f.batch_id, f.row_number,
                 concat('机动车 ', f.plate, '（', f.vehicle_type, '），', CAST(f.registered_on AS STRING), ' 注册登记')
                   AS detail,
                 ROW_NUMBER() OVER (PARTITION BY b.household_id ORDER BY f.registered_on, f.plate) AS nth,
                 p.max_vehicles
          FROM {_latest("feed_vehicle", "f.plate")} f
          JOIN means_beneficiaries b ON b.person_id = f.person_id
          JOIN params p ON p.county_code = b.county_code
          WHERE (f.status IS NULL OR f.status IN ('正常', '')) AND f.registered_on <= p.on_date
            AND NOT EXISTS (SELECT 1 FROM exempt_vehicles x
                            WHERE x.county_code = b.county_code AND x.vehicle_type = f.vehicle_type)
        ) v
        WHERE nth > max_vehicles
        """,
        "重新核对家庭财产，不再符合条件的启动变更（调整或停止救助）。",
    ),
    Rule(
        "property",
        "status_change",
        "medium",
        "person",
        ("property",),
        f"""
        SELECT person_id, household_id, region_code, county_code, fact, event_date, batch_id, row_number, detail,
               {_NO_AMOUNT}
        FROM (
          SELECT {_WHO}, f.certificate AS fact, f.registered_on AS event_date, f.batch_id, f.row_number,
                 concat('住宅 ', f.address, '（', f.certificate, '，', CAST(f.area AS STRING), ' 平方米），',
                        CAST(f.registered_on AS STRING), ' 登记') AS detail,
                 ROW_NUMBER() OVER (PARTITION BY b.household_id ORDER BY f.registered_on, f.certificate) AS nth,
                 p.max_homes
          FROM {_latest("feed_property", "f.certificate")} f
          JOIN means_beneficiaries b ON b.person_id = f.person_id
          JOIN params p ON p.county_code = b.county_code
          WHERE f.usage = '住宅' AND f.registered_on <= p.on_date
        ) v
        WHERE nth > max_homes
        """,
        "重新核对家庭财产，不再符合条件的启动变更。",
    ),
    Rule(
        "business",
        "status_change",
        "medium",
        "person",
        ("business",),
        f"""
        SELECT {_WHO}, f.credit_code AS fact, f.established_on AS event_date, f.batch_id, f.row_number,
               concat(f.role, '：', f.business_name, '（', f.credit_code, '）') AS detail,
               CAST(f.capital AS DECIMAL(18,2)) AS amount
        FROM {_latest("feed_business", "f.credit_code")} f
        JOIN means_beneficiaries b ON b.person_id = f.person_id
        JOIN params p ON p.county_code = b.county_code
        WHERE (f.status IS NULL OR f.status IN ('存续', '在业', '开业', ''))
          AND COALESCE(f.capital, 0) >= p.business_capital
        """,
        "核实经营收入和出资，重新核对家庭经济状况。",
    ),
    Rule(
        "tax_income",
        "status_change",
        "medium",
        "person",
        ("tax",),
        f"""
        SELECT {_WHO}, CAST(f.tax_year AS STRING) AS fact, {_NO_EVENT}, f.batch_id, f.row_number,
               concat(CAST(f.tax_year AS STRING), ' 年度收入') AS detail, CAST(f.income AS DECIMAL(18,2)) AS amount
        FROM {_latest("feed_tax", "f.tax_year")} f
        JOIN means_beneficiaries b ON b.person_id = f.person_id
        JOIN params p ON p.county_code = b.county_code
        WHERE f.income > p.annual_income
        """,
        "重新核算家庭收入，超过标准的启动变更（渐退或停发）。",
    ),
    Rule(
        "medical_cost",
        "discovery",
        "high",
        "person",
        ("medical",),
        f"""
        SELECT {_WHO}, CAST(year(p.on_date) AS STRING) AS fact, f.settled_on AS event_date, f.batch_id,
               f.row_number,
               concat(f.visit_type, '结算 ', CAST(f.settled_on AS STRING), '，个人自付 ',
                      format_number(f.out_of_pocket, 2), ' 元') AS detail,
               t.total AS amount
        FROM medical_totals t  -- engine.PRELUDE: the 12-month totals over the lowest threshold
        JOIN monitored_persons b ON b.person_id = t.person_id
        JOIN params p ON p.county_code = b.county_code
        JOIN medical_rows f ON f.person_id = t.person_id
        WHERE t.total > p.medical_out_of_pocket AND f.settled_on > p.medical_from AND f.settled_on <= p.on_date
        """,
        "上门核实：可能符合刚性支出困难家庭、支出型临时救助或单人户低保。",
    ),
    Rule(
        "hospital_stay",
        "discovery",
        "medium",
        "person",
        ("medical",),
        f"""
        SELECT {_WHO}, CAST(COALESCE(f.admitted_on, f.settled_on) AS STRING) AS fact,
               COALESCE(f.admitted_on, f.settled_on) AS event_date, f.batch_id, f.row_number,
               concat('住院 ', CAST(f.hospital_days AS STRING), ' 天（', COALESCE(f.hospital, ''), '）') AS detail,
               CAST(f.out_of_pocket AS DECIMAL(18,2)) AS amount
        FROM medical_rows f  -- engine.PRELUDE: the stays longer than the shortest limit (and the costly rows)
        JOIN monitored_persons b ON b.person_id = f.person_id
        JOIN params p ON p.county_code = b.county_code
        WHERE f.hospital_days > p.hospital_days AND f.settled_on <= p.on_date
        """,
        "上门核实照护和支出情况，按需给予临时救助或转介。",
    ),
    Rule(
        "disability_new",
        "unmet_need",
        "medium",
        "person",
        ("disability",),
        f"""
        SELECT {_WHO}, concat('care:', f.card_number) AS fact, f.issued_on AS event_date, f.batch_id, f.row_number,
               concat('残疾人证 ', CAST(f.grade AS STRING), ' 级',
                      CASE WHEN f.needs_care THEN '，需长期照护' ELSE '' END, '，未享受重度残疾人护理补贴') AS detail,
               {_NO_AMOUNT}
        FROM {_latest("feed_disability", "f.card_number")} f
        JOIN monitored_persons b ON b.person_id = f.person_id
        JOIN params p ON p.county_code = b.county_code
        WHERE (f.grade <= 2 OR f.needs_care) AND f.issued_on <= p.on_date
          AND NOT EXISTS (SELECT 1 FROM enrolled e
                          WHERE e.person_id = f.person_id AND e.programme = 'disability_care_subsidy')
        UNION ALL
        SELECT {_WHO}, concat('living:', f.card_number) AS fact, f.issued_on AS event_date, f.batch_id, f.row_number,
               concat('残疾人证 ', CAST(f.grade AS STRING), ' 级，低保家庭成员，未享受困难残疾人生活补贴') AS detail,
               {_NO_AMOUNT}
        FROM {_latest("feed_disability", "f.card_number")} f
        JOIN monitored_persons b ON b.person_id = f.person_id
        JOIN params p ON p.county_code = b.county_code
        WHERE f.issued_on <= p.on_date
          AND EXISTS (SELECT 1 FROM enrolled e WHERE e.household_id = b.household_id
                      AND e.programme IN ('dibao', 'single_person_dibao', 'phase_out'))
          AND NOT EXISTS (SELECT 1 FROM enrolled e
                          WHERE e.person_id = f.person_id AND e.programme = 'disability_living_subsidy')
        """,
        "告知并协助申请残疾人两项补贴。",
    ),
    Rule(
        "unemployment",
        "discovery",
        "medium",
        "person",
        ("unemployment",),
        f"""
        SELECT {_WHO}, CAST(f.registered_on AS STRING) AS fact, f.registered_on AS event_date, f.batch_id,
               f.row_number, concat('失业登记 ', CAST(f.registered_on AS STRING)) AS detail,
               CAST(f.benefit AS DECIMAL(18,2)) AS amount
        FROM {_latest("feed_unemployment", "f.registered_on")} f
        JOIN who b ON b.person_id = f.person_id
        JOIN params p ON p.county_code = b.county_code
        WHERE b.monitored AND f.registered_on <= p.on_date AND (f.ended_on IS NULL OR f.ended_on > p.on_date)
          AND b.birth_key + p.working_age_from * 10000 <= p.on_key
          AND b.birth_key + p.working_age_to * 10000 > p.on_key
        """,
        "核实收入变化，按需调整救助、给予临时救助或转介就业服务。",
    ),
    Rule(
        "age_milestone",
        "policy",
        "low",
        "person",
        (),
        f"""
        SELECT {_WHO}, CAST(m.age AS STRING) AS fact, {_NO_EVENT}, {_NO_ROW},
               concat('将于 ', substr(CAST(b.birth_key + m.age * 10000 AS STRING), 1, 4), '-',
                      substr(CAST(b.birth_key + m.age * 10000 AS STRING), 5, 2), '-',
                      substr(CAST(b.birth_key + m.age * 10000 AS STRING), 7, 2), ' 年满 ',
                      CAST(m.age AS STRING), ' 周岁') AS detail, {_NO_AMOUNT}
        FROM who b
        JOIN (
          -- The birth dates (yyyymmdd) reaching each age between the run's date and the days ahead.
          SELECT m.county_code, m.age, p.on_key - m.age * 10000 AS born_from, p.ahead_key - m.age * 10000 AS born_to
          FROM milestones m JOIN params p ON p.county_code = m.county_code
        ) m ON m.county_code = b.county_code
        WHERE b.beneficiary AND b.birth_key >= m.born_from AND b.birth_key <= m.born_to
        """,
        "按年龄节点办理：儿童保障到期、特困或高龄津贴档次变化（与到期任务 run_case_tasks 相互印证）。",
    ),
    Rule(
        "poverty_watch_unassisted",
        "unmet_need",
        "high",
        "household",
        ("poverty_watch",),
        """
        SELECT pe.person_id, pe.household_id, pe.region_code, pe.county_code,
               CAST(f.identified_on AS STRING) AS fact, f.identified_on AS event_date, f.batch_id, f.row_number,
               concat('防止返贫监测对象（', f.risk_type, '），家庭年人均纯收入 ',
                      format_number(f.per_capita_income, 2), ' 元，未享受救助') AS detail,
               CAST(f.per_capita_income AS DECIMAL(18,2)) AS amount
        FROM feed_poverty_watch f
        JOIN persons pe ON pe.person_id = f.person_id
        JOIN params p ON p.county_code = pe.county_code
        WHERE (f.risk_removed IS NULL OR NOT f.risk_removed) AND f.identified_on <= p.on_date
          AND f.per_capita_income < CASE WHEN pe.area_type = 'urban' THEN p.near_dibao_urban_year
                                         ELSE p.near_dibao_rural_year END
          AND NOT EXISTS (SELECT 1 FROM enrolled e WHERE e.household_id = pe.household_id)
        """,
        "上门核实：收入低于低保边缘标准，按一次申请、分类认定办理救助申请。",
    ),
    Rule(
        "duplicate_programme",
        "policy",
        "high",
        "person",
        (),
        f"""
        SELECT pe.person_id, pe.household_id, pe.region_code, pe.county_code,
               CASE WHEN a.family = b.family THEN concat(a.family, '@', a.region_code, '+', b.region_code)
                    ELSE concat(a.family, '+', b.family) END AS fact,
               {_NO_EVENT}, {_NO_ROW},
               concat(a.programme_label, '（', a.region_code, '）与', b.programme_label, '（', b.region_code,
                      '）同时享受') AS detail, {_NO_AMOUNT}
        FROM (
          -- Only the persons with two enrolments or more can hold two at once (most hold one).
          SELECT e.* FROM enrolled_all e
          WHERE e.person_id IN (SELECT person_id FROM who WHERE enrolments > 1)
        ) a
        JOIN enrolled_all b ON b.person_id = a.person_id AND b.enrolment_id > a.enrolment_id
        JOIN persons pe ON pe.person_id = a.person_id
        WHERE a.family = b.family
           OR EXISTS (SELECT 1 FROM exclusive_pairs x
                      WHERE (x.one = a.family AND x.other = b.family) OR (x.one = b.family AND x.other = a.family))
        """,
        "核实并停发其中不应享受的一项，已多发的金额追缴。",
    ),
    Rule(
        "hukou_out",
        "status_change",
        "medium",
        "person",
        ("hukou_out",),
        f"""
        SELECT {_WHO}, CAST(f.move_date AS STRING) AS fact, f.move_date AS event_date, f.batch_id, f.row_number,
               concat('户口迁出 ', CAST(f.move_date AS STRING), '，迁往 ', COALESCE(f.to_region, '（未填）'), ' ',
                      COALESCE(f.to_address, '')) AS detail, {_NO_AMOUNT}
        FROM feed_hukou_out f
        JOIN beneficiaries b ON b.person_id = f.person_id
        JOIN params p ON p.county_code = b.county_code
        WHERE f.move_date <= p.on_date
          AND (f.to_region IS NULL OR substr(f.to_region, 1, 6) <> substr(b.county_code, 1, 6))
        """,
        "核实是否仍在本地居住，按户籍和居住地规定启动变更或转移。",
    ),
    Rule(
        "staff_relative",
        "policy",
        "medium",
        "household",
        (),
        f"""
        SELECT CAST(NULL AS BIGINT) AS person_id, h.household_id, h.region_code, h.county_code,
               concat('decl:', CAST(r.declaration_id AS STRING)) AS fact, r.declared_on AS event_date, {_NO_ROW},
               concat('近亲属备案：', r.staff_position, ' ', r.staff_name, '（', r.relation, '）',
                      CASE WHEN r.irregular THEN '，县级核查发现违规' ELSE '，尚未县级入户核查' END) AS detail,
               {_NO_AMOUNT}
        FROM relatives r
        JOIN households h ON h.household_id = r.household_id
        JOIN params p ON p.county_code = h.county_code
        WHERE (r.status = 'declared' OR r.irregular)
          AND EXISTS (SELECT 1 FROM enrolled e WHERE e.household_id = r.household_id)
        UNION ALL
        SELECT pe.person_id, pe.household_id, pe.region_code, pe.county_code,
               concat('staff:', CAST(s.staff_id AS STRING)) AS fact, s.start_on AS event_date, {_NO_ROW},
               CASE WHEN s.relation = '' THEN concat('经办人员名单：', s.post, ' ', s.worker_name, ' 本人是家庭成员')
                    ELSE concat('经办人员名单：', s.post, ' ', s.worker_name, '的', s.relation, ' ', s.member_name,
                                ' 是家庭成员') END AS detail,
               {_NO_AMOUNT}
        FROM staff_matches s
        JOIN persons pe ON pe.person_id = s.person_id
        WHERE EXISTS (SELECT 1 FROM enrolled e WHERE e.household_id = pe.household_id)
        """,
        "县级入户核查备案近亲属家庭和名单上工作人员（或其近亲属）所在家庭，违规的停发并追缴。",
    ),
)

RULE_BY_CODE: dict[str, Rule] = {r.code: r for r in RULES}


def wrapped(rule: Rule) -> str:
    """Return the rule's query with the signal columns typed alike and only counties where it is enabled."""
    columns = ", ".join(f"CAST(s.{name} AS {kind}) AS {name}" for name, kind in SIGNAL_COLUMNS)
    return (
        f"SELECT '{rule.code}' AS rule, {columns} FROM ({rule.sql}) s "
        f"JOIN params q ON q.county_code = s.county_code WHERE q.on_{rule.code}"
    )

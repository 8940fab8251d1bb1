"""A month of synthetic department feeds for a demo county, with a known share of anomalies.

Every registered person of the county gets the ordinary rows a real month would hold (pensions for the
elderly, modest wages for some working-age people, a home, a motorcycle now and then). A share of the people
(``anomaly_share``, default 5 %) is split evenly over the anomaly kinds below, each a fact the verification
reports and the monitoring rules must find: a death, a car, a business with large capital, high wages, high
taxed income, provident-fund deposits, a long hospital stay with high out-of-pocket costs, a new severe
disability card with a need for long-term care, unemployment registration, a hukou moved out, a second
(commercial) property, and a 防止返贫 household with low income. The files are written as CSV (GBK for
two departments, as many bureaus send) and loaded through the ordinary loader, so they are ordinary batches.
"""
# ruff: noqa: E501 - one synthetic row per statement reads best

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from doudi.regions.models import pad_code
from doudi.verification.feeds.schemas import SCHEMAS

ANOMALIES = (
    "death", "vehicle", "business", "employment", "tax", "provident_fund", "medical", "disability",
    "unemployment", "hukou_out", "property", "poverty_watch",
)  # fmt: skip
GBK_FEEDS = ("death", "medical")


@dataclass
class DemoFeeds:
    period: str
    batches: dict[str, int] = field(default_factory=dict)  # department → batch id
    rows: dict[str, int] = field(default_factory=dict)
    anomalies: dict[str, list[str]] = field(default_factory=dict)  # kind → ID numbers

    def summary(self) -> str:
        total = sum(len(v) for v in self.anomalies.values())
        parts = "、".join(f"{SCHEMAS[k].title} {len(v)}" for k, v in self.anomalies.items() if v)
        return (
            f"已生成 {self.period} 部门数据 {len(self.batches)} 类、共 {sum(self.rows.values()):,} 行，"
            f"其中异常 {total} 人（{parts}）。"
        )


def _months_before(period: str, n: int) -> list[str]:
    year, month = int(period[:4]), int(period[5:7])
    out = []
    for _ in range(n):
        out.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(out))


def _age(birth: date, on: date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def build_rows(people: list[tuple[str, str, date]], *, period: str, anomaly_share: float, seed: int):
    """Return ({department: [row]}, {anomaly kind: [id_number]}) for ``people`` = [(id_number, name, birth)]."""
    rng = random.Random(seed)
    year, month = int(period[:4]), int(period[5:7])
    on = date(year, month, 28)
    rows: dict[str, list[dict]] = {code: [] for code in SCHEMAS}
    shuffled = list(people)
    rng.shuffle(shuffled)
    n_anomalies = round(len(people) * anomaly_share)
    per_kind = max(n_anomalies // len(ANOMALIES), 1) if n_anomalies else 0
    chosen: dict[str, list[tuple[str, str, date]]] = {}
    pool = [p for p in shuffled if 18 <= _age(p[2], on) < 60]  # working-age people carry most anomalies
    working = {p[0] for p in pool}
    others = [p for p in shuffled if p[0] not in working]
    for kind in ANOMALIES:
        source = others if kind in ("death", "disability") and others else pool
        chosen[kind] = [source.pop() for _ in range(min(per_kind, len(source)))]
    months12 = _months_before(period, 12)
    day = f"{period}-10"
    # Ordinary rows.
    for id_number, name, birth in people:
        age = _age(birth, on)
        person = {"id_number": id_number, "name": name}
        if age >= 60:
            rows["pension"].append({**person, "month": period, "pension_type": "城乡居民", "amount": "238.00",
                                    "basic_amount": "183.00"})  # fmt: skip
        if 18 <= age < 60 and rng.random() < 0.15:
            for m in months12[-3:]:
                rows["employment"].append({**person, "month": m, "employer": "沅江市某农业合作社", "wage": "600.00"})
        if age >= 18 and rng.random() < 0.25:
            rows["property"].append({**person, "certificate": f"湘沅不动产权第{rng.randint(100000, 999999)}号",
                                     "address": "村组自建房", "usage": "住宅", "area": "96.00", "share": "100",
                                     "registered_on": "2016-05-01"})  # fmt: skip
        if 18 <= age < 70 and rng.random() < 0.04:
            rows["vehicle"].append({**person, "plate": f"湘H·M{rng.randint(1000, 9999)}", "vehicle_type": "普通二轮摩托车",
                                    "registered_on": "2019-03-01", "status": "正常", "price": "4500"})  # fmt: skip
    # Anomalies.
    for id_number, name, _ in chosen["death"]:
        rows["death"].append({"id_number": id_number, "name": name, "death_date": day, "cause": "死亡"})
    for id_number, name, _ in chosen["vehicle"]:
        rows["vehicle"].append({"id_number": id_number, "name": name, "plate": f"湘H·{rng.randint(10000, 99999)}",
                                "vehicle_type": "小型汽车", "registered_on": day, "status": "正常", "price": "98000"})  # fmt: skip
    for id_number, name, _ in chosen["business"]:
        rows["business"].append({"id_number": id_number, "name": name, "credit_code": "91430981MA4L00000X",
                                 "business_name": f"沅江市{name}商贸有限公司", "role": "股东", "capital": "300000",
                                 "share": "60", "established_on": day, "status": "存续"})  # fmt: skip
    for id_number, name, _ in chosen["employment"]:
        for m in months12:
            rows["employment"].append({"id_number": id_number, "name": name, "month": m,
                                       "employer": "益阳市某建筑有限公司", "wage": "6800.00"})  # fmt: skip
    for id_number, name, _ in chosen["tax"]:
        rows["tax"].append({"id_number": id_number, "name": name, "tax_year": str(year - 1), "income": "126000.00",
                            "tax_paid": "3580.00"})  # fmt: skip
    for id_number, name, _ in chosen["provident_fund"]:
        rows["provident_fund"].append({"id_number": id_number, "name": name, "month": period,
                                       "employer": "益阳市某国有企业", "monthly_deposit": "960.00",
                                       "balance": "23040.00"})  # fmt: skip
    for id_number, name, _ in chosen["medical"]:
        admitted = date(year, month, 1)
        rows["medical"].append({"id_number": id_number, "name": name, "settled_on": day, "visit_type": "住院",
                                "admitted_on": admitted.isoformat(),
                                "discharged_on": (admitted + timedelta(days=24)).isoformat(), "hospital_days": "24",
                                "total_cost": "98000.00", "out_of_pocket": "36500.00",
                                "hospital": "益阳市中心医院"})  # fmt: skip
    for id_number, name, _ in chosen["disability"]:
        rows["disability"].append({"id_number": id_number, "name": name, "card_number": f"{id_number}11",
                                   "category": "肢体", "grade": "1", "issued_on": day, "needs_care": "是"})  # fmt: skip
    for id_number, name, _ in chosen["unemployment"]:
        rows["unemployment"].append({"id_number": id_number, "name": name, "registered_on": day, "benefit": "1530.00"})
    for id_number, name, _ in chosen["hukou_out"]:
        rows["hukou_out"].append({"id_number": id_number, "name": name, "move_date": day, "to_region": "440305",
                                  "to_address": "广东省深圳市南山区"})  # fmt: skip
    for id_number, name, _ in chosen["property"]:
        for usage, area in (("住宅", "128.00"), ("商业", "60.00")):
            rows["property"].append({"id_number": id_number, "name": name,
                                     "certificate": f"湘沅不动产权第{rng.randint(100000, 999999)}号",
                                     "address": "琼湖街道商业街", "usage": usage, "area": area, "share": "100",
                                     "registered_on": day})  # fmt: skip
    for id_number, name, _ in chosen["poverty_watch"]:
        rows["poverty_watch"].append({"id_number": id_number, "name": name, "head_id_number": id_number,
                                      "identified_on": day, "risk_type": "因病", "per_capita_income": "3200.00",
                                      "risk_removed": "否"})  # fmt: skip
    return rows, {k: [p[0] for p in v] for k, v in chosen.items()}


def write_csv(path: Path, department: str, rows: list[dict], encoding: str = "utf-8-sig") -> None:
    schema = SCHEMAS[department]
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([c.header for c in schema.columns])
        for row in rows:
            writer.writerow([row.get(c.code, "") for c in schema.columns])


def write_demo_feeds(
    county: str, *, period: str, anomaly_share: float = 0.05, seed: int = 2025, out_dir: Path | None = None
) -> DemoFeeds:
    """Write and load one month of every department feed for ``county``'s registered people."""
    from doudi.registry.models import Person
    from doudi.verification.feeds.loading import load_feed

    prefix = county[:6]
    people = list(
        Person.objects.filter(household__region__code__startswith=prefix, death_date__isnull=True)
        .order_by("pk")
        .values_list("id_number", "name", "birth_date")
    )
    rows, anomalies = build_rows(people, period=period, anomaly_share=anomaly_share, seed=seed)
    result = DemoFeeds(period=period, anomalies=anomalies)
    with tempfile.TemporaryDirectory(prefix="doudi-feeds-") as tmp:
        folder = Path(out_dir or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for department, department_rows in rows.items():
            if not department_rows:
                continue
            path = folder / f"{department}-{period}.csv"
            write_csv(path, department, department_rows, "gbk" if department in GBK_FEEDS else "utf-8-sig")
            loaded = load_feed(
                None, path, file_name=path.name, department=department, period=period,
                region_code=pad_code(prefix), channel="demo",
            )  # fmt: skip
            result.batches[department] = loaded.batch.pk
            result.rows[department] = loaded.batch.good_count
    return result

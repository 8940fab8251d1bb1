"""Loading department files: formats, encodings, bad rows, idempotence, superseding and region scope."""

from __future__ import annotations

import io
from datetime import date

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from doudi.core.errors import DomainError
from doudi.registry.tests.factories import household, id_number
from doudi.verification.feeds.loading import load_feed
from doudi.verification.feeds.schemas import SCHEMAS
from doudi.verification.feeds.selectors import current_batches
from doudi.verification.models import BatchStatus, FeedBatch, FeedMapping, FeedRowError
from doudi.verification.tests.helpers import csv_bytes, xlsx_bytes

TODAY = date(2026, 3, 15)


def _rows(parquet) -> list[dict]:
    return duckdb.sql(f"SELECT * FROM read_parquet('{parquet}') ORDER BY row_number").to_arrow_table().to_pylist()


def _load(user, data, name="death.csv", department="death", period="2026-02", **kw):
    return load_feed(user, data, file_name=name, department=department, period=period, today=TODAY, **kw)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_every_encoding_keeps_chinese_text(users, encoding):
    ident = id_number(date(1950, 1, 2))
    data = csv_bytes("death", [{"id_number": ident, "name": "王老汉", "death_date": "2026-02-03"}], encoding=encoding)
    result = _load(users["county_reviewer"], data)
    batch = result.batch
    assert (batch.row_count, batch.good_count, batch.bad_count) == (1, 1, 0)
    rows = _rows(batch.parquet_file)
    assert rows[0]["name"] == "王老汉"
    assert rows[0]["death_date"] == date(2026, 2, 3)
    assert rows[0]["row_number"] == 2 and rows[0]["batch_id"] == batch.pk
    assert rows[0]["region_code"] == "430981000000"  # not registered: the batch's county
    assert list(rows[0])[: len(SCHEMAS["death"].columns)] == SCHEMAS["death"].column_codes


def test_gbk_file_is_not_read_as_utf8_mojibake(users):
    data = csv_bytes("death", [{"id_number": id_number(), "name": "张三", "death_date": "2026-02-01"}], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    batch = _load(users["county_reviewer"], data).batch
    assert batch.encoding == "GBK/GB18030"
    assert _rows(batch.parquet_file)[0]["name"] == "张三"


def test_mojibake_headers_refuse_the_file_and_mention_the_encoding(users):
    text = csv_bytes("death", [{"id_number": id_number(), "name": "张三", "death_date": "2026-02-01"}])
    garbled = text.decode("utf-8").encode("utf-8").decode("latin-1").encode("utf-8")  # UTF-8 text saved twice
    with pytest.raises(DomainError) as exc:
        _load(users["county_reviewer"], garbled)
    assert "缺少必填列" in exc.value.message and "编码" in exc.value.message
    assert FeedBatch.objects.count() == 0


def test_bad_rows_are_set_aside_with_row_column_and_reason(users):
    rows = [
        {"id_number": id_number(), "name": "甲", "death_date": "2026-02-01"},
        {"id_number": "430981198005170000", "name": "乙", "death_date": "2026-02-01"},  # checksum
        {"id_number": id_number(), "name": "丙", "death_date": "2026-02-30"},  # no such day
        {"id_number": id_number(), "name": "", "death_date": "2026/2/5"},  # name required
    ]
    batch = _load(users["county_reviewer"], csv_bytes("death", rows)).batch
    assert (batch.row_count, batch.good_count, batch.bad_count) == (4, 1, 3)
    errors = list(FeedRowError.objects.filter(batch=batch).values_list("row_number", "column", "reason"))
    assert errors[0][0] == 3 and errors[0][1] == "公民身份号码" and "校验" in errors[0][2]
    assert errors[1][:2] == (4, "死亡日期") and "不是有效的日期" in errors[1][2]
    assert errors[2][:2] == (5, "姓名") and "不能为空" in errors[2][2]
    kept = _rows(batch.parquet_file)
    assert [r["row_number"] for r in kept] == [2]  # row 5 has an empty name


@pytest.mark.parametrize(
    ("value", "ok"),
    [("1,234.50", True), ("¥800", True), ("12.345", False), ("-5", False), ("abc", False), ("", False)],
)
def test_amounts(users, value, ok):
    row = {"id_number": id_number(), "name": "甲", "tax_year": "2025", "income": value}
    batch = _load(users["county_reviewer"], csv_bytes("tax", [row]), department="tax").batch
    assert batch.good_count == (1 if ok else 0)
    if not ok:
        assert FeedRowError.objects.get(batch=batch).column == "年收入额"


def test_missing_required_column_refuses_the_whole_file(users):
    data = f"公民身份号码,姓名,死亡时间\n{id_number()},甲,2026-02-01\n".encode()
    with pytest.raises(DomainError) as exc:
        _load(users["county_reviewer"], data)
    assert "缺少必填列“死亡日期”" in exc.value.message and "死亡时间" in exc.value.message
    assert FeedBatch.objects.count() == 0


def test_unknown_columns_are_reported_and_ignored(users):
    data = f"序号,公民身份号码,姓名,死亡日期\n1,{id_number()},甲,2026-02-01\n".encode()
    result = _load(users["county_reviewer"], data)
    assert result.ignored_headers == ("序号",)
    assert FeedRowError.objects.filter(batch=result.batch, row_number=1, column="序号").exists()
    assert result.batch.good_count == 1 and result.batch.bad_count == 0


def test_mapping_of_a_bureau_column_names(users, regions):
    FeedMapping.objects.create(
        region=regions["yuanjiang"], department="death", columns={"身份证号": "id_number", "死亡时间": "death_date"}
    )
    data = f"身份证号,姓名,死亡时间\n{id_number()},甲,2026-02-01\n".encode()
    batch = _load(users["county_reviewer"], data).batch
    assert batch.good_count == 1 and batch.mapping["死亡时间"] == "death_date"


def test_wrong_width_row_is_set_aside(users):
    a, b, c = id_number(), id_number(), id_number()
    data = f"公民身份号码,姓名,死亡日期\n{a},甲,2026-02-01\n{b},乙\n\n{c},丙,2026-02-02\n".encode()
    batch = _load(users["county_reviewer"], data).batch
    assert (batch.good_count, batch.bad_count) == (2, 1)
    assert [r["row_number"] for r in _rows(batch.parquet_file)] == [2, 5]
    assert FeedRowError.objects.get(batch=batch).row_number == 3


def test_xlsx_and_truncated_xlsx(users):
    rows = [{"id_number": id_number(), "name": "甲", "card_number": "C1", "category": "肢体", "grade": 1,
             "issued_on": date(2025, 6, 1), "needs_care": "是"}]  # fmt: skip
    data = xlsx_bytes("disability", rows)
    batch = _load(users["county_reviewer"], data, name="残联.xlsx", department="disability").batch
    row = _rows(batch.parquet_file)[0]
    assert (row["grade"], row["needs_care"], row["issued_on"]) == (1, True, date(2025, 6, 1))
    with pytest.raises(DomainError) as exc:
        _load(users["county_reviewer"], data[: len(data) // 2], name="残联2.xlsx", department="disability")
    assert "XLSX" in exc.value.message
    assert FeedBatch.objects.count() == 1


def test_parquet_input(users):
    table = pa.table({"公民身份号码": [id_number()], "姓名": ["甲"], "纳税年度": [2025], "年收入额": [52000.5]})
    out = io.BytesIO()
    pq.write_table(table, out)
    batch = _load(users["county_reviewer"], out.getvalue(), name="tax.parquet", department="tax").batch
    row = _rows(batch.parquet_file)[0]
    assert (row["tax_year"], str(row["income"])) == (2025, "52000.50")


def test_same_file_twice_changes_nothing_and_a_later_batch_supersedes(users):
    user = users["county_reviewer"]
    first = csv_bytes("death", [{"id_number": id_number(), "name": "甲", "death_date": "2026-02-01"}])
    one = _load(user, first)
    again = _load(user, first)
    assert again.unchanged and again.batch.pk == one.batch.pk and FeedBatch.objects.count() == 1
    second = csv_bytes("death", [{"id_number": id_number(), "name": "乙", "death_date": "2026-02-02"}])
    two = _load(user, second)
    assert two.superseded.pk == one.batch.pk
    one.batch.refresh_from_db()
    assert one.batch.status == BatchStatus.SUPERSEDED and one.batch.superseded_by_id == two.batch.pk
    assert list(current_batches("death", "430981")) == [two.batch]
    assert list(current_batches("death", "430981114")) == [two.batch]  # a township sees its county's batch
    assert list(current_batches("death", "430902")) == []
    # Another period is a batch of its own.
    _load(user, first, period="2026-01")
    assert current_batches("death").count() == 2


def test_people_registered_in_another_region_are_set_aside(users, regions):
    ours = household(regions["lixin"])
    theirs = household(regions["ziyang_village"])
    rows = [
        {"id_number": _head(ours), "name": "甲", "death_date": "2026-02-01"},
        {"id_number": _head(theirs), "name": "乙", "death_date": "2026-02-01"},
    ]
    batch = _load(users["county_reviewer"], csv_bytes("death", rows)).batch
    assert (batch.good_count, batch.bad_count) == (1, 1)
    error = FeedRowError.objects.get(batch=batch)
    assert error.row_number == 3 and "南门桥社区" in error.reason and "沅江市" in error.reason
    kept = _rows(batch.parquet_file)[0]
    assert kept["region_code"] == "430981114201" and kept["person_id"] is not None


def _head(household_obj) -> str:
    from doudi.registry.models import Person

    return Person.objects.filter(household=household_obj, relation="head").values_list("id_number", flat=True)[0]


@pytest.mark.parametrize(("user", "ok"), [("county_reviewer", True), ("foreign_county_reviewer", False)])
def test_region_must_be_in_the_uploaders_scope(users, user, ok):
    data = csv_bytes("death", [{"id_number": id_number(), "name": "甲", "death_date": "2026-02-01"}])
    if ok:
        assert _load(users[user], data, region_code="430981").batch.region_id == "430981000000"
    else:
        with pytest.raises(DomainError):
            _load(users[user], data, region_code="430981")


@pytest.mark.parametrize(("department", "period"), [("nope", "2026-02"), ("death", "2026-13"), ("death", "202602")])
def test_bad_department_or_period(users, department, period):
    with pytest.raises(DomainError):
        _load(users["county_reviewer"], b"x", department=department, period=period)

"""Reading a bank return file (回盘文件) into rows, without the database.

The file is CSV (UTF-8 or GBK, detected) or XLSX, with a header line naming at least the reference
(业务参考号, as written in the bank file), the amount and the result (成功/失败); account, name
and failure reason are read when present. A totals line (first cell 合计笔数 or 合计) may come
first or last: ``合计笔数, N, 合计金额, X``. Each problem is reported with its line number as the
user sees it in Excel; the file is refused as a whole if there is any.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from doudi.payments.bankfiles.models import FailureReason
from doudi.registry.imports.parsing import _cell_text, check_xlsx_archive, decode_csv, detect_format

MAX_ROWS = 1_100_000
HEADERS = {
    "reference": ("业务参考号", "参考号", "流水号", "交易参考号", "业务编号"),
    "account": ("账号", "卡号", "收款账号", "银行账号", "账户"),
    "name": ("户名", "姓名", "收款人姓名", "收款人", "账户名称"),
    "amount": ("金额", "金额（元）", "金额(元)", "交易金额", "发放金额"),
    "result": ("处理结果", "结果", "状态", "交易状态", "入账结果"),
    "reason": ("失败原因", "原因", "备注", "错误信息", "失败说明"),
}
REQUIRED = ("reference", "amount", "result")
PAID_WORDS = ("成功", "已入账", "入账成功", "已发放", "success", "ok", "0000")
FAILED_WORDS = ("失败", "退回", "未入账", "入账失败", "fail", "failed")
# Bank wording → reason, first match wins.
REASON_WORDS = (
    (FailureReason.CLOSED, ("销户", "已注销", "已销", "closed")),
    (FailureReason.NAME_MISMATCH, ("户名不符", "姓名不符", "户名错误", "户名与账号不符", "名称不符", "户名")),
    (FailureReason.FROZEN, ("冻结", "frozen")),
    (FailureReason.DORMANT, ("久悬", "止付", "挂失", "睡眠", "不动户")),
    (FailureReason.INVALID, ("不存在", "无此账", "账号错误", "账号有误", "卡号错误", "无效")),
)
REFERENCE_RE = re.compile(r"P(\d+)-(\d+)")


@dataclass
class ReturnRow:
    line_no: int
    reference: str
    payroll_id: int | None
    person_id: int | None
    account: str
    name: str
    amount: Decimal
    paid: bool
    reason_code: str = ""
    bank_reason: str = ""


@dataclass
class ParsedReturn:
    rows: list[ReturnRow] = field(default_factory=list)
    totals: tuple[int, Decimal] | None = None
    totals_line_no: int = 0
    errors: list[str] = field(default_factory=list)


def classify_reason(text: str) -> str:
    lowered = (text or "").lower()
    for code, words in REASON_WORDS:
        if any(w in lowered for w in words):
            return code
    return FailureReason.OTHER


def reason_text(code: str, bank_text: str) -> str:
    label = str(FailureReason(code).label)
    bank_text = (bank_text or "").strip()
    return (f"{label}（银行：{bank_text}）" if bank_text and bank_text != label else label)[:200]


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def _rows_of(name: str, data: bytes):
    kind = detect_format(name, data[:8])
    if kind == "csv":
        text, _ = decode_csv(data)
        for row in csv.reader(io.StringIO(text)):
            yield [c.strip() for c in row]
        return
    from openpyxl import load_workbook

    stream = io.BytesIO(data)
    check_xlsx_archive(stream)
    book = load_workbook(stream, read_only=True, data_only=True)
    try:
        for row in book.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(c).strip() for c in row]
    finally:
        book.close()


def _is_totals(cells: list[str]) -> bool:
    return bool(cells) and cells[0] in ("合计笔数", "合计", "总笔数")


def _read_totals(cells: list[str], line_no: int, parsed: ParsedReturn) -> None:
    numbers = [c for c in cells[1:] if c and c not in ("合计金额", "总金额")]
    count = _amount(numbers[0]) if numbers else None
    total = _amount(numbers[1]) if len(numbers) > 1 else None
    if count is None or total is None or count != count.to_integral_value():
        parsed.errors.append(f"第 {line_no} 行 汇总行：应为“合计笔数, 笔数, 合计金额, 金额”，无法读取。")
        return
    parsed.totals = (int(count), total)
    parsed.totals_line_no = line_no


def parse_return_file(name: str, data: bytes) -> ParsedReturn:
    """Return the rows, the totals line and every problem found in a return file (nothing is raised for rows)."""
    parsed = ParsedReturn()
    positions: dict[str, int] | None = None
    for line_no, cells in enumerate(_rows_of(name, data), start=1):
        if line_no > MAX_ROWS:
            parsed.errors.append(f"文件超过 {MAX_ROWS:,} 行，不是一个发放名册的回盘文件。")
            break
        if not any(cells):
            continue
        if _is_totals(cells):
            _read_totals(cells, line_no, parsed)
            continue
        if positions is None:
            positions = {}
            for key, titles in HEADERS.items():
                for index, cell in enumerate(cells):
                    if cell in titles and key not in positions:
                        positions[key] = index
            missing = [HEADERS[k][0] for k in REQUIRED if k not in positions]
            if missing:
                parsed.errors.append(
                    f"第 {line_no} 行 表头：缺少列“{'”“'.join(missing)}”。回盘文件须有表头，"
                    "至少包括业务参考号、金额、处理结果。"
                )
                return parsed
            continue
        parsed.rows.append(_row(cells, positions, line_no, parsed.errors))
    if positions is None and not parsed.errors:
        parsed.errors.append("文件中没有表头和回盘记录。")
    return parsed


def _row(cells: list[str], positions: dict[str, int], line_no: int, errors: list[str]) -> ReturnRow:
    def get(key: str) -> str:
        index = positions.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    reference = get("reference").lstrip("'")
    match = REFERENCE_RE.fullmatch(reference)
    if not match:
        errors.append(f"第 {line_no} 行 业务参考号：“{reference[:40]}”不是本系统银行文件中的参考号。")
    amount = _amount(get("amount"))
    if amount is None:
        errors.append(f"第 {line_no} 行 金额：“{get('amount')[:20]}”不是金额。")
    result = get("result").lower()
    paid = any(w == result or (len(w) > 1 and w in result) for w in PAID_WORDS) and not any(
        w in result for w in FAILED_WORDS
    )
    failed = any(w in result for w in FAILED_WORDS)
    if not paid and not failed:
        errors.append(f"第 {line_no} 行 处理结果：“{get('result')[:20]}”无法识别，应为“成功”或“失败”。")
    bank_reason = get("reason")
    return ReturnRow(
        line_no=line_no,
        reference=reference,
        payroll_id=int(match.group(1)) if match else None,
        person_id=int(match.group(2)) if match else None,
        account=get("account").lstrip("'"),
        name=get("name").lstrip("'"),
        amount=amount if amount is not None else Decimal(0),
        paid=paid and not failed,
        reason_code="" if paid and not failed else classify_reason(bank_reason),
        bank_reason=bank_reason[:120],
    )

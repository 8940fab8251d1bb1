"""``doudi simulate``: re-assess every active household of a region under a changed policy; print the summary.

Example::

    doudi simulate --region 430981 --date 2025-08-01 --from 2025-07-01 \\
        --set dibao.standard_urban=760 --set extreme_poverty.basic_living_urban=988 --csv changed.csv

Nothing is written to the database. Without ``--user`` the command sees every region (it is run
by the server's operator); with ``--user`` it is limited to that user's scope and role.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from doudi.core.errors import DomainError
from doudi.policy.simulation.export import changed_csv, changed_xlsx
from doudi.policy.simulation.runner import SimulationRequest, simulate
from doudi.policy.simulation.summary import CATEGORIES, CATEGORY_LABELS


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}：“{value}”不是有效日期（YYYY-MM-DD）") from None


class Command(BaseCommand):
    help = (
        "模拟测算：按草稿版本或临时修改的参数，重新评估某地区全部在册家庭，统计新进入、退出、金额变化户数及月支出差额。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="地区代码（2–12 位，如 430981）")
        parser.add_argument("--date", help="评估日期 YYYY-MM-DD（默认今天）")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="参数=取值",
            help="修改参数，如 dibao.standard_urban=760（可多次）",
        )
        parser.add_argument("--from", dest="start", help="所改参数的生效日期 YYYY-MM-DD（默认一直有效）")
        parser.add_argument(
            "--draft", action="append", type=int, default=[], help="用草稿版本（ID）替换现行版本（可多次）"
        )
        parser.add_argument("--by-village", action="store_true", help="按村/社区（而不是乡镇）汇总")
        parser.add_argument("--csv", help="把变化家庭名单写入 CSV 文件")
        parser.add_argument("--xlsx", help="把变化家庭名单写入 XLSX 文件")
        parser.add_argument("--json", action="store_true", help="输出 JSON 而不是文字摘要")
        parser.add_argument("--processes", type=int, help="并行进程数（默认：2 万户以上用 2 个进程）")
        parser.add_argument("--user", help="以该用户的身份和管辖范围测算（默认不限范围）")

    def handle(self, *args, **options):
        on = _day(options["date"], "--date") if options["date"] else timezone.localdate()
        start = _day(options["start"], "--from") if options["start"] else None
        actor = None
        if options["user"]:
            actor = get_user_model().objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"--user：用户“{options['user']}”不存在。")
        request = SimulationRequest(
            region_code=options["region"],
            on=on,
            draft_ids=tuple(options["draft"]),
            overrides=tuple(options["set"]),
            start=start,
            by_village=options["by_village"],
        )
        began = time.perf_counter()
        progress = None
        if not options["json"] and sys.stderr.isatty():

            def progress(done: int, total: int) -> None:
                sys.stderr.write(f"\r已测算 {done}/{total} 户")
                sys.stderr.flush()

        try:
            result = simulate(actor, request, processes=options["processes"], progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if progress:
            sys.stderr.write("\n")
        elapsed = time.perf_counter() - began
        written = []
        for option, render in (("csv", changed_csv), ("xlsx", changed_xlsx)):
            if options[option]:
                Path(options[option]).write_bytes(render(result.changed))
                written.append(options[option])
        if options["json"]:
            data = result.to_dict()
            data["seconds"] = round(elapsed, 2)
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self.stdout.write(_text(result, elapsed, written))


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    widths = [max(width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(row) -> str:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(str(cell)))
            cells.append(f"{cell}{pad}" if i == 0 else f"{pad}{cell}")
        return "  " + "  ".join(cells)

    return [line(headers), *(line(r) for r in rows)]


def _signed(text: str) -> str:
    return text if text.startswith("-") or text == "0.00" else f"+{text}"


def _text(result, elapsed: float, written: list[str]) -> str:
    s = result.summary
    d = s.to_dict()
    lines = [
        f"模拟测算：{result.region.full_name}，评估日期 {result.scenario.on:%Y-%m-%d}",
        f"方案：{result.scenario.describe()}",
        f"在册家庭 {s.households} 户"
        + (f"（另有 {s.not_assessed} 户所在县无适用政策，未测算）" if s.not_assessed else ""),
        "  " + "，".join(f"{CATEGORY_LABELS[c]} {s.counts.get(c, 0)} 户" for c in CATEGORIES),
        f"月救助金合计：现行 {d['monthly_cost']['before']} 元 → 模拟 {d['monthly_cost']['after']} 元，"
        f"差额 {_signed(d['monthly_cost']['difference'])} 元",
    ]
    for warning in result.warnings:
        lines.append(f"注意：{warning}")
    if s.transitions:
        lines.append("认定层级变化：")
        lines += [f"  {t['before_label']} → {t['after_label']}：{t['households']} 户" for t in s.transitions]
    if s.programmes:
        lines.append("按救助项目：")
        lines += _table(
            ["项目", "现行户数", "模拟户数", "新进入", "退出", "金额变化", "现行月金额", "模拟月金额", "差额"],
            [
                [
                    p["label"],
                    p["households_before"],
                    p["households_after"],
                    p["enter"],
                    p["leave"],
                    p["change"],
                    p["cost_before"],
                    p["cost_after"],
                    _signed(p["difference"]),
                ]
                for p in s.programmes
            ],
        )
    if s.regions:
        lines.append("按村/社区：" if s.region_level == "village" else "按乡镇（街道）：")
        lines += _table(
            ["地区", "户数", "新进入", "退出", "变化", "不变", "现行月金额", "模拟月金额", "差额"],
            [
                [
                    r["name"],
                    r["households"],
                    r["enter"],
                    r["leave"],
                    r["change"],
                    r["unchanged"],
                    r["cost_before"],
                    r["cost_after"],
                    _signed(r["difference"]),
                ]
                for r in s.regions
            ],
        )
    for path in written:
        lines.append(f"已写出变化家庭名单：{path}（{result.changed.num_rows} 户）")
    lines.append(f"用时 {elapsed:.1f} 秒。未写入任何评估记录。")
    return "\n".join(lines)

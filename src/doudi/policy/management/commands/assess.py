"""``doudi assess``: assess a household document (JSON) with a region's policy on a date; print JSON.

The household JSON format is documented in ``docs/policy-format.md`` (section 家庭信息文件).
"""

import json
import sys
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from doudi.core.errors import DomainError
from doudi.policy.assessment import assess_facts, assessment_date_problem
from doudi.policy.engine import FactsError, facts_from_dict


class Command(BaseCommand):
    help = "按地区和日期适用的政策评估一个家庭（JSON 文件，- 表示标准输入），输出 JSON 结果及说明。"

    def add_arguments(self, parser):
        parser.add_argument("household", help="家庭信息 JSON 文件路径，或 - 读取标准输入")
        parser.add_argument("--region", required=True, help="地区代码（县级 6 位或更细）")
        parser.add_argument("--date", default=None, help="评估日期 YYYY-MM-DD（默认：文件中的 as_of 或今天）")
        parser.add_argument("--brief", action="store_true", help="不输出逐条说明")

    def handle(self, *args, **options):
        source = options["household"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
            data = json.loads(text)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{source}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"JSON 格式错误：第 {exc.lineno} 行第 {exc.colno} 列：{exc.msg}") from exc
        try:
            on = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as exc:
            raise CommandError(f"--date：“{options['date']}”不是有效日期（YYYY-MM-DD）") from exc
        if on is not None:
            problem = assessment_date_problem(on)
            if problem:
                raise CommandError(f"--date（评估日期）：{problem}")
        if on is not None and isinstance(data, dict):
            data = {**data, "as_of": on.isoformat()}
        try:
            facts = facts_from_dict(data)
            if on is None and (problem := assessment_date_problem(facts.as_of)):
                raise CommandError(f"家庭信息 as_of（评估日期）：{problem}")
            result, versions = assess_facts(facts, options["region"], on or facts.as_of)
        except FactsError as exc:
            raise CommandError(f"家庭信息有误：{exc.message}") from exc
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        out = result.to_dict()
        out["policy_versions"] = [
            {"region": v.region_id[:6], "region_name": v.region.name, "number": v.number} for v in versions
        ]
        if options["brief"]:
            for programme in out.get("programmes", []):
                programme.pop("steps", None)
        self.stdout.write(json.dumps(out, ensure_ascii=False, indent=2))

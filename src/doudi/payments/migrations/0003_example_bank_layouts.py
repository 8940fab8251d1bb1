"""Two example bank layouts, usable everywhere (no region) and editable by the bureau."""

from django.db import migrations

EXAMPLES = [
    {
        "name": "农村商业银行（CSV）",
        "bank_name": "湖南农村商业银行",
        "file_format": "csv",
        "encoding": "gbk",
        "header_line": False,
        "totals_line": "first",
        "amount_unit": "yuan",
        "columns": [
            {"field": "seq", "title": "序号"},
            {"field": "account", "title": "卡号"},
            {"field": "name", "title": "户名"},
            {"field": "amount", "title": "金额"},
            {"field": "id_number", "title": "证件号码"},
            {"field": "summary", "title": "摘要"},
            {"field": "reference", "title": "业务参考号"},
        ],
    },
    {
        "name": "邮储银行（XLSX）",
        "bank_name": "中国邮政储蓄银行",
        "file_format": "xlsx",
        "encoding": "utf-8",
        "header_line": True,
        "totals_line": "last",
        "amount_unit": "yuan",
        "columns": [
            {"field": "reference", "title": "业务参考号"},
            {"field": "name", "title": "收款人姓名"},
            {"field": "account", "title": "收款账号"},
            {"field": "amount", "title": "金额（元）"},
            {"field": "id_number", "title": "身份证号"},
            {"field": "programme", "title": "项目"},
            {"field": "township", "title": "乡镇"},
            {"field": "village", "title": "村（社区）"},
            {"field": "month", "title": "发放月份"},
        ],
    },
]


def add_examples(apps, schema_editor):
    BankLayout = apps.get_model("payments", "BankLayout")
    for example in EXAMPLES:
        BankLayout.objects.get_or_create(name=example["name"], defaults=example)


def remove_examples(apps, schema_editor):
    BankLayout = apps.get_model("payments", "BankLayout")
    BankLayout.objects.filter(name__in=[e["name"] for e in EXAMPLES], region__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("payments", "0002_disbursement")]

    operations = [migrations.RunPython(add_examples, remove_examples)]

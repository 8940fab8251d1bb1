"""The bank layout form: options, then up to 12 columns (field and title) in file order."""

from __future__ import annotations

from django import forms

from doudi.payments.bankfiles.models import AmountUnit, BankField, BankLayout, Encoding, FileFormat, TotalsLine

MAX_COLUMNS = 12
FIELD_CHOICES = [("", "（不用）"), *BankField.choices]


class BankLayoutForm(forms.Form):
    name = forms.CharField(label="格式名称", max_length=60)
    bank_name = forms.CharField(label="银行", max_length=60)
    file_format = forms.ChoiceField(label="文件类型", choices=FileFormat.choices)
    encoding = forms.ChoiceField(label="字符编码（CSV）", choices=Encoding.choices)
    header_line = forms.BooleanField(label="首行为列标题", required=False)
    totals_line = forms.ChoiceField(label="汇总行（合计笔数、合计金额）", choices=TotalsLine.choices)
    amount_unit = forms.ChoiceField(label="金额单位", choices=AmountUnit.choices)
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, layout: BankLayout | None = None, **kwargs):
        if layout is not None and "initial" not in kwargs:
            initial = {
                name: getattr(layout, name)
                for name in (
                    "name",
                    "bank_name",
                    "file_format",
                    "encoding",
                    "header_line",
                    "totals_line",
                    "amount_unit",
                    "active",
                )
            }
            for i, column in enumerate(layout.columns[:MAX_COLUMNS], start=1):
                initial[f"field_{i}"] = column["field"]
                initial[f"title_{i}"] = column.get("title", "")
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for i in range(1, MAX_COLUMNS + 1):
            self.fields[f"field_{i}"] = forms.ChoiceField(label=f"第 {i} 列", choices=FIELD_CHOICES, required=False)
            self.fields[f"title_{i}"] = forms.CharField(label=f"第 {i} 列标题", max_length=30, required=False)

    def column_rows(self):
        return [(self[f"field_{i}"], self[f"title_{i}"], i) for i in range(1, MAX_COLUMNS + 1)]

    def clean(self):
        data = super().clean()
        columns = []
        seen = set()
        for i in range(1, MAX_COLUMNS + 1):
            field = data.get(f"field_{i}")
            if not field:
                continue
            if field in seen:
                self.add_error(f"field_{i}", f"第 {i} 列：“{BankField(field).label}”已在前面的列中使用。")
            seen.add(field)
            columns.append({"field": field, "title": (data.get(f"title_{i}") or "").strip()})
        missing = [str(BankField(f).label) for f in ("account", "name", "amount") if f not in seen]
        if missing:
            raise forms.ValidationError(f"列：缺少{'、'.join(missing)}，银行文件至少要有账号、户名和金额。")
        data["columns"] = columns
        return data

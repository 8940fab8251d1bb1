from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "doudi.verification"
    verbose_name = "信息核对与部门数据"

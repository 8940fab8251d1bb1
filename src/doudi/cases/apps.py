from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "doudi.cases"
    verbose_name = "救助案件"

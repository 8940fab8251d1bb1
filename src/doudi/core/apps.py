from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "doudi.core"
    verbose_name = "基础"

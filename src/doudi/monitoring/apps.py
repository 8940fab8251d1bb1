from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "doudi.monitoring"
    verbose_name = "动态监测"

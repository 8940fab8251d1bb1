from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "doudi.policy"
    verbose_name = "救助政策"

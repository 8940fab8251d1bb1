from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "doudi.registry"
    verbose_name = "社会救助家庭登记"

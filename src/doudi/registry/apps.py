from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "doudi.registry"
    verbose_name = "社会救助家庭登记"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from doudi.regions.models import Region
        from doudi.registry.forms import forget_scoped_regions

        post_save.connect(forget_scoped_regions, sender=Region, dispatch_uid="registry_forget_regions_saved")
        post_delete.connect(forget_scoped_regions, sender=Region, dispatch_uid="registry_forget_regions_deleted")

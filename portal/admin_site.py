from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalAdminSite(admin.AdminSite):
    site_header = _("Kỷ Cương administration")
    site_title = _("Kỷ Cương administration")
    index_title = _("Users, roles and catalogues")

    def has_permission(self, request):
        # Only administrators (superusers) who entered their two-factor code; staff status
        # alone is not enough.
        user = request.user
        return user.is_active and user.is_superuser and user.is_verified()


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from core.personal_data import register_access_writer
        from portal.middleware import mark_refreshed_at_login
        from portal.services import personal_data_access_log
        from portal.twofactor.steps import remember_step_at_login

        # Which second step (none, code, enrolment) a sign-in needs is decided once, at login.
        user_logged_in.connect(remember_step_at_login, dispatch_uid="twofactor-step")
        user_logged_in.connect(mark_refreshed_at_login, dispatch_uid="session-refreshed-at")
        register_access_writer(personal_data_access_log)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TwofactorConfig(AppConfig):
    name = "twofactor"
    verbose_name = _("Two-factor sign-in")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from twofactor.steps import remember_step_at_login

        user_logged_in.connect(remember_step_at_login, dispatch_uid="twofactor-step")

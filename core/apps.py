from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Shared tools")

    def ready(self):
        from django.db.models.signals import post_migrate

        from core import page_cache

        # A migration may rewrite any row: what the pages kept is read afresh.
        post_migrate.connect(
            lambda **kwargs: page_cache.changed(page_cache.EVERYTHING),
            sender=self,
            weak=False,
            dispatch_uid="page_cache:migrate",
        )

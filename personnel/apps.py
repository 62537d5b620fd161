from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "personnel"
    verbose_name = _("Personnel")

    def ready(self):
        from core import page_cache
        from personnel.models import Posting, Staff, Unit, User

        # Names, codes, postings and roles the pages keep (core.page_cache, "people").
        for model in (Staff, Posting, Unit):
            page_cache.changed_on_write(model, "people")
        page_cache.changed_on_write(User, "people", ignored_fields=frozenset({"last_login"}))
        page_cache.changed_on_relation(User.groups.through, "people")

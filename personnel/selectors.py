from django.db.models import QuerySet

from personnel.models import Unit


def unit_list() -> QuerySet[Unit]:
    return Unit.objects.select_related("parent").order_by("code")

from django.tasks import task

from exports import services


@task
def make_export(export_id: str) -> str:
    return services.export_make(export_id=export_id).status

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def bind_to_authors(apps, schema_editor):
    # A token sent so far made a record: it belongs to the record's author.
    FormSubmission = apps.get_model("inspections", "FormSubmission")
    ViolationRecord = apps.get_model("inspections", "ViolationRecord")
    FormSubmission.objects.update(
        user_id=models.Subquery(
            ViolationRecord.objects.filter(pk=models.OuterRef("record_id")).values("author_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("inspections", "0012_roll_call_previous_attendance"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="formsubmission",
            name="user",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.RunPython(bind_to_authors, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="formsubmission",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="formsubmission",
            name="record",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="inspections.violationrecord",
            ),
        ),
    ]

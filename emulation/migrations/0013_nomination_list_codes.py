# Only the exceptions keep a verdict row: a nomination plainly eligible (eligible, every
# criterion checked) has none, and the council's list reads it in the order of the codes now
# kept on the nomination. Reversible: going back writes an eligible verdict, with its place in
# the list, for every nomination without one.

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery

import core.db

PLAINLY_ELIGIBLE = {"status": "eligible", "unchecked": ""}


def copy_codes(apps, schema_editor):
    """Each nomination's list_code and list_title, from its person (or unit) and title."""
    Nomination = apps.get_model("emulation", "Nomination")
    Staff = apps.get_model("personnel", "Staff")
    Unit = apps.get_model("personnel", "Unit")
    Title = apps.get_model("emulation", "Title")
    title_code = Subquery(Title.objects.filter(pk=OuterRef("title_id")).values("code")[:1])
    Nomination.objects.filter(staff__isnull=False).update(
        list_code=Subquery(Staff.objects.filter(pk=OuterRef("staff_id")).values("code")[:1]),
        list_title=title_code,
    )
    Nomination.objects.filter(staff__isnull=True).update(
        list_code=Subquery(Unit.objects.filter(pk=OuterRef("unit_id")).values("code")[:1]),
        list_title=title_code,
    )


def drop_plainly_eligible(apps, schema_editor):
    """Delete the verdicts that are no exception (they have no reasons)."""
    Verdict = apps.get_model("emulation", "Verdict")
    VerdictReason = apps.get_model("emulation", "VerdictReason")
    VerdictReason.objects.filter(
        **{f"verdict__{k}": v for k, v in PLAINLY_ELIGIBLE.items()}
    ).delete()
    Verdict.objects.filter(**PLAINLY_ELIGIBLE).delete()


def write_plainly_eligible(apps, schema_editor):
    """Back: an eligible verdict, with its place in the list (group 3), for every nomination
    without one, as the rule service wrote them before."""
    Nomination = apps.get_model("emulation", "Nomination")
    Verdict = apps.get_model("emulation", "Verdict")
    now = django.utils.timezone.now()
    rows = (
        Nomination.objects.filter(verdict__isnull=True)
        .order_by("pk")
        .values_list(
            "pk", "period_id", "unit_id", "title_id", "staff_id", "list_code", "list_title"
        )
    )
    batch = []
    for pk, period, unit, title, staff, code, title_code in rows.iterator(2000):
        batch.append(
            Verdict(
                nomination_id=pk,
                status="eligible",
                unchecked="",
                evaluated_at=now,
                period_id=period,
                unit_id=unit,
                title_id=title,
                collective=staff is None,
                list_group=3,
                list_code=code,
                list_title=title_code,
            )
        )
        if len(batch) == 2000:
            Verdict.objects.bulk_create(batch)
            batch = []
    Verdict.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("emulation", "0012_verdict_list_order"),
        ("personnel", "0007_staff_name_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="nomination",
            name="list_code",
            field=core.db.CodeField(blank=True, default="", max_length=32),
        ),
        migrations.AddField(
            model_name="nomination",
            name="list_title",
            field=core.db.CodeField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(copy_codes, migrations.RunPython.noop),
        migrations.RunPython(drop_plainly_eligible, write_plainly_eligible),
        migrations.AddIndex(
            model_name="nomination",
            index=models.Index(
                condition=models.Q(("staff__isnull", False)),
                fields=["period", "list_code", "list_title", "id"],
                name="nomination_people_order",
            ),
        ),
        migrations.AddIndex(
            model_name="nomination",
            index=models.Index(
                condition=models.Q(("staff__isnull", False)),
                fields=["period", "unit", "list_code", "list_title", "id"],
                name="nomination_people_unit_order",
            ),
        ),
        migrations.AddIndex(
            model_name="nomination",
            index=models.Index(
                condition=models.Q(("staff__isnull", False)),
                fields=["period", "title", "list_code", "list_title", "id"],
                name="nomination_people_title_order",
            ),
        ),
        migrations.AddIndex(
            model_name="nomination",
            index=models.Index(
                condition=models.Q(("staff__isnull", True)),
                fields=["period", "list_code", "list_title", "id"],
                name="nomination_units_order",
            ),
        ),
        migrations.AddIndex(
            model_name="nomination",
            index=models.Index(
                condition=models.Q(("staff__isnull", True)),
                fields=["period", "unit", "list_code", "list_title", "id"],
                name="nomination_units_unit_order",
            ),
        ),
        migrations.AddIndex(
            model_name="nomination",
            index=models.Index(
                condition=models.Q(("staff__isnull", True)),
                fields=["period", "title", "list_code", "list_title", "id"],
                name="nomination_units_title_order",
            ),
        ),
    ]

# The council list's order moves from the nomination to its verdict: the rule service writes
# the group and the codes in the verdict's own INSERT instead of updating the nomination (whose
# indexes every such update rewrote).

import django.db.models.deletion
from django.db import migrations, models

import core.db

GROUPS = {"excluded": 0, "pending": 1}


def copy_list_order(apps, schema_editor):
    """Each stored verdict's place in the council's list, from its nomination, in batches."""
    Verdict = apps.get_model("emulation", "Verdict")
    rows = Verdict.objects.order_by("pk").values_list(
        "pk",
        "status",
        "unchecked",
        "nomination__period_id",
        "nomination__unit_id",
        "nomination__title_id",
        "nomination__staff__code",
        "nomination__unit__code",
        "nomination__title__code",
    )
    batch = []
    fields = ["period", "unit", "title", "collective", "list_group", "list_code", "list_title"]
    for (
        pk,
        status,
        unchecked,
        period,
        unit,
        title,
        staff_code,
        unit_code,
        title_code,
    ) in rows.iterator(2000):
        batch.append(
            Verdict(
                pk=pk,
                period_id=period,
                unit_id=unit,
                title_id=title,
                collective=staff_code is None,
                list_group=GROUPS.get(status, 2 if unchecked else 3),
                list_code=unit_code if staff_code is None else staff_code,
                list_title=title_code,
            )
        )
        if len(batch) == 2000:
            Verdict.objects.bulk_update(batch, fields)
            batch = []
    Verdict.objects.bulk_update(batch, fields)


def _copy(to: str) -> models.ForeignKey:
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        null=True,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=to,
    )


def _required(to: str) -> models.ForeignKey:
    return models.ForeignKey(
        db_constraint=False,
        db_index=False,
        on_delete=django.db.models.deletion.DO_NOTHING,
        related_name="+",
        to=to,
    )


def _order_index(name: str, *, collective: bool, by: tuple[str, ...] = ()) -> models.Index:
    return models.Index(
        condition=models.Q(("collective", collective)),
        fields=["period", *by, "list_group", "list_code", "list_title", "nomination"],
        name=name,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("emulation", "0011_nomination_list_order"),
        ("personnel", "0005_posting_unit_index_covers_staff"),
    ]

    operations = [
        *(
            migrations.RemoveIndex(model_name="nomination", name=name)
            for name in [
                "nomination_people_order",
                "nomination_people_unit_order",
                "nomination_people_title_order",
                "nomination_units_order",
                "nomination_units_unit_order",
                "nomination_units_title_order",
            ]
        ),
        *(
            migrations.RemoveField(model_name="nomination", name=name)
            for name in ["list_group", "list_code", "list_title"]
        ),
        migrations.AddField(model_name="verdict", name="period", field=_copy("emulation.period")),
        migrations.AddField(model_name="verdict", name="unit", field=_copy("personnel.unit")),
        migrations.AddField(model_name="verdict", name="title", field=_copy("emulation.title")),
        migrations.AddField(
            model_name="verdict", name="collective", field=models.BooleanField(default=False)
        ),
        migrations.AddField(
            model_name="verdict",
            name="list_group",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (0, "Excluded"),
                    (1, "Pending review"),
                    (2, "Eligible, not fully checked"),
                    (3, "Eligible"),
                ],
                default=3,
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="verdict",
            name="list_code",
            field=core.db.CodeField(default="", max_length=32),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="verdict",
            name="list_title",
            field=core.db.CodeField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(copy_list_order, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="verdict", name="period", field=_required("emulation.period")
        ),
        migrations.AlterField(model_name="verdict", name="unit", field=_required("personnel.unit")),
        migrations.AlterField(
            model_name="verdict", name="title", field=_required("emulation.title")
        ),
        migrations.AlterField(
            model_name="verdictreason",
            name="verdict",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reasons",
                to="emulation.verdict",
            ),
        ),
        *(
            migrations.AddIndex(model_name="verdict", index=index)
            for index in [
                _order_index("verdict_people_order", collective=False),
                _order_index("verdict_people_unit_order", collective=False, by=("unit",)),
                _order_index("verdict_people_title_order", collective=False, by=("title",)),
                _order_index("verdict_units_order", collective=True),
                _order_index("verdict_units_unit_order", collective=True, by=("unit",)),
                _order_index("verdict_units_title_order", collective=True, by=("title",)),
            ]
        ),
    ]

import django.db.models.deletion
from django.db import migrations, models

RULE_TO_KIND = {
    "confirmed_violation_in_period": "violation",
    "review_open": "violation",
    "discipline_in_effect": "discipline",
    "discipline_open": "discipline",
}


def reasons_by_kind(apps, schema_editor):
    VerdictReason = apps.get_model("emulation", "VerdictReason")
    for rule, kind in RULE_TO_KIND.items():
        VerdictReason.objects.filter(rule=rule).update(kind=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("emulation", "0004_period_policy_discipline_reasons"),
        ("personnel", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="nomination", name="nomination_once_per_title"),
        migrations.AlterField(
            model_name="nomination",
            name="staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="nominations",
                to="personnel.staff",
                verbose_name="staff member",
            ),
        ),
        migrations.AddField(
            model_name="nomination",
            name="rating",
            field=models.CharField(
                blank=True,
                choices=[
                    ("xuat_sac", "Tasks completed excellently"),
                    ("tot", "Tasks completed well"),
                    ("hoan_thanh", "Tasks completed"),
                    ("khong_hoan_thanh", "Tasks not completed"),
                ],
                max_length=16,
                verbose_name="rating",
            ),
        ),
        migrations.AddField(
            model_name="nomination",
            name="initiative",
            field=models.TextField(blank=True, verbose_name="initiative"),
        ),
        migrations.AddConstraint(
            model_name="nomination",
            constraint=models.UniqueConstraint(
                condition=models.Q(staff__isnull=False),
                fields=("period", "staff", "title"),
                name="nomination_once_per_title",
            ),
        ),
        migrations.AddConstraint(
            model_name="nomination",
            constraint=models.UniqueConstraint(
                condition=models.Q(staff__isnull=True),
                fields=("period", "unit", "title"),
                name="collective_nomination_once_per_title",
            ),
        ),
        migrations.AddField(
            model_name="verdict",
            name="unchecked",
            field=models.CharField(
                blank=True, default="", max_length=64, verbose_name="not checked"
            ),
        ),
        migrations.RemoveConstraint(
            model_name="verdictreason", name="reason_names_a_record_or_a_decision"
        ),
        migrations.AddField(
            model_name="verdictreason",
            name="kind",
            field=models.CharField(default="violation", max_length=32, verbose_name="kind"),
            preserve_default=False,
        ),
        migrations.RunPython(reasons_by_kind, migrations.RunPython.noop),
        migrations.RemoveField(model_name="verdictreason", name="rule"),
        migrations.AlterField(
            model_name="verdictreason",
            name="kind",
            field=models.CharField(
                choices=[
                    ("violation", "Violation record"),
                    ("discipline", "Discipline"),
                    ("rating", "Quality rating"),
                    ("tenure", "Length of service"),
                    ("requires_title", "Lao động tiên tiến in the same period"),
                    ("merit", "Excellent rating or initiative"),
                    ("collective_share", "Share of members with Lao động tiên tiến"),
                    ("member_disciplined", "Member disciplined"),
                    ("no_cstdcs_member", "No member with Chiến sĩ thi đua cơ sở"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.AddField(
            model_name="verdictreason",
            name="data",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="verdictreason",
            name="position",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AlterModelOptions(
            name="verdictreason",
            options={
                "ordering": ["verdict", "position"],
                "verbose_name": "verdict reason",
                "verbose_name_plural": "verdict reasons",
            },
        ),
    ]

"""The default unit checklist: the six things an inspection visit checks (see DOMAIN.md).

Administrators edit it, or add another template, in the administration site.
"""

from django.db import migrations

NAME = "Nội dung kiểm tra tại cơ quan, đơn vị"
ITEMS = [
    "Việc ban hành và thực hiện nội quy, quy chế làm việc của cơ quan, đơn vị",
    "Việc thực hiện quy chế chi tiêu nội bộ",
    "Việc thực hiện quy chế dân chủ ở cơ sở",
    "Kết quả thực hiện nhiệm vụ được cấp trên giao",
    "Việc giải quyết thủ tục hành chính cho tổ chức, công dân",
    "Công tác tiếp công dân",
]


def seed(apps, schema_editor):
    ChecklistTemplate = apps.get_model("inspections", "ChecklistTemplate")
    ChecklistItem = apps.get_model("inspections", "ChecklistItem")
    if ChecklistTemplate.objects.filter(name=NAME).exists():
        return
    template = ChecklistTemplate.objects.create(name=NAME, is_active=True)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(template=template, position=position, text=text)
        for position, text in enumerate(ITEMS, start=1)
    )


class Migration(migrations.Migration):
    dependencies = [("inspections", "0003_audit_guard")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

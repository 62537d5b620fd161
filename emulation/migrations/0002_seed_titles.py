from django.db import migrations

# The titles of DOMAIN.md (Law 06/2022/QH15); administrators may edit names afterwards.
TITLES = [
    ("lao_dong_tien_tien", "Lao động tiên tiến", "individual"),
    ("chien_si_thi_dua_co_so", "Chiến sĩ thi đua cơ sở", "individual"),
    ("giay_khen", "Giấy khen của Chủ tịch Ủy ban nhân dân", "individual"),
    ("tap_the_lao_dong_tien_tien", "Tập thể lao động tiên tiến", "collective"),
    ("tap_the_lao_dong_xuat_sac", "Tập thể lao động xuất sắc", "collective"),
]


def seed_titles(apps, schema_editor):
    Title = apps.get_model("emulation", "Title")
    for code, name, kind in TITLES:
        Title.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})


class Migration(migrations.Migration):
    dependencies = [("emulation", "0001_periods_titles_nominations_verdicts")]

    operations = [migrations.RunPython(seed_titles, migrations.RunPython.noop)]

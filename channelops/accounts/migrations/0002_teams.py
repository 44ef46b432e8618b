"""The staff teams of S1 (leads and members are set by staff)."""

from django.db import migrations

TEAMS = [
    ("channel", "Channel"),
    ("professional_services", "Professional Services"),
    ("education_services", "Education Services"),
    ("legal", "Legal"),
    ("help_desk", "Partner Help Desk"),
    ("channel_marketing", "Channel Marketing"),
    ("leadership", "Channel Leadership"),
]


def forwards(apps, schema_editor):
    StaffTeam = apps.get_model("accounts", "StaffTeam")
    for kind, name in TEAMS:
        StaffTeam.objects.get_or_create(kind=kind, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

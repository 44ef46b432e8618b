"""The default mapping grows (docs/crm.md, "Field mapping"): a contact's phone and job title come
back from the CRM (staff edit them there too), the partner's CAM is the Account's owner (both
ways), and the partner certifications held and the latest agreement acceptance are sent as Account
fields. Only default rows are changed: a row staff edited since is left alone."""

from django.db import migrations

BOTH_WAYS = [("contact", "phone", "Phone"), ("contact", "title", "Title")]
NEW = [
    ("partner", "cam", "OwnerId", "both", "channelops", 20),
    ("partner", "certifications", "Partner_Certifications__c", "out", "channelops", 21),
    ("partner", "agreements_accepted_on", "Agreements_Accepted_On__c", "out", "channelops", 22),
]


def forwards(apps, schema_editor):
    FieldMapping = apps.get_model("crm", "FieldMapping")
    for obj, local, remote in BOTH_WAYS:
        FieldMapping.objects.filter(object=obj, local_field=local, remote_field=remote, direction="out").update(
            direction="both"
        )
    for obj, local, remote, direction, sor, position in NEW:
        FieldMapping.objects.get_or_create(
            object=obj,
            local_field=local,
            defaults={"remote_field": remote, "direction": direction, "system_of_record": sor, "position": position},
        )


def backwards(apps, schema_editor):
    FieldMapping = apps.get_model("crm", "FieldMapping")
    for obj, local, remote in BOTH_WAYS:
        FieldMapping.objects.filter(object=obj, local_field=local, remote_field=remote, direction="both").update(
            direction="out"
        )
    for obj, local, remote, *_rest in NEW:
        FieldMapping.objects.filter(object=obj, local_field=local, remote_field=remote).delete()


class Migration(migrations.Migration):
    dependencies = [("crm", "0002_default_mapping")]
    operations = [migrations.RunPython(forwards, backwards)]

"""The default field mapping for a standard Salesforce org with the documented custom fields
(docs/crm.md). Created once; staff change it in the data console afterwards."""

from django.db import migrations

DEFAULTS = [
    ("partner", "legal_name", "Name", "out", "channelops"),
    ("partner", "website", "Website", "both", "channelops"),
    ("partner", "phone", "Phone", "both", "channelops"),
    ("partner", "country", "BillingCountryCode", "out", "channelops"),
    ("partner", "tier", "Partner_Tier__c", "out", "channelops"),
    ("partner", "region", "Partner_Region__c", "out", "channelops"),
    ("partner", "status", "Partner_Status__c", "out", "channelops"),
    ("partner", "last_phd_review", "Last_PHD_Review__c", "out", "channelops"),
    ("partner", "account_notes", "Account_Notes__c", "both", "channelops"),
    ("contact", "first_name", "FirstName", "out", "channelops"),
    ("contact", "last_name", "LastName", "out", "channelops"),
    ("contact", "email", "Email", "out", "channelops"),
    ("contact", "phone", "Phone", "out", "channelops"),
    ("contact", "title", "Title", "out", "channelops"),
]


def create(apps, schema_editor):
    FieldMapping = apps.get_model("crm", "FieldMapping")
    for position, (obj, local, remote, direction, sor) in enumerate(DEFAULTS):
        FieldMapping.objects.get_or_create(
            object=obj,
            local_field=local,
            defaults={"remote_field": remote, "direction": direction, "system_of_record": sor, "position": position},
        )


class Migration(migrations.Migration):
    dependencies = [("crm", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

"""Default regions, tiers and programs of SPEC S2 (staff can edit them afterwards)."""

from django.db import migrations

REGIONS = [("AMER", "AMER"), ("EMEA", "EMEA"), ("APAC", "APAC"), ("PUBSEC", "Public Sector")]
TIERS = [("Open", "open", 10), ("Select", "select", 20)]
PROGRAMS = [
    ("Reseller", "reseller", "Resells the vendor's subscriptions."),
    ("Managed service provider", "msp", "Runs the product for its customers."),
    ("Referral", "referral", "Refers customers to the vendor."),
    ("Certified service partner", "csp", "Delivers certified professional services."),
    ("Certified training partner", "ctp", "Delivers training with the vendor's materials."),
]


def forwards(apps, schema_editor):
    Region = apps.get_model("partners", "Region")
    Tier = apps.get_model("partners", "Tier")
    Program = apps.get_model("partners", "Program")
    RegionRouting = apps.get_model("partners", "RegionRouting")
    for code, name in REGIONS:
        region, _ = Region.objects.get_or_create(code=code, defaults={"name": name})
        RegionRouting.objects.get_or_create(region=region)
    for name, slug, rank in TIERS:
        Tier.objects.get_or_create(slug=slug, defaults={"name": name, "rank": rank})
    for name, slug, desc in PROGRAMS:
        Program.objects.get_or_create(slug=slug, defaults={"name": name, "description": desc})


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

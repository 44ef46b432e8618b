"""The database itself refuses UPDATE of acceptance evidence (SQLite and PostgreSQL triggers).

DELETE is refused by the model, its queryset and the admin, and every foreign key to
an acceptance's partner, version and person is PROTECT. A DELETE trigger is not
used: test suites empty tables with DELETE on SQLite between tests.
"""

from django.db import migrations

SQLITE_UP = """
CREATE TRIGGER agreements_acceptance_immutable
BEFORE UPDATE ON agreements_acceptance
BEGIN
    SELECT RAISE(ABORT, 'acceptance evidence is immutable');
END;
"""
SQLITE_DOWN = "DROP TRIGGER IF EXISTS agreements_acceptance_immutable;"

PG_UP = """
CREATE OR REPLACE FUNCTION agreements_acceptance_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'acceptance evidence is immutable';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER agreements_acceptance_immutable
BEFORE UPDATE ON agreements_acceptance
FOR EACH ROW EXECUTE FUNCTION agreements_acceptance_immutable();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS agreements_acceptance_immutable ON agreements_acceptance;
DROP FUNCTION IF EXISTS agreements_acceptance_immutable();
"""


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_UP)
    elif vendor == "postgresql":
        schema_editor.execute(PG_UP)


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_DOWN)
    elif vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]

    operations = [migrations.RunPython(up, down)]

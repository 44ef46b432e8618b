"""The FAQ's full-text index (channelops/helpdesk/faq_search.py).

SQLite: an FTS5 table over title and body (external content: the text lives once, in
helpdesk_faqarticle) that three triggers keep in step on INSERT, UPDATE and DELETE.
PostgreSQL: a GIN index on the weighted vector the search queries with (title A, body B,
configuration 'simple').
"""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE helpdesk_faqarticle_fts USING fts5(
        title, body, content='helpdesk_faqarticle', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    )""",
    """CREATE TRIGGER helpdesk_faqarticle_fts_insert AFTER INSERT ON helpdesk_faqarticle BEGIN
        INSERT INTO helpdesk_faqarticle_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    """CREATE TRIGGER helpdesk_faqarticle_fts_delete AFTER DELETE ON helpdesk_faqarticle BEGIN
        INSERT INTO helpdesk_faqarticle_fts(helpdesk_faqarticle_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
    END""",
    """CREATE TRIGGER helpdesk_faqarticle_fts_update AFTER UPDATE OF title, body ON helpdesk_faqarticle BEGIN
        INSERT INTO helpdesk_faqarticle_fts(helpdesk_faqarticle_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.body);
        INSERT INTO helpdesk_faqarticle_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END""",
    "INSERT INTO helpdesk_faqarticle_fts(helpdesk_faqarticle_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS helpdesk_faqarticle_fts_update",
    "DROP TRIGGER IF EXISTS helpdesk_faqarticle_fts_delete",
    "DROP TRIGGER IF EXISTS helpdesk_faqarticle_fts_insert",
    "DROP TABLE IF EXISTS helpdesk_faqarticle_fts",
]
PG_INDEX = "helpdesk_faq_fts"


def _pg_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    vector = SearchVector("title", weight="A", config="simple") + SearchVector(
        "body", weight="B", config="simple"
    )
    return GinIndex(vector, name=PG_INDEX)


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.add_index(apps.get_model("helpdesk", "FaqArticle"), _pg_index())


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("helpdesk", "FaqArticle"), _pg_index())


class Migration(migrations.Migration):

    dependencies = [
        ("helpdesk", "0002_faq"),
    ]

    operations = [
        migrations.RunPython(up, down),
    ]

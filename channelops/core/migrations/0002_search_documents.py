"""The global search's documents (core/search.py) and the database's full-text index over them.

SQLite: an FTS5 table over ``words`` (external content: the text lives once, in
core_searchdocument) that three triggers keep in step on INSERT, UPDATE and DELETE — so an
upsert, a rebuild and the test suite's DELETE flush all leave it consistent.
PostgreSQL: a GIN index on ``to_tsvector('simple', words)``, the expression the search queries
with (django.contrib.postgres ``SearchVector("words", config="simple")``).
"""

from django.db import migrations, models

SQLITE_UP = [
    """CREATE VIRTUAL TABLE core_searchdocument_fts USING fts5(
        words, content='core_searchdocument', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2', prefix='2 3'
    )""",
    """CREATE TRIGGER core_searchdocument_fts_insert AFTER INSERT ON core_searchdocument BEGIN
        INSERT INTO core_searchdocument_fts(rowid, words) VALUES (new.id, new.words);
    END""",
    """CREATE TRIGGER core_searchdocument_fts_delete AFTER DELETE ON core_searchdocument BEGIN
        INSERT INTO core_searchdocument_fts(core_searchdocument_fts, rowid, words)
        VALUES ('delete', old.id, old.words);
    END""",
    """CREATE TRIGGER core_searchdocument_fts_update AFTER UPDATE OF words ON core_searchdocument BEGIN
        INSERT INTO core_searchdocument_fts(core_searchdocument_fts, rowid, words)
        VALUES ('delete', old.id, old.words);
        INSERT INTO core_searchdocument_fts(rowid, words) VALUES (new.id, new.words);
    END""",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS core_searchdocument_fts_update",
    "DROP TRIGGER IF EXISTS core_searchdocument_fts_delete",
    "DROP TRIGGER IF EXISTS core_searchdocument_fts_insert",
    "DROP TABLE IF EXISTS core_searchdocument_fts",
]
PG_INDEX = "core_searchdoc_words_fts"


def _pg_index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(SearchVector("words", config="simple"), name=PG_INDEX)


def up(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_UP:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.add_index(apps.get_model("core", "SearchDocument"), _pg_index())


def down(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_DOWN:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("core", "SearchDocument"), _pg_index())


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='SearchDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=40, verbose_name='kind')),
                ('object_key', models.CharField(max_length=64, verbose_name='record')),
                ('words', models.TextField(verbose_name='words')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
            ],
            options={
                'verbose_name': 'search document',
                'verbose_name_plural': 'search documents',
                'constraints': [models.UniqueConstraint(fields=('kind', 'object_key'), name='search_document_once')],
            },
        ),
        migrations.RunPython(up, down),
    ]

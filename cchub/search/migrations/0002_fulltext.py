"""The engine's own full-text index: FTS5 on SQLite, a weighted tsvector on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, keywords, body, "
    "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')",
]
SQLITE_DOWN = ["DROP TABLE IF EXISTS search_fts"]
POSTGRES_UP = [
    "ALTER TABLE search_document ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english', coalesce(keywords, '')), 'B') || "
    "setweight(to_tsvector('english', coalesce(body, '')), 'C')) STORED",
    "CREATE INDEX search_document_tsv ON search_document USING GIN (tsv)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS search_document_tsv",
                 "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return apply


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
    ]

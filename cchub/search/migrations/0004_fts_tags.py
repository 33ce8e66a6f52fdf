"""SQLite: the FTS5 table gains a ``tags`` column holding one token per facet value, so that
facet filters are part of the engine's match (see index.tag). The table is rebuilt from the
documents and their facet values; PostgreSQL is unchanged."""

from django.db import migrations

COLUMNS = "title, keywords, body{tags}, tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3'"


def _recreate(schema_editor, with_tags: bool) -> None:
    schema_editor.execute("DROP TABLE IF EXISTS search_fts")
    schema_editor.execute(
        f"CREATE VIRTUAL TABLE search_fts USING fts5({COLUMNS.format(tags=', tags' if with_tags else '')})")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from cchub.search.index import tag

    _recreate(schema_editor, with_tags=True)
    Document = apps.get_model("search", "Document")
    FacetValue = apps.get_model("search", "FacetValue")
    last = 0
    while True:
        docs = list(Document.objects.filter(pk__gt=last).order_by("pk")
                    .values_list("pk", "doc_type", "title", "keywords", "body")[:2000])
        if not docs:
            break
        last = docs[-1][0]
        values: dict[int, list[str]] = {}
        for doc_id, name, value in FacetValue.objects.filter(document_id__in=[d[0] for d in docs]) \
                .values_list("document_id", "name", "value"):
            values.setdefault(doc_id, []).append(tag(name, value))
        with schema_editor.connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO search_fts(rowid, title, keywords, body, tags) VALUES (%s, %s, %s, %s, %s)",
                [(pk, title, keywords, body, " ".join(values.get(pk, [tag("type", doc_type)])))
                 for pk, doc_type, title, keywords, body in docs])


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    _recreate(schema_editor, with_tags=False)
    with schema_editor.connection.cursor() as cur:
        cur.execute("INSERT INTO search_fts(rowid, title, keywords, body) "
                    "SELECT id, title, keywords, body FROM search_document")


class Migration(migrations.Migration):
    dependencies = [("search", "0003_vector_document_text_hash")]

    operations = [migrations.RunPython(forwards, backwards)]

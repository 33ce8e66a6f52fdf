"""SQLite: a second, small FTS5 table of titles and facet tags, ``search_title``.

Large indexes rank a query's best candidates among the records whose title has every word
(search.bounded). Asking the main table for ``{title} : (...)`` makes FTS5 read the positions
of every record with the words anywhere (150 ms at a million records for three common
words); this table holds titles only, so the same walk reads title doclists alone. It is
filled from the main table; PostgreSQL is unchanged."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("CREATE VIRTUAL TABLE search_title USING fts5(title, tags, "
                          "tokenize = 'porter unicode61 remove_diacritics 2')")
    schema_editor.execute("INSERT INTO search_title(rowid, title, tags) SELECT rowid, title, tags FROM search_fts")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_title")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_fts_tags")]

    operations = [migrations.RunPython(forwards, backwards)]

"""SQLite: a second, small FTS5 table of titles and facet tags, and both tables keyed by
minus the document id.

* ``search_title``: large indexes rank a query's best candidates among the records whose
  title has every word (search.bounded). Asking the main table for ``{title} : (...)`` makes
  FTS5 read the positions of every record with the words anywhere (150 ms at a million
  records for three common words); this table holds titles only.
* Minus the id: bounded search walks the newest matches first, and FTS5 walks its doclists
  upwards about a third faster than downwards; with negated keys the newest come first.

Both tables are filled from the existing one; PostgreSQL is unchanged."""

from django.db import migrations

TOKENIZE = "tokenize = 'porter unicode61 remove_diacritics 2'"


def _negate_keys(schema_editor, titles: bool) -> None:
    """Rebuild search_fts with every rowid negated; then, if asked, search_title from it."""
    ex = schema_editor.execute
    ex("DROP TABLE IF EXISTS search_title")
    ex(f"CREATE VIRTUAL TABLE search_fts_new USING fts5(title, keywords, body, tags, {TOKENIZE}, prefix = '2 3')")
    # Descending old keys are ascending new ones: FTS5 builds fastest in key order.
    ex("INSERT INTO search_fts_new(rowid, title, keywords, body, tags) "
       "SELECT -rowid, title, keywords, body, tags FROM search_fts ORDER BY rowid DESC")
    ex("DROP TABLE search_fts")
    ex("ALTER TABLE search_fts_new RENAME TO search_fts")
    if titles:
        ex(f"CREATE VIRTUAL TABLE search_title USING fts5(title, tags, {TOKENIZE})")
        ex("INSERT INTO search_title(rowid, title, tags) SELECT rowid, title, tags FROM search_fts ORDER BY rowid")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _negate_keys(schema_editor, titles=True)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        _negate_keys(schema_editor, titles=False)


class Migration(migrations.Migration):
    dependencies = [("search", "0004_fts_tags")]

    operations = [migrations.RunPython(forwards, backwards)]

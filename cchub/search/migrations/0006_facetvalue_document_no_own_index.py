"""Facet rows lose the index Django gives a foreign key: the (document, name, value) index
serves every lookup by document, and a third index over millions of rows slowed bulk
indexing. Only the index is dropped (Django would copy the whole table on SQLite)."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "search_facetvalue_document_id_f6585e90"  # Django's name for it, on both engines


class Migration(migrations.Migration):
    dependencies = [("search", "0005_fts_titles")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="facetvalue",
                    name="document",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="facet_values", to="search.document"),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{INDEX}"',
                                  f'CREATE INDEX "{INDEX}" ON "search_facetvalue" ("document_id")'),
            ],
        ),
    ]

"""Multi-word synonyms registered as index tokens (search.synonyms)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("search", "0006_facetvalue_document_no_own_index")]

    operations = [
        migrations.CreateModel(
            name="Phrase",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("words", models.CharField(max_length=200, unique=True)),
                ("ready", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]

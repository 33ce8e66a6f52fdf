from django.db import migrations, models
import django.db.models.deletion


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="Document",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("doc_type", models.CharField(max_length=20)),
                ("object_id", models.CharField(max_length=64)),
                ("title", models.TextField()),
                ("keywords", models.TextField(blank=True)),
                ("body", models.TextField(blank=True)),
                ("url", models.CharField(max_length=300)),
                ("date", models.DateTimeField(blank=True, null=True)),
                ("facets", models.JSONField(default=dict)),
                ("indexed_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "indexes": [models.Index(fields=["doc_type", "date"], name="search_docu_doc_typ_bcb171_idx")],
                "constraints": [models.UniqueConstraint(fields=("doc_type", "object_id"), name="search_doc_unique")],
            },
        ),
        migrations.CreateModel(
            name="Term",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("term", models.CharField(max_length=60, unique=True)),
            ],
        ),
        migrations.CreateModel(
            name="ZeroResultQuery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("query", models.CharField(max_length=500)),
                ("doc_types", models.JSONField(default=list)),
                ("filters", models.JSONField(default=dict)),
                ("at", models.DateTimeField(auto_now_add=True, db_index=True)),
            ],
            options={"ordering": ["-at"]},
        ),
        migrations.CreateModel(
            name="FacetValue",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=30)),
                ("value", models.CharField(max_length=120)),
                ("document", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="facet_values", to="search.document")),
            ],
            options={
                "indexes": [
                    models.Index(fields=["name", "value", "document"], name="search_face_name_b2e1ce_idx"),
                    models.Index(fields=["document", "name", "value"], name="search_face_documen_e07ea8_idx"),
                ],
            },
        ),
    ]

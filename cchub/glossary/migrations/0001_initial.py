"""The glossary's own app. Its models were the vocab app's until now: Django learns of them
here while their tables (``vocab_term…``) and rows stay as they are, and the content types
(which the history and permissions point at) are renamed, not recreated."""

import cchub.lib.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ("term", "termdefinition", "termcomment")


def _move_content_types(apps, source, target):
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        old = content_type.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        content_type.objects.filter(app_label=target, model=model).delete()
        old.app_label = target
        old.save(update_fields=["app_label"])


def rename_content_types(apps, schema_editor):
    _move_content_types(apps, "vocab", "glossary")


def rename_content_types_back(apps, schema_editor):
    _move_content_types(apps, "glossary", "vocab")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('interop', '0003_job_runner'),
        ('registry', '0004_job_runner'),
        ('vocab', '0005_terms_move_to_glossary'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='Term',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('updated_at', models.DateTimeField(auto_now=True)),
                    ('version', models.PositiveIntegerField(default=1, editable=False)),
                    ('slug', models.SlugField(help_text="Part of the term's stable URI", max_length=80, unique=True)),
                    ('uri', models.URLField(blank=True, help_text='Set when the term came from another vocabulary', max_length=400)),
                    ('pref_label', models.CharField(max_length=200)),
                    ('alt_labels', models.JSONField(blank=True, default=list)),
                    ('acronyms', models.JSONField(blank=True, default=list)),
                    ('definition', models.TextField()),
                    ('source', models.CharField(blank=True, help_text='A citation', max_length=500)),
                    ('source_url', cchub.lib.models.HttpURLField(blank=True, max_length=400)),
                    ('examples', models.JSONField(blank=True, default=list)),
                    ('translations', models.JSONField(blank=True, default=dict, help_text='{"fr": {"pref_label": "...", "alt_labels": [...], "definition": "..."}}')),
                    ('status', models.CharField(choices=[('proposed', 'Proposed'), ('in-review', 'In review'), ('approved', 'Approved'), ('deprecated', 'Deprecated')], default='proposed', max_length=12)),
                    ('decision', models.TextField(blank=True, help_text="The Task Force's recorded decision")),
                    ('decided_at', models.DateTimeField(blank=True, null=True)),
                    ('broader', models.ManyToManyField(blank=True, related_name='narrower', to='glossary.term')),
                    ('clusters', models.ManyToManyField(blank=True, related_name='terms', to='registry.cluster')),
                    ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='decided_terms', to=settings.AUTH_USER_MODEL)),
                    ('domains', models.ManyToManyField(blank=True, related_name='terms', to='vocab.concept')),
                    ('origin', models.ForeignKey(blank=True, editable=False, help_text='The hub or site this record was harvested from', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='interop.source')),
                    ('proposed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='proposed_terms', to=settings.AUTH_USER_MODEL)),
                    ('related', models.ManyToManyField(blank=True, to='glossary.term')),
                    ('replaced_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='replaces', to='glossary.term')),
                    ('reviewers', models.ManyToManyField(blank=True, related_name='terms_to_review', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'vocab_term',
                    'ordering': ['pref_label'],
                },
            ),
            migrations.CreateModel(
                name='TermComment',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('body', models.TextField()),
                    ('action', models.CharField(blank=True, help_text='The workflow step it came with', max_length=20)),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('term', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='glossary.term')),
                ],
                options={
                    'db_table': 'vocab_termcomment',
                    'ordering': ['created_at', 'pk'],
                },
            ),
            migrations.CreateModel(
                name='TermDefinition',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.TextField()),
                    ('source', models.CharField(blank=True, max_length=500)),
                    ('cluster', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='registry.cluster')),
                    ('term', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='variants', to='glossary.term')),
                ],
                options={
                    'db_table': 'vocab_termdefinition',
                    'constraints': [models.UniqueConstraint(fields=('term', 'cluster'), name='term_definition_unique')],
                },
            ),
            ],
        ),
        migrations.RunPython(rename_content_types, rename_content_types_back),
    ]

"""The glossary's terms move to their own app, ``glossary``: only Django's idea of the models
moves; the tables stay where they are (``vocab_term…``), with every row."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('vocab', '0004_http_urls'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.RemoveField(
                model_name='termdefinition',
                name='term',
            ),
            migrations.RemoveField(
                model_name='termcomment',
                name='term',
            ),
            migrations.RemoveField(
                model_name='termcomment',
                name='author',
            ),
            migrations.RemoveField(
                model_name='termdefinition',
                name='cluster',
            ),
            migrations.DeleteModel(
                name='Term',
            ),
            migrations.DeleteModel(
                name='TermComment',
            ),
            migrations.DeleteModel(
                name='TermDefinition',
            ),
            ],
        ),
    ]

"""The groups the helpdesk's workflow names: created here so that a new hub has them."""

from django.db import migrations

GROUPS = ("Triagers", "Network administrators")


def create(apps, schema_editor):
    group = apps.get_model("auth", "Group")
    for name in GROUPS:
        group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("support", "0005_desk_tools"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

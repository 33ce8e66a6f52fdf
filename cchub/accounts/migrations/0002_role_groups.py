"""The groups the hub's roles rest on, present from the first migrate (no hand set-up)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

# Kept here as literals: a migration records what the groups were called when it ran.
ROLE_GROUPS = (
    "Network administrators",
    "Triagers",
    "Glossary Task Force",
    "Glossary reviewers",
    "Onboarding curators",
)


def create(apps: Any, schema_editor: Any) -> None:
    group = apps.get_model("auth", "Group")
    for name in ROLE_GROUPS:
        group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]

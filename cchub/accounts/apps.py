from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "cchub.accounts"
    verbose_name = "Accounts"
